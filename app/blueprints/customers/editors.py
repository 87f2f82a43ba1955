"""The in-place editors: each saves one thing, answers with its section (its refusal in place)."""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.blueprints.customers import bp
from app.blueprints.customers.views import page_context
from app.errors import on_refusal
from app.extensions import db
from app.services import customer_configuration, customer_stripe, customers
from app.services.audit import Actor
from app.services.organisations import set_customer_organisations


def form_version() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None


def section(customer_id: int, name: str, was_saved: bool, **extra):
    """The editor's section and the page's version field; a saved change tells the page to refresh."""
    context = page_context(customer_id, [name]) | {"form": request.form} | extra
    html = render_template(f"customers/_{name}.html", **context) + render_template(
        "customers/_version.html", customer=context["customer"], oob=True)
    response = make_response(html)
    if was_saved:
        response.headers["HX-Trigger"] = "customer-changed"
    return response


def saved(customer_id: int, name: str, notice: str):
    db.session.commit()
    return section(customer_id, name, True, notice=notice, form={})


def refused(name: str):
    return lambda exc, customer_id: section(customer_id, name, False, error=str(exc))


def editor_actor() -> Actor:
    return Actor.of(current_user)


@bp.post("/<int:customer_id>/organisations")
@require("customers.edit")
@on_refusal(refused("organisations"))
def update_organisations(customer_id: int):
    set_customer_organisations(db.session, editor_actor(), customer_id, request.form.get("organisation_ids", ""), form_version())
    return saved(customer_id, "organisations", "Organisations saved.")


@bp.post("/<int:customer_id>/configuration")
@require("customers.edit")
@on_refusal(refused("configuration"))
def override_configuration(customer_id: int):
    customer_configuration.override_configuration(db.session, editor_actor(), customer_id, request.form.get("configuration", ""),
                                                  request.form.get("reason", ""), form_version())
    return saved(customer_id, "configuration", "Configuration saved.")


@bp.post("/<int:customer_id>/plans")
@require("customers.edit")
@on_refusal(refused("plans"))
def update_plans(customer_id: int):
    choices = {k.removeprefix("plan."): v for k, v in request.form.items() if k.startswith("plan.")}
    customers.update_plans_map(db.session, editor_actor(), collaborators.catalog(), customer_id, choices, form_version())
    return saved(customer_id, "plans", "Plans saved.")


@bp.post("/<int:customer_id>/trial")
@require("customers.edit")
@on_refusal(refused("trial"))
def update_trial(customer_id: int):
    customers.set_free_trial(db.session, editor_actor(), customer_id, request.form.get("free_trial_until", ""), form_version())
    return saved(customer_id, "trial", "Free trial saved.")


@bp.post("/<int:customer_id>/limits")
@require("customers.edit")
@on_refusal(refused("limits"))
def update_limits(customer_id: int):
    dollars = {k.removeprefix("limit."): v for k, v in request.form.items() if k.startswith("limit.")}
    customers.set_billing_limits(db.session, editor_actor(), collaborators.catalog(), customer_id, dollars, form_version())
    return saved(customer_id, "limits", "Billing limits saved.")


@bp.post("/<int:customer_id>/coupon")
@require("customers.edit")
@on_refusal(refused("coupon"))
def update_coupon(customer_id: int):
    coupon = None if request.form.get("remove") else (request.form.get("coupon") or "").strip()
    customer_stripe.set_coupon(db.session, collaborators.stripe_gateway(), editor_actor(), customer_id, coupon, form_version(),
                               collaborators.catalog().product_key_metadata)
    return saved(customer_id, "coupon", "Coupon removed." if coupon is None else f"Coupon {coupon} applied.")


@bp.post("/<int:customer_id>/price")
@require("customers.edit")
@on_refusal(refused("price"))
def change_price(customer_id: int):
    customer_stripe.change_price(db.session, collaborators.stripe_gateway(), editor_actor(), customer_id,
                                 request.form.get("product_key", ""), request.form.get("price_id", ""), form_version(),
                                 collaborators.catalog().product_key_metadata)
    return saved(customer_id, "price", "Price changed. " + customer_stripe.USAGE_WARNING)
