"""Catalog pages."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("catalog", __name__, url_prefix="/catalog")


@bp.get("")
def index():
    return render_template("catalog/index.html")
