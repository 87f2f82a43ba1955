"""What an instance needs to know about its organisation's billing: plans, features, limits and caps."""
from __future__ import annotations

from datetime import date

from app.billing.catalog_config import Catalog
from app.billing.features import available_features, effective_plans
from app.billing.usage_caps import limit_rows
from app.refusals import NotFound
from app.services.customer_sync import find_by_organisation


def billing_for_organisation(session, catalog: Catalog, organisation_id: str, today: date) -> dict:
    """The billing API's answer for one organisation; NotFound when no customer bills it."""
    customer = find_by_organisation(session, organisation_id)
    if customer is None:
        raise NotFound(f"no customer for organisation '{organisation_id}'")
    granted = available_features(catalog, customer.plans_map or {}, customer.free_trial_until, today)
    limits = {row["key"]: row for row in limit_rows(catalog, customer.billing_limits, customer.stripe_snapshot)
              if row["limit"] is not None}
    return {
        "organisation_id": organisation_id,
        "customer_id": customer.id,
        "stripe_customer_id": customer.stripe_customer_id,
        "billing_configuration": customer.billing_configuration,
        "plans_map": customer.plans_map or {},
        "effective_plans": effective_plans(catalog, customer.plans_map or {}),
        "available_features": list(granted.features),
        "free_trial_until": customer.free_trial_until.isoformat() if customer.free_trial_until else None,
        "trial_active": granted.trial_active,
        "features_change_on": granted.changes_on.isoformat() if granted.changes_on else None,
        "billing_limits": {key: int(row["limit"]) for key, row in limits.items()},
        "usage_caps": {key: row["cap"].usage for key, row in limits.items()},  # null: no cap
    }
