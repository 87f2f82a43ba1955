"""What we keep of a customer's Stripe state, and the questions the pages ask of it.

Stripe returns some numbers (percent_off) as JSON numbers: they are kept as strings here,
so nothing downstream ever computes money with a float.
"""
from __future__ import annotations

from decimal import Decimal

from app.billing.limits import Discount, PriceTier, tiers_from_stripe

LIVE_STATUSES = ("active", "trialing", "past_due", "unpaid", "incomplete")


def snapshot_of(customer: dict, tax_ids: list[dict], subscriptions: list[dict], schedules: list[dict],
                invoices: list[dict], key_metadata: str) -> dict:
    return {
        "customer": {k: customer.get(k) for k in ("id", "name", "email", "address", "shipping", "balance",
                                                   "currency", "metadata", "delinquent")}
        | {"tax_ids": [{"type": t["type"], "value": t["value"]} for t in tax_ids]},
        "subscriptions": [_subscription(s, key_metadata) for s in subscriptions],
        "schedules": [_schedule(s) for s in schedules],
        "invoices": [{k: i.get(k) for k in ("id", "number", "status", "total", "amount_due", "currency",
                                             "created", "due_date", "hosted_invoice_url")} for i in invoices],
    }


def _subscription(sub: dict, key_metadata: str) -> dict:
    items = sub.get("items", {}).get("data", [])
    return {"id": sub["id"], "status": sub.get("status"), "schedule": sub.get("schedule"),
            "collection_method": sub.get("collection_method"), "currency": sub.get("currency"),
            "current_period_end": items[0].get("current_period_end") if items else None,
            "current_period_start": items[0].get("current_period_start") if items else None,
            "discounts": [_discount(d) for d in sub.get("discounts") or [] if isinstance(d, dict)],
            "items": [_item(i, key_metadata) for i in items]}


def _discount(discount: dict) -> dict:
    coupon = (discount.get("source") or {}).get("coupon") or discount.get("coupon") or {}
    if isinstance(coupon, str):
        coupon = {"id": coupon}
    percent = coupon.get("percent_off")
    return {"id": discount.get("id"), "coupon": {
        "id": coupon.get("id"), "name": coupon.get("name"), "duration": coupon.get("duration"),
        "percent_off": None if percent is None else str(percent),
        "amount_off": coupon.get("amount_off"), "currency": coupon.get("currency")}}


def _item(item: dict, key_metadata: str) -> dict:
    price = item.get("price") or {}
    product = price.get("product")
    product = product if isinstance(product, dict) else {"id": product, "metadata": {}}
    return {"id": item["id"], "quantity": item.get("quantity"), "price": {
        "id": price.get("id"), "nickname": price.get("nickname"), "lookup_key": price.get("lookup_key"),
        "product": product.get("id"), "product_name": product.get("name"),
        "product_key": (product.get("metadata") or {}).get(key_metadata)
        or (price.get("metadata") or {}).get(key_metadata),
        "metadata": price.get("metadata") or {}, "currency": price.get("currency"),
        "billing_scheme": price.get("billing_scheme"), "tiers_mode": price.get("tiers_mode"),
        "unit_amount_decimal": _text(price.get("unit_amount_decimal")),
        "usage_type": (price.get("recurring") or {}).get("usage_type"),
        "interval": (price.get("recurring") or {}).get("interval"),
        "interval_count": (price.get("recurring") or {}).get("interval_count"),
        "tiers": [{"up_to": t.get("up_to"), "unit_amount": t.get("unit_amount"),
                   "unit_amount_decimal": _text(t.get("unit_amount_decimal")),
                   "flat_amount": t.get("flat_amount"), "flat_amount_decimal": _text(t.get("flat_amount_decimal"))}
                  for t in price.get("tiers") or []]}}


def _schedule(schedule: dict) -> dict:
    return {"id": schedule["id"], "status": schedule.get("status"), "subscription": schedule.get("subscription"),
            "phases": [{"start_date": p.get("start_date"), "end_date": p.get("end_date"),
                        "discounts": [d.get("coupon") for d in p.get("discounts") or [] if d.get("coupon")],
                        "prices": [i.get("price") for i in p.get("items") or []]}
                       for p in schedule.get("phases") or []]}


def _text(value) -> str | None:
    return None if value is None else str(value)


def live_subscription(snapshot: dict | None) -> dict | None:
    """The subscription that bills today (the newest live one when there are several)."""
    for sub in (snapshot or {}).get("subscriptions", []):
        if sub["status"] in LIVE_STATUSES:
            return sub
    return None


def subscription_discounts(snapshot: dict | None) -> list[Discount]:
    sub = live_subscription(snapshot)
    return [Discount(percent_off=Decimal(d["coupon"]["percent_off"]) if d["coupon"].get("percent_off") else None,
                     amount_off_cents=d["coupon"].get("amount_off")) for d in (sub or {}).get("discounts", [])]


def item_for(snapshot: dict | None, product_key: str) -> dict | None:
    sub = live_subscription(snapshot)
    return next((i for i in (sub or {}).get("items", []) if i["price"]["product_key"] == product_key), None)


def price_tiers(snapshot: dict | None, product_key: str, default: tuple[PriceTier, ...]) -> tuple[list[PriceTier], str]:
    """The tiers of the customer's price for the product, else the catalog's; and where they came from."""
    item = item_for(snapshot, product_key)
    if item and item["price"]["tiers"]:
        return tiers_from_stripe(item["price"]["tiers"]), item["price"]["id"]
    if item and item["price"]["unit_amount_decimal"] is not None:
        return [PriceTier(None, Decimal(item["price"]["unit_amount_decimal"]))], item["price"]["id"]
    return list(default), "catalog default"


def changed_sections(before: dict | None, after: dict) -> list[str]:
    return [k for k in after if (before or {}).get(k) != after[k]]
