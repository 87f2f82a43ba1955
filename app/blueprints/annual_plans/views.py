"""The grid page, one row's page, the exports, and Load from contract."""
from __future__ import annotations

from flask import Response, jsonify, redirect, render_template, request, url_for
from sqlalchemy import case, select
from sqlalchemy.orm import selectinload

from app import collaborators
from app.auth import require
from app.billing.plan_stages import STAGES
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import (
    actor,
    grid_layout_for_user,
    plan_ids,
    render_row,
    row_refused,
    show_context,
    version_arg,
)
from app.errors import on_refusal
from app.extensions import db
from app.htmx import is_htmx, render
from app.models import AnnualPlan
from app.paging import page_arg
from app.services.contract_loading import apply_contract_values, load_plan
from app.services.grid_preferences import GridLayout
from app.services.plan_export import plan_as_dict, plans_as_csv


def _order(layout: GridLayout):
    """The person's chosen sort, then newest first, so rows with equal values keep a stable order."""
    if layout.sort == "stage":
        key = case({stage: i for i, stage in enumerate(STAGES)}, value=AnnualPlan.stage)
    else:
        key = getattr(AnnualPlan, layout.sort)
    key = key.desc() if layout.descending else key.asc()
    return (key.nulls_last(), AnnualPlan.id.desc()) if layout.sort != "id" else (key,)


def _query(args, layout: GridLayout | None = None):
    query = select(AnnualPlan).order_by(*_order(layout or GridLayout())).options(
        selectinload(AnnualPlan.lines), selectinload(AnnualPlan.warnings), selectinload(AnnualPlan.contract_years))
    if "id" in args:
        query = query.where(AnnualPlan.id.in_(plan_ids(args.getlist("id"))))
    if args.get("q"):
        query = query.where(AnnualPlan.company.ilike(f"%{args['q'].strip()}%"))
    if args.get("stage") in STAGES:
        query = query.where(AnnualPlan.stage == args["stage"])
    return query


PAGE_SIZE = 100


@bp.get("")
def index():
    """In the person's sort (newest first until they pick one), a hundred rows at a time; scrolling
    to the end fetches the next hundred."""
    return render_table(request.args)


def render_table(args, partial: str | None = None):
    layout = grid_layout_for_user()
    page = page_arg(args.get("page"))
    rows = db.session.scalars(_query(args, layout).limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    more_args = {**args.to_dict(), "page": page + 1} if len(rows) > PAGE_SIZE else None
    partial = partial or ("annual_plans/_rows.html" if page > 1 else "annual_plans/_table.html")
    return render("annual_plans/index.html", partial, plans=rows[:PAGE_SIZE], args=args,
                  more_args=more_args, stages=STAGES, products=collaborators.product_keys(),
                  editing=None, error=None, typed=None, layout=layout, hidden=layout.hidden)


def export_csv():
    """Every row the filters match, or with `?id=…&id=…` the rows selected on the grid."""
    plans = db.session.scalars(_query(request.args, grid_layout_for_user())).all()
    return Response(plans_as_csv(plans, collaborators.product_keys()), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=annual-plans.csv"})


# A blueprint prefix always adds a "/", so the spreadsheet export is registered on the app.
bp.record_once(lambda state: state.app.add_url_rule(
    "/annual-plans.csv", "annual_plans.export_csv", export_csv, methods=["GET"]))


@bp.get("/<int:plan_id>.json")
def show_json(plan_id: int):
    return jsonify(plan_as_dict(db.get_or_404(AnnualPlan, plan_id)))


@bp.get("/<int:plan_id>")
def show(plan_id: int):
    return render_template("annual_plans/show.html", **show_context(db.get_or_404(AnnualPlan, plan_id)))


@bp.get("/<int:plan_id>/row")
def row(plan_id: int):
    return render_row(db.get_or_404(AnnualPlan, plan_id))


@bp.post("/<int:plan_id>/load")
@require("annual_plans.edit")
@on_refusal(row_refused)
def load(plan_id: int):
    result = load_plan(db.session, actor(), plan_id, collaborators.contract_source(),
                       collaborators.contract_mapping(), collaborators.own_email_domains())
    db.session.commit()
    if result.conflicts and is_htmx():
        return "", 204, {"HX-Redirect": url_for("annual_plans.show", plan_id=plan_id, _anchor="reload")}
    if not is_htmx():
        return redirect(url_for("annual_plans.show", plan_id=plan_id))
    return render_row(result.plan, 200, error=result.error or None)


@bp.post("/<int:plan_id>/contract-values")
@require("annual_plans.edit")
def apply_contract(plan_id: int):
    apply_contract_values(db.session, actor(), plan_id, request.form.getlist("field"), version_arg())
    db.session.commit()
    return redirect(url_for("annual_plans.show", plan_id=plan_id))
