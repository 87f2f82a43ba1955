"""The grid's spreadsheet verbs: paste a range, undo the last edit, sort, lay out columns, act on
selected rows. Each saves through the same services as a single cell or button."""
from __future__ import annotations

import json

from flask import request
from markupsafe import Markup, escape

from app import collaborators
from app.auth import require
from app.billing.plan_fields import field_label
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor, plan_ids, render_rows_oob
from app.blueprints.annual_plans.views import render_table
from app.errors import on_refusal
from app.extensions import db
from app.formatting import plural
from app.models import AnnualPlan
from app.refusals import Invalid, Refusal
from app.services.contract_loading import load_plan
from app.services.grid_preferences import save_grid_layout
from app.services.plan_editing import CellEdit, paste_cells, undo_last_edit

MAX_PASTED_CELLS = 2000


def grid_status(message: str, kind: str = "ok") -> Markup:
    """The line above the grid saying what the last paste, undo or bulk action did (swapped by id)."""
    return Markup(f'<div id="grid-status" class="grid-status {kind}" role="status" aria-live="polite" '
                  f'hx-swap-oob="true">{escape(message)}</div>')


def _refused_status(exc, **_):
    return grid_status(str(exc), "error"), exc.status


def _json_form(name: str, kind: type):
    try:
        value = json.loads(request.form.get(name, ""))
    except ValueError:
        raise Invalid(f"{name}: not JSON", field=name) from None
    if not isinstance(value, kind):
        raise Invalid(f"{name}: expected a JSON {'list' if kind is list else 'object'}", field=name)
    return value


def _pasted_cells() -> list[CellEdit]:
    """`cells`: a JSON list of {"plan": id, "field": name, "value": text, "version": n}."""
    cells = _json_form("cells", list)
    if not cells:
        raise Invalid("cells: nothing to paste", field="cells")
    if len(cells) > MAX_PASTED_CELLS:
        raise Invalid(f"cells: at most {MAX_PASTED_CELLS} cells at once ({len(cells)} pasted)", field="cells")
    edits = []
    for i, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise Invalid(f"cells[{i}]: expected an object", field="cells")
        plan, field, value, version = (cell.get(k) for k in ("plan", "field", "value", "version"))
        if isinstance(plan, bool) or not isinstance(plan, int):
            raise Invalid(f"cells[{i}].plan: expected a row number", field="cells")
        if not isinstance(field, str) or not field:
            raise Invalid(f"cells[{i}].field: expected a field name", field="cells")
        if not isinstance(value, str):
            raise Invalid(f"cells[{i}].value: expected text", field="cells")
        if version is not None and (isinstance(version, bool) or not isinstance(version, int)):
            raise Invalid(f"cells[{i}].version: expected a whole number", field="cells")
        edits.append(CellEdit(plan, field, value, version))
    return edits


@bp.post("/paste")
@require("annual_plans.edit")
@on_refusal(_refused_status)
def paste():
    """Each pasted cell saved as if typed, alone; the rows come back with refusals on their cells."""
    results = paste_cells(db.session, actor(), _pasted_cells())
    db.session.commit()
    errors: dict[int, dict[str, str]] = {}
    for result in results:
        if result.error:
            errors.setdefault(result.edit.plan_id, {})[result.edit.field] = f"“{result.edit.raw}”: {result.error}"
    plans = [p for p in (db.session.get(AnnualPlan, i) for i in dict.fromkeys(r.edit.plan_id for r in results)) if p]
    saved = sum(1 for r in results if not r.error)
    refused = len(results) - saved
    message = f"Pasted {plural(saved, 'cell')}" + (
        f"; {refused} refused (each says why on its cell)" if refused else "") + "."
    return render_rows_oob(plans, errors) + grid_status(message, "error" if refused else "ok"), 422 if refused else 200


@bp.post("/undo")
@require("annual_plans.edit")
@on_refusal(_refused_status)
def undo():
    """Ctrl+Z: your last edit on the grid put back, as a new audited change."""
    plan, field = undo_last_edit(db.session, actor())
    db.session.commit()
    return render_rows_oob([plan]) + grid_status(f"Undone: your last edit of {field_label(field)} on {plan.company}.")


@bp.post("/layout")
@on_refusal(lambda exc: ({"error": str(exc), "field": exc.field}, exc.status))
def save_layout():
    """Hidden columns (`hidden`, a JSON list) and widths (`widths`, a JSON object of pixels)."""
    hidden = _json_form("hidden", list) if "hidden" in request.form else None
    widths = _json_form("widths", dict) if "widths" in request.form else None
    save_grid_layout(db.session, actor().user_id, collaborators.product_keys(), hidden=hidden, widths=widths)
    db.session.commit()
    return "", 204


@bp.post("/sort")
@on_refusal(_refused_status)
def sort():
    """A column header's sort, remembered for the person; the table comes back sorted."""
    descending = request.form.get("descending", "false")
    if descending not in ("true", "false"):
        raise Invalid("descending: must be true or false", field="descending")
    save_grid_layout(db.session, actor().user_id, collaborators.product_keys(), sort=request.form.get("sort", ""),
                     descending=descending == "true")
    db.session.commit()
    return render_table(request.form, "annual_plans/_table.html")


@bp.post("/bulk/load")
@require("annual_plans.edit")
@on_refusal(_refused_status)
def bulk_load():
    """Load from contract for each selected row, each alone: a refused row says why in its row."""
    ids = plan_ids(request.form.getlist("id"))
    row_errors: dict[int, str] = {}  # shown in the row; a contract that could not be read shows its own
    failed = set()
    for plan_id in ids:
        try:
            with db.session.begin_nested():
                result = load_plan(db.session, actor(), plan_id, collaborators.contract_source(),
                                   collaborators.contract_mapping(), collaborators.own_email_domains())
            if result.error:
                failed.add(plan_id)
            elif result.conflicts:
                failed.add(plan_id)
                row_errors[plan_id] = (f"the contract differs from {len(result.conflicts)} of your edits: "
                                       "open Details to choose")
        except Refusal as refused:
            failed.add(plan_id)
            row_errors[plan_id] = str(refused)
    db.session.commit()
    plans = [p for p in (db.session.get(AnnualPlan, i) for i in ids) if p]
    missing = sorted(set(ids) - {p.id for p in plans})
    message = f"Loaded {len(ids) - len(failed)} of {len(ids)} selected row{'s' if len(ids) != 1 else ''} from the contract"
    if failed:
        message += f"; {len(failed)} not loaded" + (" (each row says why)" if len(failed) > len(missing) else "")
    if missing:
        message += f"; no row {', '.join(map(str, missing))}"
    return render_rows_oob(plans, row_errors=row_errors) + grid_status(message + ".", "error" if failed else "ok")
