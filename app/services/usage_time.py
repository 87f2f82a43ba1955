"""The usage clock: days are counted in USAGE_TIMEZONE (default Europe/London, the handbook's "midnight BST")."""
from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from app.timeutil import utcnow


def usage_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("USAGE_TIMEZONE") or "Europe/London")


def today_local() -> date:
    return utcnow().replace(tzinfo=UTC).astimezone(usage_zone()).date()


def day_bounds(day: date, zone: ZoneInfo | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a usage day as naive UTC."""
    zone = zone or usage_zone()
    start = datetime.combine(day, time(0), zone).astimezone(UTC).replace(tzinfo=None)
    end = datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC).replace(tzinfo=None)
    return start, end
