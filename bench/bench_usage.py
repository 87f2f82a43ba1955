"""Usage ingestion through gunicorn, and the daily send against the emulator with live limits.

    .venv/bin/python bench/bench_usage.py                        # both parts, SQLite and PostgreSQL
    .venv/bin/python bench/bench_usage.py --part ingest --db sqlite
    .venv/bin/python bench/bench_usage.py --part send --orgs 25000

Ingestion: `POST /api/usage/events` in batches of 500 unique events against gunicorn as
scripts/run.sh starts it (2 workers x 4 threads), from client processes on loopback (keep-alive
http.client, a few threads each, bodies encoded once with a fresh identifier prefix per request), bounded by
count and time; accepted events/s (median of the runs) and the workers' peak RSS (VmHWM).
PostgreSQL uses BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/bench) and
drops and recreates its public schema.

Daily send: N organisations x 3 products (customers, links, snapshots and reports inserted
directly; Stripe customers created in the emulator before its limit is switched on), then
`flask usage send-reports` with the emulator at Stripe's live meter limits (1,000 requests/s,
10,000 v2 stream events/s): v1 (stream threshold forced high) for one usage day and the v2 stream
for the day before, then the v2 day again (nothing left to send). Each organisation has a report
for each of the HISTORY_DAYS days of its period so far. Floors: events / 1,000 per s for v1,
events / 10,000 per s for v2.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

TMP = harness.scratch_dir("bench-usage-")

import orjson  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402

from app.extensions import db  # noqa: E402
from app.services.api_tokens import create_api_token  # noqa: E402
from app.services.audit import Actor  # noqa: E402

ACTOR = Actor.system("bench")
BATCH = 500
HISTORY_DAYS = 20  # the send reads each organisation's reports since its period started


# ---------------------------------------------------------------- ingestion

def _prepare_ingest(url: str) -> tuple[str, list[str]]:
    app = harness.bench_app(url)
    with app.app_context():
        _row, token = create_api_token(db.session, ACTOR, "bench instance")
        db.session.commit()
        catalog = app.extensions["catalog"]
        names = [p.meter_event for p in catalog.products.values() if p.metered]
        db.engine.dispose()
    return token, names


MARK = b"@@"  # where a batch's unique identifier prefix goes in a pre-encoded body
TEMPLATES = 8


def _body_templates(names: list[str]) -> list[bytes]:
    """Batch bodies encoded once: 500 events over a minute of timestamps and as many organisations.

    Each request fills in its own identifier prefix (one bytes.replace), so the load generator sends
    500 new events per request without spending the shared cores on building and encoding them."""
    start = datetime.now(UTC) - timedelta(minutes=30)
    stamps = [(start - timedelta(seconds=k % 60)).strftime("%Y-%m-%dT%H:%M:%SZ") for k in range(BATCH)]
    return [json.dumps({"events": [{"identifier": f"{MARK.decode()}{k}", "organization_id": f"org-{(t * 997 + k) % 5000}",
                                    "event_name": names[k % len(names)], "value": 1 + k % 9, "timestamp": stamps[k]}
                                   for k in range(BATCH)]}).encode() for t in range(TEMPLATES)]


def _client(port: int, token: str, names: list[str], tag: str, batches, deadline: float, threads: int, out) -> None:
    """One load-generator process: `threads` keep-alive connections taking batch numbers from a shared counter."""
    templates = _body_templates(names)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    totals = {"accepted": 0, "requests": 0, "errors": 0, "statuses": {}}
    lock = threading.Lock()

    def work(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            with batches.get_lock():
                batch = batches.value
                if batch <= 0:
                    break
                batches.value -= 1
            body = templates[batch % TEMPLATES].replace(MARK, f"{tag}-{n}-{batch}-".encode())
            try:
                conn.request("POST", "/api/usage/events", body, headers)
                response = conn.getresponse()
                data = response.read()
                stored = orjson.loads(data).get("stored", 0) if response.status in (202, 409, 422) else 0
            except (OSError, http.client.HTTPException, ValueError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                with lock:
                    totals["errors"] += 1
                continue
            with lock:
                totals["accepted"] += stored
                totals["requests"] += 1
                totals["statuses"][response.status] = totals["statuses"].get(response.status, 0) + 1
        conn.close()

    harness.in_threads(work, [(n,) for n in range(threads)])
    totals["cpu_s"] = time.process_time()
    out.put(totals)


def _ingest_run(port, token, names, tag, events, seconds, procs, threads) -> dict:
    batches = multiprocessing.Value("i", events // BATCH)
    out = multiprocessing.Queue()
    started = time.perf_counter()
    deadline = time.monotonic() + seconds
    workers = [multiprocessing.Process(target=_client, args=(port, token, names, f"{tag}p{p}", batches, deadline,
                                                            threads, out)) for p in range(procs)]
    for w in workers:
        w.start()
    results = [out.get() for _ in workers]
    for w in workers:
        w.join()
    wall = time.perf_counter() - started
    accepted = sum(r["accepted"] for r in results)
    statuses: dict = {}
    for r in results:
        for k, v in r["statuses"].items():
            statuses[str(k)] = statuses.get(str(k), 0) + v
    return {"accepted": accepted, "wall_s": round(wall, 2), "events_per_s": round(accepted / wall),
            "loadavg_1min_after": round(os.getloadavg()[0], 2),
            "client_cpu_ms_per_1000_events": round(sum(r["cpu_s"] for r in results) * 1e6 / max(accepted, 1), 1),
            "requests": sum(r["requests"] for r in results), "client_errors": sum(r["errors"] for r in results),
            "statuses": statuses}


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _vm(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])  # kB
    return 0


SERVER_ARGS = ("--workers", "2", "--threads", "4")  # as scripts/run.sh starts the product


def bench_ingest(kind: str, options) -> dict:
    url = harness.database_url(kind, TMP / "ingest.db")
    token, names = _prepare_ingest(url)
    port = harness.free_port()
    env = os.environ | {"DATABASE_URL": url, "INSTANCE_PATH": str(TMP / f"instance-{kind}"),
                        "HUEY_SQLITE_PATH": str(TMP / f"huey-{kind}.db"), "USAGE_API_RATE": "1000000",
                        "USAGE_API_BURST": "1000000", "SECRET_KEY": "bench-secret", "BILLING_ENV": "development"}
    log = (TMP / f"gunicorn-{kind}.log").open("w")  # noqa: SIM115 - the server's stderr for its lifetime
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", *SERVER_ARGS, "-b", f"127.0.0.1:{port}",
                               "--log-level", "warning"], cwd=harness.ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    try:
        harness.wait_port(port, server)
        time.sleep(1.0)
        workers = _children(server.pid)
        # warm-up: imports, connections, first statements
        _ingest_run(port, token, names, f"{kind}-warm", 5 * BATCH, 10, 1, 2)
        runs = []
        for r in range(options.runs):
            cpu = harness.cpu_seconds(*workers)
            run = _ingest_run(port, token, names, f"{kind}-r{r}", options.events, options.seconds, options.procs,
                              options.threads)
            run["server_cpu_ms_per_1000_events"] = round((harness.cpu_seconds(*workers) - cpu) * 1e6 / max(run["accepted"], 1), 1)
            runs.append(run)
        workers = _children(server.pid) or workers
        peak = {str(pid): round(_vm(pid, "VmHWM") / 1024, 1) for pid in workers}
    finally:
        server.terminate()
        server.wait(15)
        log.close()
    rates = [r["events_per_s"] for r in runs]
    return {"database": kind, "server": " ".join(("gunicorn", *SERVER_ARGS)), "batch": BATCH,
            "client_processes": options.procs, "threads_per_process": options.threads,
            "events_per_run_cap": options.events, "seconds_per_run_cap": options.seconds,
            "events_per_s_median": statistics.median(rates), "runs": runs,
            "worker_peak_rss_mb": peak, "goal_events_per_s": 10000,
            "meets_goal": statistics.median(rates) >= 10000}


# ---------------------------------------------------------------- daily send

def _emulator_customers(port: int, count: int, threads: int = 8) -> list[str]:
    ids: list[str | None] = [None] * count
    counter = iter(range(count))
    lock = threading.Lock()

    def work():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Authorization": "Bearer sk_test_bench", "Content-Type": "application/x-www-form-urlencoded"}
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            conn.request("POST", "/v1/customers", f"name=Bench+{n}".encode(), headers)
            response = conn.getresponse()
            data = json.loads(response.read())
            ids[n] = data["id"]
        conn.close()

    harness.in_threads(work, [()] * threads)
    return ids  # type: ignore[return-value]


def _post_json(url: str, payload: dict) -> dict:
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/_emulator/faults", json.dumps(payload).encode(), {"Content-Type": "application/json"})
    data = json.loads(conn.getresponse().read())
    conn.close()
    return data


def _emulator_meter_counts(url: str) -> dict:
    port = int(url.rsplit(":", 1)[1])
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("GET", "/_emulator/dump")
    dump = json.loads(conn.getresponse().read())
    conn.close()
    usage = dump.get("extras", {}).get("meter_usage") or {}
    return {"identifiers": len(usage.get("ids", {}))}


def bench_send(options) -> dict:
    from app.billing.usage_days import local_today
    from app.models import Customer, CustomerOrganisation, UsageReport
    from app.services.catalog import bootstrap_catalog
    from app.timeutil import utcnow

    orgs = options.orgs
    proc, url = harness.start_emulator()
    try:
        db_url = harness.database_url(options.send_db, TMP / "send.db")
        app = harness.bench_app(db_url, url, migrate=False, STRIPE_METER_EVENT_RATE=options.meter_rate,
                        STRIPE_STREAM_EVENT_RATE=options.stream_rate, USAGE_SEND_THREADS=options.send_threads)
        setup_started = time.perf_counter()
        with app.app_context():
            upgrade()
            from app import collaborators

            bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())
            db.session.commit()
            products = [p.key for p in collaborators.catalog().products.values() if p.metered][:3]
            stripe_ids = _emulator_customers(int(url.rsplit(":", 1)[1]), orgs)
            emulator_setup_s = time.perf_counter() - setup_started
            report_date = local_today(utcnow(), collaborators.usage_zone())
            # v1 sends usage day report_date - 1, v2 the day before; both periods started HISTORY_DAYS ago
            period_start = int(datetime.combine(report_date - timedelta(days=HISTORY_DAYS), datetime.min.time(), UTC).timestamp())
            period_end = period_start + 30 * 86400
            customers, links, reports = [], [], []
            for n, stripe_id in enumerate(stripe_ids, 1):
                sub = f"sub_bench_{n:06d}"
                customers.append({"id": n, "name": f"Bench {n}", "stripe_customer_id": stripe_id, "subscription_id": sub,
                                  "plans_map": {}, "billing_limits": {},
                                  "stripe_snapshot": {"subscriptions": [{"id": sub, "current_period_start": period_start,
                                                                         "current_period_end": period_end}]}})
                org = f"org_bench_{n:06d}"
                links.append({"customer_id": n, "organisation_id": org})
                for back in range(HISTORY_DAYS, 0, -1):  # every day of the period so far: period-to-date reads them all
                    reports.append({"organisation_id": org, "instance": "bench", "date": report_date - timedelta(days=back),
                                    "usage": {k: 100 + (n + i) % 50 for i, k in enumerate(products)},
                                    "received_at": datetime.now(UTC).replace(tzinfo=None)})
            for table, rows in ((Customer, customers), (CustomerOrganisation, links), (UsageReport, reports)):
                for start in range(0, len(rows), 5000):
                    db.session.execute(insert(table), rows[start:start + 5000])
            db.session.commit()
            if options.send_db == "postgresql":
                db.session.execute(text("SELECT setval('customers_id_seq', (SELECT max(id) FROM customers))"))
                db.session.commit()
            db.session.remove()
        setup_s = time.perf_counter() - setup_started
        # Stripe's live meter event limits: v1 1,000 calls/s, the v2 stream 10,000 events/s
        _post_json(url, {"rate_limit": 1000, "stream_event_rate": 10000})
        runner = app.test_cli_runner()
        results = {}
        paths = (("v1", report_date, 10 ** 9), ("v2", report_date - timedelta(days=1), 1000))
        for path, report, threshold in (p for p in paths if options.path in (p[0], "both")):
            app.config["USAGE_STREAM_THRESHOLD"] = threshold
            started = time.perf_counter()
            outcome = runner.invoke(args=["usage", "send-reports", "--date", report.isoformat()])
            wall = time.perf_counter() - started
            lines = outcome.output.strip().splitlines()
            events = orgs * len(products)
            floor = events / 1000
            results[path] = {"report_date": report.isoformat(), "exit_code": outcome.exit_code,
                             "summary": lines[-1] if lines else repr(outcome.exception),
                             "events": events, "wall_s": round(wall, 2),
                             "events_per_s": round(events / wall), "floor_s_at_1000_per_s": round(floor, 2),
                             "ratio_to_floor": round(wall / floor, 3)}
        if "v2" in results:
            results["v2"]["under_60s"] = results["v2"]["wall_s"] < 60
            floor = orgs * len(products) / 10000
            results["v2"] |= {"floor_s_at_10000_events_per_s": floor, "ratio_to_v2_floor": round(results["v2"]["wall_s"] / floor, 3)}
            started = time.perf_counter()
            again = runner.invoke(args=["usage", "send-reports", "--date", results["v2"]["report_date"]])
            results["v2_rerun"] = {"wall_s": round(time.perf_counter() - started, 2),
                                   "summary": again.output.strip().splitlines()[-1]}
        counts = _emulator_meter_counts(url)
    finally:
        harness.stop(proc)
    projection = None
    if orgs != 25000:
        projection = {f"{path}_wall_s": round(results[path]["wall_s"] * 25000 / orgs, 1) for path in ("v1", "v2")
                      if path in results} | {"orgs": 25000, "note": "linear projection"}
    return {"database": options.send_db, "organisations": orgs, "products": len(products),
            "setup_s": round(setup_s, 1), "emulator_customers_s": round(emulator_setup_s, 1),
            "emulator_rate_limit_per_s": 1000, "app_meter_pacer_per_s": options.meter_rate,
            "app_stream_pacer_events_per_s": options.stream_rate, "send_threads": options.send_threads, "history_days": HISTORY_DAYS, **results,
            "emulator_identifiers": counts["identifiers"], "expected_identifiers": sum(p in results for p in ("v1", "v2")) * orgs * len(products),
            "projection": projection}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("ingest", "send", "all"), default="all")
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--events", type=int, default=150_000, help="cap per ingestion run")
    parser.add_argument("--seconds", type=float, default=20, help="cap per ingestion run")
    parser.add_argument("--procs", type=int, default=2, help="load-generator processes")
    parser.add_argument("--threads", type=int, default=3, help="keep-alive connections per process")
    parser.add_argument("--orgs", type=int, default=25000)
    parser.add_argument("--send-db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--path", choices=("v1", "v2", "both"), default="both", help="which send path(s) to time")
    parser.add_argument("--meter-rate", type=float, default=950, help="the app's meter event pacer, per second")
    parser.add_argument("--stream-rate", type=float, default=9500, help="the app's v2 stream pacer, events per second")
    parser.add_argument("--send-threads", type=int, default=8, help="USAGE_SEND_THREADS for the send")
    options = parser.parse_args()
    out = {"machine": {"cpus": os.cpu_count(), "loadavg_before": os.getloadavg()}}
    if options.part in ("ingest", "all"):
        kinds = ("sqlite", "postgresql") if options.db == "both" else (options.db,)
        out["ingest"] = [bench_ingest(kind, options) for kind in kinds]
    if options.part in ("send", "all"):
        out["send"] = bench_send(options)
    out["machine"]["loadavg_after"] = os.getloadavg()
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
