"""The Stripe buttons: a write plan to confirm, the run, the growth review, and Start over."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from app import collaborators
from app.auth import require
from app.billing.invoice_review import review_checks
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan
from app.services.audit import record_audit
from app.services.plan_actions import TRANSITIONS, operations_for, preview_action, run_action
from app.services.plan_errors import PlanError
from app.services.plan_locks import ActionRunning
from app.services.plan_start_over import start_over
from app.services.plan_values import touch
from app.services.plan_write_plans import expected_lines

PERMISSION = {"create_subscription": "stripe.write", "amortize": "stripe.write", "schedule": "stripe.write",
              "send_invoice": "invoices.send"}
LABELS = {"create_subscription": "Create Annual Subscription", "amortize": "Amortize Invoice",
          "schedule": "Schedule Subscription", "send_invoice": "Send invoice"}


def _action(action: str) -> str:
    if action not in TRANSITIONS:
        abort(404, description=f"no action '{action}'")
    return action


def _preview_page(plan_id: int, action: str, status: int = 200, error: str | None = None):
    preview = preview_action(db.session, collaborators.stripe_gateway(), collaborators.catalog(), plan_id, action)
    return render_template("annual_plans/action.html", preview=preview, plan=preview.plan, action=action,
                           label=LABELS[action], permission=PERMISSION[action], error=error,
                           operations=operations_for(db.session, plan_id)), status


@bp.get("/<int:plan_id>/actions/<action>")
def preview(plan_id: int, action: str):
    db.get_or_404(AnnualPlan, plan_id)
    try:
        return _preview_page(plan_id, _action(action))
    except StripeGatewayError as exc:
        return _preview_page_error(plan_id, action, str(exc))


def _preview_page_error(plan_id, action, message):
    plan = db.get_or_404(AnnualPlan, plan_id)
    return render_template("annual_plans/action.html", preview=None, plan=plan, action=action, label=LABELS[action],
                           permission=PERMISSION[action], error=message, operations=[]), 502


@bp.post("/<int:plan_id>/actions/<action>")
def run(plan_id: int, action: str):
    action = _action(action)
    return require(PERMISSION[action])(_run)(plan_id, action)


def _run(plan_id: int, action: str):
    try:
        plan = run_action(db.session, collaborators.stripe_gateway(), collaborators.catalog(), actor(), plan_id, action,
                          request.form.get("fingerprint"))
    except ActionRunning as exc:
        return _preview_page(plan_id, action, 409, str(exc))
    except PlanError as exc:
        db.session.rollback()
        return _preview_page(plan_id, action, 422, str(exc))
    flash(f"{LABELS[action]}: done. Row {plan.id} is now {plan.stage}.", "success")
    return redirect(url_for("annual_plans.show", plan_id=plan_id))


@bp.get("/<int:plan_id>/review")
def review(plan_id: int):
    plan = db.get_or_404(AnnualPlan, plan_id)
    if not plan.invoice_id:
        abort(422, description="this row has no invoice to review yet")
    gateway = collaborators.stripe_gateway()
    try:
        invoice = gateway.retrieve_invoice(plan.invoice_id)
        lines = gateway.invoice_lines(plan.invoice_id)
    except StripeGatewayError as exc:
        abort(502, description=str(exc))
    expected = expected_lines(plan)
    checks = review_checks(plan, invoice, sum(expected.values()))
    return render_template("annual_plans/review.html", plan=plan, invoice=invoice, lines=lines,
                           expected=expected, checks=checks)


@bp.post("/<int:plan_id>/tax-id-not-needed")
@require("invoices.send")
def tax_id_not_needed(plan_id: int):
    plan = db.get_or_404(AnnualPlan, plan_id)
    plan.tax_id_not_needed = request.form.get("value") == "on"
    touch(plan)
    record_audit(db.session, actor(), "annual_plan.tax_id_not_needed", "annual_plan", plan.id,
                 after={"tax_id_not_needed": plan.tax_id_not_needed})
    db.session.commit()
    return redirect(url_for("annual_plans.review", plan_id=plan_id))


@bp.post("/<int:plan_id>/start-over")
@require("invoices.start_over")
def start_over_view(plan_id: int):
    try:
        plan = start_over(db.session, collaborators.stripe_gateway(), actor(), plan_id)
    except PlanError as exc:
        db.session.rollback()
        abort(422, description=str(exc))
    flash(f"Started over: row {plan.id} is {plan.stage} again; its Stripe objects were undone.", "success")
    return redirect(url_for("annual_plans.show", plan_id=plan_id))
