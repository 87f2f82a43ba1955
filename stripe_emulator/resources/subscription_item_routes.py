"""`/v1/subscription_items`: add a price to a subscription, change or remove one item, list a
subscription's items.

Each call is the single-item form of `POST /v1/subscriptions/{id}` with `items[]`, and runs
through the same code (`subscription_update.plan_items` / `apply_items`): an added item starts
its own period now and bills from its first renewal (metered ones bill their usage in arrears
like any other item), `proration_behavior` is recorded but every change behaves as `none`,
and the subscription emits `customer.subscription.updated`.
"""

from stripe.params import (
    SubscriptionItemCreateParams,
    SubscriptionItemDeleteParams,
    SubscriptionItemListParams,
    SubscriptionItemRetrieveParams,
    SubscriptionItemUpdateParams,
)

from .. import errors, helpers
from ..routing import route
from . import subscription_billing as engine
from .subscription_items import find_item, forget_item
from .subscription_update import apply_items, plan_items

_ITEM_FIELDS = ("price", "plan", "price_data", "quantity", "metadata", "discounts")
LABEL = "subscription item"


def _live(sub):
    if sub["status"] in ("canceled", "incomplete_expired"):
        raise errors.invalid(f"The subscription {sub['id']} is {sub['status']}: its items can "
                             "no longer change.", param="subscription")
    return sub


def _change(ctx, sub, spec):
    """Validate, then apply one item change at the customer's time; the items it touched."""
    from .subscriptions import item_price

    state = ctx.state
    ops = plan_items(ctx, sub, [spec], item_price, param="")
    now = engine.now_for(state, sub["test_clock"])
    with engine.at_time(state, now):
        before = helpers.snapshot(state, sub)
        touched = apply_items(state, sub, ops, now, param="")
        if "proration_behavior" in ctx.params:
            sub["_proration_behavior"] = ctx.params["proration_behavior"]
        state.touch()
        changed = helpers.previous_attributes(before, helpers.snapshot(state, sub))
        if changed:
            state.emit_event("customer.subscription.updated", sub, changed)
    engine.advance(state, sub, now)
    return touched


@route("POST", "/v1/subscription_items", params=SubscriptionItemCreateParams)
def create(ctx):
    p = ctx.params
    sub = _live(ctx.state.get("subscription", p["subscription"], param="subscription"))
    [item] = _change(ctx, sub, {k: p[k] for k in _ITEM_FIELDS if k in p})
    return item


@route("GET", "/v1/subscription_items/{item}", params=SubscriptionItemRetrieveParams)
def retrieve(ctx):
    return find_item(ctx.state, ctx.path["item"])[1]


@route("POST", "/v1/subscription_items/{item}", params=SubscriptionItemUpdateParams)
def update(ctx):
    sub, item = find_item(ctx.state, ctx.path["item"])
    spec = {k: ctx.params[k] for k in _ITEM_FIELDS if k in ctx.params}
    [changed] = _change(ctx, _live(sub), dict(spec, id=item["id"]))
    return changed


@route("DELETE", "/v1/subscription_items/{item}", params=SubscriptionItemDeleteParams)
def delete(ctx):
    sub, item = find_item(ctx.state, ctx.path["item"])
    _live(sub)
    if len(sub["items"]["data"]) == 1:
        raise errors.invalid("A subscription must have at least one active plan. To cancel a "
                             "subscription, please use the cancel API endpoint on "
                             "/v1/subscriptions.")
    _change(ctx, sub, {"id": item["id"], "deleted": True})
    forget_item(ctx.state, item["id"])
    return helpers.deleted(item)


@route("GET", "/v1/subscription_items", params=SubscriptionItemListParams)
def list_items(ctx):
    sub = ctx.state.get("subscription", ctx.params["subscription"], param="subscription")
    return helpers.list_object(ctx, sub["items"]["data"], url="/v1/subscription_items",
                               label=LABEL, newest_first=False)
