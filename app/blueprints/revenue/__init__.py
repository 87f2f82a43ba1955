"""Revenue pages."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("revenue", __name__, url_prefix="/revenue")


@bp.get("")
def index():
    return render_template("revenue/index.html")
