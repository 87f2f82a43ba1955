"""Does Stripe match the customer's billing configuration? Pure checks on our record and its snapshot.

The five configurations the team supports (free, paid, startup, enterprise yearly, enterprise
amortized) each expect a shape in Stripe; every mismatch is one sentence a billing person can act on.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.billing.credit_discount import credit_discount_mismatch
from app.billing.customer_snapshot import LIVE_STATUSES

TRUE = ("true", "1", "yes")


@dataclass(frozen=True)
class CustomerView:
    id: int
    configuration: str
    stripe_customer_id: str | None
    snapshot: dict | None
    linked_customer_id: int | None = None
    credit_discount_percent: Decimal | None = None


def live_subscriptions(snapshot: dict | None) -> list[dict]:
    return [s for s in (snapshot or {}).get("subscriptions", []) if s.get("status") in LIVE_STATUSES]


SET_BY_FLOW = ("annual_plan", "startup_plan", "override")  # a sync never changes these


def configuration_from_stripe(snapshot: dict | None, linked_customer_id: int | None) -> str:
    """What a customer is by its Stripe state alone: half of a linked pair is enterprise amortized; startup
    metadata makes a startup customer; a live subscription a paid one; nothing live a free one."""
    if linked_customer_id:
        return "enterprise_amortized"
    metadata = ((snapshot or {}).get("customer") or {}).get("metadata") or {}
    if str(metadata.get("is_startup_plan_customer", "")).lower() in TRUE:
        return "startup"
    return "paid" if live_subscriptions(snapshot) else "free"


def configuration_after_sync(current: str, source: str, snapshot: dict | None, linked_customer_id: int | None) -> str:
    """A configuration a flow or a person set stays; one read from Stripe follows Stripe."""
    return current if source in SET_BY_FLOW else configuration_from_stripe(snapshot, linked_customer_id)


def configuration_mismatches(customer: CustomerView, default_price_ids: set[str],
                             linked: CustomerView | None = None) -> list[str]:
    if customer.configuration == "free":
        return _credit_discount(customer) if customer.snapshot is not None else []
    if not customer.stripe_customer_id:
        return [f"A {customer.configuration} customer needs a Stripe customer; none is recorded."]
    if customer.snapshot is None:
        return ["Not synced with Stripe yet: sync to check its configuration."]
    found = _one_subscription(customer.snapshot) + _credit_discount(customer)
    if customer.configuration in ("paid", "startup", "enterprise_yearly") and customer.linked_customer_id:
        found.append(f"Should have one Stripe customer, but is linked with customer #{customer.linked_customer_id}.")
    if customer.configuration == "paid":
        found += _non_default_items(customer.snapshot, default_price_ids, allow_startup=False)
    elif customer.configuration == "startup":
        found += _startup_metadata(customer.snapshot) + _non_default_items(customer.snapshot, default_price_ids, True)
    elif customer.configuration == "enterprise_yearly":
        found += _credits_invoice(customer.snapshot)
    elif customer.configuration == "enterprise_amortized":
        found += _amortized_pair(customer, linked)
    return found


def _credit_discount(customer: CustomerView) -> list[str]:
    """Every configuration: the credit-discount coupon Stripe applies is our record's percent."""
    mismatch = credit_discount_mismatch(customer.credit_discount_percent, customer.snapshot)
    return [mismatch] if mismatch else []


def _one_subscription(snapshot: dict, whose: str = "") -> list[str]:
    count = len(live_subscriptions(snapshot))
    if count == 1:
        return []
    return [f"Should have exactly one active subscription{whose}; Stripe has {count or 'none'}."]


def _non_default_items(snapshot: dict, defaults: set[str], allow_startup: bool) -> list[str]:
    found = []
    for sub in live_subscriptions(snapshot):
        for item in sub.get("items", []):
            price = item.get("price") or {}
            if price.get("id") in defaults or (allow_startup and (price.get("metadata") or {}).get("plan") == "startup"):
                continue
            what = price.get("product_key") or price.get("product")
            found.append(f"{what} is on price {price.get('id')} ({price.get('nickname') or 'no nickname'}), not the "
                         f"default price{' or a startup price' if allow_startup else ''}.")
    return found


def _startup_metadata(snapshot: dict) -> list[str]:
    metadata = (snapshot.get("customer") or {}).get("metadata") or {}
    found = []
    if str(metadata.get("is_startup_plan_customer", "")).lower() not in TRUE:
        found.append("The Stripe customer lacks is_startup_plan_customer=true metadata.")
    if not str(metadata.get("credit_expires_at", "")).strip():
        found.append("The Stripe customer lacks credit_expires_at metadata (when the startup credits expire).")
    return found


def _credits_invoice(snapshot: dict) -> list[str]:
    invoices = snapshot.get("invoices") or []
    if any(i.get("status") in ("open", "paid") and (i.get("total") or 0) > 0 for i in invoices):
        return []
    return ["No credits invoice (open or paid, above zero) among Stripe's recent invoices: enterprise yearly "
            "customers pay for credits before the subscription starts."]


def _amortized_pair(customer: CustomerView, linked: CustomerView | None) -> list[str]:
    if linked is None:
        return ["Amortized customers need a linked customer (one Stripe customer for the credits, one for the usage); "
                "none is linked."]
    found = []
    if linked.linked_customer_id != customer.id:
        found.append(f"Customer #{linked.id} is linked from here but does not link back.")
    if not linked.stripe_customer_id or linked.stripe_customer_id == customer.stripe_customer_id:
        found.append(f"Customer #{linked.id} must have its own Stripe customer (credits and usage are billed apart).")
    elif linked.snapshot is None:
        found.append(f"Customer #{linked.id} (the other half of the pair) is not synced yet.")
    else:
        found += _one_subscription(linked.snapshot, f" on the linked customer #{linked.id}")
    return found
