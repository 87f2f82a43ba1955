"""v1 meter events, meter event adjustments (cancel) and per-customer event summaries.

v1 validates synchronously: an unknown event name, a missing customer or value, a timestamp
outside [now - 35 days, now + 5 minutes] and an identifier seen in the last 24 h are 400s.
"""

import hashlib

from stripe.params.billing import (
    MeterEventAdjustmentCreateParams,
    MeterEventCreateParams,
    MeterEventSummaryListParams,
)

from .. import errors, helpers
from ..routing import route
from ..state import random_token
from . import meter_usage
from . import subscription_billing as engine
from .meters import active_meter_for, get_meter


def _invalid(exc):
    return errors.invalid(exc.message, param=exc.param)


def _invalid_param(exc):
    return errors.invalid_param(exc.message, param=exc.param)


def _customer_now(ctx, params):
    """The time the event's customer sees: its test clock's frozen time when it lives on one, so
    the 35-day window is the clock's, as on Stripe; the emulator clock otherwise."""
    meter = active_meter_for(ctx.state, params["event_name"])
    if meter is None:
        return ctx.now
    customer_id = (params.get("payload") or {}).get(meter["customer_mapping"]["event_payload_key"])
    customer = ctx.state.objects.get("customer", {}).get(customer_id) if isinstance(customer_id, str) else None
    return engine.now_for(ctx.state, customer["test_clock"]) if customer else ctx.now


@route("POST", "/v1/billing/meter_events", params=MeterEventCreateParams)
def create(ctx):
    p = ctx.params
    now = ctx.now
    customer_now = _customer_now(ctx, p)
    timestamp = p.get("timestamp", customer_now)
    identifier = p.get("identifier") or random_token(24)
    if len(identifier) > 100:
        raise errors.invalid_param("`identifier` must be at most 100 characters.", param="identifier")
    try:
        meter, customer_id, value = meter_usage.check(ctx.state, p["event_name"], p["payload"],
                                                      timestamp, customer_now)
    except meter_usage.UsageError as exc:
        raise _invalid_param(exc) from None  # nothing began: Stripe saves no idempotent result
    usage = meter_usage.space(ctx.state)
    if meter_usage.is_duplicate(usage, identifier, now):
        raise errors.StripeError(
            400, f"An event already exists with identifier {identifier}.", param="identifier",
            headers={"Stripe-Should-Retry": "false"})
    meter_usage.record(usage, meter, customer_id, value, timestamp, identifier, now)
    ctx.state.touch()
    return {"object": "billing.meter_event", "created": now, "event_name": p["event_name"],
            "identifier": identifier, "livemode": False, "payload": p["payload"],
            "timestamp": timestamp}


@route("POST", "/v1/billing/meter_event_adjustments", params=MeterEventAdjustmentCreateParams)
def adjust(ctx):
    p = ctx.params
    identifier = (p.get("cancel") or {}).get("identifier")
    if not identifier:
        raise errors.missing_param("cancel[identifier]")
    try:
        meter_usage.cancel(ctx.state, p["event_name"], identifier, ctx.now)
    except meter_usage.UsageError as exc:
        raise _invalid(exc) from None
    ctx.state.touch()
    return {"object": "billing.meter_event_adjustment", "cancel": {"identifier": identifier},
            "event_name": p["event_name"], "livemode": False, "status": "pending",
            "type": "cancel"}


@route("GET", "/v1/billing/meters/{id}/event_summaries", params=MeterEventSummaryListParams)
def summaries(ctx):
    p = ctx.params
    meter = get_meter(ctx, ctx.path["id"])
    start, end = p["start_time"], p["end_time"]
    for name, value in (("start_time", start), ("end_time", end)):
        if value % 60:
            raise errors.invalid(f"`{name}` must be aligned with minute boundaries.", param=name)
    if end <= start:
        raise errors.invalid("`end_time` must be after `start_time`.", param="end_time")
    ctx.state.get("customer", p["customer"], param="customer")
    rows = meter_usage.buckets(ctx.state, meter, p["customer"], start, end,
                               p.get("value_grouping_window"))
    items = [_summary(meter["id"], p["customer"], lo, hi, value) for lo, hi, value in rows]
    return helpers.list_object(ctx, items, label="billing meter event summary")


def _summary(meter_id, customer_id, start, end, value):
    digest = hashlib.sha1(f"{meter_id}:{customer_id}:{start}:{end}".encode()).hexdigest()
    return {"id": f"mtrusg_{digest[:32]}", "object": "billing.meter_event_summary",
            "aggregated_value": value, "end_time": end, "livemode": False, "meter": meter_id,
            "start_time": start}
