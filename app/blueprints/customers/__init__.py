"""Customers pages."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("customers", __name__, url_prefix="/customers")


@bp.get("")
def index():
    return render_template("customers/index.html")
