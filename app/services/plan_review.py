"""The growth team's review of a row's draft invoice: Stripe's copy beside the contract, and its one setting."""
from __future__ import annotations

from dataclasses import dataclass

from app.billing.instalments import pays_in_instalments
from app.billing.invoice_review import Check, review_checks
from app.models import AnnualPlan
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.instalment_plans import (
    first_instalment_cents,
    first_instalment_checks,
    first_instalment_preview,
)
from app.services.plan_values import get_plan, touch
from app.services.plan_write_plans import expected_lines


@dataclass(frozen=True)
class InvoiceReview:
    plan: AnnualPlan
    invoice: dict
    lines: list[dict]
    expected: dict[str, int]  # product key -> up-front cents the contract says
    checks: list[Check]
    year: object = None  # the ContractYear under review, None for the row's first-year invoice


def review_invoice(session, gateway, plan_id: int) -> InvoiceReview:
    """Reads Stripe's invoice (customer and tax ids expanded) and its lines; writes nothing."""
    plan = get_plan(session, plan_id)
    if pays_in_instalments(plan) and plan.credits_schedule_id:
        return _first_instalment_review(gateway, plan)
    if not plan.invoice_id:
        raise Invalid("this row has no invoice to review yet")
    invoice = gateway.retrieve_invoice(plan.invoice_id)
    lines = gateway.invoice_lines(plan.invoice_id)
    expected = expected_lines(plan)
    return InvoiceReview(plan, invoice, lines, expected, review_checks(plan, invoice, sum(expected.values())))


def _first_instalment_review(gateway, plan: AnnualPlan) -> InvoiceReview:
    """Stripe issues the first instalment itself when the credits schedule starts (a subscription's first
    invoice is finalized at once), so the review reads it beforehand as Stripe previews it."""
    invoice, lines = first_instalment_preview(gateway, plan)
    checks = first_instalment_checks(plan, invoice, gateway.retrieve_schedule(plan.credits_schedule_id))
    return InvoiceReview(plan, invoice, lines, {"first_instalment": first_instalment_cents(plan)}, checks)


def set_tax_id_not_needed(session, actor: Actor, plan_id: int, not_needed: bool) -> AnnualPlan:
    """The reviewer's word that this customer needs no tax id on the invoice (one of the checks)."""
    plan = get_plan(session, plan_id)
    plan.tax_id_not_needed = not_needed
    touch(plan)
    record_audit(session, actor, "annual_plan.tax_id_not_needed", "annual_plan", plan.id,
                 after={"tax_id_not_needed": plan.tax_id_not_needed})
    return plan
