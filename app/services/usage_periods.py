"""Each subscribed organisation's billing period, where its period-to-date starts.

Read from the customer's Stripe snapshot (Stripe is asked only when the snapshot has none); a
snapshot older than a renewal is stepped to the period holding the day's event.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.billing import usage as rules
from app.billing.usage_days import day_bounds, local_date
from app.models import Customer
from app.services.usage_period_totals import Subscriber


def period_first_days(gateway, zone: ZoneInfo, subscribers: dict[str, Subscriber], usage_day: date) -> dict[str, date]:
    """Per subscribed organisation, the first usage day of the billing period holding this day's event."""
    moment = day_bounds(usage_day, zone)[1] - timedelta(seconds=60)
    lookback = usage_day - timedelta(days=62)
    fetched: dict[str, tuple[int, int]] = {}
    first_of: dict[tuple[int, int], date] = {}  # customers share a handful of periods: work each out once
    found = {}
    for org, customer in subscribers.items():
        raw = _period(gateway, customer, fetched)
        if raw not in first_of:
            first_of[raw] = max(local_date(_containing(raw, moment)[0], zone), lookback)
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
