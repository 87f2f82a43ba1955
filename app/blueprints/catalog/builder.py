"""The bespoke price builder: a form, the Stripe call it would make, then the confirmed create."""
from __future__ import annotations

from itertools import zip_longest

from flask import make_response, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.billing.price_builder import INTERVALS, SHAPES, parse_bespoke
from app.blueprints.catalog import bp
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.services.audit import Actor
from app.services.bespoke_prices import BespokePriceError, create_bespoke_price, plan_bespoke_price
from app.timeutil import utcnow

ROWS = 5


def builder_context(form=None, **extra) -> dict:
    form = form if form is not None else {}
    rows = [r for r in (_rows(form) if form else []) if any(r)]
    rows += [("", "", "")] * max(ROWS - len(rows), 1)  # always one spare row for another tier
    return {"shapes": SHAPES, "intervals": INTERVALS, "products": collaborators.catalog().products, "form": form,
            "rows": rows, "plan": None, "errors": [], "notice": None} | extra


def _rows(form) -> list[tuple[str, str, str]]:
    return list(zip_longest(form.getlist("up_to"), form.getlist("unit"), form.getlist("flat"), fillvalue=""))


def _builder(status: int, form=None, **extra):
    return make_response(render_template("catalog/_builder.html", **builder_context(form, **extra)), status)


def _parsed():
    form = request.form
    return parse_bespoke(collaborators.catalog(), form.get("product_key", ""), form.get("shape", ""), _rows(form),
                         form.get("amount", ""), form.get("interval", "month"), form.get("plan", ""),
                         form.get("valid_days", ""), form.get("move_to_price_id", ""))


@bp.post("/prices/preview")
@require("stripe.write")
def preview_price():
    bespoke, errors = _parsed()
    if errors:
        return _builder(422, request.form, errors=errors)
    try:
        plan = plan_bespoke_price(db.session, collaborators.stripe_gateway(), collaborators.catalog(), bespoke, utcnow().date())
    except BespokePriceError as exc:
        return _builder(422, request.form, errors=exc.errors)
    except StripeGatewayError as exc:
        return _builder(502, request.form, errors=[str(exc)])
    return _builder(200, request.form, plan=plan)


@bp.post("/prices")
@require("stripe.write")
def create_price():
    bespoke, errors = _parsed()
    if errors:
        return _builder(422, request.form, errors=errors)
    try:
        price_id = create_bespoke_price(db.session, collaborators.stripe_gateway(), collaborators.catalog(), Actor.of(current_user),
                                        bespoke, request.form.get("fingerprint", ""), utcnow().date())
    except BespokePriceError as exc:
        db.session.rollback()
        return _builder(422, request.form, errors=exc.errors)
    except StripeGatewayError as exc:
        db.session.rollback()
        return _builder(502, request.form, errors=[str(exc)])
    db.session.commit()
    return _builder(200, notice=f"Created price {price_id}. Reload the report to see it checked.")
