"""Meter event throughput of the Stripe emulator from one client process.

Starts the emulator in its own process (persistence off) unless --url is given and reports
medians over several runs of: v1 meter events/s and v2 stream events/s (100 per call) sent
with stripe-python's StripeClient (what the app does), then the same over raw keep-alive HTTP
with pre-encoded bodies (the emulator's own capacity, without the SDK's client-side cost).

    .venv/bin/python bench/bench_emulator_meters.py [--runs 5] [--n 2000] [--threads 4]
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests
import stripe

API_KEY = "sk_test_bench"
_ids = itertools.count()


def make_client(url, api_key=API_KEY):
    session = requests.Session()
    session.trust_env = False
    return stripe.StripeClient(api_key, base_addresses={"api": url, "meter_events": url},
                               max_network_retries=2,
                               http_client=stripe.RequestsClient(session=session))


def start_emulator():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "stripe_emulator", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            requests.get(f"{url}/_emulator/health", timeout=1)
            return proc, url
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("emulator did not start")


def rate(fn, calls, threads, per_call):
    start = time.perf_counter()
    if threads == 1:
        for i in range(calls):
            fn(i)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fn, range(calls)))
    return calls * per_call / (time.perf_counter() - start)


def report(name, rates):
    print(f"{name:<48} median {statistics.median(rates):8.0f} events/s "
          f"(runs {', '.join(f'{r:.0f}' for r in rates)})", flush=True)
    return statistics.median(rates)


def v2_batch(customer, event_name, size=100):
    base = f"{next(_ids)}-{uuid.uuid4().hex[:8]}"
    return [{"event_name": event_name, "identifier": f"v2-{base}-{k}",
             "payload": {"stripe_customer_id": customer, "value": "1"}} for k in range(size)]


def sdk_v1(url, customer, event_name):
    client = make_client(url)
    return lambda i: client.v1.billing.meter_events.create(params={
        "event_name": event_name, "identifier": f"v1-{next(_ids)}-{uuid.uuid4().hex[:8]}",
        "payload": {"stripe_customer_id": customer, "value": "1"}})


def sdk_v2(url, token, customer, event_name):
    client = make_client(url, token)
    return lambda i: client.v2.billing.meter_event_stream.create(
        params={"events": v2_batch(customer, event_name)})


def raw(url, path, bodies, headers, connections):
    """Events/s over `connections` keep-alive connections posting pre-encoded `bodies`."""
    parts = urllib.parse.urlsplit(url)
    chunks = [bodies[i::connections] for i in range(connections)]

    def worker(chunk):
        conn = http.client.HTTPConnection(parts.hostname, parts.port)
        for body in chunk:
            conn.request("POST", path, body, {**headers, "Idempotency-Key": uuid.uuid4().hex})
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise SystemExit(f"{path}: HTTP {response.status}")
        conn.close()

    start = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(c,)) for c in chunks]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return time.perf_counter() - start


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--url", help="use a running emulator instead of starting one")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--n", type=int, default=2000, help="v1 events per run (v2: n calls x 100)")
    p.add_argument("--threads", type=int, default=4, help="client threads for threaded runs")
    args = p.parse_args(argv)
    proc, url = (None, args.url) if args.url else start_emulator()
    try:
        client = make_client(url)
        customer = client.v1.customers.create().id
        event_name = f"bench_{os.getpid()}_{next(_ids)}"
        client.v1.billing.meters.create(params={
            "display_name": "Bench", "event_name": event_name,
            "default_aggregation": {"formula": "sum"}})
        print(f"stripe-python {stripe.VERSION}, {url}, {args.runs} runs, {os.cpu_count()} CPUs",
              flush=True)
        runs = range(args.runs)
        v2_calls = max(args.n // 10, 20)
        send = sdk_v1(url, customer, event_name)
        report("SDK v1 meter_events.create, 1 thread",
               [rate(send, args.n, 1, 1) for _ in runs])
        report(f"SDK v1 meter_events.create, {args.threads} threads",
               [rate(send, args.n, args.threads, 1) for _ in runs])
        token = client.v2.billing.meter_event_session.create().authentication_token
        stream = sdk_v2(url, token, customer, event_name)
        report("SDK v2 meter_event_stream (100/call), 1 thread",
               [rate(stream, v2_calls, 1, 100) for _ in runs])
        report("SDK v2 meter_event_stream (100/call), 2 threads",
               [rate(stream, v2_calls, 2, 100) for _ in runs])
        form = {"Authorization": f"Bearer {API_KEY}",
                "Content-Type": "application/x-www-form-urlencoded"}
        rates = []
        for _ in runs:
            bodies = [urllib.parse.urlencode({
                "event_name": event_name, "identifier": f"raw1-{next(_ids)}-{uuid.uuid4().hex}",
                "payload[stripe_customer_id]": customer, "payload[value]": "1"})
                for _ in range(args.n)]
            rates.append(args.n / raw(url, "/v1/billing/meter_events", bodies, form, 2))
        report("raw HTTP v1 meter events, 2 connections", rates)
        token = client.v2.billing.meter_event_session.create().authentication_token
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        rates = []
        for _ in runs:
            bodies = [json.dumps({"events": v2_batch(customer, event_name)})
                      for _ in range(v2_calls)]
            rates.append(v2_calls * 100 / raw(url, "/v2/billing/meter_event_stream", bodies,
                                              headers, 2))
        report("raw HTTP v2 stream (100/call), 2 connections", rates)
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
