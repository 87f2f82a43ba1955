"""The result every normaliser returns: a value, or a refusal that quotes the contract."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Parsed(Generic[T]):
    """`value` is None exactly when the normaliser refused; `warning` then says why."""

    raw: str
    value: T | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.warning is None


def accept(raw: str, value: T) -> Parsed[T]:
    return Parsed(raw=raw, value=value)


def refuse(raw: str, reason: str) -> Parsed:
    """Every refusal quotes the raw text so a person can see what the contract said."""
    return Parsed(raw=raw, warning=f'{reason}: "{raw}"' if raw else reason)


def as_text(raw: object) -> str:
    """Contract values are strings; None counts as empty, bools and ints as their JSON text."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, str):
        return raw
    return repr(raw)


class Refusal(ValueError):
    """Raised inside a normaliser; the public function turns it into a `refuse` result."""


def tidy(d: Decimal) -> Decimal:
    """Smallest exponent-free form, so 0.400 reads as 0.4 and 200 stays 200."""
    if d == d.to_integral_value():
        return d.quantize(Decimal(1))
    return d.normalize()


def plain(d: Decimal) -> str:
    return format(tidy(d), "f")
