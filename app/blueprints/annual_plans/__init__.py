"""The Annual Plan Table: the grid, one row's page, exports, and loading from the contract."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("annual_plans", __name__, url_prefix="/annual-plans")

from app.blueprints.annual_plans import actions, cells, customers, grid, rehearsal, renewals, views  # noqa: E402,F401  (register routes)
