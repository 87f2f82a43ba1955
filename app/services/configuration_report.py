"""Configuration mismatches for one customer or all of them, from the last sync's snapshots (no Stripe calls)."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.billing.configuration_rules import CustomerView, configuration_mismatches
from app.models import CatalogItem, Customer


@dataclass(frozen=True)
class ReportRow:
    customer: Customer
    mismatches: list[str]


def default_price_ids(session) -> set[str]:
    return set(session.scalars(select(CatalogItem.stripe_id).where(CatalogItem.kind == "price",
                                                                    CatalogItem.key.like("%\\_standard", escape="\\"))))


def _view(customer: Customer | None) -> CustomerView | None:
    if customer is None:
        return None
    return CustomerView(customer.id, customer.billing_configuration, customer.stripe_customer_id,
                        customer.stripe_snapshot, customer.linked_customer_id, customer.credit_discount_percent)


def customer_mismatches(session, customer: Customer, defaults: set[str] | None = None) -> list[str]:
    defaults = default_price_ids(session) if defaults is None else defaults
    return configuration_mismatches(_view(customer), defaults, _view(customer.linked_customer))


def configuration_page(session, today) -> dict:
    """The check page: customers whose usage is not billed, then configuration mismatches."""
    from app.services.organisations import unbilled_customers

    return {"unbilled": unbilled_customers(session, today), "rows": configuration_report(session)}


def configuration_report(session) -> list[ReportRow]:
    """Every non-free customer with at least one mismatch, by name."""
    defaults = default_price_ids(session)
    customers = session.scalars(select(Customer).where(Customer.billing_configuration != "free").order_by(Customer.name))
    return [ReportRow(c, found) for c in customers if (found := customer_mismatches(session, c, defaults))]
