"""Checking what instances send to the usage API: each item parsed or refused with its field.

No I/O here: the caller passes the metered product keys, event names and "now".
"""
from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from app.billing.usage_days import day_bounds, local_date, local_today
from app.refusals import BadRequest

MAX_REPORTS = 1000
MAX_EVENTS = 1000
MAX_RUNS = 100
EVENT_WINDOW = timedelta(days=35)  # Stripe's meter event window: older usage cannot be billed
EVENT_FUTURE = timedelta(minutes=5)
# Stripe refuses meter event values of more than 15 significant digits (API 2026-04-22.dahlia on), a
# smaller bound than the BIGINT columns (2**63 - 1); usage and event values are sent as meter values.
MAX_USAGE_VALUE = 10 ** 15 - 1
MAX_EVENT_VALUE = MAX_USAGE_VALUE
MAX_COUNT = 2 ** 31 - 1  # usage_runs.total_orgs and orgs_sent are INTEGER columns
_REPR = reprlib.Repr()
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother, _REPR.maxlong = 2, 40, 40, 40
_shown = _REPR.repr  # a bad value in a message: short, and never recursing into a deeply nested list


@dataclass(frozen=True)
class ItemError:
    index: int
    field: str
    message: str

    def as_json(self) -> dict:
        return {"index": self.index, "field": self.field, "message": self.message}


@dataclass
class Parsed:
    items: list[tuple[int, dict]] = field(default_factory=list)  # (index in the batch, clean item)
    errors: list[ItemError] = field(default_factory=list)


class BatchError(BadRequest):
    """The whole request is refused (not a JSON object, no list, too many items)."""

    def __init__(self, message: str, field: str, status: int = 400):
        super().__init__(message, field=field)
        self.status = status


def batch_items(body, key: str, limit: int) -> list:
    """The list under `key` (a single object is a batch of one for runs)."""
    if not isinstance(body, dict):
        raise BatchError("the body must be a JSON object", "body")
    items = body.get(key)
    if not isinstance(items, list):
        raise BatchError(f"'{key}' must be a list", key)
    if len(items) > limit:
        raise BatchError(f"at most {limit} {key} per request (got {len(items)}): split the batch", key, 413)
    return items


def flag(body: dict, name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise BatchError(f"'{name}' must be true or false", name)
    return value


def _text(item: dict, name: str, limit: int) -> str:
    value = item.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _Bad(name, f"'{name}' is required (a non-empty string)")
    if len(value) > limit:
        raise _Bad(name, f"'{name}' is longer than {limit} characters")
    if not storable_text(value):
        raise _Bad(name, f"'{name}' holds a NUL character or a lone surrogate (such as \\ud800), which no "
                         "database stores")
    return value.strip()


def storable_text(text: str) -> bool:
    """False for a NUL or a lone surrogate ("\\ud800"): JSON and URLs can carry them, PostgreSQL cannot store them."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _count(item: dict, name: str, where: str | None = None, maximum: int = MAX_COUNT) -> int:
    value, where = item.get(name), where or name
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad(where, f"'{where}' must be a whole number (got {_shown(value)})")
    if value < 0:
        raise _Bad(where, f"'{where}' cannot be negative (got {_shown(value)})")
    if value > maximum:
        raise _Bad(where, f"'{where}' is more than {maximum:,}, the largest it can be (got {_shown(value)})")
    return value


def _day(item: dict, name: str, today: date, oldest: date = date.min) -> date:
    raw = item.get(name)
    try:
        day = date.fromisoformat(raw) if isinstance(raw, str) and len(raw) == 10 else None
    except ValueError:
        day = None
    if day is None:
        raise _Bad(name, f"'{name}' must be a date as YYYY-MM-DD (got {_shown(raw)})")
    if day > today:
        raise _Bad(name, f"'{name}' {day} is in the future (today is {today})")
    if day < oldest:
        raise _Bad(name, f"'{name}' {day} is older than Stripe's 35-day meter window (the oldest day it bills "
                         f"is {oldest})")
    return day


def oldest_billable_day(now: datetime, zone: ZoneInfo) -> date:
    """The oldest usage day whose meter events (sent in the day's last minute) are inside Stripe's window."""
    day = local_date(now - EVENT_WINDOW + timedelta(minutes=1), zone)
    return day if day_bounds(day, zone)[1] - timedelta(minutes=1) >= now - EVENT_WINDOW else day + timedelta(days=1)


def _moment(item: dict, name: str, required: bool = True) -> datetime | None:
    """ISO-8601 (offset or Z; naive is UTC) or unix seconds -> naive UTC."""
    raw = item.get(name)
    if raw is None and not required:
        return None
    try:
        if isinstance(raw, int) and not isinstance(raw, bool):
            return datetime.fromtimestamp(raw, UTC).replace(tzinfo=None)
        if isinstance(raw, str):
            parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
            return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
    except (ValueError, OverflowError, OSError):
        pass
    raise _Bad(name, f"'{name}' must be an ISO-8601 time or unix seconds (got {_shown(raw)})")


class _Bad(ValueError):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


def _parse_all(items: list, parse) -> Parsed:
    parsed = Parsed()
    for index, item in enumerate(items):
        try:
            if not isinstance(item, dict):
                raise _Bad("item", "each item must be a JSON object")
            parsed.items.append((index, parse(item)))
        except _Bad as exc:
            parsed.errors.append(ItemError(index, exc.field, str(exc)))
    return parsed


def parse_reports(items: list, products: set[str], now: datetime, zone: ZoneInfo) -> Parsed:
    """Reports dated in the future or before Stripe's meter window (on the usage zone's calendar) are refused."""
    today, oldest = local_today(now, zone), oldest_billable_day(now, zone)

    def parse(item: dict) -> dict:
        usage = item.get("usage")
        if not isinstance(usage, dict):
            raise _Bad("usage", "'usage' must be an object of product key -> whole number")
        for key in usage:
            if key not in products:
                raise _Bad(f"usage.{key}", f"unknown product key '{key}' (metered products: {', '.join(sorted(products))})")
        clean = {key: _count(usage, key, f"usage.{key}", MAX_USAGE_VALUE) for key in sorted(usage)}
        return {"organisation_id": _text(item, "organization_id", 64), "instance": _text(item, "instance", 64),
                "date": _day(item, "date", today, oldest), "usage": clean}

    return _parse_all(items, parse)


def parse_runs(items: list, today: date) -> Parsed:
    def parse(item: dict) -> dict:
        run = {"instance": _text(item, "instance", 64), "date": _day(item, "date", today),
               "total_orgs": _count(item, "total_orgs"), "orgs_sent": _count(item, "orgs_sent"),
               "started_at": _moment(item, "started_at", required=False),
               "finished_at": _moment(item, "finished_at", required=False)}
        if run["orgs_sent"] > run["total_orgs"]:
            raise _Bad("orgs_sent", f"'orgs_sent' ({run['orgs_sent']}) is more than 'total_orgs' ({run['total_orgs']})")
        return run

    return _parse_all(items, parse)


def parse_events(items: list, event_names: set[str], now: datetime) -> Parsed:
    oldest, latest = now - EVENT_WINDOW, now + EVENT_FUTURE

    def parse(item: dict) -> dict:
        return plain_event(item, event_names, oldest, latest) or checked_event(item, event_names, oldest, latest)

    return _parse_all(items, parse)


def plain_event(item: dict, event_names: set[str], oldest: datetime, latest: datetime) -> dict | None:
    """The usual event checked inline (batches hold 1,000); None leaves anything else to `checked_event`.

    Accepts only what `checked_event` accepts, with the same result."""
    identifier, organisation_id = item.get("identifier"), item.get("organization_id")
    event_name, value, raw = item.get("event_name"), item.get("value"), item.get("timestamp")
    if not (type(identifier) is str and type(organisation_id) is str and type(event_name) is str
            and type(value) is int and type(raw) is str and len(raw) == 20 and raw[10] == "T" and raw[19] == "Z"
            and event_name in event_names and 0 <= value <= MAX_EVENT_VALUE
            and 0 < len(identifier) <= 100 and 0 < len(organisation_id) <= 64 and 0 < len(event_name) <= 100
            and identifier.strip() == identifier and organisation_id.strip() == organisation_id
            and event_name.strip() == event_name and identifier.isascii() and organisation_id.isascii()
            and "\x00" not in identifier and "\x00" not in organisation_id):
        return None
    try:
        moment = datetime.fromisoformat(raw[:19])
    except ValueError:
        return None
    if moment.tzinfo is not None or not oldest <= moment <= latest:
        return None
    return {"identifier": identifier, "organisation_id": organisation_id, "event_name": event_name,
            "value": value, "timestamp": moment}


def checked_event(item: dict, event_names: set[str], oldest: datetime, latest: datetime) -> dict:
    event_name = _text(item, "event_name", 100)
    if event_name not in event_names:
        raise _Bad("event_name", f"unknown event name '{event_name}' (known: {', '.join(sorted(event_names))})")
    moment = _moment(item, "timestamp")
    if moment < oldest:
        raise _Bad("timestamp", f"'timestamp' {moment:%Y-%m-%d %H:%M} is older than Stripe's 35-day meter window")
    if moment > latest:
        raise _Bad("timestamp", f"'timestamp' {moment:%Y-%m-%d %H:%M} is more than 5 minutes in the future")
    identifier, organisation_id = _text(item, "identifier", 100), _text(item, "organization_id", 64)
    value = _count(item, "value", maximum=MAX_EVENT_VALUE)
    return {"identifier": identifier, "organisation_id": organisation_id, "event_name": event_name,
            "value": value, "timestamp": moment}
