"""Choosing the row's Stripe customer: search Stripe, link one, or create one from the row."""
from __future__ import annotations

from flask import redirect, render_template, request, url_for

from app import collaborators
from app.auth import require
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor, show_context, version_arg
from app.errors import on_refusal
from app.extensions import db
from app.models import AnnualPlan
from app.services.plan_customers import (
    NewCustomer,
    create_stripe_customer,
    find_stripe_customers,
    link_stripe_customer,
)


def _results(plan_id: int, results: list, error: str | None):
    return render_template("annual_plans/_customer_results.html", plan=db.get_or_404(AnnualPlan, plan_id),
                           results=results, error=error, query=request.args.get("q", ""))


def _show_refused(exc, plan_id: int):
    """The row's page again, the customer form keeping what was typed and saying why not."""
    plan = db.get_or_404(AnnualPlan, plan_id)
    return render_template("annual_plans/show.html", customer_error=str(exc), form=request.form, **show_context(plan))


@bp.get("/<int:plan_id>/stripe-customers")
@require("annual_plans.edit")
@on_refusal(lambda exc, plan_id: _results(plan_id, [], str(exc)))
def search_customers(plan_id: int):
    return _results(plan_id, find_stripe_customers(collaborators.stripe_gateway(), request.args.get("q", "")), None)


@bp.post("/<int:plan_id>/stripe-customer")
@require("annual_plans.edit")
@on_refusal(_show_refused)
def link_customer(plan_id: int):
    link_stripe_customer(db.session, actor(), collaborators.stripe_gateway(), plan_id,
                         request.form.get("customer_id", "").strip(), version_arg())
    db.session.commit()
    return redirect(url_for("annual_plans.show", plan_id=plan_id, _anchor="customer"))


@bp.post("/<int:plan_id>/stripe-customer/new")
@require("annual_plans.edit")
@on_refusal(_show_refused)
def create_customer(plan_id: int):
    fields = ("name", "email", "line1", "city", "postal_code", "country", "tax_id_type", "tax_id_value")
    new = NewCustomer(**{f: request.form.get(f, "") for f in fields})
    create_stripe_customer(db.session, actor(), collaborators.stripe_gateway(), plan_id, new, version_arg())
    db.session.commit()
    return redirect(url_for("annual_plans.show", plan_id=plan_id, _anchor="customer"))
