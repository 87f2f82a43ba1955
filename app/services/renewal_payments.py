"""Stripe's word on a later contract year's invoice: its status, and when paid, the year's prepaid
credit grant on metered prices, expiring when that year ends (year one's is the row's own)."""
from __future__ import annotations

import calendar

from sqlalchemy import select

from app.billing.renewal_requests import year_credit_grant_params
from app.billing.stripe_requests import credit_grant_key
from app.models import ContractYear
from app.services.audit import Actor, record_audit
from app.services.renewals import period_of
from app.services.stripe_writes import stripe_write
from app.timeutil import utcnow

STATUS_OF_INVOICE = {"open": "sent", "paid": "paid", "void": "void", "uncollectible": "sent"}


def _year_by_invoice(session, invoice_id: str) -> ContractYear | None:
    return session.scalar(select(ContractYear).where(ContractYear.invoice_id == invoice_id, ContractYear.number > 1))


def year_invoice_status(session, actor: Actor, invoice: dict, status: str) -> bool:
    """False when no later contract year has this invoice (the event is someone else's)."""
    year = _year_by_invoice(session, invoice["id"])
    if year is None:
        return False
    before, year.status = year.status, STATUS_OF_INVOICE.get(status, year.status)
    record_audit(session, actor, f"annual_plan.year_invoice_{status}", "annual_plan", year.plan_id,
                 before={"year": year.number, "status": before}, after={"year": year.number, "status": year.status})
    return True


def year_invoice_paid(session, gateway, actor: Actor, invoice: dict) -> bool:
    year = _year_by_invoice(session, invoice["id"])
    if year is None:
        return False
    plan = year.plan
    year.status, year.paid_at = "paid", utcnow()
    key = credit_grant_key(plan, invoice["id"])
    params = year_credit_grant_params(plan, period_of(year), invoice, calendar.timegm(utcnow().timetuple()))
    outcome = stripe_write(session, gateway, key=key, subject=("annual_plan", plan.id), action=f"year{year.number}:credit",
                           summary={"amount": invoice["amount_paid"]}, call=lambda: gateway.create_credit_grant(params, key))
    year = session.get(ContractYear, year.id)
    year.credit_grant_id = outcome.object_id
    record_audit(session, actor, "annual_plan.year_credit_granted", "annual_plan", plan.id,
                 after={"year": year.number, "credit_grant_id": outcome.object_id,
                        "amount_cents": invoice["amount_paid"]}, stripe_request_ids=gateway.request_ids)
    return True
