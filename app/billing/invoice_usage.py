"""An upcoming invoice's usage grouped by meter, as the customer page shows it: no I/O.

Lines come as Stripe returns them (`pricing.price_details.price` is a price id; older API
versions put the price itself on `price`). Lines of prices that read the same meter (tiered
lines of one price, or two prices of one product) add up; a line without a meter stays alone.
"""
from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MeterInfo:
    name: str  # the meter's display name (our product's name)
    event_name: str
    unit: str | None = None


@dataclass(frozen=True)
class MeterGroup:
    meter: str | None  # Stripe meter id; None for a fixed (licensed, one-off) line
    name: str
    event_name: str | None
    unit: str | None
    quantity: int
    amount: int  # cents, before discounts and credits
    lines: int
    period: tuple[int, int] | None  # unix seconds, the usage period the lines cover

    @property
    def metered(self) -> bool:
        return self.meter is not None


def price_ref(line: dict) -> str | dict | None:
    """What the line says of its price: an id, the price itself (expanded or an older API), or None."""
    return line.get("price") or ((line.get("pricing") or {}).get("price_details") or {}).get("price")


def line_price(line: dict, prices: dict[str, dict]) -> dict:
    """The line's price: its own dict, or the one `prices` holds for its id ({} when neither)."""
    price = price_ref(line)
    if isinstance(price, dict):
        return price
    return prices.get(price, {}) if price else {}


def group_by_meter(lines: list[dict], prices: dict[str, dict], meters: dict[str, MeterInfo]) -> list[MeterGroup]:
    """One group per meter (in the order first met), then each fixed line as it came."""
    metered: dict[str, MeterGroup] = {}
    fixed: list[MeterGroup] = []
    for line in lines:
        meter = (line_price(line, prices).get("recurring") or {}).get("meter")
        quantity, amount, period = int(line.get("quantity") or 0), int(line["amount"]), _period(line)
        if meter is None:
            fixed.append(MeterGroup(None, line.get("description") or "Other", None, None, quantity, amount, 1, period))
            continue
        known = meters.get(meter) or MeterInfo(meter, "")
        seen = metered.get(meter) or MeterGroup(meter, known.name, known.event_name or None, known.unit, 0, 0, 0, None)
        metered[meter] = replace(seen, quantity=seen.quantity + quantity, amount=seen.amount + amount,
                                 lines=seen.lines + 1, period=_span(seen.period, period))
    return list(metered.values()) + fixed


def _period(line: dict) -> tuple[int, int] | None:
    period = line.get("period") or {}
    return (period["start"], period["end"]) if period.get("start") is not None else None


def _span(a: tuple[int, int] | None, b: tuple[int, int] | None) -> tuple[int, int] | None:
    if a is None or b is None:
        return a or b
    return min(a[0], b[0]), max(a[1], b[1])
