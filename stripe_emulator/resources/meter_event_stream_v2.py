"""The v2 high-throughput meter event path: sessions and the event stream.

A session token is valid for 15 minutes of emulator time. The stream accepts up to 100 events
a call and, like Stripe, validates them asynchronously: bad events are dropped and reported as
v2 events (`v1.billing.meter.error_report_triggered`, or `v1.billing.meter.no_meter_found`
for unknown event names) listed by `GET /v2/core/events`.
"""

from datetime import UTC, datetime

from stripe.params.v2.billing import MeterEventSessionCreateParams, MeterEventStreamCreateParams

from .. import errors
from ..routing import route
from ..state import random_token
from . import meter_usage
from .v2_core_events import iso, record_v2_event

SESSION_SECONDS = 15 * 60
MAX_EVENTS = 100
_SESSIONS = "meter_event_sessions"


@route("POST", "/v2/billing/meter_event_session", params=MeterEventSessionCreateParams)
def create_session(ctx):
    now = ctx.now
    sessions = ctx.state.extra(_SESSIONS)
    for token in [t for t, s in sessions.items() if s["expires_at"] <= now]:
        del sessions[token]
    token = "ek_test_" + random_token(48)
    session = {"id": "mes_" + random_token(24), "created": now,
               "expires_at": now + SESSION_SECONDS}
    sessions[token] = session
    ctx.state.touch()
    return {"id": session["id"], "object": "v2.billing.meter_event_session",
            "authentication_token": token, "created": iso(now),
            "expires_at": iso(session["expires_at"]), "livemode": False}


def session_auth(ctx):
    """`Authorization: Bearer <session token>`; 401 when unknown or expired."""
    scheme, _, token = (ctx.headers.get("authorization") or "").partition(" ")
    token = token.strip()
    session = ctx.state.extras.get(_SESSIONS, {}).get(token) if scheme.lower() == "bearer" else None
    if session is None:
        raise errors.StripeError(
            401, "The meter event session token is invalid. Create a session with "
            "POST /v2/billing/meter_event_session and send its authentication_token.",
            type="invalid_request_error", code="invalid_authentication_token")
    if ctx.state.now() >= session["expires_at"]:
        raise errors.StripeError(
            401, "The meter event session has expired. Create a new session.",
            type="temporary_session_expired", code="billing_meter_event_session_expired")
    return session["id"]


@route("POST", "/v2/billing/meter_event_stream", params=MeterEventStreamCreateParams,
       auth=session_auth)
def stream(ctx):
    events = ctx.params["events"]
    if not events:
        raise errors.invalid("`events` must contain at least one event.", param="events")
    if len(events) > MAX_EVENTS:
        raise errors.invalid(f"`events` can contain at most {MAX_EVENTS} events per request.",
                             param="events")
    now = ctx.now
    stamps = [_timestamp(e.get("timestamp"), now, i) for i, e in enumerate(events)]
    state = ctx.state
    usage = meter_usage.space(state)
    failures = None
    meters, customers = {}, set()
    check, record, duplicate = meter_usage.check_payload, meter_usage.record, \
        meter_usage.is_duplicate
    for event, timestamp in zip(events, stamps, strict=True):
        identifier = event.get("identifier") or random_token(24)
        try:
            name = event["event_name"]
            meter = meters.get(name)
            if meter is None:
                meter = meters[name] = meter_usage.meter_for(state, name)
            customer_id, value = check(state, meter, event["payload"], timestamp, now,
                                       customers=customers)
        except meter_usage.UsageError as exc:
            failures = failures or []
            failures.append((event["event_name"], identifier, exc))
            continue
        if not duplicate(usage, identifier, now):
            record(usage, meter, customer_id, value, timestamp, identifier, now)
    state.touch()
    if failures:
        _report(ctx, failures, now)
    return {}


def _timestamp(text, now, index):
    if text is None:
        return now
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise errors.invalid(f"Invalid timestamp: {text!r} is not an ISO-8601 date-time.",
                             param=f"events[{index}].timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _report(ctx, failures, now):
    """One error report per meter (and one no-meter report) for this call's bad events."""
    groups = {}
    for _, identifier, exc in failures:
        groups.setdefault(exc.meter_id, []).append((identifier, exc))
    for meter_id, items in groups.items():
        by_code = {}
        for identifier, exc in items:
            by_code.setdefault(exc.code, []).append(
                {"error_message": exc.message, "request": {"identifier": identifier}})
        data = {
            "developer_message_summary": f"{len(items)} meter event(s) failed validation.",
            "reason": {"error_count": len(items), "error_types": [
                {"code": code, "error_count": len(samples), "sample_errors": samples[:5]}
                for code, samples in by_code.items()]},
            "validation_start": iso(now), "validation_end": iso(now),
        }
        if meter_id is None:
            record_v2_event(ctx.state, "v1.billing.meter.no_meter_found", data)
        else:
            record_v2_event(ctx.state, "v1.billing.meter.error_report_triggered", data,
                            related=("billing.meter", meter_id, f"/v1/billing/meters/{meter_id}"))
