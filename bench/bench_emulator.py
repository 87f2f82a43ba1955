"""Stripe emulator throughput from one client process, using stripe-python's StripeClient.

Starts the emulator in its own process (persistence off) unless --url is given, then reports
the median of several runs for: customer creates/s, v1 meter events/s, v2 meter event stream
events/s (100 events a call; measured when the emulator serves the v2 stream). Beside each
figure: the emulator's CPU time per call, and the "SDK ceiling", the same calls against a
zero-work server replaying the emulator's own response, which is the most any server could
give this client process. The emulator's capacity over raw keep-alive HTTP is printed too.

    .venv/bin/python bench/bench_emulator.py [--runs 5] [--n 1000] [--threads 4]
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests
import stripe

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import harness  # noqa: E402

_ids = itertools.count()


def measure(name, make_fn, url, n, runs, threads, pid, unit_per_call=1, ceiling=None):
    """Print the median rate against the emulator, and against a replay server if asked.

    With a ceiling, emulator and replay runs alternate, so drifting machine load hits both
    figures alike.
    """
    fn = make_fn(url)
    fn(0)
    replay_fn = stop = None
    if ceiling is not None:
        replay_url, stop = replay_server(ceiling)
        replay_fn = make_fn(replay_url)
        replay_fn(0)
    rates, cpu, tops = [], [], []
    try:
        for _ in range(runs):
            before = harness.cpu_seconds(pid) if pid else None
            rates.append(harness.rate(fn, n, threads, unit_per_call))
            if before is not None:
                cpu.append((harness.cpu_seconds(pid) - before) / n * 1e6)
            if replay_fn is not None:
                tops.append(harness.rate(replay_fn, n, threads, unit_per_call))
    finally:
        if stop is not None:
            stop()
    median = statistics.median(rates)
    line = f"{name:<44} median {median:7.0f}/s (runs {', '.join(f'{r:.0f}' for r in rates)})"
    if cpu:
        line += f"; emulator CPU {statistics.median(cpu):.0f} us/call"
    if tops:
        top = statistics.median(tops)
        line += f"; SDK ceiling {top:.0f}/s ({median / top:.0%})"
    print(line, flush=True)
    return median


REPLAY = """
import socket, sys, threading
body = open(sys.argv[2], "rb").read()
resp = (b"HTTP/1.1 200 OK\\r\\nContent-Type: application/json\\r\\nRequest-Id: req_replay\\r\\n"
        b"Content-Length: %d\\r\\n\\r\\n" % len(body)) + body
def serve(c):
    buf = b""
    while True:
        while b"\\r\\n\\r\\n" not in buf:
            data = c.recv(65536)
            if not data:
                return
            buf += data
        head, _, buf = buf.partition(b"\\r\\n\\r\\n")
        size = 0
        for line in head.split(b"\\r\\n"):
            if line.lower().startswith(b"content-length:"):
                size = int(line.split(b":")[1])
        while len(buf) < size:
            buf += c.recv(65536)
        buf = buf[size:]
        c.sendall(resp)
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
while True:
    c, _ = s.accept()
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def replay_server(body):
    """A zero-work HTTP server (own process) that answers every request with `body`."""
    import tempfile

    port = harness.free_port()
    with tempfile.NamedTemporaryFile("wb", suffix=".json", delete=False) as f:
        f.write(body)
    proc = subprocess.Popen([sys.executable, "-c", REPLAY, str(port), f.name])
    harness.wait_port(port, proc)

    def stop():
        proc.kill()
        proc.wait()
        os.unlink(f.name)
    return f"http://127.0.0.1:{port}", stop


def customer_create(url):
    client = harness.make_client(url)
    return lambda i: client.v1.customers.create(
        params={"email": f"bench{i}@example.com", "metadata": {"org_id": str(i)}},
        options={"idempotency_key": f"bench-cus-{next(_ids)}"})


def has_route(url, path, method="POST"):
    resp = requests.request(method, f"{url}{path}", auth=(harness.API_KEY, ""), data={})
    return resp.status_code != 404 or "Unrecognized request URL" not in resp.text


def sample(url, path, data=None, json=None, key=harness.API_KEY):
    """One real response body from the emulator, for the replay server."""
    resp = requests.post(f"{url}{path}", data=data, json=json,
                         headers={"Authorization": f"Bearer {key}"})
    resp.raise_for_status()
    return resp.content


def meter_setup(client):
    customer = client.v1.customers.create()
    meter = client.v1.billing.meters.create(params={
        "display_name": "Bench events", "event_name": f"bench_{next(_ids)}_{os.getpid()}",
        "default_aggregation": {"formula": "sum"}})
    return customer, meter


def v1_meter_event(customer, meter):
    def make(url):
        client = harness.make_client(url)

        def send(i):
            client.v1.billing.meter_events.create(params={
                "event_name": meter.event_name, "identifier": f"bench-{next(_ids)}-{time.time()}",
                "payload": {"stripe_customer_id": customer.id, "value": "1"}})
        return send
    return make


def _events(customer, meter, batch):
    base = next(_ids)
    return [{"event_name": meter.event_name, "identifier": f"bench-v2-{base}-{k}-{time.time()}",
             "payload": {"stripe_customer_id": customer.id, "value": "1"}}
            for k in range(batch)]


def v2_stream(token, customer, meter, batch=100):
    def make(url):
        stream = harness.make_client(url, token)
        return lambda i: stream.v2.billing.meter_event_stream.create(
            params={"events": _events(customer, meter, batch)})
    return make


def raw_capacity(url, n, threads, path="/v1/customers",
                 body=lambda: "email=raw%40example.com&metadata[org_id]=1"):
    """Requests/s the emulator sustains for `path` over keep-alive HTTP (no SDK)."""
    count = n // threads

    def worker():
        harness.post_keep_alive(url, path, (body() for _ in range(count)), harness.FORM_HEADERS)

    start = time.perf_counter()
    harness.in_threads(worker, [()] * threads)
    return count * threads / (time.perf_counter() - start)


def raw_v1_capacity(url, customer, meter, n, threads):
    """v1 meter events/s over keep-alive HTTP (no SDK)."""
    return raw_capacity(url, n, threads, "/v1/billing/meter_events", lambda: (
        f"event_name={meter.event_name}&identifier=raw-{next(_ids)}-{time.time()}"
        f"&payload[stripe_customer_id]={customer.id}&payload[value]=1"))


def main(argv=None):
    p = harness.emulator_options(__doc__.split("\n")[0], 1000, "calls per run")
    p.add_argument("--only", choices=("customers", "v1", "v2"), action="append",
                   help="measure only these groups (repeatable; default all)")
    args = p.parse_args(argv)
    only = set(args.only or ("customers", "v1", "v2"))
    proc, url = harness.emulator_at(args.url)
    pid = proc.pid if proc else None
    try:
        client = harness.make_client(url)
        print(f"stripe-python {stripe.VERSION}, emulator {url}, {args.runs} runs x {args.n} "
              f"calls, {os.cpu_count()} CPUs", flush=True)
        run = dict(n=args.n, runs=args.runs, pid=pid)
        if "customers" in only:
            body = sample(url, "/v1/customers",
                          {"email": "s@example.com", "metadata[org_id]": "1"})
            measure("customers.create, 1 client thread", customer_create, url, threads=1,
                    ceiling=body, **run)
            measure(f"customers.create, {args.threads} client threads", customer_create, url,
                    threads=args.threads, **run)
            rates = [raw_capacity(url, args.n, args.threads) for _ in range(args.runs)]
            print(f"{'customers.create, raw HTTP keep-alive':<44} median "
                  f"{statistics.median(rates):7.0f}/s (emulator capacity, no SDK)", flush=True)
        if not has_route(url, "/v1/billing/meter_events"):
            print("v1 meter events: not served by this emulator yet (skipped)")
            return
        customer, meter = meter_setup(client)
        if "v1" in only:
            body = sample(url, "/v1/billing/meter_events", {
                "event_name": meter.event_name, "identifier": f"sample-{time.time()}",
                "payload[stripe_customer_id]": customer.id, "payload[value]": "1"})
            measure("v1 meter events, 1 client thread", v1_meter_event(customer, meter), url,
                    threads=1, ceiling=body, **run)
            measure(f"v1 meter events, {args.threads} client threads",
                    v1_meter_event(customer, meter), url, threads=args.threads, **run)
            rates = [raw_v1_capacity(url, customer, meter, args.n, args.threads)
                     for _ in range(args.runs)]
            print(f"{'v1 meter events, raw HTTP keep-alive':<44} median "
                  f"{statistics.median(rates):7.0f}/s (emulator capacity, no SDK)", flush=True)
        if "v2" not in only:
            return
        if not has_route(url, "/v2/billing/meter_event_session"):
            print("v2 meter event stream: not served by this emulator yet (skipped)")
            return
        token = client.v2.billing.meter_event_session.create().authentication_token
        body = sample(url, "/v2/billing/meter_event_stream",
                      json={"events": _events(customer, meter, 100)}, key=token)
        measure("v2 stream events (100 per call), 1 thread", v2_stream(token, customer, meter),
                url, **{**run, "n": max(args.n // 10, 20)}, threads=1, unit_per_call=100,
                ceiling=body)
    finally:
        harness.stop(proc, 10)


if __name__ == "__main__":
    main()
