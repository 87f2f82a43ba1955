"""Test clocks: customers created with `test_clock` live at the clock's `frozen_time`.

Advancing a clock runs the same schedule and renewal logic as the emulator clock, but only
for that clock's customers. Stripe advances asynchronously: the response says `advancing`,
and the clock is `ready` (with every invoice and event in place) by the next request.
"""

from stripe.params.test_helpers import (
    TestClockAdvanceParams,
    TestClockCreateParams,
    TestClockDeleteParams,
    TestClockListParams,
    TestClockRetrieveParams,
)

from .. import errors, helpers
from ..render import render
from ..routing import route
from . import subscription_billing as engine
from . import subscription_items as items_mod

KIND = "test_helpers.test_clock"
LABEL = "test clock"
LIFETIME = 30 * 86400
CLOCK_KINDS = ("billing.credit_grant", "invoiceitem", "invoice", "subscription_schedule", "subscription", "customer")


@route("POST", "/v1/test_helpers/test_clocks", params=TestClockCreateParams)
def create(ctx):
    p = ctx.params
    customer = None
    if "customer" in p:
        customer = ctx.state.get("customer", p["customer"], param="customer")
        if customer["test_clock"]:
            raise errors.invalid("This customer is already attached to a test clock.",
                                 param="customer")
    clock = helpers.new_object(ctx, KIND, "clock", deletes_after=ctx.now + LIFETIME,
                               frozen_time=p["frozen_time"], name=p.get("name"),
                               status="ready", status_details={})
    ctx.state.insert(clock)
    if customer is not None:
        customer["test_clock"] = clock["id"]
    ctx.emit_event("test_helpers.test_clock.created", clock)
    return clock


def _clock(ctx):
    return ctx.state.get(KIND, ctx.path["test_clock"], param="test_clock", label=LABEL)


@route("GET", "/v1/test_helpers/test_clocks/{test_clock}", params=TestClockRetrieveParams)
def retrieve(ctx):
    return _clock(ctx)


@route("GET", "/v1/test_helpers/test_clocks", params=TestClockListParams)
def list_clocks(ctx):
    return helpers.list_object(ctx, list(ctx.state.collection(KIND).values()), label=LABEL)


@route("POST", "/v1/test_helpers/test_clocks/{test_clock}/advance",
       params=TestClockAdvanceParams)
def advance(ctx):
    clock = _clock(ctx)
    target = ctx.params["frozen_time"]
    if target <= clock["frozen_time"]:
        raise errors.invalid("The frozen time must be after the test clock's current frozen "
                             f"time ({clock['frozen_time']}).", param="frozen_time")
    state = ctx.state
    limit = _advance_limit(state, clock)
    if target > limit:
        raise errors.invalid(
            "Cannot advance the test clock more than two intervals past the shortest "
            "subscription interval on it (or two years when it has no subscriptions); the "
            f"furthest allowed frozen_time is {limit}.", param="frozen_time")
    clock["status"] = "advancing"
    clock["status_details"] = {"advancing": {"target_frozen_time": target}}
    ctx.emit_event("test_helpers.test_clock.advancing", clock)
    response = render(state, clock)
    engine.run_due(state, clock["id"], target)
    _finalize_drafts(state, clock["id"], target)
    clock.update(frozen_time=target, status="ready", status_details={})
    state.touch()
    ctx.emit_event("test_helpers.test_clock.ready", clock)
    return response


def _advance_limit(state, clock):
    """Stripe's cap: two intervals of the shortest subscription item, else two years."""
    now = clock["frozen_time"]
    limits = [items_mod.add_interval(now, "year", 1, 2)]
    for sub in state.collection("subscription").values():
        if sub["test_clock"] == clock["id"] and sub["status"] != "canceled":
            limits += [items_mod.add_interval(now, i["price"]["recurring"]["interval"],
                                              i["price"]["recurring"]["interval_count"], 2)
                       for i in sub["items"]["data"]]
    return min(limits)


def _finalize_drafts(state, clock_id, target):
    """Renewal drafts finalize an hour after creation on the clock's time, as on Stripe."""
    from .invoice_actions import finalize_invoice
    from .invoicing import due_drafts

    for invoice in due_drafts(state, clock_id, target):
        with engine.at_time(state, invoice["automatically_finalizes_at"]):
            finalize_invoice(state, invoice)


@route("DELETE", "/v1/test_helpers/test_clocks/{test_clock}", params=TestClockDeleteParams)
def delete(ctx):
    """Deleting a clock deletes every object on it, as Stripe does: its customers, their
    subscriptions, schedules, invoices, invoice items and credit grants."""
    clock = _clock(ctx)
    state = ctx.state
    for kind in CLOCK_KINDS:
        for obj in [o for o in state.collection(kind).values()
                    if o.get("test_clock") == clock["id"]]:
            state.remove(kind, obj["id"])
            if kind == "customer":
                state.extra("deleted")[obj["id"]] = helpers.deleted(obj)
    state.extra(engine._DUE).pop(clock["id"], None)
    state.remove(KIND, clock["id"])
    ctx.emit_event("test_helpers.test_clock.deleted", clock)
    return helpers.deleted(clock)
