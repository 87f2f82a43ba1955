"""One clock for the app: naive UTC datetimes everywhere, replaceable in tests."""
from __future__ import annotations

from datetime import UTC, datetime

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Now in UTC without tzinfo (SQLite and PostgreSQL store it the same way)."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC).replace(tzinfo=None)


def freeze(moment: datetime | None) -> None:
    """Pin the clock (tests and demos); None releases it."""
    global _frozen
    _frozen = moment
