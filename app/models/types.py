"""Column types that keep money and rates exact on every database."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import String
from sqlalchemy.types import TypeDecorator


class DecimalString(TypeDecorator):
    """A Decimal stored as its exact text: SQLite would round a NUMERIC through a float."""

    impl = String(40)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if not isinstance(value, Decimal):
            raise TypeError(f"DecimalString takes Decimal, not {type(value).__name__}")
        return format(value.normalize(), "f") if value == value.to_integral() else format(value, "f")

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)
