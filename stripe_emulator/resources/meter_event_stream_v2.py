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

_EMPTY = {}
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
    """Checks what Stripe checks synchronously (batch size, timestamp syntax) and answers;
    the events themselves are validated and recorded right after the response is sent
    (`state.defer`), before anything else can read the state."""
    events = ctx.params["events"]
    if not events:
        raise errors.invalid("`events` must contain at least one event.", param="events")
    if len(events) > MAX_EVENTS:
        raise errors.invalid(f"`events` can contain at most {MAX_EVENTS} events per request.",
                             param="events")
    now = ctx.now
    stamps = None
    for i, event in enumerate(events):
        if "timestamp" in event:
            stamps = stamps or [now] * len(events)
            stamps[i] = _timestamp(event["timestamp"], now, i)
    state = ctx.state
    request = (ctx.request_id, ctx.idempotency_key)
    state.defer(lambda: _process(state, events, stamps, now, request))
    return {}


def _process(state, events, stamps, now, request):
    """Record one accepted batch as of `now`, in the context of the request that sent it."""
    context = state.context
    saved = getattr(context, "request", None), state.pinned
    context.request, state.pinned = request, (state.clock, now)
    try:
        failures = _ingest(state, events, stamps, now)
        state.touch()
        if failures:
            _report(state, failures, now)
    finally:
        context.request, state.pinned = saved


def _ingest(state, events, stamps, now):
    """The per-event loop: valid events are recorded, duplicates skipped, failures returned.

    The common case (known meter and customer, integer value, no timestamp or one in the
    window) is checked inline; anything else goes through `meter_usage.check_payload`, which
    names the exact error.
    """
    usage = meter_usage.space(state)
    ids, rows_by_meter = usage["ids"], usage["events"]
    customers = state.objects.get("customer", _EMPTY)
    integer = meter_usage.INTEGER.match
    dedupe = meter_usage.DEDUPE_SECONDS
    oldest, newest = now - meter_usage.PAST_SECONDS, now + meter_usage.FUTURE_SECONDS
    specs = {}
    failures = []
    for index, event in enumerate(events):
        identifier = event.get("identifier") or random_token(24)
        name = event["event_name"]
        spec = specs.get(name)
        if spec is None:
            spec = specs[name] = _spec(state, name, rows_by_meter)
        if type(spec) is meter_usage.UsageError:
            failures.append((name, identifier, spec))
            continue
        meter, meter_id, customer_key, value_key, rows = spec
        timestamp = now if stamps is None else stamps[index]
        payload = event["payload"]
        customer_id = payload.get(customer_key)
        raw = payload.get(value_key) if value_key else None
        if (customer_id in customers and oldest <= timestamp <= newest
                and (value_key is None or (type(raw) is str and integer(raw)))):
            value = 1 if value_key is None else int(raw)
        else:
            try:
                customer_id, value = meter_usage.check_payload(state, meter, payload,
                                                               timestamp, now)
            except meter_usage.UsageError as exc:
                failures.append((name, identifier, exc))
                continue
        seen = ids.get(identifier)
        if seen is not None and now - seen[0] < dedupe:
            continue
        ids[identifier] = [now, meter_id, customer_id, name, False]
        row = [timestamp, value, identifier]
        per_customer = rows.get(customer_id)
        if per_customer is None:
            rows[customer_id] = [row]
        else:
            per_customer.append(row)
    return failures


def _spec(state, name, rows_by_meter):
    """What `_ingest` needs about the active meter for `name`, or its `UsageError`."""
    try:
        meter = meter_usage.meter_for(state, name)
    except meter_usage.UsageError as exc:
        return exc
    meter_id = meter["id"]
    rows = rows_by_meter.get(meter_id)
    if rows is None:
        rows = rows_by_meter[meter_id] = {}
    count = meter["default_aggregation"]["formula"] == "count"
    return (meter, meter_id, meter["customer_mapping"]["event_payload_key"],
            None if count else meter["value_settings"]["event_payload_key"], rows)


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


def _report(state, failures, now):
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
            record_v2_event(state, "v1.billing.meter.no_meter_found", data)
        else:
            record_v2_event(state, "v1.billing.meter.error_report_triggered", data,
                            related=("billing.meter", meter_id, f"/v1/billing/meters/{meter_id}"))
