"""The usage day: days are counted in a local time zone (USAGE_TIMEZONE, the handbook's "midnight BST").

Pure: the zone is an argument (read from config at the edge, `collaborators.usage_zone()`), and
moments are naive UTC like everywhere else in the app. A day is 23 or 25 hours when the clocks change.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def day_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of a usage day as naive UTC."""
    start = datetime.combine(day, time(0), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC).replace(tzinfo=None)
    return start, end


def local_time(moment_utc: datetime, zone: ZoneInfo) -> datetime:
    """A naive UTC moment as the zone's wall clock (aware), e.g. for "is it just past midnight there?"."""
    return moment_utc.replace(tzinfo=UTC).astimezone(zone)


def local_date(moment_utc: datetime, zone: ZoneInfo) -> date:
    """The usage day a naive UTC moment falls on."""
    return local_time(moment_utc, zone).date()


def local_today(now_utc: datetime, zone: ZoneInfo) -> date:
    """Today in the zone: the latest report date (it carries yesterday's usage)."""
    return local_date(now_utc, zone)
