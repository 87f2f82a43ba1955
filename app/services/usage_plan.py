"""Which meter events a usage day owes: one row per (organisation, product, day), pending until sent.

Rows are planned and committed before anything is sent, so a run killed at any point is
finished by the next one: a pending row goes out again under the same identifier and
idempotency key, which Stripe replays or dedupes instead of counting twice.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import NamedTuple

from sqlalchemy import exists, func, select, update

from app.billing import usage as rules
from app.billing.usage_caps import customer_cap, list_tiers
from app.models import Customer, CustomerOrganisation, MeterEventSend, UsageEvent, UsageReport
from app.services.usage_time import day_bounds
from app.timeutil import utcnow

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


class Subscriber(NamedTuple):
    """What planning needs of a customer (read as columns: 25,000 ORM objects cost seconds)."""
    id: int
    stripe_customer_id: str | None
    subscription_id: str | None
    billing_limits: dict | None
    stripe_snapshot: dict | None


class SentRow(NamedTuple):
    id: int
    revision: int
    status: str
    value: int
    identifier: str
    event_name: str
    stripe_customer_id: str | None
    timestamp: int


@dataclass(slots=True)
class OwedEvent:
    """A meter event to send now, exactly as its row records it (a retry repeats it unchanged)."""
    identifier: str
    event_name: str
    stripe_customer_id: str
    value: int
    timestamp: int


@dataclass
class _Writes:
    now: datetime
    new: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    owed: list[OwedEvent] = field(default_factory=list)


def plan_meter_events(session, gateway, catalog, usage_day: date, orgs: list[str]) -> list[OwedEvent]:
    """Create or update the rows these organisations owe for the day (flushed, not committed);
    returns every event to send now. Called per batch of `reporting_orgs`, so a large day's sends
    can start while later batches are planned."""
    customers = _customers_by_org(session, orgs)
    day_end = int(day_bounds(usage_day)[1].replace(tzinfo=UTC).timestamp())
    metered = [p for p in catalog.products.values() if p.metered]
    first_days = _first_days(gateway, customers, usage_day)
    members = _customer_orgs(session, customers, first_days)
    totals = _period_to_date(session, metered, sorted(set(orgs) | first_days.keys()), first_days, usage_day)
    history = _existing_rows(session, orgs, usage_day)
    writes = _Writes(now=utcnow())
    for org in orgs:
        customer = customers.get(org)
        subscriber = customer if customer is not None and _subscribed(customer) else None
        billed_together = members.get(subscriber.id, (org,)) if subscriber else (org,)
        for product in metered:
            value = _combined(totals, billed_together, product.key)
            if value is None:
                continue
            cap = _cap(subscriber, product) if subscriber else None
            wanted = {"value": rules.capped(value, cap), "uncapped_value": value}
            _owe(writes, history.get((org, product.key), []), org, product, usage_day, day_end, subscriber, wanted)
    for start in range(0, len(writes.new), 5000):  # Core executemany: the ORM's bulk insert costs 10x here
        session.execute(MeterEventSend.__table__.insert(), writes.new[start:start + 5000])
    if writes.changed:
        session.execute(update(MeterEventSend), writes.changed)
    return writes.owed


def _customer_orgs(session, customers: dict[str, Subscriber], first_days: dict[str, date]) -> dict[int, list[str]]:
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


def _combined(totals: dict, orgs, product_key: str) -> int | None:
    found = [totals[org][product_key] for org in orgs if product_key in totals.get(org, {})]
    return sum(found) if found else None


def _subscribed(customer: Subscriber) -> bool:
    return bool(customer.subscription_id and customer.stripe_customer_id)


def _owe(writes: _Writes, history: list[SentRow], org, product, usage_day, day_end, customer, wanted) -> None:
    latest = history[-1] if history else None
    if customer is None:
        if latest is None:
            writes.new.append(_row(writes, org, product, usage_day, day_end, None, wanted, 0, status="skipped"))
        return
    if latest is not None and latest.status == "skipped":
        writes.changed.append({"id": latest.id, "status": "pending", "customer_id": customer.id,
                               "stripe_customer_id": customer.stripe_customer_id, **wanted})
        writes.owed.append(OwedEvent(latest.identifier, latest.event_name, customer.stripe_customer_id,
                                     wanted["value"], latest.timestamp))
        return
    if latest is not None and latest.status in ("pending", "error"):
        writes.owed.append(OwedEvent(latest.identifier, latest.event_name, latest.stripe_customer_id,
                                     latest.value, latest.timestamp))  # retried exactly as first recorded
    if latest is None or latest.value != wanted["value"]:
        row = _row(writes, org, product, usage_day, day_end, customer, wanted, 0 if latest is None else latest.revision + 1)
        writes.new.append(row)
        writes.owed.append(OwedEvent(row["identifier"], row["event_name"], row["stripe_customer_id"],
                                     row["value"], row["timestamp"]))


def _row(writes, org, product, usage_day, day_end, customer, wanted, revision, status="pending") -> dict:
    return {"identifier": rules.meter_identifier(org, product.key, usage_day, revision), "organisation_id": org,
            "customer_id": customer.id if customer else None,
            "stripe_customer_id": customer.stripe_customer_id if customer else None, "product_key": product.key,
            "event_name": product.meter_event, "usage_day": usage_day, "revision": revision,
            "timestamp": rules.meter_timestamp(day_end, revision), "status": status, "created_at": writes.now, **wanted}


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


def _customers_by_org(session, orgs: list[str]) -> dict[str, Subscriber]:
    query = select(CustomerOrganisation.organisation_id, Customer.id, Customer.stripe_customer_id,
                   Customer.subscription_id, Customer.billing_limits, Customer.stripe_snapshot).join(Customer)
    return {org: Subscriber(*rest) for batch in _batches(orgs)
            for org, *rest in session.execute(query.where(CustomerOrganisation.organisation_id.in_(batch)))}


def _batches(orgs: list[str], size: int = 500) -> list[list[str]]:
    """IN lists of a size every database takes."""
    return [orgs[start:start + size] for start in range(0, len(orgs), size)]


def _period_to_date(session, metered, orgs: list[str], first_days: dict[str, date], usage_day: date) -> dict:
    """{org: {product key: usage summed over [first day, usage day]}}, a product absent when no report names it.

    Summed by the database, organisations grouped by their period's first day: a period's worth of
    reports for 25,000 organisations is half a million rows, too many to decode in Python nightly.
    """
    by_first_day: dict[date, list[str]] = defaultdict(list)
    for org in orgs:
        by_first_day[first_days.get(org, usage_day)].append(org)
    columns = []
    for product in metered:
        amount = UsageReport.usage[product.key].as_integer()
        columns += [func.sum(amount), func.count(amount)]
    totals: dict[str, dict[str, int]] = {}
    for first_day, group in by_first_day.items():
        for batch in _batches(group):
            query = (select(UsageReport.organisation_id, *columns)
                     .where(UsageReport.organisation_id.in_(batch),
                            UsageReport.date >= first_day, UsageReport.date <= usage_day)
                     .group_by(UsageReport.organisation_id))
            for org, *sums in session.execute(query):
                totals[org] = {p.key: int(sums[2 * i]) for i, p in enumerate(metered) if sums[2 * i + 1]}
    return totals


def _existing_rows(session, orgs: list[str], usage_day) -> dict[tuple[str, str], list[SentRow]]:
    found: dict[tuple[str, str], list[SentRow]] = defaultdict(list)
    query = (select(MeterEventSend.organisation_id, MeterEventSend.product_key, MeterEventSend.id,
                    MeterEventSend.revision, MeterEventSend.status, MeterEventSend.value, MeterEventSend.identifier,
                    MeterEventSend.event_name, MeterEventSend.stripe_customer_id, MeterEventSend.timestamp)
             .where(MeterEventSend.usage_day == usage_day).order_by(MeterEventSend.revision))
    for batch in _batches(orgs):
        for org, product, *rest in session.execute(query.where(MeterEventSend.organisation_id.in_(batch))):
            found[(org, product)].append(SentRow(*rest))
    return found


def _first_days(gateway, customers: dict[str, Subscriber], usage_day: date) -> dict[str, date]:
    """Per subscribed organisation, the first usage day of the billing period holding this day's event."""
    moment = day_bounds(usage_day)[1] - timedelta(seconds=60)
    lookback = usage_day - timedelta(days=62)
    fetched: dict[str, tuple[int, int]] = {}
    first_of: dict[tuple[int, int], date] = {}  # customers share a handful of periods: work each out once
    found = {}
    for org, customer in customers.items():
        if not _subscribed(customer):
            continue
        raw = _period(gateway, customer, fetched)
        if raw not in first_of:
            first_of[raw] = max(_local_date(_containing(raw, moment)[0]), lookback)
        found[org] = first_of[raw]
    return found


def period_containing(gateway, customer: Customer, moment: datetime) -> tuple[datetime, datetime]:
    """The subscription's billing period [start, end) (naive UTC) that holds `moment`."""
    return _containing(_period(gateway, customer, {}), moment)


def _containing(raw: tuple[int, int], moment: datetime) -> tuple[datetime, datetime]:
    start, end = (datetime.fromtimestamp(t, UTC).replace(tzinfo=None) for t in raw)
    while moment >= end:  # a snapshot older than a renewal: step forward by the period's length
        start, end = end, end + (end - start)
    while moment < start:
        start, end = rules.previous_period_start(start, end), start
    return start, end


def _local_date(moment_utc: datetime) -> date:
    from app.services.usage_time import usage_zone

    return moment_utc.replace(tzinfo=UTC).astimezone(usage_zone()).date()


def _period(gateway, customer: Customer | Subscriber, fetched: dict) -> tuple[int, int]:
    """The subscription's current period as unix seconds: from the snapshot, else asked of Stripe once."""
    sub = next((s for s in (customer.stripe_snapshot or {}).get("subscriptions", [])
                if s["id"] == customer.subscription_id), None)
    if sub is not None and sub.get("current_period_start") is not None:
        return sub["current_period_start"], sub["current_period_end"]
    if customer.subscription_id not in fetched:
        item = gateway.retrieve_subscription(customer.subscription_id)["items"]["data"][0]
        fetched[customer.subscription_id] = (item["current_period_start"], item["current_period_end"])
    return fetched[customer.subscription_id]


def _cap(customer: Subscriber, product) -> int | None:
    """The usage the customer's billing limit allows: the same rule the customer page and the billing API show."""
    limit = (customer.billing_limits or {}).get(product.key)
    if limit is None:
        return None
    return customer_cap(limit, product.key, list_tiers(product), customer.stripe_snapshot)[0].usage
