"""Customers at scale: Stripe calls and wall time of a sync, and the customer list's first page.

Starts an emulator process (persistence off), creates N Stripe customers each with a
subscription on the Standard prices, imports them (`flask customers import --from-stripe`
path), then:

- sync of every customer, unpaced: Stripe calls used, wall time, and calls/100 (the floor at
  Stripe's live limit of 100 requests/s);
- the same sync paced at 100 requests/s (the app's RequestPacer), --repeat times over --paced
  customers, so the paced wall time can be compared with calls/100 without waiting for all N;
- the emulator alone: one page of 100 subscriptions (coupons expanded, as the sync reads them)
  from the middle of the list, median round trip over --runs requests on a keep-alive session;
- GET /customers (first page) with N customers: median server time over --runs requests.

    .venv/bin/python bench/bench_customers.py [--n 10000] [--paced 500] [--repeat 3] [--runs 20] [--threads 8]
        [--db sqlite|postgres]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

PASSWORD = "bench-password-123"


def seed_stripe(url: str, n: int, threads: int) -> None:
    from app import collaborators
    from app.extensions import db
    from app.services.catalog import bootstrap_catalog, catalog_id

    bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())
    prices = [catalog_id(db.session, "price", f"{p}_standard") for p in ("product_analytics", "session_replay")]
    clients = [harness.make_client(url) for _ in range(threads)]

    def one(i: int) -> None:
        client = clients[i % threads]
        customer = client.v1.customers.create(params={"name": f"Bench customer {i:05d}", "email": f"c{i}@bench.example",
                                                      "metadata": {"organisation_id": f"org-{i:05d}"}})
        client.v1.subscriptions.create(params={"customer": customer.id, "items": [{"price": p} for p in prices]})

    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(n)))
    print(f"seeded {n} Stripe customers with subscriptions in {time.perf_counter() - start:.1f}s")


def sync(ids: list[int], pacer=None) -> tuple[int, float, dict]:
    from flask import current_app

    from app.extensions import db
    from app.gateways.stripe import StripeGateway
    from app.services.customer_bulk_sync import sync_customers

    gateway = StripeGateway(current_app.extensions["stripe_client"], pacer=pacer, http=current_app.extensions["stripe_http"])
    start = time.perf_counter()
    result = sync_customers(db.session, gateway, ids, lambda done, line: None)
    return gateway.calls, time.perf_counter() - start, result


def subscription_page_ms(url: str, runs: int, n: int) -> tuple[list[float], int]:
    """The emulator's share of a sync: round trips for one mid-list page, and its size in bytes."""
    import requests

    session = requests.Session()
    session.trust_env = False
    session.headers["Authorization"] = "Bearer sk_test_bench"
    params = {"limit": 100, "expand[]": "data.discounts.source.coupon"}
    for _ in range(min(50, n // 200)):  # to the middle of a 10,000-subscription list (of a smaller one)
        params["starting_after"] = session.get(f"{url}/v1/subscriptions", params=params).json()["data"][-1]["id"]
    timings, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        size = len(session.get(f"{url}/v1/subscriptions", params=params).content)
        timings.append((time.perf_counter() - start) * 1000)
    return timings, size


def list_page_ms(app, runs: int) -> list[float]:
    client = harness.admin_client(app, password=PASSWORD)
    timings = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = client.get("/customers")
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return timings[1:]  # the first request warms template caches


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--paced", type=int, default=500, help="customers synced at 100 requests/s")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3, help="paced syncs, for a median")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite",
                        help="postgres: BENCH_DATABASE_URL, its public schema recreated")
    args = parser.parse_args()
    workdir = harness.scratch_dir("bench-customers-")
    proc, url = harness.start_emulator()
    try:
        from app import collaborators
        from app.extensions import db
        from app.gateways.stripe import RequestPacer
        from app.models import Customer
        from app.services.customer_sync import import_customers_from_stripe

        app = harness.bench_app(harness.database_url(args.db, workdir / "bench.db"), url, WTF_CSRF_ENABLED=False,
                        INSTANCE_PATH=str(workdir), SECRET_KEY="bench")
        with app.app_context():
            seed_stripe(url, args.n, args.threads)
            report = import_customers_from_stripe(db.session, collaborators.stripe_gateway())
            db.session.commit()
            print(f"imported {len(report.created)} customers")
            ids = list(db.session.scalars(db.select(Customer.id).order_by(Customer.id)))

            calls, seconds, result = sync(ids)
            print(f"sync {len(ids)} customers, unpaced: {calls} Stripe calls ({calls / len(ids):.2f}/customer), "
                  f"{seconds:.1f}s wall; at 100 req/s the calls alone need {calls / 100:.1f}s; "
                  f"synced {result['synced']}, failed {result['failed']}")

            paced_ids, walls = ids[:args.paced], []
            for _ in range(args.repeat):
                calls, seconds, _ = sync(paced_ids, RequestPacer(100))
                walls.append(seconds)
                print(f"sync {len(paced_ids)} customers paced at 100 req/s: {calls} calls, {seconds:.2f}s wall vs "
                      f"calls/100 = {calls / 100:.2f}s (ratio {seconds / (calls / 100):.2f}); "
                      f"projected for {len(ids)}: {seconds * len(ids) / len(paced_ids):.0f}s")
            print(f"paced: median {statistics.median(walls):.2f}s over {len(walls)} runs, "
                  f"ratio {statistics.median(walls) / (calls / 100):.2f}")

            timings, size = subscription_page_ms(url, args.runs, args.n)
            print(f"emulator, one page of 100 subscriptions (coupons expanded, {size // 1000} KB) from mid-list: "
                  f"median {statistics.median(timings):.1f} ms round trip over {len(timings)} requests")

        timings = list_page_ms(app, args.runs)
        print(f"GET /customers first page with {len(ids)} customers: median {statistics.median(timings):.1f} ms, "
              f"p90 {sorted(timings)[int(len(timings) * 0.9) - 1]:.1f} ms over {len(timings)} requests (test client)")
    finally:
        proc.kill()


if __name__ == "__main__":
    main()
