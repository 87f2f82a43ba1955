"""What the Renewals view lists: contract years starting and terms ending soon, with what is due,
drafted and sent. Reads only."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.billing.contract_years import Period, contract_periods, draft_on
from app.billing.instalments import pays_in_instalments, schedule_label
from app.models import AnnualPlan, ContractYear
from app.services.plan_write_plans import expected_lines
from app.services.renewals import RENEWING_STAGES


@dataclass(frozen=True)
class RenewalEntry:
    plan: AnnualPlan
    event: str  # "year starts" | "term ends"
    period: Period
    years: int
    on: date  # the day the year starts or the term ends
    amount_cents: int | None
    draft_on: date | None  # later years only
    invoice_id: str | None
    status: str  # due | drafted | sent | paid | void | not made | ends | year one not sent | started over
    #              | "quarterly instalments" (a row paid in instalments) | instalments not scheduled


def upcoming_renewals(session, today: date, window_days: int, lead_days: int) -> list[RenewalEntry]:
    """Soonest first; a row whose start or term is unknown has nothing to list."""
    until = today + timedelta(days=window_days)
    plans = session.scalars(select(AnnualPlan).where(AnnualPlan.start_date.is_not(None), AnnualPlan.term_months > 0)
                            .options(selectinload(AnnualPlan.lines))).all()
    years = {(y.plan_id, y.number): y for y in session.scalars(
        select(ContractYear).where(ContractYear.plan_id.in_([p.id for p in plans])))}
    entries = []
    for plan in plans:
        periods = contract_periods(plan.start_date, plan.term_months)
        for period in periods:
            if today <= period.starts_on <= until:
                entries.append(_year_entry(plan, period, len(periods), years.get((plan.id, period.number)), lead_days))
        last = periods[-1]
        if today <= last.ends_on <= until:
            entries.append(RenewalEntry(plan, "term ends", last, len(periods), last.ends_on, None, None, None, "ends"))
    return sorted(entries, key=lambda e: (e.on, e.plan.id, e.event))


def _year_entry(plan, period: Period, count: int, year: ContractYear | None, lead_days: int) -> RenewalEntry:
    if pays_in_instalments(plan):  # no up-front invoice to draft: the credits schedule charges every year
        status = f"{schedule_label(plan.payment_schedule).lower()} instalments" if plan.credits_schedule_id \
            else "instalments not scheduled"
        return RenewalEntry(plan, "year starts", period, count, period.starts_on, sum(expected_lines(plan).values()),
                            None, None, status)
    if period.number == 1:
        amount = sum(expected_lines(plan).values())
        status = {"draft": "drafted", "open": "sent"}.get(plan.invoice_status or "", plan.invoice_status or "not made")
        return RenewalEntry(plan, "year starts", period, count, period.starts_on, amount, None, plan.invoice_id, status)
    amount = year.amount_cents if year else (None if period.pro_rata else sum(expected_lines(plan).values()))
    status = year.status if year else "due"
    if status == "due" and plan.stage not in RENEWING_STAGES:
        status = "started over" if plan.stripe_attempt > 1 else "year one not sent"
    return RenewalEntry(plan, "year starts", period, count, period.starts_on, amount, draft_on(period, lead_days),
                        year.invoice_id if year else None, status)
