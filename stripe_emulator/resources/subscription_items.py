"""Subscription items and billing periods (flexible billing mode: each item has its own period).

Since 2025-03-31.basil `current_period_start/end` live on the items. An item's periods are
counted from its private `_anchor` (the subscription's billing cycle anchor when it joined),
so monthly and yearly items in one subscription each renew on their own interval.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime

from .. import errors, helpers
from ..render import render
from . import coupons

KIND = "subscription_item"
_INDEX = "subscription_item_index"  # {item id: subscription id}, for /v1/subscription_items
_SECONDS = {"day": 86400, "week": 7 * 86400}


def add_interval(anchor, interval, count, n):
    """`anchor` plus `n` periods of `count` intervals; months clamp to the anchor's day."""
    if interval in _SECONDS:
        return anchor + _SECONDS[interval] * count * n
    months = count * n * (12 if interval == "year" else 1)
    start = datetime.fromtimestamp(anchor, UTC)
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return int(start.replace(year=year, month=month, day=day).timestamp())


def period_after(anchor, recurring, t):
    """`(start, end)` of the anchored period containing `t` (end > t)."""
    interval, count = recurring["interval"], recurring["interval_count"]
    if t < anchor:
        return t, anchor
    if interval in _SECONDS:
        n = (t - anchor) // (_SECONDS[interval] * count) + 1
    else:
        step = count * (12 if interval == "year" else 1)
        t_date, a_date = (datetime.fromtimestamp(x, UTC) for x in (t, anchor))
        n = max(1, ((t_date.year - a_date.year) * 12 + t_date.month - a_date.month) // step)
        while add_interval(anchor, interval, count, n) <= t:
            n += 1
        while n > 1 and add_interval(anchor, interval, count, n - 1) > t:
            n -= 1
    return add_interval(anchor, interval, count, n - 1), add_interval(anchor, interval, count, n)


def is_metered(price):
    return price["recurring"]["usage_type"] == "metered"


def plan_of(price):
    """The legacy `plan` object Stripe still embeds next to `price`."""
    rec = price["recurring"]
    return {"id": price["id"], "object": "plan", "active": price["active"],
            "amount": price["unit_amount"], "amount_decimal": price["unit_amount_decimal"],
            "billing_scheme": price["billing_scheme"], "created": price["created"],
            "currency": price["currency"], "interval": rec["interval"],
            "interval_count": rec["interval_count"], "livemode": False,
            "metadata": dict(price["metadata"]), "meter": rec["meter"],
            "nickname": price["nickname"], "product": price["product"],
            "tiers_mode": price["tiers_mode"], "transform_usage": None,
            "trial_period_days": rec["trial_period_days"], "usage_type": rec["usage_type"]}


def recurring_price(state, price_id, param, currency=None):
    """A stored, active, recurring price usable on a subscription."""
    price = state.get("price", price_id, param=param)
    if price["recurring"] is None:
        raise errors.invalid(f"The price specified ({price_id}) is not a recurring price; "
                             "subscriptions need prices with `recurring` set.", param=param)
    if not price["active"]:
        raise errors.invalid(f"The price specified ({price_id}) is inactive. This field only "
                             "accepts active prices.", param=param)
    from .prices import in_currency

    in_currency(price, currency, param)  # a price in another currency needs a `currency_options` entry
    return price


def check_quantity(price, spec, param):
    """Stripe refuses a quantity on metered prices; licensed ones default to 1."""
    if is_metered(price):
        if spec.get("quantity") is not None:
            raise errors.invalid("Quantity should not be specified where usage_type is "
                                 "`metered`. Remove quantity from the request.",
                                 param=helpers.nested(param, "quantity"))
        return None
    quantity = spec.get("quantity", 1)
    if quantity < 0:
        raise errors.invalid("Invalid quantity: must be at least 0.", param=helpers.nested(param, "quantity"))
    return quantity


def set_price(state, item, price):
    item["price"] = render(state, price)
    item["plan"] = plan_of(price)


def build_item(state, sub, price, quantity, spec, anchor, start, param):
    """A new item of `sub` whose first period starts at `start` (periods counted from `anchor`)."""
    item = helpers.new_object(state, KIND, "si", billed_until=None, billing_thresholds=None,
                              current_trial=None, discounts=[],
                              metadata=helpers.merge_metadata({}, spec.get("metadata"),
                                                              helpers.nested(param, "metadata")),
                              quantity=quantity, subscription=sub["id"], tax_rates=[])
    del item["livemode"]
    set_price(state, item, price)
    item["discounts"] = coupons.apply_discounts(state, spec.get("discounts"), sub["customer"],
                                                helpers.nested(param, "discounts"), subscription=sub["id"],
                                                subscription_item=item["id"])
    restart(item, anchor, start)
    state.extra(_INDEX)[item["id"]] = sub["id"]
    return item


def find_item(state, item_id, param="item"):
    """`(subscription, item)` for an item on a subscription, or Stripe's 404. Items live inside
    their subscription; the index (rebuilt on a miss, for states saved before it) finds it."""
    index = state.extra(_INDEX)
    for attempt in range(2):
        sub = state.find(index.get(item_id) or "")
        item = next((i for i in sub["items"]["data"] if i["id"] == item_id), None) \
            if sub is not None else None
        if item is not None:
            return sub, item
        if attempt == 0:
            index.clear()
            for other in state.collection("subscription").values():
                index.update((i["id"], other["id"]) for i in other["items"]["data"])
    raise errors.no_such("subscription item", item_id, param)


def forget_item(state, item_id):
    state.extra(_INDEX).pop(item_id, None)


def restart(item, anchor, start, end=None):
    """Begin a period at `start`: it ends at `end` or at the next anchored boundary."""
    item["_anchor"] = anchor
    if end is None:
        end = period_after(anchor, item["price"]["recurring"], start)[1]
    item["current_period_start"], item["current_period_end"] = start, end


def roll(item):
    """Move to the next anchored period; returns the one that just ended."""
    old = (item["current_period_start"], item["current_period_end"])
    item["current_period_start"] = old[1]
    item["current_period_end"] = period_after(item["_anchor"], item["price"]["recurring"],
                                              old[1])[1]
    return old


def items_list(sub_id, items):
    return {"object": "list", "data": items, "has_more": False, "total_count": len(items),
            "url": f"/v1/subscription_items?subscription={sub_id}"}
