"""Our sent meter events against Stripe's meter event summaries, per customer and product."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.billing.usage_days import day_bounds
from app.models import Customer, MeterEventSend
from app.services.catalog import catalog_id
from app.services.usage_periods import period_containing
from app.timeutil import utcnow


@dataclass(frozen=True)
class Reconciled:
    organisation_id: str
    stripe_customer_id: str
    product_key: str
    ours: int
    stripe: int

    @property
    def matches(self) -> bool:
        return self.ours == self.stripe


def reconcile_window(session, gateway, catalog, start: datetime, end: datetime,
                     customer_id: int | None = None) -> list[Reconciled]:
    """Meter formula `last`: what we sent last in [start, end) must be Stripe's value for the window."""
    query = select(MeterEventSend).where(
        MeterEventSend.status == "sent", MeterEventSend.timestamp >= _unix(start), MeterEventSend.timestamp < _unix(end))
    if customer_id is not None:
        query = query.where(MeterEventSend.customer_id == customer_id)
    latest: dict[tuple[str, str], MeterEventSend] = {}
    for row in session.scalars(query.order_by(MeterEventSend.timestamp, MeterEventSend.id)):
        latest[(row.stripe_customer_id, row.product_key)] = row
    found = []
    for (stripe_customer, product_key), row in sorted(latest.items()):
        meter = catalog_id(session, "meter", catalog.product(product_key).meter_event)
        theirs = gateway.meter_event_summary(meter, stripe_customer, _unix(start), _unix(end))
        found.append(Reconciled(row.organisation_id, stripe_customer, product_key, row.value, theirs))
    return found


def reconcile_usage_day(session, gateway, catalog, zone: ZoneInfo, usage_day: date) -> list[Reconciled]:
    start, end = day_bounds(usage_day, zone)
    return reconcile_window(session, gateway, catalog, start, end)


def reconcile_customer_period(session, gateway, catalog, customer: Customer) -> tuple[datetime, datetime, list]:
    """The customer's current billing period and, per product we sent in it, ours against Stripe's."""
    start, end = period_containing(gateway, customer, utcnow())
    start = start.replace(second=0, microsecond=0)  # Stripe's summaries take whole minutes
    if end.second or end.microsecond:
        end = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return start, end, reconcile_window(session, gateway, catalog, start, end, customer_id=customer.id)


def _unix(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())
