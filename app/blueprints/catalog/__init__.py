"""Catalog: Stripe's products and prices checked against our rules, and the bespoke price builder."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("catalog", __name__, url_prefix="/catalog")

from app.blueprints.catalog import builder, views  # noqa: E402,F401  (register routes)
