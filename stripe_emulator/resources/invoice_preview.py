"""`POST /v1/invoices/create_preview`: the upcoming invoice of a subscription (or of a schedule
that has not started), built with the same lines and totals code as real renewals.

Metered lines price the usage recorded so far in the current period through the price's
tiers. `subscription_details[items]` previews item changes (price, quantity, deletion,
additions) without touching the subscription. Nothing is stored.
"""

import copy

from stripe.params import InvoiceCreatePreviewParams

from .. import errors
from ..routing import route
from . import schedule_phases as phases_mod
from . import subscription_billing as engine
from . import subscription_items as items_mod

_UNSUPPORTED = ("invoice_items", "schedule_details", "customer_details", "discounts",
                "automatic_tax", "issuer", "on_behalf_of", "customer_account")


def _none():
    return errors.StripeError(404, "No upcoming invoices for customer.",
                              code="invoice_upcoming_none")


def _subscription_for(ctx, p):
    state = ctx.state
    if "subscription" in p:
        sub = state.get("subscription", p["subscription"], param="subscription")
        if "customer" in p and p["customer"] != sub["customer"]:
            raise errors.invalid("The subscription does not belong to this customer.",
                                 param="subscription")
        return sub
    state.get("customer", p["customer"], param="customer")
    subs = [s for s in state.collection("subscription").values()
            if s["customer"] == p["customer"] and s["status"] != "canceled"]
    if not subs:
        raise _none()
    return subs[-1]


def _apply_details(ctx, sub, details):
    from .subscriptions import item_price

    data = sub["items"]["data"]
    for n, spec in enumerate(details.get("items") or ()):
        where = f"subscription_details[items][{n}]"
        item = next((i for i in data if i["id"] == spec.get("id")), None) if "id" in spec \
            else None
        if "id" in spec and item is None:
            raise errors.no_such("subscription item", spec["id"], f"{where}[id]")
        if spec.get("deleted"):
            data.remove(item)
            continue
        if item is None:
            price = item_price(ctx.state, spec, where, sub["currency"], price_data_ok=False)
            quantity = items_mod.check_quantity(price, spec, where)
            data.append(items_mod.build_item(ctx.state, sub, price, quantity,
                                             {"metadata": spec.get("metadata") or None},
                                             sub["billing_cycle_anchor"], ctx.now, where))
            continue
        if any(k in spec for k in ("price", "plan")):
            price = item_price(ctx.state, spec, where, sub["currency"], price_data_ok=False)
            items_mod.set_price(ctx.state, item, price)
        if "quantity" in spec:
            item["quantity"] = items_mod.check_quantity(item["price"], spec, where)


def _upcoming_specs(state, sub, now):
    """Lines of the next invoice: items renewing first (usage so far, next period ahead)."""
    t = engine.next_time(state, sub)
    if t is None:
        raise _none()
    specs = []
    for item in sub["items"]["data"]:
        if item["current_period_end"] != t:
            continue
        old = (item["current_period_start"], item["current_period_end"])
        if items_mod.is_metered(item["price"]):
            if sub["status"] != "trialing":
                specs.append(engine.usage_line(state, sub, item, old))
            continue
        items_mod.roll(item)
        specs.append(engine.advance_line(state, sub, item))
    start = min((s["period"]["start"] for s in specs), default=t)
    return specs, (min(start, t), t)


def _schedule_specs(state, schedule):
    """A schedule that has not started previews its first invoice."""
    phase = schedule["phases"][0]
    customer = state.get("customer", schedule["customer"], param="customer")
    sub = {"id": "sub_upcoming", "customer": customer["id"], "discounts": [],
           "test_clock": schedule["test_clock"], "billing_cycle_anchor": phase["start_date"],
           **{k: v for k, v in phases_mod.subscription_params(schedule, phase).items()
              if k in ("collection_method", "days_until_due")},
           "metadata": dict(phase["metadata"]), "currency": phase["currency"]}
    specs = []
    for price, quantity, _ in phases_mod.phase_items(state, phase):
        if not items_mod.is_metered(price):
            item = items_mod.build_item(state, sub, price, quantity, {}, phase["start_date"],
                                        phase["start_date"], "phases[0][items]")
            specs.append(engine.advance_line(state, sub, item))
    return sub, specs, (phase["start_date"], phase["start_date"])


@route("POST", "/v1/invoices/create_preview", params=InvoiceCreatePreviewParams)
def create_preview(ctx):
    p, state = ctx.params, ctx.state
    for name in _UNSUPPORTED:
        if name in p:
            raise errors.invalid(f"The emulator does not support `{name}` on invoice "
                                 "previews.", param=name)
    if not any(k in p for k in ("customer", "subscription", "schedule")):
        raise errors.missing_param("customer")
    if "schedule" in p:
        schedule = state.get("subscription_schedule", p["schedule"], param="schedule")
        if schedule["status"] == "not_started":
            sub, specs, period = _schedule_specs(state, schedule)
            return _preview(state, sub, specs, period, schedule["test_clock"])
        if not schedule["subscription"]:
            raise _none()
        p = dict(p, subscription=schedule["subscription"])
    sub = copy.deepcopy(_subscription_for(ctx, p))
    _apply_details(ctx, sub, p.get("subscription_details") or {})
    if sub["status"] == "canceled":
        raise _none()
    now = engine.now_for(state, sub["test_clock"])
    with engine.at_time(state, now):
        specs, period = _upcoming_specs(state, sub, now)
    return _preview(state, sub, specs, period, sub["test_clock"])


def _preview(state, sub, specs, period, clock):
    invoice = engine.build_invoice(state, sub, specs, "upcoming", period,
                                   now=engine.now_for(state, clock), store=False)
    preview_id = "upcoming_" + invoice["id"]
    invoice["id"] = preview_id
    for line in invoice["_all_lines"]:
        line["invoice"] = preview_id
    invoice["lines"]["url"] = f"/v1/invoices/{preview_id}/lines"
    invoice["automatically_finalizes_at"] = None
    return invoice
