"""Parameters for the subscription changes the customer page makes (pure: dicts in, dicts out)."""
from __future__ import annotations

from decimal import Decimal

from app.billing.stripe_requests import is_credit_discount_coupon


def discounts_param(coupon_id: str | None, kept: list[dict] = ()):
    """Stripe replaces a subscription's or phase's discounts; "" clears them. `kept` go first, as they are."""
    return [*kept, *([{"coupon": coupon_id}] if coupon_id else [])] or ""


def subscription_discounts(subscription: dict, coupon_id: str | None):
    """The Coupon editor's discounts for a synced subscription: `coupon_id` replaces the promotional ones,
    a credit-discount coupon (the customer's percent, services/credit_discount.py) is kept by its discount id."""
    kept = [{"discount": d["id"]} for d in subscription.get("discounts") or []
            if is_credit_discount_coupon(d["coupon"].get("id"))]
    return discounts_param(coupon_id, kept)


def phases_with_discounts(schedule: dict, coupon_id: str | None) -> list[dict]:
    """A not-started schedule's phases re-sent as they are, with the coupon on every phase (beside a
    credit-discount coupon, which stays).

    Updating phases replaces them all, so each keeps its dates, items and collection settings.
    """
    return [phase_params(phase, discounts_param(coupon_id, [discount_spec(d) for d in phase.get("discounts") or []
                                                             if is_credit_discount_coupon(d.get("coupon"))]),
                         with_start=index == 0)
            for index, phase in enumerate(schedule.get("phases") or [])]


def phase_params(phase: dict, discounts, with_start: bool) -> dict:
    """A phase as Stripe holds it, re-sent unchanged but for `discounts` (a list, or "" for none).

    `with_start` anchors the first phase sent (an active schedule's current phase keeps its start)."""
    params = {"items": [_item(i) for i in phase.get("items") or []], "end_date": phase["end_date"],
              "discounts": discounts}
    if with_start:
        params["start_date"] = phase["start_date"]
    for key in ("collection_method", "description", "proration_behavior", "trial_end"):
        if phase.get(key):
            params[key] = phase[key]
    if phase.get("metadata"):
        params["metadata"] = phase["metadata"]
    days = (phase.get("invoice_settings") or {}).get("days_until_due")
    if days is not None:
        params["invoice_settings"] = {"days_until_due": days}
    return params


def discount_spec(discount: dict) -> dict:
    """A phase's or item's discount as Stripe shows it ({coupon, discount, promotion_code}) as a parameter."""
    return {k: v for k, v in discount.items() if k in ("coupon", "discount", "promotion_code") and v}


def _item(item: dict) -> dict:
    price = item.get("price")
    params = {"price": price["id"] if isinstance(price, dict) else price}
    if item.get("quantity") is not None:
        params["quantity"] = item["quantity"]
    if item.get("metadata"):
        params["metadata"] = item["metadata"]
    if item.get("discounts"):
        params["discounts"] = [discount_spec(d) for d in item["discounts"]]
    return params


def price_change_problem(current_price: dict, new_price: dict) -> str | None:
    """Why `new_price` cannot replace `current_price` on a subscription item, or None."""
    if new_price["id"] == current_price["id"]:
        return "the subscription already uses this price"
    if new_price.get("product") != current_price.get("product"):
        return f"price {new_price['id']} belongs to another product ({new_price.get('product')})"
    if not new_price.get("active"):
        return f"price {new_price['id']} is archived"
    if new_price.get("currency") != current_price.get("currency"):
        return f"price {new_price['id']} is in {new_price.get('currency')}, the subscription in {current_price.get('currency')}"
    if new_price.get("type") != "recurring":
        return f"price {new_price['id']} is one-off, not recurring"
    return None


def price_amount(price: dict) -> str:
    """A price's amount as the Change price list shows it, in its currency: per unit, per period, or its tiers."""
    from app.formatting import billing_period, unit_price

    if price.get("billing_scheme") == "tiered":
        return f"tiered ({len(price.get('tiers') or [])} tiers, {price.get('tiers_mode') or 'graduated'})"
    amount = price.get("unit_amount_decimal") if price.get("unit_amount_decimal") is not None else price.get("unit_amount")
    if amount is None:
        return "no amount"
    return f"{unit_price(Decimal(str(amount)), price.get('currency'))} {billing_period(price.get('recurring'))}".strip()


def _same_billing_period(current_price: dict, price: dict) -> bool:
    """Stripe bills every item of a subscription on one period: a monthly item cannot become a quarterly one.
    A snapshot taken before the period was recorded does not know it, and lets Stripe decide."""
    if current_price.get("interval") is None:
        return True
    recurring = price.get("recurring") or {}
    return (recurring.get("interval"), recurring.get("interval_count") or 1) == (
        current_price["interval"], current_price.get("interval_count") or 1)


def price_choices(current_price: dict, prices: list[dict]) -> list[dict]:
    """The prices this subscription item may change to (those `price_change_problem` accepts, of the same
    usage type, metered staying metered, and billed on the same period), each with its nickname, amount and id."""
    current = current_price | {"active": True, "type": "recurring"}
    usage_type = current_price.get("usage_type")
    found = [p for p in prices if price_change_problem(current, p) is None
             and (usage_type is None or (p.get("recurring") or {}).get("usage_type") == usage_type)
             and _same_billing_period(current_price, p)]
    return [{"id": p["id"], "label": f"{p.get('nickname') or 'no nickname'} — {price_amount(p)} — {p['id']}"}
            for p in found]
