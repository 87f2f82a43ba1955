"""A Stripe customer's addresses and tax ids: their page (reached from an invoice review) and editors.

The editors work on the Stripe customer id, with or without our record of it; the customer page
shows the same editors. Each saves one thing and answers with its own part, its refusal in place.
"""
from __future__ import annotations

from flask import make_response, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.billing.customer_details import TAX_ID_TYPES
from app.blueprints.customers import bp
from app.errors import on_refusal
from app.extensions import db
from app.services import customer_details
from app.services.audit import Actor


def _review() -> int | None:
    """The invoice review the person came from (a row id), so the page can send them back to re-check."""
    raw = request.values.get("review", "")
    return int(raw) if raw.isdigit() else None


def _context(stripe_customer_id: str, **extra) -> dict:
    details, record = customer_details.read_details(db.session, collaborators.stripe_gateway(), stripe_customer_id)
    return {"details": details, "details_live": True, "record": record, "customer": record, "review": _review(),
            "tax_id_types": TAX_ID_TYPES, "form": {}, "error": None, "notice": None} | extra


@bp.get("/stripe/<stripe_customer_id>/details")
def stripe_details(stripe_customer_id: str):
    return render_template("customers/details.html", **_context(stripe_customer_id))


def _part(stripe_customer_id: str, name: str, saved: bool, **extra):
    """The editor's part; with our record, its new version out of band and a refresh of the customer page."""
    context = _context(stripe_customer_id, **extra)
    html = render_template(f"customers/_details_{name}.html", **context)
    if context["record"] is not None:
        html += render_template("customers/_version.html", customer=context["record"], oob=True)
    response = make_response(html)
    if saved:
        response.headers["HX-Trigger"] = "customer-changed"
    return response


def _saved(stripe_customer_id: str, name: str, notice: str):
    db.session.commit()
    return _part(stripe_customer_id, name, True, notice=notice)


def _refused(name: str):
    return lambda exc, stripe_customer_id: _part(stripe_customer_id, name, False, error=str(exc), form=request.form)


def _args() -> tuple:
    return db.session, collaborators.stripe_gateway(), Actor.of(current_user)


def _removing() -> bool:
    return bool(request.form.get("remove"))


@bp.post("/stripe/<stripe_customer_id>/billing-address")
@require("customers.edit")
@on_refusal(_refused("address"))
def set_billing_address(stripe_customer_id: str):
    customer_details.set_billing_address(*_args(), stripe_customer_id, None if _removing() else request.form,
                                         collaborators.catalog().product_key_metadata)
    return _saved(stripe_customer_id, "address", "Billing address removed in Stripe." if _removing()
                  else "Billing address saved in Stripe.")


@bp.post("/stripe/<stripe_customer_id>/shipping")
@require("customers.edit")
@on_refusal(_refused("shipping"))
def set_shipping(stripe_customer_id: str):
    customer_details.set_shipping(*_args(), stripe_customer_id, None if _removing() else request.form,
                                  collaborators.catalog().product_key_metadata)
    return _saved(stripe_customer_id, "shipping", "Shipping address removed in Stripe." if _removing()
                  else "Shipping address saved in Stripe.")


@bp.post("/stripe/<stripe_customer_id>/tax-ids")
@require("customers.edit")
@on_refusal(_refused("tax_ids"))
def add_tax_id(stripe_customer_id: str):
    customer_details.add_tax_id(*_args(), stripe_customer_id, request.form.get("type", ""),
                                request.form.get("value", ""), collaborators.catalog().product_key_metadata)
    return _saved(stripe_customer_id, "tax_ids", f"Tax id {request.form.get('value', '').strip()} added in Stripe.")


@bp.post("/stripe/<stripe_customer_id>/tax-ids/remove")
@require("customers.edit")
@on_refusal(_refused("tax_ids"))
def remove_tax_id(stripe_customer_id: str):
    customer_details.remove_tax_id(*_args(), stripe_customer_id, request.form.get("type", ""),
                                   request.form.get("value", ""), collaborators.catalog().product_key_metadata)
    return _saved(stripe_customer_id, "tax_ids", f"Tax id {request.form.get('value', '')} removed in Stripe.")
