"""Which features a customer has: its plans' features, plus the premium plans' during a free trial."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from app.billing.catalog_config import Catalog


class PlansMapError(ValueError):
    """A plans_map naming an unknown product or a plan of another product."""


@dataclass(frozen=True)
class Entitlements:
    features: tuple[str, ...]  # available today
    trial_active: bool
    trial_features: tuple[str, ...]  # what the trial adds today (empty when none runs)
    changes_on: date | None  # the first day without the trial's features
    features_after_trial: tuple[str, ...]


def effective_plans(catalog: Catalog, plans_map: dict[str, str]) -> dict[str, str]:
    """Every product's plan: the customer's choice, else the product's default plan."""
    chosen = {}
    for key, product in catalog.products.items():
        plan = plans_map.get(key) or product.default_plan
        if plan:
            chosen[key] = plan
    return chosen


def check_plans_map(catalog: Catalog, plans_map: dict[str, str]) -> dict[str, str]:
    """The map back, or PlansMapError naming the first wrong entry."""
    for product, plan in plans_map.items():
        if product not in catalog.products:
            raise PlansMapError(f"unknown product '{product}'")
        if plan not in catalog.plans:
            raise PlansMapError(f"unknown plan '{plan}' for {catalog.products[product].name}")
        if catalog.plans[plan].product != product:
            raise PlansMapError(f"plan '{plan}' belongs to {catalog.plans[plan].product}, not {product}")
    return dict(plans_map)


def available_features(catalog: Catalog, plans_map: dict[str, str], free_trial_until: date | None,
                       today: date) -> Entitlements:
    """The trial runs through `free_trial_until` inclusive; the day after, features change back."""
    base = _features(catalog, effective_plans(catalog, plans_map).values())
    trial_active = free_trial_until is not None and today <= free_trial_until
    extra: tuple[str, ...] = ()
    if trial_active:
        premium = [p.trial_plan for p in catalog.products.values() if p.trial_plan]
        extra = tuple(f for f in _features(catalog, premium) if f not in base)
    return Entitlements(features=tuple(sorted(base + extra)), trial_active=trial_active, trial_features=extra,
                        changes_on=free_trial_until + timedelta(days=1) if trial_active else None,
                        features_after_trial=tuple(sorted(base)))


def _features(catalog: Catalog, plan_keys) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for key in plan_keys:
        plan = catalog.plans.get(key)
        for feature in plan.features if plan else ():
            found[feature] = None
    return tuple(found)
