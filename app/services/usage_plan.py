"""Which meter events a usage day owes: one row per (organisation, product, day), pending until sent.

Rows are planned and committed before anything is sent, so a run killed at any point is
finished by the next one: a pending row goes out again under the same identifier and
idempotency key, which Stripe replays or dedupes instead of counting twice.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from app.billing import usage as rules
from app.billing.customer_snapshot import price_tiers, subscription_discounts
from app.billing.limits import PriceTier, usage_cap
from app.models import Customer, CustomerOrganisation, MeterEventSend, UsageEvent, UsageReport
from app.services.usage_time import day_bounds

EVENTS_INSTANCE = "events"  # the daily report we build from an organisation's metered events


def aggregate_usage_events(session, catalog, usage_day: date) -> int:
    """Fold a day's metered events into daily reports (instance "events"); returns organisations touched."""
    start, end = day_bounds(usage_day)
    product_of = {p.meter_event: p.key for p in catalog.products.values() if p.metered}
    product_of |= {p.key: p.key for p in catalog.products.values() if p.metered}
    totals: dict[str, dict[str, int]] = defaultdict(dict)
    for org, name, value in session.execute(
            select(UsageEvent.organisation_id, UsageEvent.event_name, func.sum(UsageEvent.value))
            .where(UsageEvent.timestamp >= start, UsageEvent.timestamp < end)
            .group_by(UsageEvent.organisation_id, UsageEvent.event_name)):
        key = product_of[name]
        totals[org][key] = totals[org].get(key, 0) + int(value)
    existing = {r.organisation_id: r for r in session.scalars(select(UsageReport).where(
        UsageReport.instance == EVENTS_INSTANCE, UsageReport.date == usage_day))}
    for org, usage in totals.items():
        row = existing.get(org)
        if row is None:
            session.add(UsageReport(organisation_id=org, instance=EVENTS_INSTANCE, date=usage_day, usage=usage))
        elif row.usage != usage:
            row.usage = usage
    session.flush()
    return len(totals)


def plan_meter_events(session, gateway, catalog, usage_day: date, org_ids: list[str] | None = None) -> list[MeterEventSend]:
    """Create or update the rows this day owes; returns every row to send now (pending or error)."""
    orgs = _reporting_orgs(session, usage_day, org_ids)
    customers = _customers_by_org(session, orgs)
    day_end = int(day_bounds(usage_day)[1].replace(tzinfo=UTC).timestamp())
    metered = [p for p in catalog.products.values() if p.metered]
    reports = _reports(session, orgs, usage_day - timedelta(days=62), usage_day)
    rows = _existing_rows(session, orgs, usage_day)
    periods: dict[str, tuple[datetime, datetime]] = {}
    to_send: list[MeterEventSend] = []
    for org in orgs:
        customer = customers.get(org)
        subscribed = customer is not None and customer.subscription_id and customer.stripe_customer_id
        first_day = _first_day(gateway, customer, usage_day, periods) if subscribed else usage_day
        for product in metered:
            value = rules.period_to_date(reports.get(org, ()), product.key, first_day, usage_day)
            if value is None:
                continue
            cap = _cap(customer, product) if subscribed else None
            wanted = {"value": rules.capped(value, cap), "uncapped_value": value}
            to_send += _owed(session, rows.get((org, product.key), []), org, product, usage_day, day_end,
                             customer if subscribed else None, wanted)
    session.flush()
    return to_send


def _owed(session, history: list[MeterEventSend], org, product, usage_day, day_end, customer, wanted) -> list:
    latest = history[-1] if history else None
    if customer is None:
        if latest is None:
            session.add(_row(org, product, usage_day, day_end, None, wanted, 0, status="skipped"))
        return []
    if latest is not None and latest.status == "skipped":
        latest.status, latest.customer_id = "pending", customer.id
        latest.stripe_customer_id, latest.value, latest.uncapped_value = customer.stripe_customer_id, wanted["value"], wanted["uncapped_value"]
        return [latest]
    if latest is None:
        row = _row(org, product, usage_day, day_end, customer, wanted, 0)
        session.add(row)
        return [row]
    owed = [latest] if latest.status in ("pending", "error") else []  # retried exactly as first recorded
    if latest.value != wanted["value"]:
        row = _row(org, product, usage_day, day_end, customer, wanted, latest.revision + 1)
        session.add(row)
        owed.append(row)
    return owed


def _row(org, product, usage_day, day_end, customer, wanted, revision, status="pending") -> MeterEventSend:
    return MeterEventSend(
        identifier=rules.meter_identifier(org, product.key, usage_day, revision), organisation_id=org,
        customer_id=customer.id if customer else None,
        stripe_customer_id=customer.stripe_customer_id if customer else None, product_key=product.key,
        event_name=product.meter_event, usage_day=usage_day, revision=revision,
        timestamp=rules.meter_timestamp(day_end, revision), status=status, **wanted)


def _reporting_orgs(session, usage_day: date, org_ids: list[str] | None) -> list[str]:
    """Organisations that reported the day, and subscribed ones that reported earlier in the lookback.

    A subscribed organisation whose report for the day is missing still owes the day's event: its
    period-to-date from the reports we have (a late report then goes out as a revision).
    """
    query = select(UsageReport.organisation_id).where(UsageReport.date == usage_day).distinct()
    subscribed = (select(UsageReport.organisation_id).join(
        CustomerOrganisation, CustomerOrganisation.organisation_id == UsageReport.organisation_id)
        .join(Customer, Customer.id == CustomerOrganisation.customer_id)
        .where(Customer.subscription_id.is_not(None), UsageReport.date <= usage_day,
               UsageReport.date >= usage_day - timedelta(days=62)).distinct())
    if org_ids:
        query = query.where(UsageReport.organisation_id.in_(org_ids))
        subscribed = subscribed.where(UsageReport.organisation_id.in_(org_ids))
    return sorted(set(session.scalars(query)) | set(session.scalars(subscribed)))


def _customers_by_org(session, orgs: list[str]) -> dict[str, Customer]:
    found: dict[str, Customer] = {}
    for start in range(0, len(orgs), 500):
        for link, customer in session.execute(
                select(CustomerOrganisation, Customer).join(Customer)
                .where(CustomerOrganisation.organisation_id.in_(orgs[start:start + 500]))):
            found[link.organisation_id] = customer
    return found


def _reports(session, orgs, since: date, until: date) -> dict[str, list[tuple[date, dict]]]:
    found: dict[str, list[tuple[date, dict]]] = defaultdict(list)
    for start in range(0, len(orgs), 500):
        for org, day, usage in session.execute(
                select(UsageReport.organisation_id, UsageReport.date, UsageReport.usage)
                .where(UsageReport.organisation_id.in_(orgs[start:start + 500]),
                       UsageReport.date >= since, UsageReport.date <= until)):
            found[org].append((day, usage))
    return found


def _existing_rows(session, orgs, usage_day) -> dict[tuple[str, str], list[MeterEventSend]]:
    found: dict[tuple[str, str], list[MeterEventSend]] = defaultdict(list)
    for row in session.scalars(select(MeterEventSend).where(MeterEventSend.usage_day == usage_day)
                               .order_by(MeterEventSend.revision)):
        found[(row.organisation_id, row.product_key)].append(row)
    return found


def _first_day(gateway, customer: Customer, usage_day: date, periods: dict) -> date:
    """The first usage day of the billing period that holds this usage day's event."""
    start, _ = period_containing(gateway, customer, day_bounds(usage_day)[1] - timedelta(seconds=60), periods)
    return max(_local_date(start), usage_day - timedelta(days=62))


def period_containing(gateway, customer: Customer, moment: datetime, periods: dict | None = None) -> tuple[datetime, datetime]:
    """The subscription's billing period [start, end) (naive UTC) that holds `moment`."""
    start, end = _period(gateway, customer, {} if periods is None else periods)
    while moment >= end:  # a snapshot older than a renewal: step forward by the period's length
        start, end = end, end + (end - start)
    while moment < start:
        start, end = rules.previous_period_start(start, end), start
    return start, end


def _local_date(moment_utc: datetime) -> date:
    from app.services.usage_time import usage_zone

    return moment_utc.replace(tzinfo=UTC).astimezone(usage_zone()).date()


def _period(gateway, customer: Customer, periods: dict) -> tuple[datetime, datetime]:
    sub = next((s for s in (customer.stripe_snapshot or {}).get("subscriptions", [])
                if s["id"] == customer.subscription_id), None)
    if sub is None or sub.get("current_period_start") is None:
        if customer.subscription_id not in periods:
            item = gateway.retrieve_subscription(customer.subscription_id)["items"]["data"][0]
            periods[customer.subscription_id] = (item["current_period_start"], item["current_period_end"])
        raw = periods[customer.subscription_id]
    else:
        raw = (sub["current_period_start"], sub["current_period_end"])
    return tuple(datetime.fromtimestamp(t, UTC).replace(tzinfo=None) for t in raw)


def _cap(customer: Customer, product) -> int | None:
    limit = (customer.billing_limits or {}).get(product.key)
    if limit is None:
        return None
    default = tuple(PriceTier(t.up_to, t.unit_amount_decimal) for t in product.tiers)
    tiers, _ = price_tiers(customer.stripe_snapshot, product.key, default)
    return usage_cap(int(limit), tiers, subscription_discounts(customer.stripe_snapshot)).usage
