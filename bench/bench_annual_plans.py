"""Annual Plan Table at 1,000 rows: load from contract, grid render, one cell save.

    .venv/bin/python bench/bench_annual_plans.py                 # SQLite (temp file)
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python bench/bench_annual_plans.py

Server time is measured in-process through Flask's test client (no network, no browser).
"""
from __future__ import annotations

import copy
import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

TMP = harness.scratch_dir("bench-plans-")
os.environ["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"

from app.extensions import db  # noqa: E402
from app.gateways.contracts import FolderSource  # noqa: E402
from app.models import AnnualPlan  # noqa: E402
from app.services.audit import Actor  # noqa: E402
from app.services.contract_loading import load_plan  # noqa: E402
from app.services.contract_webhooks import create_plan_for_document  # noqa: E402

ROWS = int(os.environ.get("BENCH_ROWS", 1000))
ACTOR = Actor.system("bench")


def _write_documents(folder: Path) -> list[str]:
    template = json.loads((harness.ROOT / "demo" / "contracts" / "acme.details.json").read_text())
    ids = []
    for n in range(ROWS):
        doc = copy.deepcopy(template)
        doc["id"] = f"BenchDoc{n:05d}"
        for token in doc["tokens"]:
            if token["name"] == "Client.Company":
                token["value"] = f"Company {n:05d}"
        (folder / f"bench-{n:05d}.details.json").write_text(json.dumps(doc))
        ids.append(doc["id"])
    return ids


class _Indexed(FolderSource):
    """The folder source, with the files indexed once (what a 1,000-document replay would do)."""

    def __init__(self, directory):
        super().__init__(directory)
        self.by_id = {json.loads(p.read_text())["id"]: p for p in Path(directory).glob("*.json")}

    def fetch_details(self, document_id):
        return json.loads(self.by_id[document_id].read_text())


def median_ms(samples):
    return round(statistics.median(samples) * 1000, 1)


def main() -> None:
    url = harness.database_url("postgresql" if os.environ.get("BENCH_DATABASE_URL") else "sqlite", TMP / "bench.db")
    folder = TMP / "contracts"
    folder.mkdir()
    ids = _write_documents(folder)
    app = harness.bench_app(url, CONTRACT_SOURCE="files", CONTRACT_FILES_DIR=str(folder), WTF_CSRF_ENABLED=False)
    client = harness.admin_client(app)
    with app.app_context():
        plan_ids = [create_plan_for_document(db.session, d, "Bench", ACTOR, load=False).id for d in ids]
        db.session.commit()
        source, mapping = _Indexed(folder), app.extensions["contract_mapping"]
        started = time.perf_counter()
        for plan_id in plan_ids:
            load_plan(db.session, ACTOR, plan_id, source, mapping, [])
            db.session.commit()
        load_seconds = time.perf_counter() - started

    grid = []
    for _ in range(7):
        t = time.perf_counter()
        response = client.get("/annual-plans")
        grid.append(time.perf_counter() - t)
        assert response.status_code == 200 and response.data.count(b"<tr id=\"plan-") == min(ROWS, 100)
    scroll = []
    for _ in range(3):
        t, page = time.perf_counter(), 1
        while True:
            response = client.get(f"/annual-plans?page={page}", headers={"HX-Request": "true"})
            if b"load-more" not in response.data:
                break
            page += 1
        scroll.append(time.perf_counter() - t)
    saves = []
    with app.app_context():
        plan_id = plan_ids[ROWS // 2]
        for n in range(31):
            version = db.session.get(AnnualPlan, plan_id).version
            db.session.remove()
            t = time.perf_counter()
            response = client.post(f"/annual-plans/{plan_id}/cells/line.product_analytics.volume",
                                   data={"value": f"{60 + n} million", "version": version},
                                   headers={"HX-Request": "true"})
            saves.append(time.perf_counter() - t)
            assert response.status_code == 200, response.data[:300]
    dialect = url.split(":", 1)[0]
    print(json.dumps({"database": dialect, "rows": ROWS, "load_from_contract_s": round(load_seconds, 2),
                      "grid_first_page_median_ms": median_ms(grid), "grid_first_page_min_ms": round(min(grid) * 1000, 1),
                      "grid_all_rows_by_scrolling_median_ms": median_ms(scroll),
                      "cell_save_median_ms": median_ms(saves), "page_bytes": len(response.data)}, indent=2))


if __name__ == "__main__":
    main()
