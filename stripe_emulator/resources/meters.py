"""Billing meters: the aggregation every metered price points at (`recurring.meter`).

Only `display_name` changes after creation; an active meter owns its `event_name`, so meter
events route to it with one dict lookup (`active_meter_for`).
"""

from stripe.params.billing import (
    MeterCreateParams,
    MeterDeactivateParams,
    MeterListParams,
    MeterReactivateParams,
    MeterRetrieveParams,
    MeterUpdateParams,
)

from .. import errors, helpers
from ..routing import route

KIND = "billing.meter"
LABEL = "billing meter"
_BY_EVENT = "meters_by_event_name"


def active_meter_for(state, event_name):
    """The active meter that counts `event_name`, or None (O(1))."""
    meter_id = state.extra(_BY_EVENT).get(event_name)
    return None if meter_id is None else state.objects.get(KIND, {}).get(meter_id)


def get_meter(ctx, meter_id, param="id"):
    return ctx.state.get(KIND, meter_id, param=param, label=LABEL)


def _claim_event_name(state, meter, param="event_name"):
    owners = state.extra(_BY_EVENT)
    owner = owners.get(meter["event_name"])
    if owner is not None and owner != meter["id"]:
        raise errors.invalid(
            f"An active meter (`{owner}`) already uses the event name "
            f"`{meter['event_name']}`. Deactivate it first or choose another event name.",
            param=param)
    owners[meter["event_name"]] = meter["id"]


@route("POST", "/v1/billing/meters", params=MeterCreateParams)
def create(ctx):
    p = ctx.params
    for name in ("display_name", "event_name"):
        if not p[name].strip():
            raise errors.empty_param(name)
    if len(p["event_name"]) > 100:
        raise errors.invalid("`event_name` must be at most 100 characters.", param="event_name")
    mapping = p.get("customer_mapping") or {"event_payload_key": "stripe_customer_id",
                                            "type": "by_id"}
    meter = helpers.new_object(
        ctx, KIND, "mtr", customer_mapping=dict(mapping),
        default_aggregation={"formula": p["default_aggregation"]["formula"]},
        display_name=p["display_name"], event_name=p["event_name"],
        event_time_window=p.get("event_time_window"), status="active",
        status_transitions={"deactivated_at": None}, updated=ctx.now,
        value_settings={"event_payload_key": (p.get("value_settings") or {}).get(
            "event_payload_key", "value")})
    _claim_event_name(ctx.state, meter)
    ctx.state.insert(meter)
    ctx.emit_event("billing.meter.created", meter)
    return meter


@route("GET", "/v1/billing/meters/{id}", params=MeterRetrieveParams)
def retrieve(ctx):
    return get_meter(ctx, ctx.path["id"])


@route("POST", "/v1/billing/meters/{id}", params=MeterUpdateParams)
def update(ctx):
    meter = get_meter(ctx, ctx.path["id"])
    if "display_name" in ctx.params and ctx.params["display_name"] != meter["display_name"]:
        before = {"display_name": meter["display_name"], "updated": meter["updated"]}
        meter["display_name"] = ctx.params["display_name"]
        meter["updated"] = ctx.now
        ctx.state.touch()
        ctx.emit_event("billing.meter.updated", meter, before)
    return meter


@route("GET", "/v1/billing/meters", params=MeterListParams)
def list_meters(ctx):
    items = list(ctx.state.collection(KIND).values())
    if "status" in ctx.params:
        items = [m for m in items if m["status"] == ctx.params["status"]]
    return helpers.list_object(ctx, items, label=LABEL)


@route("POST", "/v1/billing/meters/{id}/deactivate", params=MeterDeactivateParams)
def deactivate(ctx):
    meter = get_meter(ctx, ctx.path["id"])
    if meter["status"] == "inactive":
        raise errors.invalid(f"Meter `{meter['id']}` is already inactive.")
    meter["status"] = "inactive"
    meter["status_transitions"] = {"deactivated_at": ctx.now}
    meter["updated"] = ctx.now
    ctx.state.extra(_BY_EVENT).pop(meter["event_name"], None)
    ctx.state.touch()
    ctx.emit_event("billing.meter.deactivated", meter)
    return meter


@route("POST", "/v1/billing/meters/{id}/reactivate", params=MeterReactivateParams)
def reactivate(ctx):
    meter = get_meter(ctx, ctx.path["id"])
    if meter["status"] == "active":
        raise errors.invalid(f"Meter `{meter['id']}` is already active.")
    _claim_event_name(ctx.state, meter, param="id")
    meter["status"] = "active"
    meter["updated"] = ctx.now
    ctx.state.touch()
    ctx.emit_event("billing.meter.reactivated", meter)
    return meter
