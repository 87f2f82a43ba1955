"""Subscriptions: create (several items, mixed intervals in flexible mode, trials, discounts,
collection method), retrieve, list, search, update (items, price swaps, discounts), cancel.

Billing over time (first invoice, renewals, usage in arrears) is `subscription_billing`;
item periods are `subscription_items`. Customers on a test clock live at its time.
"""

from stripe.params import (
    SubscriptionCancelParams,
    SubscriptionCreateParams,
    SubscriptionListParams,
    SubscriptionRetrieveParams,
    SubscriptionSearchParams,
    SubscriptionUpdateParams,
)

from .. import errors, helpers
from ..hooks import on_event
from ..routing import route
from . import coupons
from . import subscription_billing as engine
from . import subscription_items as items_mod
from .subscription_update import apply_update

KIND = "subscription"
MAX_ITEMS = 20
SEARCH_FIELDS = {"status": lambda s: s["status"], "created": lambda s: s["created"],
                 "customer": lambda s: s["customer"]}


def resolve_items(ctx_or_state, specs, param="items", price_data_ok=True, currency=None):
    """`[(price, quantity, spec)]` for create-style item params, with Stripe's checks; `currency` (the
    request's) lets a price bill in another currency through its `currency_options`."""
    if not specs:
        raise errors.missing_param(param)
    if len(specs) > MAX_ITEMS:
        raise errors.invalid(f"A subscription can have at most {MAX_ITEMS} items.", param=param)
    out, seen = [], set()
    for i, spec in enumerate(specs):
        where = f"{param}[{i}]"
        price = item_price(ctx_or_state, spec, where, currency, price_data_ok)
        currency = currency or price["currency"]
        if price["id"] in seen:
            raise errors.invalid(f"The price {price['id']} appears more than once; a "
                                 "subscription can hold each price only once.",
                                 param=f"{where}[price]")
        seen.add(price["id"])
        out.append((price, items_mod.check_quantity(price, spec, where), spec))
    return out


def item_price(ctx_or_state, spec, where, currency=None, price_data_ok=True):
    state = getattr(ctx_or_state, "state", ctx_or_state)
    given = [k for k in ("price", "plan", "price_data") if k in spec]
    if len(given) != 1:
        raise (errors.missing_param(helpers.nested(where, "price")) if not given
               else errors.exclusive(*(helpers.nested(where, k) for k in given)))
    if "price_data" not in spec:
        key = given[0]
        return items_mod.recurring_price(state, spec[key], helpers.nested(where, key), currency)
    if not price_data_ok or state is ctx_or_state:
        raise errors.invalid("`price_data` is not supported here by the emulator; create the "
                             "price first.", param=helpers.nested(where, "price_data"))
    from .prices import build_price

    data = dict(spec["price_data"])
    state.get("product", data["product"], param=helpers.nested(where, "price_data[product]"))
    price = build_price(ctx_or_state, data, data["product"], active=False)
    if currency and price["currency"] != currency:
        raise errors.invalid("All prices on a subscription must have the same currency.",
                             param=helpers.nested(where, "price_data[currency]"))
    return price


def check_mode(resolved, mode, param="items"):
    intervals = {(p["recurring"]["interval"], p["recurring"]["interval_count"])
                 for p, _, _ in resolved}
    if mode == "classic" and len(intervals) > 1:
        raise errors.invalid("Mixed billing intervals need `billing_mode[type]=flexible`: in "
                             "classic mode all prices must share one interval.", param=param)


def check_collection(p, method):
    if method == "send_invoice" and p.get("days_until_due") is None:
        raise errors.missing_param("days_until_due")
    if method != "send_invoice" and p.get("days_until_due") is not None:
        raise errors.invalid("`days_until_due` can only be set when `collection_method` is "
                             "`send_invoice`.", param="days_until_due")


def trial_end_for(p, now):
    if "trial_end" in p and "trial_period_days" in p:
        raise errors.exclusive("trial_end", "trial_period_days")
    end = p.get("trial_end")
    if end == "now" or end is None:
        days = p.get("trial_period_days")
        return now + days * 86400 if days else None
    if end <= now:
        raise errors.invalid("Invalid timestamp: must be an integer Unix timestamp in the "
                             "future.", param="trial_end")
    return end


def new_subscription(state, customer, p, resolved, start, schedule_id=None):
    """Store a subscription starting at `start`, bill its first invoice, emit events."""
    method = p.get("collection_method") or "charge_automatically"
    trial_end = trial_end_for(p, start)
    mode = (p.get("billing_mode") or {}).get("type", "flexible")
    anchor = trial_end or start
    sub = helpers.new_object(
        state, KIND, "sub", application=None, application_fee_percent=None,
        automatic_tax={"disabled_reason": None, "enabled": False, "liability": None},
        billing_cycle_anchor=anchor, billing_cycle_anchor_config=None,
        billing_mode={"flexible": {"proration_discounts": "included"} if mode == "flexible"
                      else None, "type": mode, "updated_at": start},
        billing_schedules=[], billing_thresholds=None, cancel_at=None,
        cancel_at_period_end=False, canceled_at=None,
        cancellation_details={"comment": None, "feedback": None, "reason": None},
        collection_method=method, currency=(p.get("currency") or resolved[0][0]["currency"]).lower(),
        customer=customer["id"],
        customer_account=None, days_until_due=p.get("days_until_due"),
        default_payment_method=None, default_source=None, default_tax_rates=[],
        description=p.get("description"), discounts=[], ended_at=None,
        invoice_settings={"account_tax_ids": None, "issuer": {"type": "self"}},
        latest_invoice=None, managed_payments=None,
        metadata=helpers.merge_metadata({}, p.get("metadata")),
        next_pending_invoice_item_invoice=None, on_behalf_of=None, pause_collection=None,
        payment_settings={"payment_method_options": None, "payment_method_types": None,
                          "save_default_payment_method": "off"},
        pending_invoice_item_interval=None, pending_setup_intent=None, pending_update=None,
        presentment_details=None, schedule=schedule_id, start_date=start,
        status="trialing" if trial_end else "active", status_details=None,
        test_clock=customer["test_clock"], transfer_data=None, trial_end=trial_end,
        trial_settings={"end_behavior": {"missing_payment_method": "create_invoice"}},
        trial_start=start if trial_end else None)
    from .invoice_actions import settle_currency

    settle_currency(customer, sub["currency"])
    sub["items"] = items_mod.items_list(sub["id"], [
        items_mod.build_item(state, sub, price, quantity, spec, anchor, start, f"items[{i}]")
        for i, (price, quantity, spec) in enumerate(resolved)])
    sub["discounts"] = coupons.apply_discounts(state, p.get("discounts"), customer["id"],
                                               subscription=sub["id"])
    set_cancel(sub, p)
    state.insert(sub)
    state.emit_event("customer.subscription.created", sub)
    first_invoice(state, sub, start)
    engine.reindex(state, sub)
    return sub


def first_invoice(state, sub, start):
    trial = sub["status"] == "trialing"
    lines = [engine.advance_line(state, sub, item, trial=trial) for item in sub["items"]["data"]
             if not items_mod.is_metered(item["price"])]
    if lines:
        engine.issue_invoice(state, sub, lines, "subscription_create", (start, start))


def set_cancel(sub, p):
    if p.get("cancel_at_period_end") is not None:
        sub["cancel_at_period_end"] = p["cancel_at_period_end"]
        sub["cancel_at"] = (min(i["current_period_end"] for i in sub["items"]["data"])
                            if p["cancel_at_period_end"] else None)
    if "cancel_at" in p:
        ends = [i["current_period_end"] for i in sub["items"]["data"]]
        value = p["cancel_at"]
        value = {"min_period_end": min(ends), "max_period_end": max(ends),
                 "max_billed_until": max(ends), "": None}.get(value, value)
        if value is not None and value <= sub["start_date"]:
            raise errors.invalid("`cancel_at` must be after the subscription starts.",
                                 param="cancel_at")
        sub["cancel_at"] = value
        sub["cancel_at_period_end"] = False


@route("POST", "/v1/subscriptions", params=SubscriptionCreateParams)
def create(ctx):
    p = ctx.params
    if "customer" not in p:
        raise errors.missing_param("customer")
    state = ctx.state
    customer = state.get("customer", p["customer"], param="customer")
    resolved = resolve_items(ctx, p.get("items"), currency=(p.get("currency") or "").lower() or None)
    check_mode(resolved, (p.get("billing_mode") or {}).get("type", "flexible"))
    check_collection(p, p.get("collection_method") or "charge_automatically")
    now = engine.now_for(state, customer["test_clock"])
    with engine.at_time(state, now):
        return new_subscription(state, customer, p, resolved, p.get("backdate_start_date", now))


def get_subscription(ctx, sub_id, param="subscription_exposed_id"):
    return ctx.state.get(KIND, sub_id, param=param)


@route("GET", "/v1/subscriptions/{subscription_exposed_id}", params=SubscriptionRetrieveParams)
def retrieve(ctx):
    return get_subscription(ctx, ctx.path["subscription_exposed_id"])


@route("POST", "/v1/subscriptions/{subscription_exposed_id}", params=SubscriptionUpdateParams)
def update(ctx):
    return apply_update(ctx, get_subscription(ctx, ctx.path["subscription_exposed_id"]))


@route("DELETE", "/v1/subscriptions/{subscription_exposed_id}", params=SubscriptionCancelParams)
def cancel(ctx):
    sub = get_subscription(ctx, ctx.path["subscription_exposed_id"])
    if sub["status"] == "canceled":
        raise errors.no_such("subscription", sub["id"], "subscription_exposed_id")
    now = engine.now_for(ctx.state, sub["test_clock"])
    details = ctx.params.get("cancellation_details") or {}
    with engine.at_time(ctx.state, now):
        sub["canceled_at"] = now
        engine.end_subscription(ctx.state, sub, now, bill_usage=ctx.params.get("invoice_now"),
                                details={k: v or None for k, v in details.items()
                                         if k in ("comment", "feedback")})
        if sub["schedule"]:
            from .subscription_schedules import on_subscription_canceled

            on_subscription_canceled(ctx.state, sub)
    return sub


@route("GET", "/v1/subscriptions", params=SubscriptionListParams)
def list_subscriptions(ctx):
    p = ctx.params
    status = p.get("status")
    tests = [_ENDED_TESTS.get(status) or (None if status == "all" else _status_is(status))]
    tests += [_field_is(field, p[field]) for field in ("customer", "collection_method", "test_clock")
              if field in p]
    tests += [_has_price(p[field]) for field in ("price", "plan") if field in p]
    tests.append(helpers.created_test(p.get("created")))
    return helpers.list_collection(ctx, KIND, helpers.all_of(*tests), label=KIND)


_ENDED = ("canceled", "incomplete_expired")
_ENDED_TESTS = {None: lambda s: s["status"] not in _ENDED, "ended": lambda s: s["status"] in _ENDED}


def _status_is(status):
    return lambda s: s["status"] == status


def _field_is(field, value):
    return lambda s: s[field] == value


def _has_price(price_id):
    return lambda s: any(i["price"]["id"] == price_id for i in s["items"]["data"])


@route("GET", "/v1/subscriptions/search", params=SubscriptionSearchParams)
def search(ctx):
    return helpers.search_object(ctx, list(ctx.state.collection(KIND).values()), SEARCH_FIELDS)


@on_event
def _customer_deleted(state, event):
    """Deleting a customer cancels its subscriptions and schedules, as on Stripe."""
    if event["type"] != "customer.deleted":
        return
    customer_id = event["data"]["object"]["id"]
    for schedule in list(state.collection("subscription_schedule").values()):
        if schedule["customer"] == customer_id and schedule["status"] in ("not_started",
                                                                           "active"):
            schedule.update(status="canceled", canceled_at=state.now(), current_phase=None)
            engine.set_due(state, schedule["test_clock"], schedule["id"], None)
            state.emit_event("subscription_schedule.canceled", schedule)
    for sub in list(state.collection(KIND).values()):
        if sub["customer"] == customer_id and sub["status"] != "canceled":
            sub.update(status="canceled", canceled_at=state.now(), ended_at=state.now())
            engine.set_due(state, sub["test_clock"], sub["id"], None)
            state.emit_event("customer.subscription.deleted", sub)
