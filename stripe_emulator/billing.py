"""Billing arithmetic: exact Decimal maths, integer cents out, Stripe's rounding.

Used by invoices, invoice items and (for usage) subscriptions and previews: a price and a
quantity give a line amount; coupons and credit grants reduce it.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal


def cents(value):
    """Round a Decimal amount of cents to an integer, half up (as Stripe rounds lines)."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def transform_quantity(quantity, transform):
    if not transform:
        return Decimal(quantity)
    mode = ROUND_CEILING if transform["round"] == "up" else ROUND_FLOOR
    return (Decimal(quantity) / transform["divide_by"]).quantize(Decimal(1), rounding=mode)


def _dec(value):
    return Decimal(value) if value is not None else Decimal(0)


def price_amount(price, quantity, tiers=None):
    """The amount in cents for `quantity` units of `price` (per-unit, graduated or volume)."""
    quantity = Decimal(quantity)
    if price["billing_scheme"] != "tiered":
        units = transform_quantity(quantity, price.get("transform_quantity"))
        return cents(_dec(price["unit_amount_decimal"]) * units)
    tiers = tiers if tiers is not None else price["_tiers"]
    if price["tiers_mode"] == "volume":
        tier = next(t for t in tiers if t["up_to"] is None or quantity <= t["up_to"])
        return cents(_tier_unit(tier) * quantity + _tier_flat(tier))
    total, floor = Decimal(0), Decimal(0)
    for tier in tiers:
        ceiling = Decimal(tier["up_to"]) if tier["up_to"] is not None else None
        units = (min(quantity, ceiling) if ceiling is not None else quantity) - floor
        if units > 0:
            total += _tier_unit(tier) * units + _tier_flat(tier)
        if ceiling is None or quantity <= ceiling:
            break
        floor = ceiling
    return cents(total)


def _tier_unit(tier):
    return _dec(tier["unit_amount_decimal"])


def _tier_flat(tier):
    return _dec(tier["flat_amount_decimal"])


def tier_breakdown(price, quantity):
    """Per-tier `(units, amount_cents)` of a graduated price, for line descriptions."""
    out, floor, quantity = [], Decimal(0), Decimal(quantity)
    for tier in price["_tiers"]:
        ceiling = Decimal(tier["up_to"]) if tier["up_to"] is not None else None
        top = min(quantity, ceiling) if ceiling is not None else quantity
        units = max(Decimal(0), top - floor)
        amount = _tier_unit(tier) * units + (_tier_flat(tier) if units > 0 else 0)
        out.append((int(units), cents(amount)))
        if ceiling is None:
            break
        floor = ceiling
    return out


def coupon_amount(coupon, base, currency):
    """What `coupon` takes off `base` cents (never more than `base`)."""
    if base <= 0:
        return 0
    if coupon.get("percent_off") is not None:
        return min(base, cents(Decimal(base) * Decimal(str(coupon["percent_off"])) / 100))
    amount = coupon["amount_off"]
    if coupon["currency"] != currency:
        options = coupon.get("currency_options") or {}
        if currency not in options:
            return 0
        amount = options[currency]["amount_off"]
    return min(base, amount)


def allocate(total, weights):
    """Split `total` cents across `weights` proportionally; rounding leftovers go to the largest."""
    whole = sum(w for w in weights if w > 0)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    shares = [total * w // whole if w > 0 else 0 for w in weights]
    shares[weights.index(max(weights))] += total - sum(shares)
    return shares
