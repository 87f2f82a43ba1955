"""Billing limits: what list-price usage a limit in cents buys, discount first, then the tiers.

The handbook's rule: a $200 limit with 20% off allows $250 of list-price usage. The cap is
the usage volume that list-price amount buys when walked through graduated tiers.
Decimal and int only: a float would move a cap by an event.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

HUNDRED = Decimal(100)


class LimitError(ValueError):
    """A limit people typed that we refuse, with the reason."""


@dataclass(frozen=True)
class PriceTier:
    up_to: int | None  # None is "inf"
    unit_cents: Decimal
    flat_cents: Decimal = Decimal(0)


@dataclass(frozen=True)
class Discount:
    percent_off: Decimal | None = None
    amount_off_cents: int | None = None


@dataclass(frozen=True)
class Cap:
    limit_cents: int
    list_price_cents: Decimal | None  # None: the discount covers everything, no cap
    usage: int | None  # units; None: unlimited


def parse_limit_dollars(raw: str) -> int | None:
    """'200', '$1,250.50' -> cents; '' -> None (no limit); refuses negatives and fractions of a cent."""
    text = (raw or "").strip().replace(",", "").removeprefix("$").strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise LimitError(f"'{raw}' is not an amount in dollars") from None
    if not amount.is_finite():
        raise LimitError(f"'{raw}' is not an amount in dollars")
    if amount < 0:
        raise LimitError("a billing limit cannot be negative")
    cents = amount * HUNDRED
    if cents != cents.to_integral_value():
        raise LimitError(f"'{raw}' has fractions of a cent")
    return int(cents)


def list_price_allowance(limit_cents: int, discounts: Iterable[Discount] = ()) -> Decimal | None:
    """The list-price amount whose discounted total is the limit; None when discounts make it free."""
    amount = Decimal(limit_cents)
    factor = Decimal(1)
    for discount in discounts:
        if discount.amount_off_cents:
            amount += discount.amount_off_cents
        if discount.percent_off:
            factor *= (HUNDRED - Decimal(discount.percent_off)) / HUNDRED
    if factor <= 0:
        return None
    return amount / factor


def usage_for_amount(tiers: Iterable[PriceTier], amount_cents: Decimal | None) -> int | None:
    """Units a list-price amount buys through graduated tiers (whole units, rounded down)."""
    if amount_cents is None:
        return None
    left, used, start = Decimal(amount_cents), 0, 0
    for tier in tiers:
        if tier.flat_cents > left:
            return used
        left -= tier.flat_cents
        size = None if tier.up_to is None else tier.up_to - start
        if tier.unit_cents == 0:
            if size is None:
                return None
            used, start = used + size, tier.up_to
            continue
        affordable = int((left / tier.unit_cents).to_integral_value(ROUND_FLOOR))
        if size is not None and affordable >= size:
            left -= size * tier.unit_cents
            used, start = used + size, tier.up_to
            continue
        return used + affordable
    return used


def usage_cap(limit_cents: int, tiers: Iterable[PriceTier], discounts: Iterable[Discount] = ()) -> Cap:
    allowance = list_price_allowance(limit_cents, discounts)
    return Cap(limit_cents, allowance, usage_for_amount(list(tiers), allowance))


def tiers_from_stripe(tiers: Iterable[dict]) -> list[PriceTier]:
    """A Stripe price's `tiers` (up_to null for inf; decimal strings or integer cents)."""
    return [PriceTier(t.get("up_to") if t.get("up_to") not in (None, "inf") else None,
                      _cents(t, "unit_amount"), _cents(t, "flat_amount")) for t in tiers]


def _cents(tier: dict, name: str) -> Decimal:
    if tier.get(f"{name}_decimal") is not None:
        return Decimal(str(tier[f"{name}_decimal"]))
    return Decimal(tier.get(name) or 0)
