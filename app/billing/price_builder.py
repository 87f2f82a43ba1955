"""Bespoke prices: the plan shapes the team supports, and the form's tiers parsed without floats.

People type dollars ("0.00005" per unit, "$1,500" flat); they are read exactly with Decimal and
kept as Stripe wants them: cents per unit as a Decimal (unit_amount_decimal), flat fees as whole
cents. Parsing is pure; the service adds what needs Stripe (alignment, move_to target).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from app.billing.catalog_config import Catalog
from app.billing.catalog_rules import valid_days_problem
from app.refusals import Invalid

INTERVALS = ("month", "year")
MAX_DECIMALS = 12  # Stripe keeps at most 12 decimal places of unit_amount_decimal (cents)


@dataclass(frozen=True)
class Shape:
    label: str
    help: str
    metered: bool = True


SHAPES = {
    "metered": Shape("Standard metered", "Graduated tiers on the product's meter (custom tiers, startup programmes)."),
    "metered_coupon": Shape("Metered, with a discount coupon", "Graduated metered tiers; the coupon goes on the "
                            "customer's subscription from their page (Stripe has no customer-level coupon)."),
    "flat_first_tier": Shape("Flat first tier, metered after", "Tier 1 is a flat fee with no per-unit "
                             "price; later tiers are metered."),
    "upfront_zero_first": Shape("Up-front payment, $0 first tier, metered after", "The prepaid volume is free in "
                                "tier 1; the up-front payment itself is invoiced separately (Annual plans)."),
    "flat_upfront": Shape("Flat up-front, no metering", "One flat amount per interval, nothing metered "
                          "(renegotiate the contract if they go over).", metered=False),
}


@dataclass(frozen=True)
class BespokeTier:
    up_to: int | None
    unit_cents: Decimal
    flat_cents: int | None = None

    def as_stripe(self) -> dict:
        tier = {"up_to": "inf" if self.up_to is None else self.up_to, "unit_amount_decimal": format(self.unit_cents, "f")}
        if self.flat_cents is not None:
            tier["flat_amount"] = self.flat_cents
        return tier


@dataclass
class BespokeRequest:
    product_key: str
    shape: str
    tiers: list[BespokeTier] = field(default_factory=list)
    amount_cents: int | None = None
    interval: str = "month"
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def bounds(self) -> tuple[int | None, ...] | None:
        bounds = tuple(t.up_to for t in self.tiers)
        return bounds if len(bounds) > 1 else None


def parse_bespoke(catalog: Catalog, product_key: str, shape: str, rows: list[tuple[str, str, str]],
                  amount: str = "", interval: str = "month", plan: str = "", valid_days: str = "",
                  move_to: str = "") -> tuple[BespokeRequest | None, list[str]]:
    """The request, or the reasons it cannot be made (every one, so the form shows them together)."""
    errors: list[str] = []
    if product_key not in catalog.products:
        return None, [f"Choose a product from the catalog ('{product_key}' is not one); never create a new product."]
    if shape not in SHAPES:
        return None, [f"Choose one of the supported plan shapes ('{shape}' is not one)."]
    request = BespokeRequest(product_key, shape, interval=interval)
    if SHAPES[shape].metered:
        if not catalog.products[product_key].metered:
            errors.append(f"{product_key} has no meter: use the flat up-front shape for it.")
        request.tiers = _tiers(rows, errors)
        errors += shape_problems(shape, request.tiers)
    else:
        request.amount_cents = _whole_cents(amount, "The flat amount", errors, positive=True)
        if interval not in INTERVALS:
            errors.append(f"The interval must be one of {', '.join(INTERVALS)}.")
    request.metadata = {k: v.strip() for k, v in (("plan", plan), ("valid_days", valid_days),
                                                  ("move_to_price_id", move_to)) if v.strip()}
    if request.metadata.get("plan", "startup") != "startup":
        errors.append("The plan metadata can only be 'startup' (or empty).")
    problem = valid_days_problem(request.metadata)
    if problem:
        errors.append(f"Metadata: {problem}.")
    return (None if errors else request), errors


def _tiers(rows: list[tuple[str, str, str]], errors: list[str]) -> list[BespokeTier]:
    rows = [r for r in rows if any(cell.strip() for cell in r)]
    if not rows:
        errors.append("Enter at least one tier.")
        return []
    tiers, previous = [], 0
    for n, (up_to_raw, unit_raw, flat_raw) in enumerate(rows, start=1):
        last = n == len(rows)
        up_to = _up_to(up_to_raw, n, last, previous, errors)
        previous = up_to or previous
        unit = _unit_cents(unit_raw, n, errors)
        flat = _whole_cents(flat_raw, f"Tier {n}'s flat amount", errors) if flat_raw.strip() else None
        tiers.append(BespokeTier(up_to, unit if unit is not None else Decimal(0), flat))
    return tiers


def _up_to(raw: str, n: int, last: bool, previous: int, errors: list[str]) -> int | None:
    text = raw.strip().replace(",", "").replace("_", "")
    if last:
        if text not in ("", "inf"):
            errors.append(f"The last tier (tier {n}) must go up to infinity: leave 'up to' empty.")
        return None
    if not text.isdigit() or int(text) <= previous:
        errors.append(f"Tier {n}: 'up to' must be a whole number of units above {previous:,} (got '{raw.strip()}').")
        return None
    return int(text)


def _dollars(raw: str) -> Decimal | None:
    """"$1,500.25", "0.00005" -> the exact Decimal of dollars; None when it is not a plain amount."""
    text = raw.strip().removeprefix("$").replace(",", "").strip()
    try:
        value = Decimal(text or "0")
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _unit_cents(raw: str, n: int, errors: list[str]) -> Decimal | None:
    dollars = _dollars(raw)
    if dollars is None:
        errors.append(f"Tier {n}: '{raw.strip()}' is not an amount in dollars per unit (e.g. 0.00005).")
        return None
    if dollars < 0:
        errors.append(f"Tier {n}: the per-unit amount must be zero or more dollars.")
        return None
    cents = dollars.scaleb(2)
    if -cents.as_tuple().exponent > MAX_DECIMALS:
        errors.append(f"Tier {n}: Stripe keeps at most {MAX_DECIMALS + 2} decimal places of a dollar per unit.")
        return None
    return cents.normalize() if cents else Decimal(0)


def _whole_cents(raw: str, what: str, errors: list[str], positive: bool = False) -> int | None:
    dollars = _dollars(raw) if raw.strip() else None
    cents = dollars.scaleb(2) if dollars is not None else None
    if cents is None or cents < 0 or cents != cents.to_integral_value() or (positive and cents == 0):
        errors.append(f"{what} must be an amount in dollars{' above zero' if positive else ''}, "
                      f"to the cent (got '{raw.strip()}').")
        return None
    return int(cents)


def shape_problems(shape: str, tiers: list[BespokeTier]) -> list[str]:
    """Why these tiers do not have the chosen shape, or nothing."""
    if not tiers:
        return []
    first, rest = tiers[0], tiers[1:]
    if shape in ("metered", "metered_coupon") and any(t.flat_cents for t in tiers):
        return ["This shape has no flat fees: clear the flat amounts or choose 'Flat first tier, metered after'."]
    if shape in ("flat_first_tier", "upfront_zero_first") and not rest:
        return ["This shape needs a first tier and at least one metered tier after it."]
    if shape == "flat_first_tier" and (not first.flat_cents or first.unit_cents):
        return ["Tier 1 must have a flat amount above zero and no per-unit price."]
    if shape == "upfront_zero_first" and (first.flat_cents or first.unit_cents):
        return ["Tier 1 must be $0 (no flat amount, zero per unit): it is the volume paid up front."]
    if shape in ("flat_first_tier", "upfront_zero_first") and any(t.flat_cents for t in rest):
        return ["Only tier 1 may have a flat amount."]
    return []


@dataclass(frozen=True)
class BespokeForm:
    """The builder form as typed: tier rows are (up to, dollars per unit, flat dollars) strings."""

    product_key: str
    shape: str
    rows: list[tuple[str, str, str]]
    amount: str = ""
    interval: str = "month"
    plan: str = ""
    valid_days: str = ""
    move_to: str = ""
    nickname: str = ""


NICKNAME_MAX = 120


def nickname_problem(nickname: str) -> str | None:
    """The nickname is what people pick the price by (Change price, the catalog report): required."""
    if not nickname.strip():
        return "Give the price a nickname: it is how people find it on a customer's Change price list."
    if len(nickname.strip()) > NICKNAME_MAX:
        return f"The nickname must be at most {NICKNAME_MAX} characters."
    return None


def bespoke_request(catalog: Catalog, form: BespokeForm) -> BespokeRequest:
    """The request the form asks for, or Invalid listing every reason it cannot be made."""
    request, errors = parse_bespoke(catalog, form.product_key, form.shape, form.rows, form.amount, form.interval,
                                    form.plan, form.valid_days, form.move_to)
    problem = nickname_problem(form.nickname)
    if problem:
        errors = [problem, *errors]
    if errors:
        raise Invalid("; ".join(errors), reasons=errors)
    return request
