"""A write plan in words a finance person can check, read from the very calls it plans.

The sentence is built from the planned calls' parameters (amounts, dates, counts), never from a
second reckoning, so what people confirm is what the calls will do. Names (the company, products,
prices, the invoice's recipient) come with the plan as `PlanWords`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from app.billing.plan_fields import product_label
from app.billing.stripe_requests import PlannedCall
from app.formatting import date_from_unix, money, plural, unit_price


@dataclass(frozen=True)
class PlanWords:
    company: str
    currency: str = "usd"
    product_names: dict[str, str] = field(default_factory=dict)  # product key -> name
    unit_labels: dict[str, str] = field(default_factory=dict)  # product key -> "recording"
    price_names: dict[str, str] = field(default_factory=dict)  # price id -> "Session replay (custom)"
    invoice: dict | None = None  # Stripe's invoice, for the send plan: total, currency, due date, recipient
    invoice_total: int | None = None  # the lines' total the amortize plan spreads
    recipient: str | None = None


def plan_sentence(calls: list[PlannedCall], words: PlanWords) -> str:
    """"Create a draft invoice for Acme Corp: 4 up-front lines, $102,500.00, due 2027-03-03; create 1 custom
    price: Session replay at $0.004 per recording; …" — one clause per kind of call, in a fixed order."""
    by_verb: dict[str, list[PlannedCall]] = {}
    for call in calls:
        if call.step not in INSTALMENT_STEPS:
            by_verb.setdefault(call.verb, []).append(call)
    clauses = [_instalments([c for c in calls if c.step in INSTALMENT_STEPS], words)]
    clauses = [clause for clause in clauses if clause]
    clauses += [clause for describe in _CLAUSES if (clause := describe(by_verb, words))]
    sentence = "; ".join(clauses)
    return sentence[:1].upper() + sentence[1:] + ("." if sentence else "")


INSTALMENT_STEPS = ("credits_customer", "price.first_instalment", "price.instalment", "credits_schedule")


def _instalments(calls: list[PlannedCall], words: PlanWords) -> str:
    """An instalment contract's credits half, in the words its planned calls carry (amounts and dates)."""
    if not calls:
        return ""
    steps = {c.step: c for c in calls}
    parts = []
    if "credits_customer" in steps:
        parts.append(f"create a credits customer for {words.company} (billing_role=credits)")
    if "credits_schedule" in steps:
        schedule = steps["credits_schedule"].summary
        parts.append("charge it " + schedule[:1].lower() + schedule[1:])
    return "; ".join(parts)


def _product(call: PlannedCall, words: PlanWords) -> str:
    """Steps are named after their product ("price.session_replay")."""
    return product_label(call.step.split(".", 1)[-1], words.product_names)


def _invoice(by_verb, words: PlanWords) -> str:
    created = by_verb.get("create_invoice", [])
    added = [line for call in by_verb.get("add_invoice_lines", []) for line in call.params["lines"]]
    if not created and not added:
        return ""
    parts = []
    if added:
        total = sum(line["price_data"]["unit_amount"] for line in added)
        currency = added[0]["price_data"].get("currency", words.currency)
        parts += [plural(len(added), "up-front line"), money(total, currency)]
    if created and created[0].params.get("due_date"):
        parts.append(f"due {date_from_unix(created[0].params['due_date'])}")
    return f"create a draft invoice for {words.company}: {', '.join(parts)}"


def _prices(by_verb, words: PlanWords) -> str:
    calls = by_verb.get("create_price", [])
    if not calls:
        return ""
    described = []
    for call in calls:
        rates = {Decimal(t["unit_amount_decimal"]) for t in call.params.get("tiers", [])}
        currency = call.params.get("currency", words.currency)
        unit = words.unit_labels.get(call.step.split(".", 1)[-1], "unit")
        rate = f"at {unit_price(rates.pop(), currency)} per {unit}" if len(rates) == 1 else "in graduated tiers"
        described.append(f"{_product(call, words)} {rate}")
    return f"create {plural(len(calls), 'custom price')}: {', '.join(described)}"


def _customer(by_verb, words: PlanWords) -> str:
    calls = by_verb.get("update_customer", [])
    if not calls:
        return ""
    ids = calls[0].params["metadata"].get("organisation_ids", "").split(",")
    return f"note {plural(len(ids), 'organisation')} ({', '.join(ids)}) on the Stripe customer {calls[0].target}"


def _periods(by_verb, words: PlanWords) -> str:
    calls = by_verb.get("update_invoice_item", [])
    if not calls:
        return ""
    return (f"set the first contract year on {plural(len(calls), 'line')} "
            f"({', '.join(_product(c, words) for c in calls)})")


def _amortize(by_verb, words: PlanWords) -> str:
    calls = [c for c in by_verb.get("update_invoice", []) if "amortize" in c.params.get("metadata", {})]
    if not calls:
        return ""
    meta = calls[0].params["metadata"]
    spread = f"{money(words.invoice_total, words.currency)} spread over " if words.invoice_total is not None else ""
    return (f"mark invoice {calls[0].target} of {words.company} for revenue tracking: {spread}"
            f"{plural(int(meta['amortize_months']), 'month')} from {meta['amortize_start']} to {meta['amortize_end']}")


def _coupon(by_verb, words: PlanWords) -> str:
    calls = by_verb.get("create_coupon", [])
    if not calls:
        return ""
    return f"create a {Decimal(calls[0].params['percent_off']).normalize():f}% credit discount coupon"


def _schedule(by_verb, words: PlanWords) -> str:
    calls = by_verb.get("create_schedule", [])
    if not calls:
        return ""
    params = calls[0].params
    [phase] = params["phases"][:1]
    duration = phase["duration"]
    prices = [words.price_names.get(i["price"], i["price"]) for i in phase["items"]]
    discount = "the coupon and " if phase.get("discounts") else ""
    return (f"schedule {words.company}'s subscription from {date_from_unix(params['start_date'])} for "
            f"{plural(duration['interval_count'], duration['interval'])} with {discount}{plural(len(prices), 'price')}: "
            f"{', '.join(prices)}")


def _send(by_verb, words: PlanWords) -> str:
    calls = by_verb.get("send_invoice", [])
    if not calls or words.invoice is None:
        return ""
    return send_words(calls[0].target, words.invoice, words.recipient, bool(by_verb.get("finalize_invoice")))


def invoice_recipient(invoice: dict, fallback: str | None = None) -> str | None:
    """Who Stripe emails the invoice to: its customer_email, else its (expanded) customer's email."""
    customer = invoice.get("customer") if isinstance(invoice.get("customer"), dict) else {}
    return invoice.get("customer_email") or customer.get("email") or fallback


def send_words(invoice_id: str, invoice: dict, recipient: str | None, finalize: bool = True) -> str:
    """"finalize and send invoice in_… for $102,500.00 (USD) to ap@acme.example, due 2027-03-03"."""
    currency = invoice.get("currency") or "usd"
    amount = invoice.get("amount_due", invoice.get("total"))
    due = f", due {date_from_unix(invoice['due_date'])}" if invoice.get("due_date") else ""
    return (f"{'finalize and ' if finalize else ''}send invoice {invoice_id} for {money(amount, currency)} "
            f"({currency.upper()}) to {recipient or 'the customer’s email'}{due}")


def loaded_sentence(plan, product_names: dict[str, str] | None = None, currency: str = "usd") -> str:
    """What Load from contract put in the row, to check against the contract: "Acme Corp's contract: 4 products
    included (…), $102,500.00 up front, from 2027-02-01 for 24 months, Net 30; no warnings to resolve." """
    included = [ln for ln in plan.lines if ln.included]
    parts = [f"{plural(len(included), 'product')} included"
             + (f" ({', '.join(product_label(ln.product_key, product_names) for ln in included)})" if included else "")]
    amounts = [ln.upfront_amount_cents for ln in included if ln.upfront_amount_cents]
    if amounts:
        parts.append(f"{money(sum(amounts), currency)} up front")
    if plan.start_date:
        parts.append(f"from {plan.start_date.isoformat()}" + (f" for {plural(plan.term_months, 'month')}"
                                                              if plan.term_months else ""))
    else:
        parts.append("no start date")
    if plan.payment_terms_days is not None:
        parts.append(f"Net {plan.payment_terms_days}")
    open_count = len({w.field for w in plan.warnings if w.resolved_at is None})
    warnings = f"{plural(open_count, 'warning')} to resolve" if open_count else "no warnings to resolve"
    return f"{plan.company or plan.document_id}'s contract: {', '.join(parts)}; {warnings}."


_CLAUSES = (_invoice, _prices, _customer, _periods, _amortize, _coupon, _schedule, _send)
