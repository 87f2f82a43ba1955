"""The Annual Plan Table in Chromium: opening a cell's editor and saving a cell, as a person sees it.

    .venv/bin/python bench/bench_grid_browser.py            # 100 rows, 100 samples of each

Each sample is read inside the page from htmx's own events (performance.now() at
`htmx:beforeRequest` and at `htmx:afterSwap` of the same request), not from Playwright's waits:
the time from the request leaving to its fragment being in the page. Keys drive it as a person
would (Enter opens the editor, typing, Enter saves and moves down). Goal on loopback:
p50 <= 50 ms, p95 <= 150 ms.
"""
from __future__ import annotations

import json
import os
import statistics
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("BENCH_ROWS", "100")
from bench import harness  # noqa: E402
from bench.bench_annual_plans import ACTOR, ROWS, _Indexed, _write_documents  # noqa: E402

TMP = harness.scratch_dir("bench-grid-browser-")
os.environ["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"

from werkzeug.serving import make_server  # noqa: E402

from app.extensions import db  # noqa: E402
from app.services.contract_loading import load_plan  # noqa: E402
from app.services.contract_webhooks import create_plan_for_document  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
EMAIL, PASSWORD = "bench@staff.example", "bench-password-1"
FIELD = "line.product_analytics.volume"
# performance.now() at each request's start and at its swap, read from htmx's events in the page.
TIMING = """
window.__samples = [];
document.addEventListener("htmx:beforeRequest", (e) => { e.detail.xhr.__start = performance.now(); });
document.addEventListener("htmx:afterSwap", (e) => {
  const xhr = e.detail.xhr;
  if (!xhr || xhr.__start === undefined) return;
  window.__samples.push([e.detail.requestConfig.verb, e.detail.pathInfo.requestPath, performance.now() - xhr.__start]);
  delete xhr.__start;
});
"""


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 1)


def _serve(app) -> tuple[object, str]:
    server = make_server("127.0.0.1", int(os.environ.get("BENCH_PORT", 0)), app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def main() -> None:
    from playwright.sync_api import sync_playwright

    folder = TMP / "contracts"
    folder.mkdir()
    ids = _write_documents(folder)
    app = harness.bench_app(f"sqlite:///{TMP / 'bench.db'}", CONTRACT_SOURCE="files", CONTRACT_FILES_DIR=str(folder))
    harness.admin_client(app, EMAIL, PASSWORD)
    with app.app_context():
        plan_ids = [create_plan_for_document(db.session, d, "Bench", ACTOR, load=False).id for d in ids]
        db.session.commit()
        for plan_id in plan_ids:
            load_plan(db.session, ACTOR, plan_id, _Indexed(folder), app.extensions["contract_mapping"], [])
            db.session.commit()
    server, url = _serve(app)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(base_url=url, viewport={"width": 1440, "height": 900})
            page.add_init_script(TIMING)
            page.goto("/login")
            page.fill("input[name=email]", EMAIL)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/annual-plans")
            page.locator(f'tr[id^=plan-] td[data-field="{FIELD}"]').first.focus()
            for n in range(min(ROWS, 100)):
                page.keyboard.press("Enter")  # opens the editor (GET)
                page.wait_for_selector("td[data-cancel-url] input[name=value]")
                page.keyboard.press("Control+A")
                page.keyboard.type(f"{60 + n % 30} million")
                page.keyboard.press("Enter")  # saves (POST) and moves down
                page.wait_for_function("() => !document.querySelector('td[data-cancel-url], #annual-plans[aria-busy]')")
            samples = page.evaluate("() => window.__samples")
            browser.close()
    finally:
        server.shutdown()
    opens = [ms for verb, path, ms in samples if verb == "get" and path.endswith("/edit")]
    saves = [ms for verb, path, ms in samples if verb == "post" and f"/cells/{FIELD}" in path]
    print(json.dumps({"rows": ROWS, "open_editor": {"samples": len(opens), "p50_ms": _percentile(opens, 50),
                                                     "p95_ms": _percentile(opens, 95)},
                      "save_cell": {"samples": len(saves), "p50_ms": _percentile(saves, 50),
                                    "p95_ms": _percentile(saves, 95),
                                    "mean_ms": round(statistics.mean(saves), 1) if saves else None}}, indent=2))


if __name__ == "__main__":
    main()
