"""The Stripe buttons: a write plan to confirm, the run, the growth review, and Start over."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from app import collaborators
from app.auth import require
from app.billing.plan_stages import ACTION_STAGES
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor
from app.errors import on_refusal
from app.extensions import db
from app.models import AnnualPlan
from app.services.plan_actions import preview_action, run_action
from app.services.plan_review import review_invoice, set_tax_id_not_needed
from app.services.plan_start_over import start_over

PERMISSION = {"create_subscription": "stripe.write", "amortize": "stripe.write", "schedule": "stripe.write",
              "send_invoice": "invoices.send"}
LABELS = {"create_subscription": "Create Annual Subscription", "amortize": "Amortize Invoice",
          "schedule": "Schedule Subscription", "send_invoice": "Send invoice"}


def _action(action: str) -> str:
    if action not in ACTION_STAGES:
        abort(404, description=f"no action '{action}'")
    return action


def _preview_page(plan_id: int, action: str, error: str | None = None):
    preview = preview_action(db.session, collaborators.stripe_gateway(), collaborators.catalog(), plan_id, action)
    return render_template("annual_plans/action.html", preview=preview, plan=preview.plan, action=action,
                           label=LABELS[action], permission=PERMISSION[action], error=error,
                           operations=preview.operations)


def _preview_unavailable(exc, plan_id: int, action: str):
    """The page without a plan, saying why it could not be drawn (Stripe down, say)."""
    return render_template("annual_plans/action.html", preview=None, plan=db.get_or_404(AnnualPlan, plan_id),
                           action=action, label=LABELS[action], permission=PERMISSION[action], error=str(exc),
                           operations=[])


@bp.get("/<int:plan_id>/actions/<action>")
@on_refusal(_preview_unavailable)
def preview(plan_id: int, action: str):
    return _preview_page(plan_id, _action(action))


@bp.post("/<int:plan_id>/actions/<action>")
@on_refusal(lambda exc, plan_id, action: _preview_page(plan_id, action, str(exc)))
def run(plan_id: int, action: str):
    action = _action(action)
    return require(PERMISSION[action])(_run)(plan_id, action)


def _run(plan_id: int, action: str):
    plan = run_action(db.session, collaborators.stripe_gateway(), collaborators.catalog(), actor(), plan_id, action,
                      request.form.get("fingerprint"))
    db.session.commit()
    flash(f"{LABELS[action]}: done. Row {plan.id} is now {plan.stage}.", "success")
    return redirect(url_for("annual_plans.show", plan_id=plan_id))


@bp.get("/<int:plan_id>/review")
def review(plan_id: int):
    found = review_invoice(db.session, collaborators.stripe_gateway(), plan_id)
    return render_template("annual_plans/review.html", plan=found.plan, invoice=found.invoice, lines=found.lines,
                           expected=found.expected, checks=found.checks, checks_pass=found.checks_pass)


@bp.post("/<int:plan_id>/tax-id-not-needed")
@require("invoices.send")
def tax_id_not_needed(plan_id: int):
    set_tax_id_not_needed(db.session, actor(), plan_id, request.form.get("value") == "on")
    db.session.commit()
    return redirect(url_for("annual_plans.review", plan_id=plan_id))


@bp.post("/<int:plan_id>/start-over")
@require("invoices.start_over")
def start_over_view(plan_id: int):
    plan = start_over(db.session, collaborators.stripe_gateway(), actor(), plan_id)
    db.session.commit()
    flash(f"Started over: row {plan.id} is {plan.stage} again; its Stripe objects were undone.", "success")
    return redirect(url_for("annual_plans.show", plan_id=plan_id))
