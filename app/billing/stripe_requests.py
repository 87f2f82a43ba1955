"""The Stripe parameters of an Annual Plan row's objects: pure, so every press plans the same calls.

Dates are contract dates at 00:00 UTC. Every object carries `annual_plan_step` metadata (its
idempotency key), so it can be found again after Stripe forgets the key (24 h).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from app.billing.contract_result import due_date

FIRST_YEAR_MONTHS = 12


@dataclass(frozen=True)
class PlannedCall:
    """One Stripe write: what it makes, its parameters and its idempotency key."""

    step: str  # stable name within the action, e.g. "item.session_replay"
    verb: str  # gateway method
    summary: str
    params: dict
    key: str
    target: str | None = None  # an object id the call acts on, when it is not a create

    def as_dict(self) -> dict:
        return {"step": self.step, "verb": self.verb, "summary": self.summary, "params": self.params,
                "key": self.key, "target": self.target}


@dataclass
class WritePlan:
    action: str
    calls: list[PlannedCall] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Sent back on confirm: the row is re-planned, and must plan the very same calls."""
        import hashlib
        import json

        body = json.dumps([c.as_dict() for c in self.calls], sort_keys=True, default=str)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


def unix(day: date) -> int:
    return calendar.timegm(datetime(day.year, day.month, day.day, tzinfo=UTC).timetuple())


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def step_key(plan_id: int, attempt: int, action: str, step: str) -> str:
    return f"annual-plan-{plan_id}-a{attempt}-{action}-{step}"


def invoice_params(plan, key: str) -> dict:
    return {
        "customer": plan.stripe_customer_id,
        "collection_method": "send_invoice",
        "due_date": unix(due_date(plan.start_date, plan.payment_terms_days)),
        "auto_advance": False,
        "pending_invoice_items_behavior": "exclude",
        "discounts": "",  # the up-front fee is never reduced by a customer discount
        "description": f"{plan.company}: annual plan, first contract year from {plan.start_date.isoformat()}",
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id, "annual_plan_step": key},
    }


def first_year(plan) -> dict:
    return {"start": unix(plan.start_date), "end": unix(add_months(plan.start_date, FIRST_YEAR_MONTHS))}


def upfront_line(plan, line, product_id: str, product_name: str, currency: str, key: str) -> dict:
    """One up-front line for `add_lines`: the product's annual fee over the first contract year."""
    return {
        "price_data": {"currency": currency, "product": product_id, "unit_amount": line.upfront_amount_cents},
        "period": first_year(plan),
        "description": f"{product_name}: up-front annual fee",
        "metadata": {"annual_plan_id": str(plan.id), "product_key": line.product_key,
                     "annual_plan_step": f"{key}.{line.product_key}"},
    }


def monthly_split(cents: int, months: int) -> tuple[int, int]:
    """(base, remainder): the first `remainder` months carry one cent more, so months sum exactly."""
    return divmod(cents, months)


def amortization_metadata(plan, key_prefix: str = "amortize") -> dict:
    """Revenue-tracking metadata: the first year's fee spread over twelve months, per product."""
    meta = {
        key_prefix: "true",
        f"{key_prefix}_start": plan.start_date.isoformat(),
        f"{key_prefix}_end": add_months(plan.start_date, FIRST_YEAR_MONTHS).isoformat(),
        f"{key_prefix}_months": str(FIRST_YEAR_MONTHS),
    }
    for line in plan.lines:
        if line.included and line.upfront_amount_cents:
            base, remainder = monthly_split(line.upfront_amount_cents, FIRST_YEAR_MONTHS)
            meta[f"monthly_cents_{line.product_key}"[:40]] = str(base)
            if remainder:
                meta[f"monthly_extra_{line.product_key}"[:40]] = f"{remainder} first month(s) +1"
    return meta


def phase_duration(term_months: int) -> dict:
    if term_months % 12 == 0:
        return {"interval": "year", "interval_count": term_months // 12}
    return {"interval": "month", "interval_count": term_months}


def schedule_params(plan, price_ids: list[str], coupon_id: str | None, key: str) -> dict:
    phase = {
        "items": [{"price": price_id} for price_id in price_ids],
        "duration": phase_duration(plan.term_months),
        "collection_method": "send_invoice",
        "invoice_settings": {"days_until_due": plan.payment_terms_days},
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id},
    }
    if coupon_id:
        phase["discounts"] = [{"coupon": coupon_id}]
    return {
        "customer": plan.stripe_customer_id,
        "start_date": unix(plan.start_date),
        "end_behavior": "release",
        "phases": [phase],
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id, "annual_plan_step": key},
    }


def coupon_params(plan, coupon_id: str) -> dict:
    percent: Decimal = plan.credit_discount_percent
    return {"id": coupon_id, "percent_off": format(percent, "f"), "duration": "forever",
            "name": f"{plan.company} credit discount {format(percent.normalize(), 'f')}%"[:40],
            "metadata": {"annual_plan_id": str(plan.id), "annual_plan_step": coupon_id}}
