"""Who owes a usage day, which customer bills them, and their usage so far in the billing period.

Read in bulk (columns, not ORM objects; IN lists in batches; sums done by the database): a night
covers 25,000 organisations and half a million reports.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import NamedTuple

from sqlalchemy import BigInteger, cast, exists, func, select

from app.models import Customer, CustomerOrganisation, UsageReport


class Subscriber(NamedTuple):
    """What planning needs of a customer (read as columns: 25,000 ORM objects cost seconds)."""
    id: int
    stripe_customer_id: str | None
    subscription_id: str | None
    billing_limits: dict | None
    stripe_snapshot: dict | None


def is_subscribed(customer: Subscriber) -> bool:
    return bool(customer.subscription_id and customer.stripe_customer_id)


def reporting_orgs(session, usage_day: date, org_ids: list[str] | None = None) -> list[str]:
    """Organisations that reported the day, and subscribed ones that reported earlier in the lookback.

    A subscribed organisation whose report for the day is missing still owes the day's event: its
    period-to-date from the reports we have (a late report then goes out as a revision).
    """
    query = select(UsageReport.organisation_id).where(UsageReport.date == usage_day).distinct()
    reported_lately = exists().where(UsageReport.organisation_id == CustomerOrganisation.organisation_id,
                                     UsageReport.date <= usage_day, UsageReport.date >= usage_day - timedelta(days=62))
    subscribed = (select(CustomerOrganisation.organisation_id).join(Customer)
                  .where(Customer.subscription_id.is_not(None), reported_lately))
    if org_ids:
        query = query.where(UsageReport.organisation_id.in_(org_ids))
        subscribed = subscribed.where(CustomerOrganisation.organisation_id.in_(org_ids))
    return sorted(set(session.scalars(query)) | set(session.scalars(subscribed)))


def customers_by_org(session, orgs: list[str]) -> dict[str, Subscriber]:
    query = select(CustomerOrganisation.organisation_id, Customer.id, Customer.stripe_customer_id,
                   Customer.subscription_id, Customer.billing_limits, Customer.stripe_snapshot).join(Customer)
    return {org: Subscriber(*rest) for batch in in_batches(orgs)
            for org, *rest in session.execute(query.where(CustomerOrganisation.organisation_id.in_(batch)))}


def in_batches(orgs: list[str], size: int = 500) -> list[list[str]]:
    """IN lists of a size every database takes."""
    return [orgs[start:start + size] for start in range(0, len(orgs), size)]


def orgs_billed_together(session, customers: dict[str, Subscriber], first_days: dict[str, date]) -> dict[int, list[str]]:
    """The organisations of subscribed customers that bill several, all of them (also those outside
    this batch or `--org`), each added to `first_days` with its customer's period.

    Stripe's meters count per customer and `last` keeps the newest event, so one organisation's
    event would overwrite another's: each of them carries the customer's combined period-to-date.
    """
    shared = (select(CustomerOrganisation.customer_id).group_by(CustomerOrganisation.customer_id)
              .having(func.count() > 1))
    first_of = {c.id: first_days[org] for org, c in customers.items() if org in first_days}
    found: dict[int, list[str]] = defaultdict(list)
    for customer_id, org in session.execute(select(CustomerOrganisation.customer_id, CustomerOrganisation.organisation_id)
                                            .where(CustomerOrganisation.customer_id.in_(shared))):
        if customer_id in first_of:
            found[customer_id].append(org)
            first_days[org] = first_of[customer_id]
    return found


def period_to_date(session, metered, orgs: list[str], first_days: dict[str, date], usage_day: date) -> dict:
    """{org: {product key: usage summed over [first day, usage day]}}, a product absent when no report names it.

    Summed by the database, organisations grouped by their period's first day: a period's worth of
    reports for 25,000 organisations is half a million rows, too many to decode in Python nightly.
    """
    by_first_day: dict[date, list[str]] = defaultdict(list)
    for org in orgs:
        by_first_day[first_days.get(org, usage_day)].append(org)
    columns = []
    for product in metered:
        amount = _as_bigint(session, UsageReport.usage[product.key])
        columns += [func.sum(amount), func.count(amount)]
    totals: dict[str, dict[str, int]] = {}
    for first_day, group in by_first_day.items():
        for batch in in_batches(group):
            query = (select(UsageReport.organisation_id, *columns)
                     .where(UsageReport.organisation_id.in_(batch),
                            UsageReport.date >= first_day, UsageReport.date <= usage_day)
                     .group_by(UsageReport.organisation_id))
            for org, *sums in session.execute(query):
                totals[org] = {p.key: int(sums[2 * i]) for i, p in enumerate(metered) if sums[2 * i + 1]}
    return totals


def _as_bigint(session, element):
    """A JSON count as a 64-bit integer: PostgreSQL's as_integer() is a 32-bit INTEGER, while SQLite's
    CAST would clamp an oversized count to 2**63-1 (its json_extract keeps it, and the count is refused)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(element.as_string(), BigInteger)
    return element.as_integer()


def combined(totals: dict, orgs, product_key: str) -> int | None:
    """The organisations' summed period-to-date for a product, None when none of them reported it."""
    found = [totals[org][product_key] for org in orgs if product_key in totals.get(org, {})]
    return sum(found) if found else None
