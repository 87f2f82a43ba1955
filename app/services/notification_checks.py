"""The daily look for what people must hear about that no single action raises: usage gaps, invoices
past due, contract years and terms starting within the renewal lead time.

Each finding is recorded through `notify` under a key of what was found (the day and instance, the
invoice, the year), so the check can run every hour and still tell people once.
"""
from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from app.billing.contract_result import due_date
from app.billing.contract_years import contract_periods, draft_on
from app.billing.stripe_requests import add_months
from app.formatting import money
from app.models import AnnualPlan, ContractYear
from app.services.notifications import notify
from app.services.renewals import RENEWING_STAGES
from app.services.usage_monitor import check_usage_day

GAP_DAYS = 7


def check_for_notifications(session, today: date, usage_today: date, lead_days: int) -> int:
    """Record every finding of today (`usage_today`: today in USAGE_TIMEZONE, as the Usage page counts
    days); returns how many events are new or already known."""
    return (notify_usage_gaps(session, usage_today - timedelta(days=1)) + notify_past_due(session, today)
            + notify_renewals(session, today, lead_days))


def notify_usage_gaps(session, yesterday: date) -> int:
    """The gaps of the last GAP_DAYS usage days (a day the worker missed is still told), each once."""
    found = 0
    for back in range(GAP_DAYS):
        check = check_usage_day(session, yesterday - timedelta(days=back))
        for gap in check.gaps:
            missing = check.missing.get(gap.instance, [])
            detail = f"Organisations without a report: {', '.join(missing[:20])}" if missing else ""
            notify(session, "usage_gap", "usage_day", gap.day.isoformat(), f"{gap.instance}:{gap.kind}",
                   f"Usage gap: {gap.message}", detail)
        found += len(check.gaps)
    return found


def notify_past_due(session, today: date) -> int:
    """Open invoices after their due date: each row's first year and each later year sent."""
    found = 0
    for plan in session.scalars(select(AnnualPlan).where(AnnualPlan.invoice_status == "open",
                                                         AnnualPlan.invoice_id.is_not(None))):
        if plan.start_date and today > due_date(plan.start_date, plan.payment_terms_days or 0):
            notify_invoice_past_due(session, plan, plan.invoice_id, due_date(plan.start_date, plan.payment_terms_days or 0))
            found += 1
    for year in session.scalars(select(ContractYear).where(ContractYear.status == "sent", ContractYear.number > 1,
                                                           ContractYear.invoice_id.is_not(None))):
        due = due_date(year.starts_on, year.plan.payment_terms_days or 0)
        if today > due:
            notify_invoice_past_due(session, year.plan, year.invoice_id, due, year.amount_cents)
            found += 1
    return found


def notify_invoice_past_due(session, plan: AnnualPlan, invoice_id: str, due: date | None,
                            amount_cents: int | None = None) -> None:
    """Also Stripe's `invoice.overdue` (sent by a Billing automation): the same key, so whichever comes first tells."""
    amount = f" ({money(amount_cents)})" if amount_cents else ""
    when = f" was due on {due.isoformat()}" if due else " is past due"
    notify(session, "invoice_past_due", "annual_plan", plan.id, f"invoice:{invoice_id}",
           f"Invoice past due: {plan.company or plan.name} — {invoice_id}{amount}{when}",
           f"Annual plan row {plan.id}; the invoice is still open in Stripe.")


def notify_renewals(session, today: date, lead_days: int) -> int:
    """A later contract year, or the term after the last, starting within `lead_days`."""
    found = 0
    for plan in session.scalars(select(AnnualPlan).where(AnnualPlan.stage.in_(RENEWING_STAGES),
                                                         AnnualPlan.start_date.is_not(None),
                                                         AnnualPlan.term_months > 0)):
        who = plan.company or plan.name
        for period in contract_periods(plan.start_date, plan.term_months)[1:]:
            if draft_on(period, lead_days) <= today < period.starts_on:
                notify(session, "renewal_due", "annual_plan", plan.id, f"year:{period.number}",
                       f"{who}: contract year {period.number} starts on {period.starts_on.isoformat()}",
                       f"Annual plan row {plan.id}: its invoice is drafted {lead_days} days ahead; review and send it.")
                found += 1
        term_ends = add_months(plan.start_date, plan.term_months)
        if term_ends - timedelta(days=lead_days) <= today < term_ends:
            notify(session, "renewal_due", "annual_plan", plan.id, f"term:{term_ends.isoformat()}",
                   f"{who}: the contract term ends on {term_ends.isoformat()}; a new term would start then",
                   f"Annual plan row {plan.id}: renew the contract, or let it end.")
            found += 1
    return found


def notify_overdue_invoice(session, invoice: dict) -> bool:
    """Stripe's `invoice.overdue` for one of our rows' invoices; False when the invoice is not ours."""
    year = session.scalar(select(ContractYear).where(ContractYear.invoice_id == invoice["id"]))
    plan = year.plan if year else session.scalar(select(AnnualPlan).where(AnnualPlan.invoice_id == invoice["id"]))
    if plan is None:
        return False
    due = datetime.fromtimestamp(invoice["due_date"], UTC).date() if invoice.get("due_date") else None
    notify_invoice_past_due(session, plan, invoice["id"], due, invoice.get("amount_remaining"))
    return True
