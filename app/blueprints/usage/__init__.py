"""Usage pages."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("usage", __name__, url_prefix="/usage")


@bp.get("")
def index():
    return render_template("usage/index.html")
