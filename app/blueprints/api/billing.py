"""What an instance needs to know about its organisation's billing, as JSON."""
from __future__ import annotations

from app import collaborators
from app.billing.features import effective_plans
from app.blueprints.customers.context import caps, entitlements


def customer_billing(customer, organisation_id: str) -> dict:
    granted = entitlements(customer)
    limits = {row["key"]: row for row in caps(customer) if row["limit"] is not None}
    return {
        "organisation_id": organisation_id,
        "customer_id": customer.id,
        "stripe_customer_id": customer.stripe_customer_id,
        "billing_configuration": customer.billing_configuration,
        "plans_map": customer.plans_map or {},
        "effective_plans": effective_plans(collaborators.catalog(), customer.plans_map or {}),
        "available_features": list(granted.features),
        "free_trial_until": customer.free_trial_until.isoformat() if customer.free_trial_until else None,
        "trial_active": granted.trial_active,
        "features_change_on": granted.changes_on.isoformat() if granted.changes_on else None,
        "billing_limits": {key: int(row["limit"]) for key, row in limits.items()},
        "usage_caps": {key: row["cap"].usage for key, row in limits.items()},  # null: no cap
    }
