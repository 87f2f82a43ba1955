"""Customers: the searchable list with bulk sync, one customer's page and its in-place editors."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("customers", __name__, url_prefix="/customers")

from app.blueprints.customers import details, discount, editors, startup, views  # noqa: E402,F401  (register routes)
