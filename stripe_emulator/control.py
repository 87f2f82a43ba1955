"""`/_emulator/*`: inspection and control for tests, benchmarks and demos (no auth; not Stripe).

Bodies are JSON (or a query string). Other modules may add endpoints with `@control_route`.
"""

import json
from urllib.parse import parse_qsl

from . import errors

CONTROL_ROUTES = {}


def control_route(method, path):
    """Register `fn(emulator, body_dict) -> JSON-able` for `/_emulator/...`."""

    def register(fn):
        CONTROL_ROUTES[(method, path)] = fn
        return fn

    return register


def dispatch(emulator, method, path, query, body, request_id):
    fn = CONTROL_ROUTES.get((method, path.rstrip("/")))
    if fn is None:
        raise errors.unrecognized_url(method, path)
    try:
        data = json.loads(body) if body else dict(parse_qsl(query))
        result = fn(emulator, data if isinstance(data, dict) else {})
    except (ValueError, TypeError) as exc:
        raise errors.invalid(str(exc)) from None
    headers = [("Content-Type", "application/json"), ("Request-Id", request_id)]
    return 200, headers, json.dumps(result).encode()


def _clock(emulator):
    clock = emulator.state.clock
    return {"now": clock.now(), "frozen": clock.frozen_at is not None}


@control_route("GET", "/_emulator/health")
def health(emulator, data):
    return {"ok": True}


@control_route("POST", "/_emulator/reset")
def reset(emulator, data):
    emulator.reset()
    return {"ok": True, **_clock(emulator)}


@control_route("GET", "/_emulator/clock")
def get_clock(emulator, data):
    return _clock(emulator)


@control_route("POST", "/_emulator/clock")
def set_clock(emulator, data):
    """`{"now": unix}` or `{"advance_seconds": n}`, optionally `{"frozen": bool}`.

    Tick hooks run before this returns."""
    frozen = data.get("frozen")
    if isinstance(frozen, str):
        frozen = frozen.lower() == "true"
    now = data.get("now")
    advance = data.get("advance_seconds")
    emulator.state.set_time(now=int(now) if now is not None else None,
                            advance=int(advance) if advance is not None else None, frozen=frozen)
    return _clock(emulator)


@control_route("GET", "/_emulator/faults")
def get_faults(emulator, data):
    return emulator.faults.to_json()


@control_route("POST", "/_emulator/faults")
def set_faults(emulator, data):
    """Any of latency_ms, rate_limit, fail_rate, fail_next, fail_after_execute_next,
    path_prefix, fail_mode ("error" | "disconnect")."""
    return emulator.faults.configure(**data)


@control_route("GET", "/_emulator/dump")
def dump(emulator, data):
    with emulator.state.lock:
        snapshot = emulator.state.to_json()
        snapshot.pop("idempotency")
        snapshot["now"] = emulator.state.clock.now()
        return json.loads(json.dumps(snapshot))
