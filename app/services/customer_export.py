"""A customer as JSON for machines and scripts (`/customers/<id>.json`, `flask customers show|list --json`).

The same dict everywhere, with the checks a person would see on the customer page: a script can
tell a customer whose usage is not billed, or whose Stripe setup disagrees with its configuration.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing.parsed import plain
from app.models import Customer
from app.services.configuration_report import customer_mismatches, default_price_ids
from app.services.customers import customer_by_reference
from app.services.organisations import unbilled_customers


def customer_json(session, reference: str, today: date) -> dict:
    """One customer by our id, an organisation id or a cus_ id; NotFound otherwise."""
    customer = customer_by_reference(session, reference)
    return _as_dict(customer, _checks(session, customer, default_price_ids(session),
                                      _unbilled(session, today)))


def customers_json(session, today: date) -> list[dict]:
    """Every customer, by name, each with its checks (one query per kind of check, not per customer)."""
    defaults, unbilled = default_price_ids(session), _unbilled(session, today)
    customers = session.scalars(select(Customer).options(selectinload(Customer.organisations))
                                .order_by(Customer.name, Customer.id)).all()
    return [_as_dict(c, _checks(session, c, defaults, unbilled)) for c in customers]


def _unbilled(session, today: date) -> dict[int, str]:
    return {u.customer.id: u.reason for u in unbilled_customers(session, today)}


def _checks(session, customer: Customer, defaults: set[str], unbilled: dict[int, str]) -> list[dict]:
    found = [{"rule": "usage_billed", "message": unbilled[customer.id]}] if customer.id in unbilled else []
    return found + [{"rule": "configuration", "message": m} for m in customer_mismatches(session, customer, defaults)]


def _as_dict(customer: Customer, checks: list[dict]) -> dict:
    return {
        "id": customer.id,
        "name": customer.name,
        "email": customer.email,
        "stripe_customer_id": customer.stripe_customer_id,
        "organization_ids": customer.organisation_ids,
        "configuration": customer.billing_configuration,
        "configuration_source": customer.configuration_source,
        "linked_customer_id": customer.linked_customer_id,
        "credit_discount_percent": None if customer.credit_discount_percent is None
        else plain(customer.credit_discount_percent),
        "plans_map": customer.plans_map or {},
        "free_trial_until": customer.free_trial_until.isoformat() if customer.free_trial_until else None,
        "billing_limits": {k: int(v) for k, v in (customer.billing_limits or {}).items()},
        "subscription_id": customer.subscription_id,
        "startup": _startup(customer),
        "checks": checks,
    }


def _startup(customer: Customer) -> dict | None:
    if customer.startup_credit_cents is None:
        return None
    return {"credit_cents": customer.startup_credit_cents,
            "expires_at": customer.startup_credit_expires_on.isoformat() if customer.startup_credit_expires_on else None,
            "remaining_cents": customer.startup_credit_remaining_cents}
