"""In-place editing: a cell's display and editor fragments, saving a field, confirming a warning."""
from __future__ import annotations

from flask import abort, render_template

from app.auth import require
from app.billing.plan_fields import split_field
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import (
    actor,
    render_row,
    row_context,
    row_refused,
    typed_value,
    version_arg,
)
from app.errors import on_refusal
from app.extensions import db
from app.models import AnnualPlan
from app.services.plan_editing import confirm_warning, update_field


def _known_field(name: str) -> str:
    try:
        split_field(name)
    except KeyError:
        abort(404, description=f"no field '{name}'")
    return name


@bp.get("/<int:plan_id>/cells/<field>")
def cell(plan_id: int, field: str):
    plan = db.get_or_404(AnnualPlan, plan_id)
    return render_template("annual_plans/_cell.html", name=_known_field(field), editing=None, error=None,
                           typed=None, **row_context(plan))


@bp.get("/<int:plan_id>/cells/<field>/edit")
@require("annual_plans.edit")
def edit_cell(plan_id: int, field: str):
    plan = db.get_or_404(AnnualPlan, plan_id)
    return render_template("annual_plans/_cell.html", name=_known_field(field), editing=field, error=None,
                           typed=None, **row_context(plan))


@bp.post("/<int:plan_id>/cells/<field>")
@require("annual_plans.edit")
@on_refusal(row_refused)
def update_cell(plan_id: int, field: str):
    plan = update_field(db.session, actor(), plan_id, _known_field(field), typed_value(), version_arg())
    db.session.commit()
    return render_row(plan)


@bp.post("/<int:plan_id>/warnings/<field>/confirm")
@require("annual_plans.edit")
@on_refusal(lambda exc, plan_id, field: row_refused(exc, plan_id))
def confirm(plan_id: int, field: str):
    plan = confirm_warning(db.session, actor(), plan_id, field, version_arg())
    db.session.commit()
    return render_row(plan)
