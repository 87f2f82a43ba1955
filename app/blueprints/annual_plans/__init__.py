"""The Annual Plan Table: one row per signed order form."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("annual_plans", __name__, url_prefix="/annual-plans")


@bp.get("")
def index():
    return render_template("annual_plans/index.html")
