"""Signed webhook delivery to `/v1/webhook_endpoints` and to `--webhook-url`.

`emit_event` calls `_enqueue` under the state lock: it only renders the body and queues one
delivery per matching endpoint. A thread (started with the server) POSTs them with
`Stripe-Signature: t=<unix>,v1=<HMAC-SHA256("{t}.{body}")>` and retries non-2xx answers and
connection errors with doubling backoff, a bounded number of times. Control routes:
`GET /_emulator/webhooks` (deliveries), `POST /_emulator/webhooks/flush` (deliver now and
wait until nothing is pending), `POST /_emulator/webhooks/config` (`backoff_seconds`,
`max_attempts`, `timeout_seconds`).
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import itertools
import json
import logging
import threading
import time
from collections import deque
from urllib.parse import urlsplit

from ..control import control_route
from ..hooks import on_event, on_reset, on_start, on_stop
from ..render import render
from .webhook_endpoints import matching

log = logging.getLogger("stripe_emulator")
DEFAULTS = {"backoff_seconds": 0.5, "max_attempts": 6, "timeout_seconds": 5.0}
KEEP_RECORDS = 2000
_QUEUES = {}  # id(state) -> Deliveries
_ids = itertools.count(1)


def sign(body, secret, timestamp=None):
    """The `Stripe-Signature` header value for `body` (bytes)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


class Deliveries:
    """One emulator's delivery queue, records and worker thread."""

    def __init__(self, state):
        self.state = state
        self.config = dict(DEFAULTS)
        self.cond = threading.Condition()
        self.queue = deque()  # deliveries ready now or waiting for `due`
        self.records = deque(maxlen=KEEP_RECORDS)
        self.inflight = 0
        self.thread = None
        self.stopping = False
        self.generation = 0  # bumped by a reset: in-flight deliveries of older state drop

    def add(self, event, targets):
        body = json.dumps(render(self.state, event), separators=(",", ":")).encode()
        with self.cond:
            for endpoint_id, url, secret in targets:
                record = {"id": f"whdel_{next(_ids)}", "event": event["id"],
                          "type": event["type"], "endpoint": endpoint_id, "url": url,
                          "attempts": 0, "status": "pending", "http_status": None,
                          "error": None, "_secret": secret, "_body": body, "_due": 0.0,
                          "_generation": self.generation}
                self.records.append(record)
                self.queue.append(record)
            self.cond.notify_all()

    def clear(self):
        with self.cond:
            self.generation += 1
            self.queue.clear()
            self.records.clear()

    def _take(self, wait):
        """The next due delivery (claimed), or None after waiting up to `wait` seconds."""
        with self.cond:
            deadline = time.monotonic() + wait
            while not self.stopping:
                now = time.monotonic()
                ready = next((r for r in self.queue if r["_due"] <= now), None)
                if ready is not None:
                    self.queue.remove(ready)
                    self.inflight += 1
                    return ready
                soonest = min((r["_due"] for r in self.queue), default=deadline)
                if now >= deadline:
                    return None
                self.cond.wait(max(0.001, min(soonest, deadline) - now))
            return None

    def attempt(self, record):
        status, error = None, None
        try:
            status = _post(record["url"], record["_body"], record["_secret"],
                           self.config["timeout_seconds"])
        except (OSError, http.client.HTTPException, ValueError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self.cond:
            self.inflight -= 1
            record["attempts"] += 1
            record["http_status"], record["error"] = status, error
            if status is not None and 200 <= status < 300:
                record["status"] = "succeeded"
            elif record["attempts"] >= self.config["max_attempts"] or \
                    record["_generation"] != self.generation:
                record["status"] = "failed"
            else:
                delay = self.config["backoff_seconds"] * 2 ** (record["attempts"] - 1)
                record["_due"] = time.monotonic() + delay
                self.queue.append(record)
            self.cond.notify_all()
        if record["status"] == "succeeded" and record["_generation"] == self.generation:
            self._settled(record)

    def _settled(self, record):
        with self.state.lock:
            event = self.state.find(record["event"])
            if event is not None and event["pending_webhooks"] > 0:
                event["pending_webhooks"] -= 1

    def run(self):
        while not self.stopping:
            record = self._take(1.0)
            if record is not None:
                self.attempt(record)

    def flush(self, timeout):
        """Deliver everything queued (retries included) before returning."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.cond:
                if not self.queue and not self.inflight:
                    return True
            record = self._take(min(0.05, max(0.0, deadline - time.monotonic())))
            if record is not None:
                self.attempt(record)
        return False


def _post(url, body, secret, timeout):
    parts = urlsplit(url)
    conn_class = http.client.HTTPSConnection if parts.scheme == "https" else \
        http.client.HTTPConnection
    conn = conn_class(parts.hostname, parts.port, timeout=timeout)
    try:
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        conn.request("POST", path, body=body, headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(body, secret),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def deliveries_for(state):
    queue = _QUEUES.get(id(state))
    if queue is None:
        queue = _QUEUES[id(state)] = Deliveries(state)
    return queue


@on_event
def _enqueue(state, event):
    targets = matching(state, event["type"]) if state.objects.get("webhook_endpoint") else []
    url = state.config.get("webhook_url")
    if url:
        targets.append(("cli", url, state.config.get("webhook_secret") or ""))
    if targets:
        event["pending_webhooks"] = len(targets)
        deliveries_for(state).add(event, targets)


@on_start
def _start(emulator):
    queue = deliveries_for(emulator.state)
    queue.stopping = False
    if queue.thread is None or not queue.thread.is_alive():
        queue.thread = threading.Thread(target=queue.run, name="stripe-emulator-webhooks",
                                        daemon=True)
        queue.thread.start()


@on_stop
def _stop(emulator):
    queue = _QUEUES.get(id(emulator.state))
    if queue is not None:
        with queue.cond:
            queue.stopping = True
            queue.cond.notify_all()


@on_reset
def _reset(state):
    queue = _QUEUES.get(id(state))
    if queue is not None:
        queue.clear()
        queue.config = dict(DEFAULTS)


def _public(record):
    return {k: v for k, v in record.items() if not k.startswith("_")}


@control_route("GET", "/_emulator/webhooks")
def show(emulator, data):
    queue = deliveries_for(emulator.state)
    with queue.cond:
        records = [_public(r) for r in queue.records
                   if not data.get("event") or r["event"] == data["event"]]
        pending = len(queue.queue) + queue.inflight
    return {"deliveries": records, "pending": pending, "config": queue.config}


@control_route("POST", "/_emulator/webhooks/flush")
def flush(emulator, data):
    queue = deliveries_for(emulator.state)
    drained = queue.flush(float(data.get("timeout_seconds", 30)))
    return {"drained": drained, **show(emulator, {})}


@control_route("POST", "/_emulator/webhooks/config")
def configure(emulator, data):
    queue = deliveries_for(emulator.state)
    for key, cast in (("backoff_seconds", float), ("max_attempts", int),
                      ("timeout_seconds", float)):
        if key in data:
            queue.config[key] = cast(data[key])
    return queue.config
