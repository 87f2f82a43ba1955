"""What the revenue rules read, taken from Stripe's invoices as the API returns them: no I/O.

A snapshot lists a window of invoices once; these functions turn one customer's share of them
into the rules' inputs (app/billing/revenue.py) and pick the rule its configuration names. A
customer whose inputs are missing is `Unresolved`, with a reason a person can act on: never 0.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from itertools import chain

from app.billing import revenue
from app.billing.revenue import Credits, Invoice, Line, Mrr, Prepayment, RecurringCharge, Usage

COUNTED_STATUSES = ("open", "paid")  # finalized and not voided: drafts and void invoices bill nothing
INTERVAL_MONTHS = {"month": 1, "year": 12}


@dataclass(frozen=True)
class Unresolved:
    reason: str


@dataclass(frozen=True)
class PriceFacts:
    """What revenue needs of a Stripe price: its product's key, whether it is metered, how often it charges."""

    product_key: str | None
    metered: bool
    interval_months: int | None  # None: a one-off price


@dataclass(frozen=True)
class UpFront:
    """An enterprise yearly contract's up-front invoice, as our Annual Plan row links it."""

    invoice_id: str
    start: date
    months: int


@dataclass
class CustomerFacts:
    """One customer's inputs for the month. `invoices` are its counted invoices in the snapshot's window."""

    customer_id: int
    configuration: str
    invoices: list[dict] = field(default_factory=list)
    discount_percent: Decimal | None = None
    # startup
    credit_grant_id: str | None = None
    credit_expires_on: date | None = None
    credit_remaining_now: int | None = None
    # enterprise yearly: each contract year's up-front invoice (None when Stripe has no such invoice)
    up_fronts: list[tuple[UpFront, dict | None]] = field(default_factory=list)
    list_tiers: dict[str, tuple] = field(default_factory=dict)  # product key -> catalog Standard tiers
    # enterprise amortized: the credits half's invoices (this customer is the usage half)
    credits_invoices: list[dict] | None = None
    # `invoices` that bill the month as the rules read them, when the reader already made them (None: made here)
    billed: list[Invoice] | None = None


def day_of(timestamp: int) -> date:
    return datetime.fromtimestamp(timestamp, UTC).date()


def month_start_ts(month: date) -> int:
    return int(datetime(month.year, month.month, 1, tzinfo=UTC).timestamp())


def day_start_ts(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def counted(invoice: dict) -> bool:
    return invoice.get("status") in COUNTED_STATUSES


def line_price_id(line: dict) -> str | None:
    price = line.get("price") or ((line.get("pricing") or {}).get("price_details") or {}).get("price")
    return price.get("id") if isinstance(price, dict) else price


def line_product_key(line: dict, prices: dict[str, PriceFacts], product_keys: dict[str, str]) -> str | None:
    """The line's product key: its price's product's, the product id's, or the line's own metadata."""
    facts = prices.get(line_price_id(line) or "")
    if facts and facts.product_key:
        return facts.product_key
    product = ((line.get("pricing") or {}).get("price_details") or {}).get("product")
    return product_keys.get(product or "") or (line.get("metadata") or {}).get("product_key")


def invoice_for_rules(invoice: dict, prices: dict[str, PriceFacts], product_keys: dict[str, str],
                      gross: bool = False) -> Invoice:
    """One Stripe invoice as the rules read it: each line after its discounts (`gross`: before them), its tax."""
    lines = []
    for line in invoice["lines"]["data"]:
        discounts = 0 if gross else sum(int(d["amount"]) for d in line.get("discount_amounts") or [])
        period = line.get("period") or {}
        start = day_of(period.get("start") or invoice["created"])
        end = day_of(period.get("end") or period.get("start") or invoice["created"])
        lines.append(Line(invoice["id"], line_product_key(line, prices, product_keys), int(line["amount"]) - discounts,
                          start, end, sum(int(t.get("amount") or 0) for t in line.get("taxes") or [])))
    return Invoice(invoice["id"], tuple(lines))


def graduated_cents(tiers: tuple, quantity: int) -> int:
    """`quantity` units through graduated tiers (each `up_to`, `unit_amount_decimal` in cents), to the cent."""
    total, below = Decimal(0), 0
    for tier in tiers:
        top = quantity if tier.up_to is None else min(quantity, tier.up_to)
        if top > below:
            total += Decimal(top - below) * Decimal(tier.unit_amount_decimal)
            below = top
        if tier.up_to is None or quantity <= tier.up_to:
            break
    return int(total.quantize(Decimal(1), ROUND_HALF_UP))


def metered_usage(invoices: list[dict], month: date, prices: dict[str, PriceFacts], product_keys: dict[str, str],
                  list_tiers: dict[str, tuple]) -> list[Usage]:
    """Each product's metered quantity billed for the month (lines whose period starts in it), at list price."""
    end = revenue.month_end(month)
    quantities: dict[str, int] = {}
    for invoice in invoices:
        for line in invoice["lines"]["data"]:
            facts = prices.get(line_price_id(line) or "")
            start = day_of((line.get("period") or {}).get("start") or invoice["created"])
            if facts is None or not facts.metered or not (month <= start < end):
                continue
            key = line_product_key(line, prices, product_keys) or "(no product key)"
            quantities[key] = quantities.get(key, 0) + int(line.get("quantity") or 0)
    return [Usage(key, qty, graduated_cents(list_tiers.get(key, ()), qty)) for key, qty in sorted(quantities.items())]


def recurring_charges(invoices: list[dict], month: date, prices: dict[str, PriceFacts]) -> list[RecurringCharge]:
    """The licensed recurring lines whose period covers the month (the credits half's instalments)."""
    charges = []
    for invoice in invoices:
        for line in invoice["lines"]["data"]:
            facts = prices.get(line_price_id(line) or "")
            period = line.get("period") or {}
            if facts is None or facts.metered or not facts.interval_months or not period.get("start"):
                continue
            first = day_of(period["start"]).replace(day=1)
            if 0 <= revenue.months_between(first, month) < facts.interval_months:
                charges.append(RecurringCharge(line_price_id(line), int(line["amount"]), facts.interval_months, first))
    return charges


def up_front_of(invoice: dict) -> UpFront | None:
    """An up-front invoice by the amortization metadata Amortize Invoice puts on it (`amortize_start`,
    `amortize_months`); None for any other invoice or unreadable metadata."""
    meta = invoice.get("metadata") or {}
    if str(meta.get("amortize", "")).lower() != "true":
        return None
    try:
        start, months = date.fromisoformat(meta["amortize_start"]), int(meta.get("amortize_months") or 12)
    except (KeyError, ValueError):
        return None
    return UpFront(invoice["id"], start, months) if months > 0 else None


def credits_at_month_end(facts: CustomerFacts, month: date) -> int:
    """What was left of the startup grant when the month ended: what is left now plus what invoices for later
    months have taken since (balances only go down, so this is exact)."""
    end = revenue.month_end(month)
    taken_later = 0
    for invoice in facts.invoices:
        for line in invoice["lines"]["data"]:
            start = day_of((line.get("period") or {}).get("start") or invoice["created"])
            if start >= end:
                taken_later += sum(int(c.get("amount") or 0) for c in line.get("pretax_credit_amounts") or []
                                   if c.get("type") == "credit_balance_transaction")
    return (facts.credit_remaining_now or 0) + taken_later


def month_bounds(month: date) -> tuple[int, int]:
    return month_start_ts(month), month_start_ts(revenue.month_end(month))


def bills_in(invoice: dict, bounds: tuple[int, int]) -> bool:
    """Whether any line's service period starts in the month (`month_bounds`; the rules read only those lines)."""
    start, end = bounds
    return any(start <= ((line.get("period") or {}).get("start") or invoice["created"]) < end
               for line in invoice["lines"]["data"])


def foreign_currencies(facts: CustomerFacts, currency: str) -> list[str]:
    """The currencies other than the report's that any of the customer's invoices is in (Stripe writes them in
    lowercase)."""
    currency = currency.lower()
    invoices = chain(facts.invoices, facts.credits_invoices or (), (i for _, i in facts.up_fronts if i))
    return sorted({found for i in invoices if (found := i.get("currency") or currency) != currency})


def customer_mrr(facts: CustomerFacts, month: date, prices: dict[str, PriceFacts],
                 product_keys: dict[str, str], currency: str = "usd") -> Mrr | Unresolved:
    """The month's MRR by the customer's configuration, or why it cannot be counted. Revenue is counted in
    `currency` (the catalog's); a customer billed in another is listed, never added at a made-up rate."""
    foreign = foreign_currencies(facts, currency)
    if foreign:
        return Unresolved(f"billed in {', '.join(c.upper() for c in foreign)}: revenue is counted in "
                          f"{currency.upper()} and no exchange rate is set, so it is listed here, not added")
    rules_invoices = facts.billed
    if rules_invoices is None:
        rules_invoices = [invoice_for_rules(i, prices, product_keys) for i in _billing(facts, month)]
    config = facts.configuration
    if config == "free":
        return revenue.free(month)
    if config == "paid":
        return revenue.paid(month, rules_invoices)
    if config == "startup":
        if not facts.credit_grant_id:
            return Unresolved("startup without a credit grant (no startup credit recorded)")
        if facts.credit_expires_on is None:
            return Unresolved("startup without credit_expires_at")
        if facts.credit_remaining_now is None:
            return Unresolved("startup credit balance unknown (Stripe reported none for its grant)")
        credits = Credits(facts.credit_grant_id, credits_at_month_end(facts, month), facts.credit_expires_on)
        return revenue.startup(month, rules_invoices, credits)
    if config == "enterprise_yearly":
        if not facts.up_fronts:
            return Unresolved("enterprise yearly without an up-front invoice (none in Stripe carries amortize "
                              "metadata, and no Annual Plan row links one)")
        prepayments = []
        for up_front, invoice in facts.up_fronts:
            if invoice is None or not counted(invoice):
                status = invoice.get("status") if invoice else "not found in Stripe"
                return Unresolved(f"enterprise yearly whose up-front invoice {up_front.invoice_id} is {status}")
            prepayments.append(Prepayment(invoice["id"], int(invoice["total_excluding_tax"]),
                                          up_front.start.replace(day=1), up_front.months))
        usage = metered_usage(facts.invoices, month, prices, product_keys, facts.list_tiers)
        return revenue.enterprise_yearly(month, prepayments, usage, facts.discount_percent)
    if config == "enterprise_amortized":
        if facts.credits_invoices is None:
            return Unresolved("amortized without a linked credits customer")
        charges = recurring_charges(facts.credits_invoices, month, prices)
        gross = [invoice_for_rules(i, prices, product_keys, gross=True) for i in _billing(facts, month)]
        return revenue.enterprise_amortized(month, charges, gross, facts.discount_percent)
    return Unresolved(f"unknown billing configuration {config!r}")


def _billing(facts: CustomerFacts, month: date) -> list[dict]:
    """The customer's invoices that bill the month: of a year of invoices, one or two."""
    bounds = month_bounds(month)
    return [i for i in facts.invoices if bills_in(i, bounds)]
