"""The catalog report: every product and price, with each rule violation in words and the fix it offers."""
from __future__ import annotations

from flask import render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.blueprints.catalog import bp
from app.blueprints.catalog.builder import builder_context
from app.errors import on_refusal
from app.extensions import db
from app.services.audit import Actor
from app.services.catalog_fixes import add_price_valid_days, archive_flagged_price
from app.services.catalog_report import read_catalog


@bp.get("")
@on_refusal(lambda exc: render_template("catalog/index.html", report=None, error=str(exc)))
def index():
    report = read_catalog(collaborators.stripe_gateway(), collaborators.catalog())
    return render_template("catalog/index.html", report=report, error=None,
                           key_metadata=collaborators.catalog().product_key_metadata, **builder_context())


def _fix_refused(exc, price_id: str):
    return render_template("catalog/_notice.html", error=str(exc), notice=None)


def _fixed(notice: str):
    """The notice in place; the report refreshes itself (it listens for `catalog-changed`)."""
    return render_template("catalog/_notice.html", error=None, notice=notice), 200, {"HX-Trigger": "catalog-changed"}


@bp.post("/prices/<price_id>/archive")
@require("stripe.write")
@on_refusal(_fix_refused)
def archive_price(price_id: str):
    archive_flagged_price(db.session, collaborators.stripe_gateway(), Actor.of(current_user), price_id)
    db.session.commit()
    return _fixed(f"Archived price {price_id}.")


@bp.post("/prices/<price_id>/valid-days")
@require("stripe.write")
@on_refusal(_fix_refused)
def add_valid_days(price_id: str):
    add_price_valid_days(db.session, collaborators.stripe_gateway(), Actor.of(current_user), price_id,
                         request.form.get("valid_days", ""))
    db.session.commit()
    return _fixed(f"Added valid_days={request.form.get('valid_days', '').strip()} to price {price_id}.")
