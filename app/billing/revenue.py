"""Monthly recurring revenue by billing configuration: one pure rule per configuration, integer cents.

The handbook's page on billing configurations says how each kind of customer's revenue is counted;
each rule here returns the number with its inputs and the arithmetic, so the page can show why.
A month is a calendar month in UTC, named by its first day.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.billing.plan_fields import product_label
from app.formatting import money, plural

HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Line:
    """An invoice line as revenue reads it: its product, its amount after discounts, its service period."""

    invoice_id: str
    product_key: str | None
    amount_cents: int  # after discounts, before tax
    period_start: date
    period_end: date  # exclusive, as Stripe's period end
    tax_cents: int = 0  # the line's own tax (Stripe's line `taxes`)


@dataclass(frozen=True)
class Invoice:
    id: str
    lines: tuple[Line, ...]
    tax_cents: int = 0


@dataclass(frozen=True)
class Usage:
    """A product's usage in the month and what it costs at list price (graduated tiers applied)."""

    product_key: str
    quantity: int
    list_cents: int


@dataclass(frozen=True)
class Prepayment:
    """An up-front payment for credits and the months it covers (enterprise yearly)."""

    invoice_id: str
    amount_cents: int
    first_month: date
    months: int


@dataclass(frozen=True)
class RecurringCharge:
    """The credits customer's charge of an amortized pair, every `interval_months` months."""

    price_id: str
    amount_cents: int
    interval_months: int
    first_month: date  # the month its first charge covers


@dataclass(frozen=True)
class Credits:
    """A startup customer's credit: what is left at the end of the month, and when it expires."""

    grant_id: str
    remaining_cents_at_month_end: int
    expires_on: date | None


@dataclass(frozen=True)
class Mrr:
    mrr_cents: int
    product_cents: dict[str, int]
    rule: str
    inputs: dict = field(default_factory=dict)
    arithmetic: tuple[str, ...] = ()


def month_end(month: date) -> date:
    """The first day of the next month (exclusive end)."""
    return _add_months(month, 1)


def _add_months(month: date, months: int) -> date:
    index = month.month - 1 + months
    return date(month.year + index // 12, index % 12 + 1, 1)


def months_between(first: date, month: date) -> int:
    return (month.year - first.year) * 12 + month.month - first.month


def split_evenly(cents: int, months: int, index: int) -> int:
    """Month `index` (0-based) of `cents` spread over `months`: what doesn't divide goes to the first month,
    so the months always sum to the whole."""
    base, remainder = divmod(cents, months)
    return base + remainder if index == 0 else base


def less_discount(cents: int, percent: Decimal | None) -> int:
    """An amount minus a percent discount, to the cent (half up)."""
    if not percent:
        return cents
    return int((Decimal(cents) * (HUNDRED - Decimal(percent)) / HUNDRED).quantize(Decimal(1), ROUND_HALF_UP))


def free(month: date) -> Mrr:
    return Mrr(0, {}, "free", {}, ("a free customer pays nothing: MRR 0",))


def paid(month: date, invoices: list[Invoice], rule: str = "paid") -> Mrr:
    """Per product: its lines whose service period starts in the month, after discounts; MRR: their sum
    plus those invoices' tax."""
    end = month_end(month)
    products: dict[str, int] = {}
    used, tax = [], 0
    for invoice in invoices:
        lines = [ln for ln in invoice.lines if month <= ln.period_start < end]
        if not lines:
            continue
        used.append({"invoice_id": invoice.id, "tax_cents": invoice.tax_cents + sum(ln.tax_cents for ln in lines),
                     "lines": [{"product_key": ln.product_key, "amount_cents": ln.amount_cents,
                                "period": [ln.period_start.isoformat(), ln.period_end.isoformat()]} for ln in lines]})
        tax += invoice.tax_cents + sum(ln.tax_cents for ln in lines)
        for line in lines:
            key = line.product_key or "(no product key)"
            products[key] = products.get(key, 0) + line.amount_cents
    total = sum(products.values()) + tax
    steps = tuple(f"{product_label(key)}: {money(cents)}" for key, cents in sorted(products.items()))
    steps += (f"sum {money(sum(products.values()))} + tax {money(tax)} = {money(total)}",)
    return Mrr(total, products, rule, {"invoices": used}, steps)


def startup(month: date, invoices: list[Invoice], credits: Credits) -> Mrr:
    """Nothing while the customer lives on credits (some left and not expired at the month's end); then as paid."""
    end = month_end(month)
    on_credits = credits.remaining_cents_at_month_end > 0 and (
        credits.expires_on is None or credits.expires_on >= end)
    inputs = {"credit_grant_id": credits.grant_id, "remaining_cents_at_month_end": credits.remaining_cents_at_month_end,
              "credit_expires_at": credits.expires_on.isoformat() if credits.expires_on else None}
    if on_credits:
        return Mrr(0, {}, "startup", inputs,
                   (f"{money(credits.remaining_cents_at_month_end)} of credit left at the month's end, expiring "
                    f"{inputs['credit_expires_at']}: on credits, MRR 0",))
    counted = paid(month, invoices, rule="startup")
    return Mrr(counted.mrr_cents, counted.product_cents, "startup", inputs | counted.inputs,
               ("credits used up or expired by the month's end: counted as paid",) + counted.arithmetic)


def enterprise_yearly(month: date, prepayments: list[Prepayment], usage: list[Usage],
                      discount_percent: Decimal | None) -> Mrr:
    """MRR: the up-front payment spread evenly over the months it covers. Per product: the month's usage at
    list price less the credit discount (so the two differ on purpose)."""
    mrr, steps, used = 0, [], []
    for pay in prepayments:
        index = months_between(pay.first_month, month)
        if 0 <= index < pay.months:
            share = split_evenly(pay.amount_cents, pay.months, index)
            mrr += share
            used.append({"invoice_id": pay.invoice_id, "amount_cents": pay.amount_cents,
                         "first_month": pay.first_month.isoformat(), "months": pay.months, "month_index": index})
            note = " (+ the cents that don't divide)" if index == 0 and pay.amount_cents % pay.months else ""
            steps.append(f"{money(pay.amount_cents)} ÷ {plural(pay.months, 'month')} = {money(share)} in month "
                         f"{index + 1}{note}")
    products = {u.product_key: less_discount(u.list_cents, discount_percent) for u in usage}
    steps += [f"{product_label(u.product_key)}: {plural(u.quantity, 'unit')} at list price {money(u.list_cents)} "
              f"less {discount_percent or 0}% = {money(products[u.product_key])}" for u in usage]
    inputs = {"prepayments": used, "usage": [u.__dict__ for u in usage],
              "credit_discount_percent": str(discount_percent or 0)}
    return Mrr(mrr, products, "enterprise_yearly", inputs, tuple(steps))


def enterprise_amortized(month: date, charges: list[RecurringCharge], usage_invoices: list[Invoice],
                         discount_percent: Decimal | None) -> Mrr:
    """MRR: the credits customer's recurring charge per month (quarterly ÷ 3, semi-annual ÷ 6, annual ÷ 12).
    Per product: the usage customer's product amounts in the month less the credit discount."""
    mrr, steps = 0, []
    for charge in charges:
        since = months_between(charge.first_month, month)
        if since < 0:
            continue
        share = split_evenly(charge.amount_cents, charge.interval_months, since % charge.interval_months)
        mrr += share
        steps.append(f"{money(charge.amount_cents)} every {plural(charge.interval_months, 'month')} ÷ "
                     f"{charge.interval_months} = {money(share)} in month {since % charge.interval_months + 1} of its period")
    usage = paid(month, usage_invoices)
    products = {k: less_discount(v, discount_percent) for k, v in usage.product_cents.items()}
    steps += [f"{product_label(k)}: {money(usage.product_cents[k])} less {discount_percent or 0}% = {money(v)}"
              for k, v in sorted(products.items())]
    inputs = {"charges": [{"price_id": c.price_id, "amount_cents": c.amount_cents, "interval_months": c.interval_months,
                           "first_month": c.first_month.isoformat()} for c in charges], "usage": usage.inputs,
              "credit_discount_percent": str(discount_percent or 0)}
    return Mrr(mrr, products, "enterprise_amortized", inputs, tuple(steps))


def parse_month(raw: str, today: date) -> date:
    """`YYYY-MM` to its first day; ValueError in words for another shape or a month after `today`'s."""
    text = (raw or "").strip()
    parts = text.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not (parts[0] + parts[1]).isdigit():
        raise ValueError(f"month must look like 2027-03 (YYYY-MM), not {text[:20]!r}")
    year, number = int(parts[0]), int(parts[1])
    if not 1 <= number <= 12 or year < 2000:
        raise ValueError(f"{text} is not a month")
    month = date(year, number, 1)
    if month > today.replace(day=1):
        raise ValueError(f"{text} is in the future: revenue is counted for this month and earlier")
    return month


def previous_months(month: date, count: int) -> list[date]:
    """`count` months ending with `month`, oldest first."""
    return [_add_months(month, -i) for i in reversed(range(count))]


MOVEMENTS = ("new", "expansion", "contraction", "churn", "reactivation")


def movement(previous_cents: int, current_cents: int, paid_before: bool) -> tuple[str, int] | None:
    """One customer's move from last month to this one, in signed cents, so that the month's movements sum to
    its change in MRR: new (from nothing, the first time), reactivation (from nothing, having paid before),
    expansion (up), contraction (down, still paying, negative) and churn (down to nothing, negative)."""
    if previous_cents <= 0 and current_cents > 0:
        return ("reactivation" if paid_before else "new"), current_cents
    if previous_cents > 0 and current_cents <= 0:
        return "churn", -previous_cents
    if current_cents > previous_cents > 0:
        return "expansion", current_cents - previous_cents
    if previous_cents > current_cents > 0:
        return "contraction", current_cents - previous_cents
    return None


def movements(previous: dict[int, int], current: dict[int, int], paid_before: set[int]) -> dict[str, int]:
    """The month's movements over customers counted in both months (unresolved ones are left out by the caller);
    a customer absent from one month counts as 0 there."""
    totals = dict.fromkeys(MOVEMENTS, 0)
    for customer in previous.keys() | current.keys():
        move = movement(previous.get(customer, 0), current.get(customer, 0), customer in paid_before)
        if move:
            totals[move[0]] += move[1]
    return totals
