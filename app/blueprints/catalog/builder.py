"""The bespoke price builder: a form, the Stripe call it would make, then the confirmed create."""
from __future__ import annotations

from itertools import zip_longest

from flask import render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.billing.price_builder import INTERVALS, SHAPES, BespokeForm
from app.blueprints.catalog import bp
from app.errors import on_refusal
from app.extensions import db
from app.services.audit import Actor
from app.services.bespoke_prices import create_bespoke_price, plan_bespoke_price
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


def _builder(form=None, **extra):
    return render_template("catalog/_builder.html", **builder_context(form, **extra))


def _refused(exc):
    """The form as typed, with every reason it was refused."""
    return _builder(request.form, errors=exc.reasons)


def _form() -> BespokeForm:
    form = request.form
    return BespokeForm(form.get("product_key", ""), form.get("shape", ""), _rows(form), form.get("amount", ""),
                       form.get("interval", "month"), form.get("plan", ""), form.get("valid_days", ""),
                       form.get("move_to_price_id", ""), form.get("nickname", ""))


@bp.post("/prices/preview")
@require("stripe.write")
@on_refusal(_refused)
def preview_price():
    plan = plan_bespoke_price(db.session, collaborators.stripe_gateway(), collaborators.catalog(), _form(),
                              utcnow().date())
    return _builder(request.form, plan=plan)


@bp.post("/prices")
@require("stripe.write")
@on_refusal(_refused)
def create_price():
    price_id = create_bespoke_price(db.session, collaborators.stripe_gateway(), collaborators.catalog(),
                                    Actor.of(current_user), _form(), request.form.get("fingerprint", ""),
                                    utcnow().date())
    db.session.commit()
    return _builder(notice=f"Created price {price_id}. The report above now checks it."), 200, \
        {"HX-Trigger": "catalog-changed"}
