"""Revenue at scale: a month's snapshot over N customers with twelve months of invoices each, and the page.

Starts an emulator process (persistence off) and seeds N paid customers, each with one finalized invoice per
month for the last twelve months (two product lines, the month as service period), then:

- the snapshot of the latest month, unpaced: Stripe calls, wall time, and calls/100 (the floor at Stripe's
  live limit of 100 requests/s);
- the same snapshot paced at 100 requests/s (the app's RequestPacer), --repeat times: wall time against
  calls/100, the ratio the issue asks to keep within 1.2;
- GET /revenue for that month with N customers, and GET /revenue/<month>.json: median server time over --runs
  requests (test client).

    .venv/bin/python bench/bench_revenue.py [--n 10000] [--repeat 3] [--runs 20] [--threads 8] [--db sqlite|postgres]
"""
from __future__ import annotations

import argparse
import cProfile
import gc
import http.client
import json
import statistics
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

PASSWORD = "bench-password-123"


class FormClient:
    """POSTs form bodies over one keep-alive connection (no SDK): seeding 360,000 calls fast."""

    def __init__(self, url: str):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port)

    def post(self, path: str, fields: dict) -> dict:
        self.conn.request("POST", path, urllib.parse.urlencode(fields), harness.FORM_HEADERS)
        response = self.conn.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path}: HTTP {response.status} {body[:200]!r}")
        return json.loads(body)


def seed(url: str, n: int, threads: int, months, products: list[str]) -> list[str]:
    """N Stripe customers, each with an invoice per month made just after that month ended (the emulator's
    clock moved there and back), so invoices are spread over the year as Stripe's are; their ids in order."""
    from app.billing.revenue import month_end
    from app.demo.revenue import _ts

    local = threading.local()

    def client() -> FormClient:
        local.client = getattr(local, "client", None) or FormClient(url)
        return local.client

    def customer(i: int) -> str:
        return client().post("/v1/customers", {"name": f"Revenue customer {i:05d}"})["id"]

    def invoice(args) -> None:
        i, k, cus, month = args
        invoice_id = client().post("/v1/invoices", {"customer": cus, "collection_method": "send_invoice",
                                                    "days_until_due": 30})["id"]
        for j, product in enumerate(products):
            client().post("/v1/invoiceitems", {
                "customer": cus, "invoice": invoice_id, "price_data[currency]": "usd",
                "price_data[product]": product, "price_data[unit_amount]": 10_000 + 100 * k + 7 * i + j,
                "period[start]": _ts(month), "period[end]": _ts(month_end(month))})
        client().post(f"/v1/invoices/{invoice_id}/finalize", {})

    start = time.perf_counter()
    _set_clock(url, _ts(months[0]) + 3600)
    with ThreadPoolExecutor(threads) as pool:
        ids = list(pool.map(customer, range(n)))
        for k, month in enumerate(months):
            _set_clock(url, min(_ts(month_end(month)) + 3600, int(time.time())))
            list(pool.map(invoice, [(i, k, cus, month) for i, cus in enumerate(ids)]))
    _set_clock(url, int(time.time()))
    print(f"seeded {n} customers x {len(months)} monthly invoices in {time.perf_counter() - start:.0f}s")
    return ids


def _set_clock(url: str, now: int) -> None:
    conn = FormClient(url).conn
    conn.request("POST", "/_emulator/clock", json.dumps({"now": now}), {"Content-Type": "application/json"})
    response = conn.getresponse()
    if response.status != 200:
        raise SystemExit(f"/_emulator/clock: HTTP {response.status} {response.read()[:200]!r}")
    response.read()


def snapshot(month, pacer=None, emulator_pid=None, profile: str | None = None):
    from flask import current_app

    from app import collaborators
    from app.extensions import db
    from app.gateways.stripe import StripeGateway
    from app.services.audit import Actor
    from app.services.revenue_snapshot import snapshot_month

    gateway = StripeGateway(current_app.extensions["stripe_client"], pacer=pacer,
                            http=current_app.extensions["stripe_http"])
    start, cpu = time.perf_counter(), time.process_time()
    emulator_cpu = harness.cpu_seconds(emulator_pid) if emulator_pid else 0.0
    collections = _GcTimer()
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    result = snapshot_month(db.session, gateway, collaborators.catalog(), month, Actor.system("bench"))
    db.session.commit()
    if profiler:
        profiler.disable()
        profiler.dump_stats(profile)
        print(f"  (profile in {profile}: python -m pstats {profile})")
    wall = time.perf_counter() - start
    collections.stop()
    emulator_cpu = harness.cpu_seconds(emulator_pid) - emulator_cpu if emulator_pid else 0.0
    print(f"  (CPU: this process {time.process_time() - cpu:.1f}s, the emulator {emulator_cpu:.1f}s, of {wall:.1f}s wall; "
          f"garbage collection {collections.seconds:.2f}s in {collections.count} passes)")
    return result, wall


class _GcTimer:
    """Time spent in Python's cyclic garbage collector (a big heap of decoded invoices makes it count)."""

    def __init__(self):
        self.seconds, self.count, self._started = 0.0, 0, 0.0
        gc.callbacks.append(self._callback)

    def _callback(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started
            self.count += 1

    def stop(self) -> None:
        gc.callbacks.remove(self._callback)


def page_ms(client, path: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return timings[1:]  # the first request warms template caches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3, help="paced snapshots, for a median")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--profile", metavar="PREFIX",
                        help="cProfile the first snapshot and an unpaced second one into PREFIX-first/-again.prof")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help="postgres: BENCH_DATABASE_URL, its public schema recreated")
    args = parser.parse_args()
    workdir = harness.scratch_dir("bench-revenue-")
    proc, url = harness.start_emulator()
    try:
        from app import collaborators
        from app.billing.revenue import previous_months
        from app.extensions import db
        from app.gateways.stripe import RequestPacer
        from app.models import Customer
        from app.services.catalog import bootstrap_catalog, catalog_id
        from app.timeutil import utcnow

        app = harness.bench_app(harness.database_url(args.db, workdir / "bench.db"), url, WTF_CSRF_ENABLED=False,
                                INSTANCE_PATH=str(workdir), SECRET_KEY="bench", APP_CLOCK="system")
        months = previous_months(utcnow().date().replace(day=1), 12)
        with app.app_context():
            bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())
            products = [catalog_id(db.session, "product", p) for p in ("product_analytics", "session_replay")]
            ids = seed(url, args.n, args.threads, months, products)
            db.session.add_all(Customer(name=f"Revenue customer {i:05d}", stripe_customer_id=cus, plans_map={},
                                        billing_limits={}, billing_configuration="paid") for i, cus in enumerate(ids))
            db.session.commit()

            result, seconds = snapshot(months[-1], emulator_pid=proc.pid,
                                       profile=args.profile and f"{args.profile}-first.prof")
            print(f"snapshot {months[-1]:%Y-%m}, unpaced: {result.stripe_calls} Stripe calls for {result.invoices_read} "
                  f"invoices, {seconds:.1f}s wall; at 100 req/s the calls alone need {result.stripe_calls / 100:.1f}s; "
                  f"{result.customers} customers, MRR {result.total_mrr_cents} cents, {result.unresolved} unresolved")
            if args.profile:
                snapshot(months[-1], emulator_pid=proc.pid, profile=f"{args.profile}-again.prof")
            walls = []
            for _ in range(args.repeat):
                result, seconds = snapshot(months[-1], RequestPacer(100), emulator_pid=proc.pid)
                walls.append(seconds)
                print(f"snapshot paced at 100 req/s: {result.stripe_calls} calls, {seconds:.1f}s wall vs calls/100 = "
                      f"{result.stripe_calls / 100:.1f}s (ratio {seconds / (result.stripe_calls / 100):.2f}), "
                      f"{result.changed} changed")
            print(f"paced: median {statistics.median(walls):.1f}s over {len(walls)} runs, "
                  f"ratio {statistics.median(walls) / (result.stripe_calls / 100):.2f}")
            snapshot(months[-2])  # the month before, for movements

        client = harness.admin_client(app, password=PASSWORD)
        for path in (f"/revenue?month={months[-1]:%Y-%m}", f"/revenue/{months[-1]:%Y-%m}.json"):
            timings = page_ms(client, path, args.runs)
            print(f"GET {path} with {len(ids)} customers: median {statistics.median(timings):.1f} ms, "
                  f"p90 {sorted(timings)[int(len(timings) * 0.9) - 1]:.1f} ms over {len(timings)} requests (test client)")
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
