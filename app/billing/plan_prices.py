"""What each plan costs, as the catalog (config/billing.toml) prices it, for people to read beside its features.

Prices there are per product (its default tiers, and the Free price) in cents per unit, often a
fraction of a cent; they are shown per 1, 1,000, 1,000,000 or 1,000,000,000 units, the fewest that make
every tier a whole number of cents, so `money` shows them exactly.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from app.billing.catalog_config import Catalog, Tier
from app.billing.stripe_requests import FREE_TIERS

SCALES = (1, 1_000, 1_000_000, 1_000_000_000)
FREE = tuple(Tier(None, Decimal(t["unit_amount_decimal"])) for t in FREE_TIERS)  # what bootstrap creates


@dataclass(frozen=True)
class PriceStep:
    up_from: int  # the units before this step
    up_to: int | None  # None: no upper bound
    cents: Decimal  # per `PlanPrice.per` units


@dataclass(frozen=True)
class PlanPrice:
    variant: str  # "free" | "standard"
    per: int
    unit_label: str
    steps: tuple[PriceStep, ...]

    @property
    def free(self) -> bool:
        return all(step.cents == 0 for step in self.steps)

    @property
    def per_text(self) -> str:
        """"event", or "1,000,000 events"."""
        return self.unit_label if self.per == 1 else f"{self.per:,} {self.unit_label}s"


def plan_price(catalog: Catalog, plan_key: str) -> PlanPrice | None:
    """The plan's catalog price, or None when the catalog gives it none."""
    plan = catalog.plans.get(plan_key)
    if plan is None or plan.price is None:
        return None
    product = catalog.products[plan.product]
    tiers = FREE if plan.price == "free" else product.tiers
    per = next((s for s in SCALES if all((t.unit_amount_decimal * s) % 1 == 0 for t in tiers)), SCALES[-1])
    bounds = [0] + [t.up_to for t in tiers[:-1]]
    steps = tuple(PriceStep(start, t.up_to, t.unit_amount_decimal * per) for start, t in zip(bounds, tiers, strict=True))
    return PlanPrice(plan.price, per, product.unit_label or "unit", steps)


def plan_prices(catalog: Catalog) -> dict[str, PlanPrice | None]:
    return {key: plan_price(catalog, key) for key in catalog.plans}
