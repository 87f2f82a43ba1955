"""The catalog report: every product and price, with each rule violation in words."""
from __future__ import annotations

from flask import render_template

from app import collaborators
from app.blueprints.catalog import bp
from app.blueprints.catalog.builder import builder_context
from app.errors import on_refusal
from app.services.catalog_report import read_catalog


@bp.get("")
@on_refusal(lambda exc: render_template("catalog/index.html", report=None, error=str(exc)))
def index():
    report = read_catalog(collaborators.stripe_gateway(), collaborators.catalog())
    return render_template("catalog/index.html", report=report, error=None,
                           key_metadata=collaborators.catalog().product_key_metadata, **builder_context())
