"""A day's metered events folded into one daily report per organisation (instance "events").

Organisations that send events instead of daily reports are then planned like every other:
period-to-date sums and the monitor read reports only.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.billing.usage_days import day_bounds
from app.models import UsageEvent, UsageReport

EVENTS_INSTANCE = "events"  # the daily report we build from an organisation's metered events


def aggregate_usage_events(session, catalog, zone: ZoneInfo, usage_day: date) -> int:
    """Fold a day's metered events into daily reports (instance "events"); returns organisations touched."""
    start, end = day_bounds(usage_day, zone)
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
