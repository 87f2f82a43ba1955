"""`POST /v1/subscriptions/{id}`: items (add, change price or quantity, delete), discounts
(set, or clear with `discounts=""`), trial end, cancellation, collection settings, metadata.

`proration_behavior` is accepted and remembered (`_proration_behavior`), but no proration
lines are computed: every change behaves like `none` (the new price bills from the next
renewal), which is what the product uses.
"""

from .. import errors, helpers
from . import coupons
from . import subscription_billing as engine
from . import subscription_items as items_mod

_CANCELED_OK = {"metadata", "cancellation_details"}


def apply_update(ctx, sub):
    from .subscriptions import check_collection, item_price, set_cancel

    p, state = ctx.params, ctx.state
    if sub["status"] == "canceled" and set(p) - _CANCELED_OK:
        raise errors.invalid("A canceled subscription can only update its "
                             "cancellation_details and metadata.")
    now = engine.now_for(state, sub["test_clock"])
    ops = plan_items(ctx, sub, p.get("items") or [], item_price)
    method = p.get("collection_method", sub["collection_method"])
    days = p.get("days_until_due", sub["days_until_due"] if method == "send_invoice" else None)
    check_collection({"days_until_due": days}, method)
    trial_end = _trial_end(sub, p, now)
    with engine.at_time(state, now):
        before = helpers.snapshot(state, sub)
        apply_items(state, sub, ops, now)
        if "discounts" in p:
            sub["discounts"] = coupons.apply_discounts(state, p["discounts"], sub["customer"],
                                                       subscription=sub["id"])
        sub["collection_method"], sub["days_until_due"] = method, days
        helpers.set_fields(sub, p, ("description",))
        sub["metadata"] = helpers.merge_metadata(sub["metadata"], p.get("metadata"))
        if "cancellation_details" in p:
            sub["cancellation_details"].update(
                {k: v or None for k, v in p["cancellation_details"].items()
                 if k in ("comment", "feedback")})
        if trial_end is not None:
            _move_trial_end(sub, trial_end)
        set_cancel(sub, p)
        if "proration_behavior" in p:
            sub["_proration_behavior"] = p["proration_behavior"]
        state.touch()
        changed = helpers.previous_attributes(before, helpers.snapshot(state, sub))
        if changed:
            state.emit_event("customer.subscription.updated", sub, changed)
    engine.advance(state, sub, now)
    return sub


def plan_items(ctx, sub, specs, item_price, param="items"):
    """Validate every item change before anything is mutated: `[(op, item, price, spec)]`.

    `param` prefixes error params (`items[0][price]`); `""` names them bare (`price`), as the
    `/v1/subscription_items` endpoints do for their single item.
    """
    state = ctx.state
    by_id = {i["id"]: i for i in sub["items"]["data"]}
    prices = {i["id"]: i["price"]["id"] for i in sub["items"]["data"]}
    ops = []
    for n, spec in enumerate(specs):
        where = f"{param}[{n}]" if param else ""
        item = None
        if "id" in spec:
            item = by_id.get(spec["id"])
            if item is None:
                raise errors.no_such("subscription item", spec["id"], helpers.nested(where, "id"))
            if spec.get("deleted"):
                prices.pop(item["id"], None)
                ops.append(("delete", item, None, spec))
                continue
        elif spec.get("deleted"):
            raise errors.missing_param(helpers.nested(where, "id"))
        has_price = any(k in spec for k in ("price", "plan", "price_data"))
        price = item_price(ctx, spec, where, sub["currency"]) if has_price or item is None \
            else state.find(item["price"]["id"]) or item["price"]
        if price["id"] in prices.values() and prices.get(item and item["id"]) != price["id"]:
            raise errors.invalid(f"The price {price['id']} is already on this subscription; a "
                                 "subscription can hold each price only once.",
                                 param=helpers.nested(where, "price"))
        if item is None or "quantity" in spec or has_price:
            merged = dict(spec)
            if item is not None and "quantity" not in spec and not items_mod.is_metered(price):
                merged["quantity"] = item["quantity"] or 1
            quantity = items_mod.check_quantity(price, merged, where)
        else:
            quantity = item["quantity"]
        prices[item["id"] if item else f"new{n}"] = price["id"]
        ops.append(("add" if item is None else "change", item, price, dict(spec, _q=quantity)))
    if specs and not prices:
        raise errors.invalid("A subscription must keep at least one item.", param="items")
    return ops


def apply_items(state, sub, ops, now, param="items"):
    """Carry out `plan_items`' ops at `now`; returns the items added or changed, in order."""
    data = sub["items"]["data"]
    touched = []
    for n, (op, item, price, spec) in enumerate(ops):
        where = f"{param}[{n}]" if param else ""
        if op == "delete":
            data.remove(item)
        elif op == "add":
            touched.append(items_mod.build_item(state, sub, price, spec["_q"], spec,
                                                sub["billing_cycle_anchor"], now, where))
            data.append(touched[-1])
        else:
            _change(state, sub, item, price, spec, now, where)
            touched.append(item)
    sub["items"] = items_mod.items_list(sub["id"], data)
    return touched


def sync_items(state, sub, targets, now, param):
    """Make `sub`'s items those of `targets` (`[(price, quantity, spec)]`, each price once, as
    `schedule_phases.phase_items` gives them) the way an items update does: an item whose
    price stays keeps its id and period and takes the target's quantity and metadata; new
    prices join at `now`; the rest leave (unbilled usage dropped). Item discounts follow the
    targets' (a coupon already applied keeps its discount)."""
    by_price = {i["price"]["id"]: i for i in sub["items"]["data"]}
    ops = []
    for price, quantity, spec in targets:
        item = by_price.pop(price["id"], None)
        metadata = dict(spec["metadata"])
        if item is not None:  # replace, in merge terms: keys not given are deleted
            metadata = {**{k: "" for k in item["metadata"] if k not in metadata}, **metadata}
        ops.append(("add" if item is None else "change", item, price,
                    {"metadata": metadata, "_q": quantity}))
    ops.extend(("delete", item, None, {}) for item in by_price.values())
    touched = apply_items(state, sub, ops, now, param)
    for n, (item, (_, _, spec)) in enumerate(zip(touched, targets, strict=True)):
        item["discounts"] = coupons.reapply_discounts(
            state, spec["discounts"], item["discounts"], sub["customer"],
            f"{param}[{n}][discounts]", subscription=sub["id"], subscription_item=item["id"])


def _change(state, sub, item, price, spec, now, where):
    old = item["price"]
    if price["id"] != old["id"]:
        items_mod.set_price(state, item, price)
        if price["recurring"]["interval"] != old["recurring"]["interval"] or \
                price["recurring"]["interval_count"] != old["recurring"]["interval_count"]:
            items_mod.restart(item, now, now)
    item["quantity"] = spec["_q"]
    item["metadata"] = helpers.merge_metadata(item["metadata"], spec.get("metadata"),
                                              helpers.nested(where, "metadata"))
    if "discounts" in spec:
        item["discounts"] = coupons.apply_discounts(
            state, spec["discounts"], sub["customer"], helpers.nested(where, "discounts"),
            subscription=sub["id"], subscription_item=item["id"])


def _trial_end(sub, p, now):
    if "trial_end" not in p:
        return None
    value = p["trial_end"]
    if value == "now":
        if sub["status"] != "trialing":
            raise errors.invalid("This subscription is not in a trial.", param="trial_end")
        return now
    if value <= now:
        raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the "
                             "future.", param="trial_end")
    return value


def _move_trial_end(sub, end):
    """Start or move the trial: items' current periods end with it; renewals follow."""
    if sub["status"] != "trialing":
        sub["status"] = "trialing"
        sub["trial_start"] = sub["trial_start"] or min(
            i["current_period_start"] for i in sub["items"]["data"])
    sub["trial_end"] = end
    for item in sub["items"]["data"]:
        items_mod.restart(item, end, item["current_period_start"], end)
