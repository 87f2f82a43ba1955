"""Choosing the row's Stripe customer: search Stripe, link one, or create one from the row."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app import collaborators
from app.auth import require
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor, show_context, version_arg
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan
from app.services.plan_customers import (
    NewCustomer,
    create_stripe_customer,
    find_stripe_customers,
    link_stripe_customer,
)
from app.services.plan_errors import PlanError, StaleVersion


@bp.get("/<int:plan_id>/stripe-customers")
@require("annual_plans.edit")
def search_customers(plan_id: int):
    plan = db.get_or_404(AnnualPlan, plan_id)
    query = request.args.get("q", "")
    try:
        results, error = find_stripe_customers(collaborators.stripe_gateway(), query), None
    except (PlanError, StripeGatewayError) as exc:
        results, error = [], str(exc)
    return render_template("annual_plans/_customer_results.html", plan=plan, results=results,
                           error=error, query=query), 422 if error else 200


@bp.post("/<int:plan_id>/stripe-customer")
@require("annual_plans.edit")
def link_customer(plan_id: int):
    return _customer_action(plan_id, lambda gateway: link_stripe_customer(
        db.session, actor(), gateway, plan_id, request.form.get("customer_id", "").strip(), version_arg()))


@bp.post("/<int:plan_id>/stripe-customer/new")
@require("annual_plans.edit")
def create_customer(plan_id: int):
    fields = ("name", "email", "line1", "city", "postal_code", "country", "tax_id_type", "tax_id_value")
    new = NewCustomer(**{f: request.form.get(f, "") for f in fields})
    return _customer_action(plan_id, lambda gateway: create_stripe_customer(
        db.session, actor(), gateway, plan_id, new, version_arg()))


def _customer_action(plan_id: int, action):
    try:
        action(collaborators.stripe_gateway())
    except (PlanError, StripeGatewayError) as exc:
        db.session.rollback()
        plan = db.get_or_404(AnnualPlan, plan_id)
        status = 409 if isinstance(exc, StaleVersion) else 422
        return render_template("annual_plans/show.html", customer_error=str(exc), form=request.form,
                               **show_context(plan)), status
    db.session.commit()
    return redirect(url_for("annual_plans.show", plan_id=plan_id, _anchor="customer"))

