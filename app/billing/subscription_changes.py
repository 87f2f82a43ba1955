"""Parameters for the subscription changes the customer page makes (pure: dicts in, dicts out)."""
from __future__ import annotations


def discounts_param(coupon_id: str | None):
    """Stripe replaces a subscription's or phase's discounts; "" clears them."""
    return [{"coupon": coupon_id}] if coupon_id else ""


def phases_with_discounts(schedule: dict, coupon_id: str | None) -> list[dict]:
    """A not-started schedule's phases re-sent as they are, with the coupon on every phase.

    Updating phases replaces them all, so each keeps its dates, items and collection settings.
    """
    phases = []
    for index, phase in enumerate(schedule.get("phases") or []):
        params = {"items": [_item(i) for i in phase.get("items") or []], "end_date": phase["end_date"],
                  "discounts": discounts_param(coupon_id)}
        if index == 0:
            params["start_date"] = phase["start_date"]
        for key in ("collection_method", "description", "proration_behavior"):
            if phase.get(key):
                params[key] = phase[key]
        if phase.get("metadata"):
            params["metadata"] = phase["metadata"]
        days = (phase.get("invoice_settings") or {}).get("days_until_due")
        if days is not None:
            params["invoice_settings"] = {"days_until_due": days}
        phases.append(params)
    return phases


def _item(item: dict) -> dict:
    price = item.get("price")
    params = {"price": price["id"] if isinstance(price, dict) else price}
    if item.get("quantity") is not None:
        params["quantity"] = item["quantity"]
    if item.get("metadata"):
        params["metadata"] = item["metadata"]
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
