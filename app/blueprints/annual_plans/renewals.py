"""The Renewals view, and a later contract year's draft, review and send (the same review as year one)."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for

from app import collaborators
from app.auth import require
from app.billing.contract_years import WINDOW_DAYS
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor
from app.errors import on_refusal
from app.extensions import db
from app.services.renewal_review import review_year_invoice, send_year_invoice
from app.services.renewals import draft_renewal
from app.services.renewals_view import upcoming_renewals
from app.timeutil import utcnow


def _renewals_page(error: str | None = None, status: int = 200):
    entries = upcoming_renewals(db.session, utcnow().date(), WINDOW_DAYS, current_app.config["RENEWAL_LEAD_DAYS"])
    return render_template("annual_plans/renewals.html", entries=entries, window=WINDOW_DAYS, error=error,
                           lead_days=current_app.config["RENEWAL_LEAD_DAYS"]), status


@bp.get("/renewals")
def renewals():
    return _renewals_page()


@bp.post("/<int:plan_id>/years/<int:number>/draft")
@require("stripe.write")
@on_refusal(lambda exc, plan_id, number: _renewals_page(str(exc), exc.status))
def draft_year(plan_id: int, number: int):
    year = draft_renewal(db.session, collaborators.stripe_gateway(), collaborators.catalog(), actor(), plan_id, number)
    db.session.commit()
    flash(f"Year {number} of row {plan_id}: draft invoice {year.invoice_id}.", "success")
    return redirect(url_for("annual_plans.renewals"))


def _year_review_page(plan_id: int, number: int, error: str | None = None):
    found = review_year_invoice(db.session, collaborators.stripe_gateway(), plan_id, number)
    return render_template("annual_plans/review.html", plan=found.plan, invoice=found.invoice, lines=found.lines,
                           expected=found.expected, checks=found.checks, year=found.year, error=error,
                           checks_pass=found.checks_pass, send_sentence=found.send_sentence)


@bp.get("/<int:plan_id>/years/<int:number>/review")
def review_year(plan_id: int, number: int):
    return _year_review_page(plan_id, number)


@bp.post("/<int:plan_id>/years/<int:number>/send")
@require("invoices.send")
@on_refusal(lambda exc, plan_id, number: _year_review_page(plan_id, number, str(exc)))
def send_year(plan_id: int, number: int):
    send_year_invoice(db.session, collaborators.stripe_gateway(), actor(), plan_id, number)
    db.session.commit()
    flash(f"Year {number}'s invoice was sent.", "success")
    return redirect(url_for("annual_plans.review_year", plan_id=plan_id, number=number))
