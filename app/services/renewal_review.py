"""A later contract year's draft invoice through the same review and send as year one, and the
amount of a pro-rata last period when a person sets it."""
from __future__ import annotations

from app.billing.contract_years import period_lines
from app.billing.invoice_review import review_checks
from app.billing.renewal_requests import period_due
from app.billing.stripe_requests import PlannedCall, renewal_key
from app.gateways.stripe import StripeGatewayError
from app.models import ContractYear
from app.refusals import Invalid, StripeFailed
from app.services.audit import Actor, record_audit
from app.services.plan_review import InvoiceReview
from app.services.plan_values import get_plan, touch
from app.services.plan_write_plans import expected_lines
from app.services.renewals import LAST_PERIOD_FIELD, get_year, period_of
from app.services.stripe_writes import write_planned
from app.timeutil import utcnow


def review_year_invoice(session, gateway, plan_id: int, number: int) -> InvoiceReview:
    """Reads Stripe's copy of year `number`'s invoice beside what the contract says; writes nothing."""
    plan, year = get_plan(session, plan_id), get_year(session, plan_id, number)
    if not year.invoice_id:
        raise Invalid(f"year {number} of row {plan_id} has no draft invoice yet")
    invoice = gateway.retrieve_invoice(year.invoice_id)
    expected = period_lines(expected_lines(plan), period_of(year), year.amount_cents) or {}
    checks = review_checks(plan, invoice, sum(expected.values()), due=period_due(plan, period_of(year)))
    return InvoiceReview(plan, invoice, gateway.invoice_lines(year.invoice_id), expected, checks, year)


def send_year_invoice(session, gateway, actor: Actor, plan_id: int, number: int) -> ContractYear:
    """Finalize then send year `number`'s invoice, only when every review check passes."""
    review = review_year_invoice(session, gateway, plan_id, number)
    plan, year = review.plan, review.year
    if year.status != "drafted":
        raise Invalid(f"year {number}'s invoice {year.invoice_id} is {year.status}, not a draft to send")
    failing = [c.label for c in review.checks if not c.ok]
    if failing:
        raise Invalid("review checks not passed: " + "; ".join(failing))
    try:
        for step, verb in (("finalize", "finalize_invoice"), ("send", "send_invoice")):
            call = PlannedCall(step, verb, f"{step} year {number}'s invoice", {}, renewal_key(plan, number, step),
                               year.invoice_id)
            write_planned(session, gateway, call, ("annual_plan", plan.id), f"year{number}:{step}")
    except StripeGatewayError as exc:
        raise StripeFailed(f"Stripe refused or failed: {exc}; nothing was duplicated, press again to resume",
                           http_status=exc.http_status) from exc
    year.status, year.sent_at = "sent", utcnow()
    record_audit(session, actor, "annual_plan.year_sent", "annual_plan", plan.id,
                 after={"year": number, "invoice_id": year.invoice_id}, stripe_request_ids=gateway.request_ids)
    return year


def set_period_amount(session, actor: Actor, plan_id: int, number: int, cents: int) -> ContractYear:
    """A person states the pro-rata last period's amount the contract left out; resolves the row's flag."""
    plan, year = get_plan(session, plan_id), get_year(session, plan_id, number)
    if not year.pro_rata:
        raise Invalid(f"year {number} is a whole year: its amount is the contract's yearly prices", field="amount")
    if year.status != "due":
        raise Invalid(f"year {number} is already {year.status}: its amount is fixed", field="amount")
    if cents <= 0:
        raise Invalid("the amount must be a positive amount in dollars, such as $45,000", field="amount")
    before, year.amount_cents = year.amount_cents, cents
    for warning in plan.warnings_for(LAST_PERIOD_FIELD):
        warning.resolved_at, warning.resolved_by, warning.resolution = utcnow(), actor.label, "edited"
    touch(plan)
    record_audit(session, actor, "annual_plan.period_amount_set", "annual_plan", plan.id,
                 before={"year": number, "amount_cents": before}, after={"year": number, "amount_cents": cents})
    return year
