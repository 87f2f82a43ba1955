"""Usage rules with no I/O: the date convention, meter event identity and timing, period-to-date caps.

A report dated D+1 carries usage for day D (the handbook's convention): `--date 2027-05-12`
re-sends May 11. Meter formula `last`: each day's event carries the period-to-date total, so
the newest event wins and a corrected report heals the total. A subscribed organisation whose
report for the day is missing still gets the day's event: the period-to-date of the reports we
have; the late report, when it comes, goes out as a revision. A customer billing several
organisations is one meter total at Stripe, so each organisation's event carries their sum.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta

from app.refusals import Invalid

STRIPE_WINDOW = timedelta(days=35)
MAX_REVISIONS = 59  # revision k is stamped k seconds after revision 0, inside the day's last minute


class UsageDayRefused(Invalid):
    """A report date we will not send, with what to do instead."""


def usage_day_of(report_date: date) -> date:
    return report_date - timedelta(days=1)


def check_report_date(report_date: date, today: date, day_end_utc: datetime, now_utc: datetime) -> date:
    """The usage day for a report date, or a refusal a person can act on."""
    usage_day = usage_day_of(report_date)
    if report_date > today:
        raise UsageDayRefused(f"--date {report_date} is in the future: usage for {usage_day} is not over yet "
                              f"(the date is the report date, the day after the usage)")
    if day_end_utc - timedelta(seconds=60) < now_utc - STRIPE_WINDOW:
        raise UsageDayRefused(
            f"usage day {usage_day} is older than Stripe's 35-day meter event window, so Stripe would refuse it; "
            f"correct the customer's invoice with an invoice item instead")
    return usage_day


def meter_identifier(organisation_id: str, product_key: str, usage_day: date, revision: int = 0) -> str:
    """Deterministic, so a re-run finds the same event (Stripe's dedupe key, at most 100 characters)."""
    text = f"bc-{organisation_id}-{product_key}-{usage_day:%Y%m%d}" + (f"-r{revision}" if revision else "")
    if len(text) <= 100:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:40]
    return f"bc-{digest}-{usage_day:%Y%m%d}" + (f"-r{revision}" if revision else "")


def meter_timestamp(day_end_unix: int, revision: int = 0) -> int:
    """Inside the usage day's last minute; a later revision is later, so `last` takes it."""
    if revision > MAX_REVISIONS:
        raise UsageDayRefused(f"more than {MAX_REVISIONS} corrections for one day")
    return day_end_unix - 60 + revision


def capped(value: int, cap: int | None) -> int:
    return value if cap is None else min(value, cap)


def previous_period_start(start: datetime, end: datetime) -> datetime:
    """The start of the period before [start, end): one month back, the day clamped, as Stripe does."""
    month = start.month - 1 or 12
    year = start.year - (1 if start.month == 1 else 0)
    anchor = end.day if end.day > start.day else start.day
    day = min(anchor, _days_in(year, month))
    return start.replace(year=year, month=month, day=day)


def _days_in(year: int, month: int) -> int:
    following = date(year + (month == 12), month % 12 + 1, 1)
    return (following - timedelta(days=1)).day
