"""The usage a customer's billing limit allows for one product: the handbook's rule on what Stripe bills them.

The subscription's own tiers and discounts (from the customer's Stripe snapshot) when it has
them, else the product's list tiers from config/billing.toml. Used by the customer page, the
billing API and the daily usage send, so all three show and send the same cap.
"""
from __future__ import annotations

from app.billing.customer_snapshot import price_tiers, subscription_discounts
from app.billing.limits import Cap, PriceTier, usage_cap


def list_tiers(product) -> tuple[PriceTier, ...]:
    """A catalog product's Standard tiers as the cap walks them."""
    return tuple(PriceTier(t.up_to, t.unit_amount_decimal) for t in product.tiers)


def customer_cap(limit_cents: int, product_key: str, default_tiers: tuple[PriceTier, ...],
                 snapshot: dict | None) -> tuple[Cap, str]:
    """(the cap, where its tiers came from: the price id, or "catalog default")."""
    tiers, source = price_tiers(snapshot, product_key, default_tiers)
    return usage_cap(int(limit_cents), tiers, subscription_discounts(snapshot)), source


def limit_rows(catalog, billing_limits: dict | None, snapshot: dict | None) -> list[dict]:
    """One row per metered product: its limit in cents (None: no limit), the cap it buys, and where
    the cap's tiers came from."""
    rows = []
    for key, product in catalog.products.items():
        if not product.metered:
            continue
        limit = (billing_limits or {}).get(key)
        cap, source = customer_cap(limit, key, list_tiers(product), snapshot) if limit is not None else (None, None)
        rows.append({"key": key, "product": product, "limit": limit, "cap": cap, "tiers_from": source})
    return rows
