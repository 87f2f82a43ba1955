"""Customer changes that write to Stripe: coupons on the subscription (and its schedule), price changes.

Each write goes through stripe_write with a key made of the customer's version, so a double
click replays and a later, deliberate repeat is a new write. The customer is re-synced after.
"""
from __future__ import annotations

from app.billing.customer_snapshot import live_subscription
from app.billing.stripe_requests import customer_change_key, is_credit_discount_coupon
from app.billing.subscription_changes import (
    phases_with_discounts,
    price_change_problem,
    subscription_discounts,
)
from app.gateways.stripe import StripeGatewayError
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.customer_sync import read_stripe_state, sync_customer
from app.services.customers import load_customer
from app.services.stripe_writes import stripe_write

USAGE_WARNING = ("Metered usage for this period is re-sent to the new price at the next usage sync: "
                 "the invoice may show the old price's usage as zero until then.")


def _live(gateway, customer, key_metadata: str) -> tuple[dict, dict]:
    """Fresh Stripe state (not the snapshot) and its live subscription."""
    if not customer.stripe_customer_id:
        raise Invalid("this customer has no Stripe customer id")
    state = read_stripe_state(gateway, customer.stripe_customer_id, key_metadata)
    sub = live_subscription(state)
    if sub is None:
        raise Invalid("the customer has no active subscription in Stripe to put a coupon or price on")
    return state, sub


def set_coupon(session, gateway, actor: Actor, customer_id: int, coupon_id: str | None, version: int | None,
               key_metadata: str) -> list[str]:
    """Put `coupon_id` on the live subscription and on a not-started schedule's phases (None removes).

    Stripe has no customer-level coupon any more (removed in 2025-03-31.basil).
    """
    if coupon_id == "":
        raise Invalid("Choose a coupon to apply.")
    if is_credit_discount_coupon(coupon_id):
        raise Invalid(f"{coupon_id} is the contract's credit discount: set its percent under Credit discount")
    customer = load_customer(session, customer_id, version)
    if coupon_id:
        _check_coupon(gateway, coupon_id)
    state, sub = _live(gateway, customer, key_metadata)
    schedules = [s for s in state["schedules"] if s["status"] == "not_started"
                 or (s["status"] == "active" and s["subscription"] == sub["id"])]
    if any(s["status"] == "active" and len(s["phases"]) > 1 for s in schedules):
        raise Invalid("the subscription follows a schedule with later phases; change the coupon on the "
                            "schedule's phases in Stripe's dashboard so the next phase keeps it")
    label = coupon_id or "none"
    key = customer_change_key(customer, f"coupon-{sub['id']}-{label}")
    changed = [_write(session, gateway, customer.id, key, "set_coupon", sub["id"],
                      lambda: gateway.update_subscription(sub["id"], {"discounts": subscription_discounts(sub, coupon_id)}, key))]
    for schedule in (s for s in schedules if s["status"] == "not_started"):
        key = customer_change_key(customer, f"coupon-{schedule['id']}-{label}")
        phases = phases_with_discounts(gateway.retrieve_schedule(schedule["id"]), coupon_id)
        changed.append(_write(session, gateway, customer.id, key, "set_schedule_coupon", schedule["id"],
                              lambda k=key, s=schedule, p=phases: gateway.update_schedule(s["id"], {"phases": p}, k)))
    record_audit(session, actor, "customer.coupon_applied" if coupon_id else "customer.coupon_removed", "customer",
                 customer.id, after={"coupon": coupon_id, "applied_to": changed}, stripe_request_ids=gateway.request_ids)
    sync_customer(session, gateway, customer.id, actor, key_metadata)
    return changed


def _check_coupon(gateway, coupon_id: str) -> None:
    try:
        coupon = gateway.retrieve_coupon(coupon_id)
    except StripeGatewayError as exc:
        if exc.http_status == 404:
            raise Invalid(f"there is no coupon '{coupon_id}' in Stripe") from None
        raise
    if not coupon.get("valid", True):
        raise Invalid(f"coupon '{coupon_id}' can no longer be redeemed")


def _write(session, gateway, customer_id: int, key: str, action: str, object_id: str, call) -> str:
    outcome = stripe_write(session, gateway, key=key, subject=("customer", customer_id), action=action,
                           summary={"object": object_id}, call=call)
    return outcome.object_id


def change_price(session, gateway, actor: Actor, customer_id: int, product_key: str, price_id: str,
                 version: int | None, key_metadata: str) -> str:
    """Replace the product's price on the live subscription: at once, without proration."""
    if not price_id.strip():
        raise Invalid("Choose the new price.")
    customer = load_customer(session, customer_id, version)
    _, sub = _live(gateway, customer, key_metadata)
    item = next((i for i in sub["items"] if i["price"]["product_key"] == product_key), None)
    if item is None:
        raise Invalid(f"the subscription has no {product_key} item")
    try:
        new_price = gateway.retrieve_price(price_id.strip())
    except StripeGatewayError as exc:
        if exc.http_status == 404:
            raise Invalid(f"there is no price '{price_id.strip()}' in Stripe") from None
        raise
    problem = price_change_problem(item["price"] | {"active": True, "type": "recurring"}, new_price)
    if problem:
        raise Invalid(problem)
    key = customer_change_key(customer, f"price-{item['id']}-{new_price['id']}")
    params = {"items": [{"id": item["id"], "price": new_price["id"]}], "proration_behavior": "none"}
    _write(session, gateway, customer.id, key, "change_price", sub["id"],
           lambda: gateway.update_subscription(sub["id"], params, key))
    record_audit(session, actor, "customer.price_changed", "customer", customer.id,
                 before={"product": product_key, "price": item["price"]["id"]},
                 after={"product": product_key, "price": new_price["id"]},
                 stripe_request_ids=gateway.request_ids, note=USAGE_WARNING)
    sync_customer(session, gateway, customer.id, actor, key_metadata)
    return new_price["id"]
