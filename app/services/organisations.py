"""The product's organisations and the customers that bill them: one owner each, and loud when none.

Usage is reported per organisation and sent to Stripe for the customer record that holds it, so
an organisation without a customer is never billed and one held twice would be billed twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from app.billing.normalize import parse_organisation_ids
from app.models import Customer, CustomerOrganisation, UsageReport
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.customers import load_customer

QUIET_DAYS = 7  # a live customer with no usage report for this long has not been billed


def organisation_ids(raw, field: str = "organization_ids") -> list[str]:
    """A person's or a contract's text ("org-a, org-b") as ids, or Invalid naming the field."""
    parsed = parse_organisation_ids(" ".join(raw) if isinstance(raw, list | tuple) else raw)
    if not parsed.ok:
        raise Invalid(f"Organisations: {parsed.warning}", field=field)
    return list(parsed.value)


def owners(session, ids: list[str]) -> dict[str, Customer]:
    """Which customer record holds each of `ids` today (ids nobody holds are absent)."""
    if not ids:
        return {}
    return {org: customer for org, customer in session.execute(
        select(CustomerOrganisation.organisation_id, Customer).join(Customer)
        .where(CustomerOrganisation.organisation_id.in_(ids)))}


def held_elsewhere(session, ids: list[str], stripe_customer_id: str | None = None,
                   customer_id: int | None = None) -> list[str]:
    """Sentences for each id another customer already bills (not the one with this Stripe id or our id)."""
    return [f"organisation {org} already belongs to customer {other.name} (#{other.id})"
            for org, other in owners(session, ids).items()
            if other.id != customer_id and (stripe_customer_id is None or other.stripe_customer_id != stripe_customer_id)]


def refuse_held_elsewhere(session, ids: list[str], stripe_customer_id: str | None = None,
                          customer_id: int | None = None, field: str = "organization_ids") -> None:
    problems = held_elsewhere(session, ids, stripe_customer_id, customer_id)
    if problems:
        raise Invalid("; ".join(problems), field=field)


def set_customer_organisations(session, actor: Actor, customer_id: int, raw, version: int | None) -> Customer:
    """The organisations a customer bills, replaced as a whole (add and remove in one edit); audited."""
    customer = load_customer(session, customer_id, version)
    wanted = organisation_ids(raw, field="organisation_ids")
    refuse_held_elsewhere(session, wanted, customer_id=customer.id, field="organisation_ids")
    before = customer.organisation_ids
    if wanted == before:
        return customer
    kept = {o.organisation_id: o for o in customer.organisations}
    customer.organisations = [kept.get(org) or CustomerOrganisation(organisation_id=org) for org in wanted]
    session.flush()
    record_audit(session, actor, "customer.organisations_changed", "customer", customer.id,
                 before={"organisation_ids": before}, after={"organisation_ids": wanted})
    return customer


def add_customer_organisations(session, actor: Actor, customer: Customer, ids: list[str], note: str) -> list[str]:
    """Give `customer` the ids nobody else bills (go-live); returns the ids another customer keeps."""
    mine = set(customer.organisation_ids)
    taken = owners(session, [org for org in ids if org not in mine])
    added = [org for org in ids if org not in mine and org not in taken]
    for org in added:
        customer.organisations.append(CustomerOrganisation(organisation_id=org))
    if added:
        session.flush()
        record_audit(session, actor, "customer.organisations_changed", "customer", customer.id,
                     before={"organisation_ids": sorted(mine)}, after={"organisation_ids": customer.organisation_ids},
                     note=note)
    return [org for org in ids if org in taken]


@dataclass(frozen=True)
class Unbilled:
    customer: Customer
    reason: str


def unbilled_customers(session, today: date) -> list[Unbilled]:
    """Customers with a live subscription whose usage can never be sent (no organisation), or was not
    (no usage report for any of their organisations in the last QUIET_DAYS days), by name."""
    subscribed = session.scalars(select(Customer).where(Customer.subscription_id.is_not(None))
                                 .order_by(Customer.name, Customer.id)).all()
    reported = _reported(session, today)
    found = [Unbilled(c, reason) for c in subscribed if (reason := _reason(c, reported, today))]
    return found


def unbilled_reason(session, customer: Customer, today: date) -> str | None:
    """The reason this one customer's usage is not billed, or None."""
    if not customer.subscription_id:
        return None
    return _reason(customer, _reported(session, today, customer.id), today)


def _reported(session, today: date, customer_id: int | None = None) -> set[int]:
    """Customers with at least one usage report for one of their organisations since QUIET_DAYS ago."""
    query = (select(CustomerOrganisation.customer_id).join(
        UsageReport, UsageReport.organisation_id == CustomerOrganisation.organisation_id)
        .where(UsageReport.date >= today - timedelta(days=QUIET_DAYS)).distinct())
    if customer_id is not None:
        query = query.where(CustomerOrganisation.customer_id == customer_id)
    return set(session.scalars(query))


def _reason(customer: Customer, reported: set[int], today: date) -> str | None:
    if not customer.organisations:
        return "no organisation: its usage can never be sent to Stripe"
    if customer.id not in reported:
        since = (today - timedelta(days=QUIET_DAYS)).isoformat()
        return f"no usage report for {', '.join(customer.organisation_ids)} since {since}: its usage was not sent"
    return None
