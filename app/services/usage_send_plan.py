"""Which meter events a usage day owes, with the billing-limit cap applied: one row per
(organisation, product, day), pending until sent.

Rows are planned and committed before anything is sent, so a run killed at any point is
finished by the next one: a pending row goes out again under the same identifier and
idempotency key, which Stripe replays or dedupes instead of counting twice.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from app.billing import usage as rules
from app.billing.usage_caps import customer_cap, list_tiers
from app.billing.usage_days import day_bounds
from app.gateways.stripe_errors import StripeGatewayError
from app.models import MeterEventSend
from app.refusals import Conflict
from app.services.usage_period_totals import (
    Subscriber,
    combined,
    customers_by_org,
    in_batches,
    is_subscribed,
    orgs_billed_together,
    period_to_date,
)
from app.services.usage_periods import period_first_days
from app.timeutil import utcnow


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


@dataclass
class Planned:
    owed: list[OwedEvent] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # organisation -> why its usage cannot be sent


def plan_apart(session, gateway, catalog, zone: ZoneInfo, usage_day: date, orgs: list[str]) -> Planned:
    """`plan_meter_events`, but one organisation whose usage cannot be planned (a stored count no
    column holds, any error building its events) fails alone with its reason: a failed batch is
    halved until the failing organisations stand alone. Stripe being unreachable still stops the run."""
    try:
        with session.begin_nested():
            return Planned(plan_meter_events(session, gateway, catalog, zone, usage_day, orgs))
    except IntegrityError as exc:  # not this batch's fault: another run wrote these events' rows first
        raise concurrent_send(usage_day) from exc
    except StripeGatewayError as exc:
        if exc.status >= 500:
            raise
        error = exc
    except Exception as exc:  # noqa: BLE001 - whatever it is, it is this batch's, and is recorded below
        error = exc
    if len(orgs) == 1:
        return Planned(failed={orgs[0]: failure_reason(error)})
    halves = [plan_apart(session, gateway, catalog, zone, usage_day, part)
              for part in (orgs[:len(orgs) // 2], orgs[len(orgs) // 2:])]
    return Planned([e for h in halves for e in h.owed], {org: why for h in halves for org, why in h.failed.items()})


def concurrent_send(usage_day: date) -> Conflict:
    return Conflict(f"Another send of usage day {usage_day} is running and has planned these events; it sends each "
                    f"once. Re-run when it has finished if anything is left.")


def failure_reason(exc: BaseException) -> str:
    """One line an operator can act on: the database's own words rather than the SQL around them."""
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        exc = exc.orig
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:300]


def plan_meter_events(session, gateway, catalog, zone: ZoneInfo, usage_day: date, orgs: list[str]) -> list[OwedEvent]:
    """Create or update the rows these organisations owe for the day (flushed, not committed);
    returns every event to send now. Called per batch of `reporting_orgs`, so a large day's sends
    can start while later batches are planned."""
    customers = customers_by_org(session, orgs)
    day_end = int(day_bounds(usage_day, zone)[1].replace(tzinfo=UTC).timestamp())
    metered = [p for p in catalog.products.values() if p.metered]
    subscribers = {org: c for org, c in customers.items() if is_subscribed(c)}
    firsts = period_first_days(gateway, zone, subscribers, usage_day)
    members = orgs_billed_together(session, customers, firsts)
    totals = period_to_date(session, metered, sorted(set(orgs) | firsts.keys()), firsts, usage_day)
    history = _existing_rows(session, orgs, usage_day)
    writes = _Writes(now=utcnow())
    for org in orgs:
        subscriber = subscribers.get(org)
        billed_together = members.get(subscriber.id, (org,)) if subscriber else (org,)
        for product in metered:
            value = combined(totals, billed_together, product.key)
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


def _cap(customer: Subscriber, product) -> int | None:
    """The usage the customer's billing limit allows: the same rule the customer page and the billing API show."""
    limit = (customer.billing_limits or {}).get(product.key)
    if limit is None:
        return None
    return customer_cap(limit, product.key, list_tiers(product), customer.stripe_snapshot)[0].usage


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


def _existing_rows(session, orgs: list[str], usage_day) -> dict[tuple[str, str], list[SentRow]]:
    found: dict[tuple[str, str], list[SentRow]] = defaultdict(list)
    query = (select(MeterEventSend.organisation_id, MeterEventSend.product_key, MeterEventSend.id,
                    MeterEventSend.revision, MeterEventSend.status, MeterEventSend.value, MeterEventSend.identifier,
                    MeterEventSend.event_name, MeterEventSend.stripe_customer_id, MeterEventSend.timestamp)
             .where(MeterEventSend.usage_day == usage_day).order_by(MeterEventSend.revision))
    for batch in in_batches(orgs):
        for org, product, *rest in session.execute(query.where(MeterEventSend.organisation_id.in_(batch))):
            found[(org, product)].append(SentRow(*rest))
    return found
