"""Meter event throughput of the Stripe emulator from one client process.

Starts the emulator in its own process (persistence off) unless --url is given and reports
medians over several runs of: v1 meter events/s and v2 stream events/s (100 per call) sent
with stripe-python's StripeClient (what the app does), then the same over raw keep-alive HTTP
with pre-encoded bodies (the emulator's own capacity, without the SDK's client-side cost).

    .venv/bin/python bench/bench_emulator_meters.py [--runs 5] [--n 2000] [--threads 4]
"""

from __future__ import annotations

import itertools
import json
import os
import statistics
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import stripe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

_ids = itertools.count()


def report(name, rates):
    print(f"{name:<48} median {statistics.median(rates):8.0f} events/s "
          f"(runs {', '.join(f'{r:.0f}' for r in rates)})", flush=True)
    return statistics.median(rates)


def v2_batch(customer, event_name, size=100):
    base = f"{next(_ids)}-{uuid.uuid4().hex[:8]}"
    return [{"event_name": event_name, "identifier": f"v2-{base}-{k}",
             "payload": {"stripe_customer_id": customer, "value": "1"}} for k in range(size)]


def sdk_v1(url, customer, event_name):
    client = harness.make_client(url)
    return lambda i: client.v1.billing.meter_events.create(params={
        "event_name": event_name, "identifier": f"v1-{next(_ids)}-{uuid.uuid4().hex[:8]}",
        "payload": {"stripe_customer_id": customer, "value": "1"}})


def sdk_v2(url, token, customer, event_name):
    client = harness.make_client(url, token)
    return lambda i: client.v2.billing.meter_event_stream.create(
        params={"events": v2_batch(customer, event_name)})


def raw(url, path, bodies, headers, connections):
    """Seconds to post pre-encoded `bodies` over `connections` keep-alive connections."""
    start = time.perf_counter()
    harness.in_threads(lambda chunk: harness.post_keep_alive(url, path, chunk, headers),
                       [(bodies[i::connections],) for i in range(connections)])
    return time.perf_counter() - start


def main(argv=None):
    args = harness.emulator_options(__doc__.split("\n")[0], 2000, "v1 events per run (v2: n calls x 100)").parse_args(argv)
    proc, url = harness.emulator_at(args.url)
    try:
        client = harness.make_client(url)
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
               [harness.rate(send, args.n, 1, 1) for _ in runs])
        report(f"SDK v1 meter_events.create, {args.threads} threads",
               [harness.rate(send, args.n, args.threads, 1) for _ in runs])
        token = client.v2.billing.meter_event_session.create().authentication_token
        stream = sdk_v2(url, token, customer, event_name)
        report("SDK v2 meter_event_stream (100/call), 1 thread",
               [harness.rate(stream, v2_calls, 1, 100) for _ in runs])
        report("SDK v2 meter_event_stream (100/call), 2 threads",
               [harness.rate(stream, v2_calls, 2, 100) for _ in runs])
        rates = []
        for _ in runs:
            bodies = [urllib.parse.urlencode({
                "event_name": event_name, "identifier": f"raw1-{next(_ids)}-{uuid.uuid4().hex}",
                "payload[stripe_customer_id]": customer, "payload[value]": "1"})
                for _ in range(args.n)]
            rates.append(args.n / raw(url, "/v1/billing/meter_events", bodies, harness.FORM_HEADERS, 2))
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
        harness.stop(proc, 10)


if __name__ == "__main__":
    main()
