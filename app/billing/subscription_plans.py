"""Which plan a product is on once its Stripe subscription is known: a paid price lifts it off the free plan.

The handbook: when a free trial ends, features go back to the free plan "unless they have subscribed".
A trial's features are never stored (billing/features.py adds them while it runs), so storing the paid
plan of every product on a paid price makes that hold on the day the trial ends, with no job.

A Free price changes nothing: the handbook gives Free prices to enterprise customers who pay up front,
so it neither means "free plan" nor "paid plan"; whichever plan a person chose stays. A paid price only
lifts a product that is on its free (default) plan: a premium or other plan a person chose stays too.
"""
from __future__ import annotations

from dataclasses import dataclass

from app.billing.catalog_config import Catalog
from app.billing.configuration_rules import live_subscriptions


@dataclass(frozen=True)
class PlanChange:
    product_key: str
    before: str  # the plan the product was on (its plans_map entry, else its default plan)
    after: str
    price_id: str
    nickname: str | None

    @property
    def reason(self) -> str:
        named = f" ({self.nickname})" if self.nickname else ""
        product = self.product_key.replace("_", " ").capitalize()
        return f"{product}: {self.before} → {self.after} (subscribed to its paid price {self.price_id}{named})"


def is_free_price(price: dict, free_price_ids: set[str]) -> bool:
    """The catalog's Free price of a product, or one made by hand and named Free as the handbook says."""
    return price.get("id") in free_price_ids or (price.get("nickname") or "").strip().lower() == "free"


def paid_prices(snapshot: dict | None, free_price_ids: set[str]) -> dict[str, dict]:
    """Product key -> the first paid (non-Free) price on a live subscription: standard, custom or startup."""
    found: dict[str, dict] = {}
    for sub in live_subscriptions(snapshot):
        for item in sub.get("items", []):
            price = item.get("price") or {}
            key = price.get("product_key")
            if key and key not in found and not is_free_price(price, free_price_ids):
                found[key] = price
    return found


def plans_following_subscription(catalog: Catalog, plans_map: dict[str, str], snapshot: dict | None,
                                 free_price_ids: set[str]) -> tuple[dict[str, str], list[PlanChange]]:
    """The plans_map after the subscription's paid prices are applied, and each change with its reason."""
    updated, changes = dict(plans_map or {}), []
    for key, price in paid_prices(snapshot, free_price_ids).items():
        product = catalog.products.get(key)
        if product is None or not product.paid_plan:
            continue
        current = updated.get(key) or product.default_plan
        if current == product.default_plan and current != product.paid_plan:
            updated[key] = product.paid_plan
            changes.append(PlanChange(key, current or "none", product.paid_plan, price.get("id") or "",
                                      price.get("nickname")))
    return updated, changes
