"""What every Annual Plan view needs: the row context, a row with a refusal in place, the actor."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from app import collaborators
from app.billing.contract_result import due_date
from app.billing.instalments import pays_in_instalments
from app.billing.plan_fields import (
    display,
    dollars,
    edit_text,
    field_label,
    format_cell,
    value_from_json,
)
from app.billing.plan_grid import (
    FIXED_COLUMNS,
    ROW_COLUMNS,
    SORTABLE,
    TAIL_COLUMNS,
    hideable_columns,
)
from app.billing.plan_stages import BUTTONS, button_blocker, readiness_blockers
from app.billing.write_plan_words import loaded_sentence
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.cell_html import display_cell, display_cells
from app.extensions import db
from app.models import AnnualPlan, AuditEntry
from app.refusals import Invalid, Refusal, Stale
from app.services.audit import Actor
from app.services.grid_preferences import GridLayout, grid_layout
from app.services.plan_values import current_values, get_value


def actor() -> Actor:
    return Actor.of(current_user)


def field_id(name: str) -> str:
    return name.replace(".", "-")


def can_edit(plan: AnnualPlan) -> bool:
    from app.auth import can
    from app.billing.plan_stages import EDITABLE_STAGES

    return can("annual_plans.edit") and plan.stage in EDITABLE_STAGES


def plan_row(plan: AnnualPlan, cell_errors: dict | None = None) -> dict:
    """Per-row facts the templates need, computed once per row (the grid draws ~40 cells a row)."""
    blockers = readiness_blockers(plan) if plan.stage in ("loaded", "ready") else []
    warnings: dict[str, list] = {}
    for warning in plan.open_warnings:
        warnings.setdefault(warning.field, []).append(warning)
    return {"buttons": [(b, button_blocker(b, plan.stage, blockers, pays_in_instalments(plan))) for b in BUTTONS],
            "blockers": blockers, "editable": can_edit(plan), "values": current_values(plan),
            "warnings": warnings, "base": url_for("annual_plans.show", plan_id=plan.id),
            "line_fields": line_fields(), "errors": cell_errors or {}}


def line_fields() -> list[str]:
    from app.billing.plan_fields import LINE_FIELDS

    return [f"line.{p}.{c}" for p in collaborators.product_keys() for c in LINE_FIELDS]


def contract_year(plan: AnnualPlan) -> str:
    """The contract year the row is in today ("year 2 of 3"), for terms longer than a year."""
    from app.billing.contract_years import year_label
    from app.timeutil import utcnow

    return year_label(plan.start_date, plan.term_months, utcnow().date()) if (plan.term_months or 0) > 12 else ""


def product_names() -> dict[str, str]:
    return {key: product.name for key, product in collaborators.catalog().products.items()}


def label_of_field(name: str) -> str:
    """`field_label` with the catalog's product names: what pages show for a field."""
    return field_label(name, product_names())


def row_context(plan: AnnualPlan) -> dict:
    return {"plan": plan, "products": collaborators.product_keys(), "hidden": grid_layout_for_user().hidden}


def grid_layout_for_user() -> GridLayout:
    """The signed-in person's layout of the grid (after the first row, from the session's identity map)."""
    return grid_layout(db.session, getattr(current_user, "id", None))


# Globals rather than a context processor, so imported macros see them too.
bp.record_once(lambda state: state.app.jinja_env.globals.update(
    plan_row=plan_row, format_cell=format_cell, edit_text=edit_text, field_id=field_id, get_value=get_value,
    dollars=dollars, display=display, due_date=due_date, own_domains=collaborators.own_email_domains,
    display_cell=display_cell, display_cells=display_cells, contract_year=contract_year, field_label=label_of_field,
    grid_header=lambda layout: grid_header(layout)))


def render_row(plan: AnnualPlan, status: int = 200, editing: str | None = None,
               error: str | None = None, typed: str | None = None):
    html = render_template("annual_plans/_row.html", editing=editing, error=error, typed=typed, **row_context(plan))
    return html, status


def render_rows_oob(plans, cell_errors: dict | None = None, row_errors: dict | None = None) -> Markup:
    """Rows swapped in place by id (htmx out-of-band), each with its refused cells' or its own message."""
    cell_errors, row_errors = cell_errors or {}, row_errors or {}
    return Markup("").join(Markup(render_template("annual_plans/_row.html", editing=None, error=row_errors.get(plan.id),
                                                  typed=None,
                                                  oob=True, cell_errors=cell_errors.get(plan.id),
                                                  **row_context(plan))) for plan in plans)


def version_arg() -> int | None:
    raw = request.form.get("version") or request.args.get("version")
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError:
        abort(422, description="version must be a whole number")


MAX_SELECTED = 1000


def plan_ids(raw_ids: list[str]) -> list[int]:
    """Row ids a person selected on the grid (`id=3&id=7`), or 422 naming the bad one."""
    if len(raw_ids) > MAX_SELECTED:
        raise Invalid(f"at most {MAX_SELECTED} rows at once ({len(raw_ids)} selected)", field="id")
    ids = []
    for raw in raw_ids:
        if not raw.strip().isdigit():
            raise Invalid(f"id: '{raw}' is not a row number", field="id")
        ids.append(int(raw))
    if not ids:
        raise Invalid("select at least one row", field="id")
    return ids


OTHER = "__other__"  # the contact picker's "type an address" choice


def typed_value() -> str:
    """What the person typed into a cell's editor."""
    raw = request.form.get("value", "")
    return request.form.get("other", "") if raw == OTHER else raw


def row_refused(exc: Refusal, plan_id: int, field: str | None = None):
    """The row again with the message in place: a refused edit keeps its editor and what was typed,
    a stale one shows the current value."""
    plan = db.get_or_404(AnnualPlan, plan_id)
    typed = None if isinstance(exc, Stale) or field is None else typed_value()
    return render_template("annual_plans/_row.html", editing=field, error=str(exc), typed=typed,
                           **row_context(plan))


def show_context(plan: AnnualPlan) -> dict:
    """The row's page: everything on the grid, plus its audit trail and contract differences."""
    audit = db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.object_type == "annual_plan", AuditEntry.object_id == str(plan.id))
        .order_by(AuditEntry.id.desc()).limit(50)).all()
    provenance = {p.field: p for p in plan.provenance}
    from app.services.rehearsal_runs import last_rehearsal
    from app.services.renewals import years_of

    loaded = loaded_sentence(plan, product_names(), getattr(plan, "currency", None) or collaborators.catalog().currency)
    return {"audit": audit, "conflicts": contract_conflicts(plan), "provenance": provenance,
            "loaded": loaded if plan.provenance else "",
            "contract_years": years_of(db.session, plan.id), "rehearsal": last_rehearsal(db.session, plan.id),
            "job": None,
            "editing": None, "error": None, "typed": None, "layout": grid_layout_for_user(), **row_context(plan)}


def contract_conflicts(plan: AnnualPlan) -> list[tuple[str, str, str]]:
    """Fields a person edited that the last re-load found different and still differ: (field, current, contract).
    An edit alone shows nothing here: only a re-load says what the contract holds now."""
    contract = plan.contract_values or {}
    found = []
    for name in [f for f in plan.reload_differences or [] if f in (plan.edited_fields or [])]:
        if name in contract:
            theirs = display(value_from_json(name, contract[name]))
            ours = display(get_value(plan, name))
            if theirs != ours:
                found.append((name, ours, theirs))
    return found


COLUMN_LABELS = {"select": "", "company": "Company", "stage": "Stage", "actions": "Actions", "warnings": "Warnings",
                 "contact_email": "Contact", "stripe_customer_id": "Stripe customer", "organization_ids": "Organisations",
                 "start_date": "Start", "term_months": "Term", "payment_terms_days": "Terms",
                 "credit_discount_percent": "Discount", "payment_schedule": "Payment schedule",
                 "upfront_total": "Up-front total", "due": "Due",
                 "invoice_id": "Invoice", "subscription_schedule_id": "Schedule", "subscription_id": "Subscription"}
LINE_LABELS = {"included": "Incl.", "volume": "Volume", "upfront_amount_cents": "Up-front", "overage": "Overage",
               "overage_unit_amount_decimal": "Rate per unit"}


def column_label(key: str) -> str:
    if key.startswith("line."):
        _, product, column = key.split(".")
        return f"{product.replace('_', ' ').capitalize()}: {LINE_LABELS[column]}"
    return COLUMN_LABELS[key]


def grid_header(layout: GridLayout) -> dict:
    """The table head for this person's layout: the column groups with their spans, each visible
    column with its label and sort state, and every hideable column for the Columns menu."""
    hidden, products = set(layout.hidden), collaborators.product_keys()
    lead = [*FIXED_COLUMNS, *(c for c in ROW_COLUMNS if c not in hidden)]
    groups = [("Contract", len(lead), "")]
    columns = [(c, "") for c in lead]
    for product in products:
        keys = [k for k in line_fields() if k.split(".")[1] == product and k not in hidden]
        if keys:
            groups.append((product.replace("_", " ").capitalize(), len(keys), "product-group"))
            columns += [(k, "product-start" if i == 0 else "") for i, k in enumerate(keys)]
    tail = [c for c in TAIL_COLUMNS if c not in hidden]
    if tail:
        groups.append(("Made in Stripe", len(tail), ""))
        columns += [(c, "") for c in tail]

    def head(key, extra):
        label = LINE_LABELS[key.rsplit(".", 1)[1]] if key.startswith("line.") else COLUMN_LABELS[key]
        sort = None
        if key in SORTABLE:
            sort = "descending" if layout.sort == key and layout.descending else (
                "ascending" if layout.sort == key else "none")
        return {"key": key, "label": label, "title": column_label(key), "sort": sort, "class": extra}

    return {"groups": groups, "columns": [head(k, extra) for k, extra in columns],
            "hideable": [(k, column_label(k), k in hidden) for k in hideable_columns(products)],
            "widths": layout.widths, "span": len(columns)}
