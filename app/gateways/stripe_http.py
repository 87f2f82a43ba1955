"""Stripe's hot paths over plain HTTP: meter events for the nightly usage send, and the list
pages a bulk customer sync reads.

stripe-python spends about 1 ms of CPU on a v1 meter event call and 5 ms on a v2 stream call
doing work these calls do not need (it form-encodes even the JSON body it sends to v2, and
rebuilds its telemetry user agent each time); over a 75,000-event night that is more than the
rest of the send. A list page of 100 subscriptions costs it ~0.5 s to turn into StripeObjects
and back. These send the same requests (endpoint, key or session token, body or query,
Stripe-Version, idempotency key) from one thread-safe urllib3 pool (requests' per-call work,
proxy and netrc lookups included, cost another millisecond), retry what Stripe says to retry,
and leave the wording of errors to the gateway.
"""
from __future__ import annotations

import hashlib
import json
import random
import time
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

import orjson
import urllib3

API_BASE = "https://api.stripe.com"
METER_EVENTS_BASE = "https://meter-events.stripe.com"
NETWORK_ATTEMPTS = 3  # a 5xx, 409 or dropped connection: as stripe-python's client is set up (2 retries)
RATE_LIMIT_ATTEMPTS = 6  # a 429, backed off, as the gateway does for every other call


class StripeRefused(Exception):
    """Stripe's answer when it refused the call, or status 0 when it could not be reached."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 request_id: str | None = None):
        super().__init__(message)
        self.status, self.code, self.param, self.request_id = status, code, param, request_id


class StripeHTTP:
    def __init__(self, api_key: str, api_base: str | None, api_version: str, user_agent: str,
                 sleep: Callable[[float], None] = time.sleep, timeout: float = 30):
        self.api_url = (api_base or API_BASE).rstrip("/")
        self.event_url = self.api_url + "/v1/billing/meter_events"
        self.stream_url = (api_base or METER_EVENTS_BASE).rstrip("/") + "/v2/billing/meter_event_stream"
        self.api_key, self.sleep = api_key, sleep
        self.headers = {"Stripe-Version": api_version, "User-Agent": user_agent}
        self.pool = _pool(self.event_url, timeout)

    def create_meter_event(self, params: dict, key: str) -> None:
        """v1: one event, form-encoded as Stripe takes it; `key` is the idempotency key."""
        fields = {k: v for k, v in params.items() if k != "payload"}
        fields |= {f"payload[{k}]": v for k, v in params.get("payload", {}).items()}
        self._send("POST", self.event_url, urlencode(fields), {
            "Authorization": f"Bearer {self.api_key}", "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": key})

    def stream_meter_events(self, token: str, events: list[dict]) -> None:
        """v2: up to 100 events; the idempotency key is the events' identifiers, so a retry is a replay."""
        digest = hashlib.sha256("\n".join(e.get("identifier", "") for e in events).encode()).hexdigest()
        self._send("POST", self.stream_url, json.dumps({"events": events}, separators=(",", ":")),
                   {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                    "Idempotency-Key": f"stream-{digest}"})

    def list_page(self, path: str, params: dict) -> tuple[dict, str | None]:
        """One page of a v1 list, parsed, and its request id; `params` as stripe-python encodes them."""
        query = urlencode([(k, v) for k, v in params.items() if not isinstance(v, list | dict)]
                          + [(f"{k}[{i}]", item) for k, v in params.items() if isinstance(v, list)
                             for i, item in enumerate(v)]
                          + [(f"{k}[{sub}]", item) for k, v in params.items() if isinstance(v, dict)
                             for sub, item in v.items()])
        response = self._send("GET", f"{self.api_url}{path}?{query}", None,
                              {"Authorization": f"Bearer {self.api_key}", "Accept-Encoding": "gzip"})
        # orjson: ~1.8 ms for a 450 KB page of 100 subscriptions, json ~4.5 ms
        return orjson.loads(response.data), response.headers.get("Request-Id")

    def _send(self, method: str, url: str, body: str | None, headers: dict) -> urllib3.BaseHTTPResponse:
        headers = {**self.headers, **headers}
        failures = limited = 0
        while True:
            try:
                response = self.pool.request(method, url, body=body, headers=headers)
            except urllib3.exceptions.HTTPError as exc:
                failures += 1
                if failures == NETWORK_ATTEMPTS:
                    raise StripeRefused(0, str(exc)) from exc  # the gateway says "Could not reach Stripe"
            else:
                if response.status < 300:
                    return response
                if response.status == 429:
                    limited += 1
                elif response.status == 409 or response.status >= 500:
                    failures += 1
                else:
                    raise _refusal(response)
                if failures == NETWORK_ATTEMPTS or limited == RATE_LIMIT_ATTEMPTS:
                    raise _refusal(response)
            self.sleep(min(0.25 * 2 ** (failures + limited), 8.0) * (0.5 + random.random() / 2))



def _pool(url: str, timeout: float) -> urllib3.PoolManager:
    """Keep-alive connections for a few sending or reading threads, through the environment's proxy if any
    (looked up once, not on every call)."""
    options = {"maxsize": 16, "retries": False, "timeout": urllib3.Timeout(total=timeout)}
    proxy = urllib.request.getproxies().get(urlsplit(url).scheme)
    if proxy and not urllib.request.proxy_bypass(urlsplit(url).hostname or ""):
        return urllib3.ProxyManager(proxy, **options)
    return urllib3.PoolManager(**options)


def _refusal(response: urllib3.BaseHTTPResponse) -> StripeRefused:
    try:
        error = json.loads(response.data).get("error") or {}
    except ValueError:
        error = {}
    return StripeRefused(response.status, error.get("message") or f"HTTP {response.status}",
                        error.get("code"), error.get("param"), response.headers.get("Request-Id"))
