"""The request pipeline: auth, rate limit, idempotency, faults, validation, handler, render.

`Emulator.handle` is transport-free (method, target, headers, body -> status, headers, body);
`server.py` speaks HTTP to it and `wsgi` adapts it for any WSGI server.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import traceback

import orjson

from . import control, errors, forms, schema
from .faults import Faults
from .idempotency import Idempotency
from .persist import DEFAULT_INTERVAL, Persistence
from .render import expand_tree, render
from .routing import ROUTES, SECRET_KEY, Ctx, Router, load_resources
from .state import API_VERSION, State, random_token

log = logging.getLogger("stripe_emulator")
DISCONNECT = object()
_json_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _encode_bytes(payload) -> bytes:
    """orjson for the 450 KB list pages (stdlib json took a quarter of a page's time); anything it
    refuses goes through json as before."""
    try:
        return orjson.dumps(payload)
    except TypeError:
        return _json_encode(payload).encode()
_WRITE_METHODS = frozenset(("POST", "DELETE"))
STREAM_PATH = "/v2/billing/meter_event_stream"  # Stripe limits its events per second, not its calls


class Emulator:
    def __init__(self, state_file=None, latency_ms=0, rate_limit=None, fail_rate=0.0,
                 webhook_url=None, webhook_secret=None, seed=None,
                 save_interval_ms=DEFAULT_INTERVAL * 1000):
        load_resources()
        self.router = Router(ROUTES)
        self.state = State(config={"webhook_url": webhook_url, "webhook_secret": webhook_secret})
        self.faults = Faults(latency_ms, rate_limit, fail_rate, seed)
        self.idempotency = Idempotency()
        self.persistence = (Persistence(state_file, save_interval_ms / 1000)
                            if state_file else None)
        if self.persistence:
            self.persistence.load(self.state)
            self.persistence.start(self.state)

    def close(self):
        """Write pending state to `--state` (idempotent; the server calls it on shutdown)."""
        if self.persistence:
            self.persistence.close(self.state)

    def reset(self):
        """Fresh objects, real-time clock, no faults (what every test starts from)."""
        self.state.clock.offset, self.state.clock.frozen_at = 0, None
        self.state.reset()
        self.faults.reset()

    def handle(self, method, target, headers, body=b""):
        """Serve one request; returns `(status, header_list, body_bytes)` or `DISCONNECT`."""
        request_id = "req_" + random_token(14)
        path, _, query = target.partition("?")
        try:
            if path.startswith("/_emulator/"):
                return control.dispatch(self, method, path, query, body, request_id)
            return self._api(method, path, query, headers, body, request_id)
        except errors.StripeError as exc:
            return _error(exc, request_id)
        except Exception:  # noqa: BLE001 - a bug must still answer in Stripe's shape
            log.error("emulator bug on %s %s\n%s", method, target, traceback.format_exc())
            return _error(errors.api_error(), request_id)

    def _api(self, method, path, query, headers, body, request_id):
        route, path_params = self.router.match(method, path)
        ctx = Ctx(self, method, path, headers, request_id)
        ctx.route, ctx.path = route, path_params
        if route is None or route.auth == SECRET_KEY:
            ctx.api_key = authenticate(headers.get("authorization"))
        if route is None:
            raise errors.unrecognized_url(method, path)
        if route.auth != SECRET_KEY:
            ctx.api_key = route.auth(ctx)
        if not self.faults.take_token():
            raise errors.rate_limited()
        raw = self._decode(route, method, query, body)
        if path == STREAM_PATH and not self.faults.take_stream_events(len(raw.get("events") or [])):
            raise errors.rate_limited()  # like any 429, before the idempotency key saves anything
        key = headers.get("idempotency-key") if method in _WRITE_METHODS else None
        ctx.idempotency_key = key
        if not key:
            return self._execute(ctx, route, raw, request_id, None)
        if len(key) > 255:
            raise errors.invalid("Idempotency keys can be at most 255 characters long.",
                                 param="Idempotency-Key")
        scope = (ctx.api_key, key)
        if route.api == "v1":
            fingerprint = forms.fingerprint(raw)
        else:
            def fingerprint():
                return forms.digest(body)
        record = self.idempotency.begin(self.state, scope, f"{method} {path}", fingerprint)
        if record is not None:
            return _replay(record, key)
        try:
            return self._execute(ctx, route, raw, request_id, (scope, fingerprint))
        finally:
            self.idempotency.abandon(self.state, scope)

    def _decode(self, route, method, query, body):
        if method == "POST":
            if route.api == "v2":
                return forms.decode_json(body)
            return forms.decode_form(body.decode("utf-8") if body else query)
        return forms.decode_form(query)

    def _execute(self, ctx, route, raw, request_id, claim):
        faults = self.faults
        if faults.latency_ms:
            time.sleep(faults.latency_ms / 1000)
        injected = faults.before(ctx.url)
        if injected is not None:
            return _injected(injected, request_id)
        params = schema.validate(route.params, raw)
        ctx.expand = params.pop("expand", None) if route.api == "v1" else None
        ctx.params = params
        status, payload, extra, validation_failed = self._run(ctx, route)
        body = _encode_bytes(payload)
        if claim is not None and not validation_failed:
            fingerprint = claim[1]
            record = {"endpoint": f"{ctx.method} {ctx.url}", "fingerprint": fingerprint,
                      "status": status, "body": body.decode(), "request_id": request_id,
                      "created": self.state.now()}
            if extra:  # an error's own headers (`Stripe-Should-Retry`) replay with it
                record["headers"] = [list(h) for h in extra]
            if callable(fingerprint):  # hash a v2 body once the response is on its way
                record["fingerprint"] = None
                self.state.defer(lambda: record.__setitem__("fingerprint", fingerprint()))
            self.idempotency.finish(self.state, claim[0], record)
        persistence = self.persistence
        if persistence is not None and persistence.synchronous and ctx.method != "GET":
            persistence.save(self.state)
        injected = faults.after(ctx.url)
        if injected is not None:
            return _injected(injected, request_id)
        return status, _headers(request_id, ctx.idempotency_key) + extra, body

    def _run(self, ctx, route):
        state = self.state
        with state.lock:
            if state.pending:
                state.settle()
            if state.clock.now() != state.last_tick:
                state.tick()
            state.context.request = (ctx.request_id, ctx.idempotency_key)
            state.pin_time()
            try:
                result = route.handler(ctx)
                status, obj = result if isinstance(result, tuple) else (200, result)
                return status, render(state, obj, expand_tree(ctx.expand)), [], False
            except errors.StripeError as exc:
                return exc.status, exc.body(ctx.request_id), list(exc.headers.items()), exc.validation
            finally:
                state.context.request = None
                state.pinned = None

    def wsgi(self, environ, start_response):
        """WSGI adapter, for mounting under another server."""
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        target = environ.get("PATH_INFO", "/")
        if environ.get("QUERY_STRING"):
            target += "?" + environ["QUERY_STRING"]
        result = self.handle(environ["REQUEST_METHOD"], target, headers, body)
        if result is DISCONNECT:
            result = _error(errors.api_error(), "req_disconnect")
        status, header_list, payload = result
        start_response(f"{status} {'OK' if status < 400 else 'ERROR'}", header_list)
        return [payload]


def authenticate(header):
    """The secret key from `Authorization` (Bearer or Basic), or Stripe's 401."""
    if not header:
        raise errors.StripeError(
            401, "You did not provide an API key. You need to provide your API key in the "
            "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
            "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details.")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "basic":
        try:
            value = base64.b64decode(value).decode().partition(":")[0]
        except ValueError:
            value = ""
    elif scheme != "bearer":
        value = ""
    value = value.strip()
    if not value.startswith(("sk_test_", "rk_test_")) or len(value) <= 8:
        shown = value[:8] + "*" * 4 + value[-4:] if len(value) > 12 else value
        raise errors.StripeError(401, f"Invalid API Key provided: {shown}")
    return value


def _headers(request_id, idempotency_key=None):
    headers = [("Content-Type", "application/json"), ("Request-Id", request_id),
               ("Stripe-Version", API_VERSION)]
    if idempotency_key:
        headers.append(("Idempotency-Key", idempotency_key))
    return headers


def _replay(record, key):
    headers = _headers(record["request_id"], key)
    headers.extend(tuple(h) for h in record.get("headers", ()))
    headers.append(("Idempotent-Replayed", "true"))
    return record["status"], headers, record["body"].encode()


def _error(exc, request_id):
    headers = _headers(request_id)
    headers.extend(exc.headers.items())
    return exc.status, headers, _encode_bytes(exc.body(request_id))


def _injected(mode, request_id):
    if mode == "disconnect":
        return DISCONNECT
    return _error(errors.api_error("An injected error occurred (emulator fault)."), request_id)
