"""A yearly commitment paid in instalments (the handbook's amortized pair): which schedules the
template knows, how the year splits into instalments, and the credits customer's Stripe requests.

Pure: the write plan (app/services/plan_write_plans.py) asks these for the calls, the webhook
service (app/services/instalments.py) for the credit grant of a paid instalment.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from app.billing.parsed import Parsed, accept, as_text, refuse
from app.billing.stripe_requests import FIRST_YEAR_MONTHS, add_months, unix

ANNUAL = "annual"


@dataclass(frozen=True)
class Schedule:
    key: str
    label: str  # the contract's own words
    months: int  # months between instalments (12: paid up front)

    @property
    def instalments(self) -> int:
        return FIRST_YEAR_MONTHS // self.months


SCHEDULES = {s.key: s for s in (Schedule(ANNUAL, "Annual up-front", 12), Schedule("semi_annual", "Semi-annual", 6),
                                Schedule("quarterly", "Quarterly", 3), Schedule("monthly", "Monthly", 1))}
PAYMENT_SCHEDULE_KEYS = tuple(SCHEDULES)


def parse_payment_schedule(raw: object) -> Parsed[str]:
    """The template's label (or our key) to a schedule key; no token means annual up-front, as before
    the template had one; anything else is refused, never guessed."""
    text = as_text(raw).strip()
    if not text:
        return accept(text, ANNUAL)
    folded = " ".join(text.replace("_", " ").replace("-", " ").casefold().split())
    for schedule in SCHEDULES.values():
        if folded in (schedule.label.replace("-", " ").casefold(), schedule.key.replace("_", " ")):
            return accept(text, schedule.key)
    return refuse(text, f"unknown payment schedule {text!r}: the template knows "
                        + ", ".join(s.label for s in SCHEDULES.values()))


def schedule_label(key: str | None) -> str:
    return SCHEDULES[key].label if key in SCHEDULES else (key or "")


def pays_in_instalments(plan) -> bool:
    return getattr(plan, "payment_schedule", ANNUAL) not in (ANNUAL, None)


def split_instalments(year_cents: int, count: int) -> list[int]:
    """The year's commitment in `count` equal instalments; the cents that don't divide go on the FIRST,
    so the year sums exactly (5000002 quarterly: 1250002, 1250000, 1250000, 1250000)."""
    if count < 1 or year_cents < 0:
        raise ValueError("instalments need a count of at least 1 and a commitment of at least 0 cents")
    base, remainder = divmod(year_cents, count)
    return [base + remainder] + [base] * (count - 1)


@dataclass(frozen=True)
class Instalment:
    number: int  # 1 for the first
    due_on: date  # the day Stripe issues it (the schedule's billing date)
    amount_cents: int


def instalment_dates(start: date, schedule_key: str, year_cents: int) -> list[Instalment]:
    """Every instalment of one contract year from `start`."""
    schedule = SCHEDULES[schedule_key]
    amounts = split_instalments(year_cents, schedule.instalments)
    return [Instalment(n + 1, add_months(start, n * schedule.months), cents) for n, cents in enumerate(amounts)]


# Stripe requests for the credits customer

def credits_customer_params(plan, usage_customer: dict, key: str, tax_ids: list[dict] | None = None) -> dict:
    """The second customer of the pair: the usage customer's company details (address and tax ids: the first
    instalment's review checks them on this customer), marked credits and linked."""
    params = {"name": usage_customer.get("name") or plan.company, "email": plan.contact_email,
              "description": f"{plan.company}: committed credits paid in instalments",
              "metadata": {"billing_role": "credits", "usage_customer": plan.stripe_customer_id,
                           "annual_plan_id": str(plan.id), "annual_plan_step": key}}
    address = {k: v for k, v in (usage_customer.get("address") or {}).items() if v}
    if address:
        params["address"] = address
    if tax_ids:
        params["tax_id_data"] = [{"type": t["type"], "value": t["value"]} for t in tax_ids]
    return params


def instalment_price_params(plan, product_id: str, currency: str, schedule_key: str, cents: int, key: str,
                            which: str) -> dict:
    """A licensed recurring price billing every `months` months: one for the regular instalment and,
    when the cents don't divide, one for the first (its phase lasts one interval)."""
    schedule = SCHEDULES[schedule_key]
    return {"currency": currency, "product": product_id, "unit_amount": cents,
            "recurring": {"interval": "month", "interval_count": schedule.months, "usage_type": "licensed"},
            "nickname": f"{plan.company} {schedule.label.lower()} instalment ({which})"[:250],
            "metadata": {"annual_plan_id": str(plan.id), "billing_role": "credits", "annual_plan_step": key}}


def credits_schedule_params(plan, customer: str, first_price: str | None, price: str, key: str) -> dict:
    """Every instalment of the term on the credits customer. Each contract year starts with a phase of one
    interval at the first instalment's price when it carries the remainder, then the regular price to the
    year's end, so every year sums to its commitment exactly."""
    schedule = SCHEDULES[plan.payment_schedule]
    common = {"collection_method": "send_invoice", "invoice_settings": {"days_until_due": plan.payment_terms_days},
              "metadata": {"annual_plan_id": str(plan.id), "billing_role": "credits"}}
    year_phases = [(first_price, schedule.months), (price, FIRST_YEAR_MONTHS - schedule.months)] if first_price \
        else [(price, FIRST_YEAR_MONTHS)]
    phases = [{**common, "items": [{"price": price_id}], "duration": {"interval": "month", "interval_count": months}}
              for _ in range(plan.term_months // FIRST_YEAR_MONTHS) for price_id, months in year_phases if months]
    return {"customer": customer, "start_date": unix(plan.start_date), "end_behavior": "cancel", "phases": phases,
            "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id, "billing_role": "credits",
                         "annual_plan_step": key}}


def instalment_refusals(plan) -> list[str]:
    """Why an instalment row cannot be planned: instalments repeat within whole contract years."""
    if plan.term_months and plan.term_months % FIRST_YEAR_MONTHS:
        return [f"a term of {plan.term_months} months is not whole years: instalments "
                f"({schedule_label(plan.payment_schedule)}) need a term of 12, 24, 36... months"]
    return []
