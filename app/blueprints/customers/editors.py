"""The in-place editors: each saves one thing, answers with its section (422/409 in place)."""
from __future__ import annotations

from flask import abort, make_response, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.blueprints.customers import bp
from app.blueprints.customers.context import fragment_context
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.models import Customer
from app.services import customer_stripe, customers
from app.services.audit import Actor
from app.services.customer_errors import CustomerError, CustomerNotFound, StaleCustomer


def _version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def _section(customer_id: int, name: str, status: int, **extra):
    customer = db.get_or_404(Customer, customer_id)
    context = fragment_context(customer, name) | {"form": request.form} | extra
    html = render_template(f"customers/_{name}.html", **context) + render_template(
        "customers/_version.html", customer=customer, oob=True)
    response = make_response(html, status)
    if status == 200:
        response.headers["HX-Trigger"] = "customer-changed"
    return response


def _edit(customer_id: int, name: str, change, notice: str):
    try:
        change(Actor.of(current_user))
    except (CustomerError, StripeGatewayError) as exc:
        db.session.rollback()
        if isinstance(exc, CustomerNotFound):
            abort(404, description=str(exc))
        return _section(customer_id, name, 409 if isinstance(exc, StaleCustomer) else 422, error=str(exc))
    db.session.commit()
    return _section(customer_id, name, 200, notice=notice, form={})


@bp.post("/<int:customer_id>/plans")
@require("customers.edit")
def update_plans(customer_id: int):
    choices = {k.removeprefix("plan."): v for k, v in request.form.items() if k.startswith("plan.")}
    return _edit(customer_id, "plans", lambda actor: customers.update_plans_map(
        db.session, actor, collaborators.catalog(), customer_id, choices, _version()), "Plans saved.")


@bp.post("/<int:customer_id>/trial")
@require("customers.edit")
def update_trial(customer_id: int):
    return _edit(customer_id, "trial", lambda actor: customers.set_free_trial(
        db.session, actor, customer_id, request.form.get("free_trial_until", ""), _version()), "Free trial saved.")


@bp.post("/<int:customer_id>/limits")
@require("customers.edit")
def update_limits(customer_id: int):
    dollars = {k.removeprefix("limit."): v for k, v in request.form.items() if k.startswith("limit.")}
    return _edit(customer_id, "limits", lambda actor: customers.set_billing_limits(
        db.session, actor, collaborators.catalog(), customer_id, dollars, _version()), "Billing limits saved.")


@bp.post("/<int:customer_id>/coupon")
@require("customers.edit")
def update_coupon(customer_id: int):
    coupon = None if request.form.get("remove") else (request.form.get("coupon") or "").strip()
    if coupon == "":
        return _section(customer_id, "coupon", 422, error="Choose a coupon to apply.")
    return _edit(customer_id, "coupon", lambda actor: customer_stripe.set_coupon(
        db.session, collaborators.stripe_gateway(), actor, customer_id, coupon, _version(),
        collaborators.catalog().product_key_metadata), "Coupon removed." if coupon is None else f"Coupon {coupon} applied.")


@bp.post("/<int:customer_id>/price")
@require("customers.edit")
def change_price(customer_id: int):
    product, price = request.form.get("product_key", ""), request.form.get("price_id", "")
    if not price.strip():
        return _section(customer_id, "price", 422, error="Choose the new price.")
    return _edit(customer_id, "price", lambda actor: customer_stripe.change_price(
        db.session, collaborators.stripe_gateway(), actor, customer_id, product, price, _version(),
        collaborators.catalog().product_key_metadata), "Price changed. " + customer_stripe.USAGE_WARNING)
