"""What happens to a schedule's subscription at phase boundaries (start, phase change) and
`from_subscription` (a schedule adopting an existing subscription).
"""

from .. import errors, helpers
from . import coupons
from . import schedule_phases as phases_mod
from . import subscription_billing as engine
from . import subscription_items as items_mod


def start_schedule(state, schedule):
    """At the first phase's start: create the subscription (and its first invoice)."""
    from .subscriptions import new_subscription

    phase = schedule["phases"][0]
    customer = state.get("customer", schedule["customer"], param="customer")
    params = phases_mod.subscription_params(schedule, phase)
    before = helpers.snapshot(state, schedule)
    sub = new_subscription(state, customer, params, phases_mod.phase_items(state, phase),
                           phase["start_date"], schedule_id=schedule["id"])
    schedule.update(status="active", subscription=sub["id"], _phase=0,
                    current_phase={"end_date": phase["end_date"],
                                   "start_date": phase["start_date"]})
    state.touch()
    state.emit_event("subscription_schedule.updated", schedule,
                     helpers.previous_attributes(before, helpers.snapshot(state, schedule)))
    engine.reindex(state, sub)
    return sub


def apply_phase(state, schedule, sub, phase, t):
    """Switch `sub` to `phase` at `t`; returns invoice lines the switch itself causes.

    Items whose price continues keep their id and period; removed metered items bill their
    usage so far; new licensed items bill their first period in advance.
    """
    params = phases_mod.subscription_params(schedule, phase)
    reset = phase["billing_cycle_anchor"] == "phase_start"
    if reset:
        sub["billing_cycle_anchor"] = t
    old = {item["price"]["id"]: item for item in sub["items"]["data"]}
    lines, kept = [], []
    for n, (price, quantity, spec) in enumerate(phases_mod.phase_items(state, phase)):
        item = old.pop(price["id"], None)
        where = f"phases[{schedule['_phase'] + 1}][items][{n}]"
        if item is None:
            item = items_mod.build_item(state, sub, price, quantity, spec,
                                        sub["billing_cycle_anchor"], t, where)
            if not items_mod.is_metered(price):
                lines.append(engine.advance_line(state, sub, item))
        else:
            item["quantity"], item["metadata"] = quantity, dict(spec["metadata"])
            item["discounts"] = coupons.apply_discounts(
                state, spec["discounts"], sub["customer"], f"{where}[discounts]",
                subscription=sub["id"], subscription_item=item["id"])
            if reset and item["current_period_end"] > t:
                lines.extend(_restart(state, sub, item, t))
        kept.append(item)
    for item in old.values():
        if items_mod.is_metered(item["price"]) and item["current_period_start"] < t:
            lines.append(engine.usage_line(state, sub, item, (item["current_period_start"], t)))
    sub["items"] = items_mod.items_list(sub["id"], kept)
    sub["discounts"] = coupons.apply_discounts(state, params["discounts"], sub["customer"],
                                               subscription=sub["id"])
    _settings(sub, params)
    return lines


def _settings(sub, params):
    sub["metadata"] = helpers.merge_metadata(sub["metadata"], params["metadata"])
    sub["collection_method"] = params["collection_method"]
    sub["days_until_due"] = params["days_until_due"]
    sub["description"] = params["description"]


def check_phase_coupons(state, sub, phase, param):
    """Before anything changes: refuse a coupon the phase would have to redeem (one the
    subscription and its items do not already apply) that can no longer be redeemed."""
    applied = {(coupons.discount_coupon(state, did) or {}).get("id")
               for did in sub["discounts"] + [d for i in sub["items"]["data"]
                                              for d in i["discounts"]]}
    named = [(f"{param}[discounts][{i}][coupon]", d["coupon"])
             for i, d in enumerate(phase["discounts"])]
    named += [(f"{param}[items][{n}][discounts][{i}][coupon]", d["coupon"])
              for n, item in enumerate(phase["items"]) for i, d in enumerate(item["discounts"])]
    for where, coupon_id in named:
        if coupon_id and coupon_id not in applied:
            coupon = coupons.refresh_validity(state, state.get("coupon", coupon_id, param=where))
            if not coupon["valid"]:
                raise errors.invalid(f"Coupon expired: {coupon_id}", param=where,
                                     code="coupon_expired")


def update_current_phase(state, schedule, sub, phase, now, param):
    """The running phase was changed by a schedule update: its items (prices, quantities,
    metadata, discounts), discounts, metadata and collection settings take effect on the
    subscription at once, as a subscription update with `proration_behavior=none` would
    (no proration lines; a new licensed item bills from its first renewal). A coupon the
    subscription (or an item) already has through the phase keeps its discount."""
    from .subscription_update import sync_items

    params = phases_mod.subscription_params(schedule, phase)
    before = helpers.snapshot(state, sub)
    sync_items(state, sub, phases_mod.phase_items(state, phase), now, f"{param}[items]")
    sub["discounts"] = coupons.reapply_discounts(
        state, params["discounts"], sub["discounts"], sub["customer"], f"{param}[discounts]",
        subscription=sub["id"])
    _settings(sub, params)
    state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(state, sub))
    if changed:
        state.emit_event("customer.subscription.updated", sub, changed)


def _restart(state, sub, item, t):
    lines = []
    if items_mod.is_metered(item["price"]):
        lines.append(engine.usage_line(state, sub, item, (item["current_period_start"], t)))
    items_mod.restart(item, t, t)
    if not items_mod.is_metered(item["price"]):
        lines.append(engine.advance_line(state, sub, item))
    return lines


def from_subscription(ctx, sub):
    """A schedule whose single phase is the subscription's current period."""
    from .subscription_schedules import new_schedule

    state = ctx.state
    if sub["schedule"]:
        raise errors.invalid(f"The subscription {sub['id']} is already managed by a "
                             "subscription schedule.", param="from_subscription")
    if sub["status"] == "canceled":
        raise errors.invalid("You cannot create a schedule from a canceled subscription.",
                             param="from_subscription")
    data = sub["items"]["data"]
    start = min(i["current_period_start"] for i in data)
    end = min(i["current_period_end"] for i in data)
    phase = {"add_invoice_items": [], "application_fee_percent": None, "automatic_tax": None,
             "billing_cycle_anchor": None, "billing_thresholds": None,
             "collection_method": sub["collection_method"], "currency": sub["currency"],
             "default_payment_method": None, "default_tax_rates": [],
             "description": sub["description"],
             "discounts": [{"coupon": None, "discount": d, "promotion_code": None}
                           for d in sub["discounts"]],
             "end_date": end,
             "invoice_settings": {"account_tax_ids": None, "custom_fields": None,
                                  "days_until_due": sub["days_until_due"], "footer": None,
                                  "issuer": None},
             "items": [{"billing_thresholds": None,
                        "discounts": [{"coupon": None, "discount": d, "promotion_code": None}
                                      for d in i["discounts"]],
                        "metadata": dict(i["metadata"]), "plan": i["price"]["id"],
                        "price": i["price"]["id"], "quantity": i["quantity"], "tax_rates": []}
                       for i in data],
             "metadata": dict(sub["metadata"]), "on_behalf_of": None,
             "proration_behavior": "create_prorations", "start_date": start,
             "transfer_data": None, "trial_end": None}
    now = engine.now_for(state, sub["test_clock"])
    with engine.at_time(state, now):
        schedule = new_schedule(state, sub["customer"], sub["test_clock"], ctx.params,
                                sub["billing_mode"]["type"],
                                phases_mod.default_settings(None), [phase])
        schedule.update(status="active", subscription=sub["id"], _phase=0,
                        current_phase={"end_date": end, "start_date": start})
        sub["schedule"] = schedule["id"]
        state.touch()
        state.emit_event("subscription_schedule.created", schedule)
        state.emit_event("customer.subscription.updated", sub, {"schedule": None})
        engine.reindex(state, sub)
    return schedule
