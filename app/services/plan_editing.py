"""A person's edits to a row: one field at a time, validated, versioned and audited."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.billing.plan_fields import (
    ROW_FIELDS,
    display,
    field_label,
    line_field_spec,
    split_field,
    value_from_json,
    value_to_json,
)
from app.billing.plan_stages import (
    other_currency,
    readiness_blockers,
    stage_after_edit,
    unsupported_currency_reason,
)
from app.formatting import plural
from app.models import AnnualPlan, AuditEntry
from app.refusals import Invalid, Refusal, Stale
from app.services.audit import Actor, record_audit
from app.services.organisations import refuse_held_elsewhere
from app.services.plan_values import get_plan, get_value, set_value, touch
from app.timeutil import utcnow

# Stripe ids are set by picking or creating a customer; warnings don't apply to them.
NOT_CONTRACT_FIELDS = {"stripe_customer_id"}


def parse_field(name: str, raw: str, money_in: str = "dollars", currency: str = "usd"):
    """The value a person's text means for field `name` (money in the row's `currency`), or Invalid saying why not."""
    try:
        product, column = split_field(name)
    except KeyError:
        raise Invalid(f"unknown field '{name}'") from None
    spec = ROW_FIELDS[column] if product is None else line_field_spec(column, money_in, currency)
    parsed = spec.parse(raw)
    if not parsed.ok:
        raise Invalid(f"{field_label(name)}: {parsed.warning}")
    return parsed.value


def update_field(session, actor: Actor, plan_id: int, name: str, raw: str,
                 expected_version: int | None, money_in: str = "dollars") -> AnnualPlan:
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    value = parse_field(name, raw, money_in, plan.currency)
    _set_field(session, actor, plan, name, value, "annual_plan.field_updated")
    return plan


def _set_field(session, actor: Actor, plan: AnnualPlan, name: str, value, action: str, note: str = "") -> None:
    """Write one checked value, resolve its warnings, move the stage, bump the version, audit."""
    _check_line_exists(plan, name)
    if name == "organization_ids":
        refuse_held_elsewhere(session, value, plan.stripe_customer_id)
    before = get_value(plan, name)
    set_value(plan, name, value)
    if name not in NOT_CONTRACT_FIELDS and name not in plan.edited_fields:
        plan.edited_fields = [*plan.edited_fields, name]
    resolved = _resolve(plan, name, actor, "edited")
    plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
    touch(plan)
    notes = [note] if note else []
    if resolved:
        notes.append(f"resolved {plural(resolved, 'warning')}")
    record_audit(session, actor, action, "annual_plan", plan.id,
                 before={name: value_to_json(before)}, after={name: value_to_json(value)}, note="; ".join(notes))
    session.flush()


@dataclass(frozen=True)
class CellEdit:
    """One pasted cell: the row, the field, the text as typed, the row version the person saw."""

    plan_id: int
    field: str
    raw: str
    version: int | None


@dataclass(frozen=True)
class CellResult:
    edit: CellEdit
    error: str | None = None


def paste_cells(session, actor: Actor, edits: list[CellEdit]) -> list[CellResult]:
    """Save each pasted cell as if typed (same parser, version check and audit entry), each alone:
    a refused cell rolls back to its savepoint and keeps its reason; the others are saved.

    Cells of one row share the version the person saw: once this paste saved a cell of the row,
    the next is checked against the version that save left."""
    versions: dict[int, int | None] = {}
    results = []
    for edit in edits:
        expected = versions.get(edit.plan_id, edit.version)
        try:
            with session.begin_nested():
                plan = update_field(session, actor, edit.plan_id, edit.field, edit.raw, expected)
                session.flush()
            versions[edit.plan_id] = plan.version
            results.append(CellResult(edit))
        except Refusal as refused:
            results.append(CellResult(edit, str(refused)))
    return results


EDIT_ACTIONS = ("annual_plan.field_updated", "annual_plan.edit_undone")
UNDO_LOOKBACK = 500


def last_undoable_edit(session, actor: Actor) -> AuditEntry | None:
    """The person's newest cell edit not yet undone: each undo entry cancels the edit before it,
    so pressing undo again walks further back, like a spreadsheet's undo stack."""
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.actor_id == actor.user_id, AuditEntry.object_type == "annual_plan",
        AuditEntry.action.in_(EDIT_ACTIONS)).order_by(AuditEntry.id.desc()).limit(UNDO_LOOKBACK)).all()
    undone = 0
    for entry in entries:
        if entry.action == "annual_plan.edit_undone":
            undone += 1
        elif undone:
            undone -= 1
        else:
            return entry
    return None


def undo_last_edit(session, actor: Actor) -> tuple[AnnualPlan, str]:
    """Put back the value the person's last edit replaced, as a new audited change.

    Refused, changing nothing, when the cell no longer holds what that edit wrote (someone, or
    the contract, changed it since) or the row left the editable stages."""
    if actor.user_id is None:
        raise Invalid("only a signed-in person's edits can be undone")
    entry = last_undoable_edit(session, actor)
    if entry is None:
        raise Invalid("nothing to undo: you have made no edit on the grid that is not undone already")
    (name, wrote), = entry.after.items()
    plan = get_plan(session, int(entry.object_id), editable=True)
    now = value_to_json(_safe_value(plan, name))
    if now != wrote:
        raise Stale(f"not undone: {_label(name)} on {plan.company} was changed since your edit "
                    f"(it now reads \u201c{display(_safe_value(plan, name))}\u201d); nothing was changed")
    previous = value_from_json(name, entry.before[name])
    _set_field(session, actor, plan, name, previous, "annual_plan.edit_undone", note=f"undoes audit entry #{entry.id}")
    return plan, name


def confirm_warning(session, actor: Actor, plan_id: int, name: str, expected_version: int | None = None) -> AnnualPlan:
    """A person accepts the value as it stands; recorded, so the decision has an owner."""
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    open_ = plan.warnings_for(name)
    if name == "currency" and open_:
        raise Invalid(unsupported_currency_reason(other_currency(plan) or open_[0].raw)
                      + "; this warning cannot be confirmed")
    if name == "payment_schedule" and open_:
        raise Invalid(f"the contract's payment schedule {open_[0].raw!r} is not one the template knows, so this warning "
                      "cannot be confirmed: set the Payment schedule cell to one it knows", field=name)
    if not open_:
        raise Invalid(f"row {plan.id} has no open warning on {field_label(name)}")
    _resolve(plan, name, actor, "confirmed")
    plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
    touch(plan)
    record_audit(session, actor, "annual_plan.warning_confirmed", "annual_plan", plan.id,
                 before={"warnings": [{"field": w.field, "message": w.message, "raw": w.raw} for w in open_]},
                 after={name: value_to_json(_safe_value(plan, name))})
    session.flush()
    return plan


def _resolve(plan: AnnualPlan, name: str, actor: Actor, how: str) -> int:
    warnings = plan.warnings_for(name)
    for warning in warnings:
        warning.resolved_at, warning.resolved_by, warning.resolution = utcnow(), actor.label, how
    return len(warnings)


def _check_line_exists(plan: AnnualPlan, name: str) -> None:
    product, _ = split_field(name)
    if product is not None and plan.line(product) is None:
        known = ", ".join(ln.product_key for ln in plan.lines) or "none loaded yet"
        raise Invalid(f"row {plan.id} has no line for product '{product}' (lines: {known})")


def _label(name: str) -> str:
    """"line.session_replay.volume" -> "Session replay volume", for refusals in words."""
    product, column = split_field(name)
    if product is None:
        return ROW_FIELDS[column].label
    return f"{product.replace('_', ' ').capitalize()} {line_field_spec(column).label.lower()}"


def _safe_value(plan: AnnualPlan, name: str):
    try:
        return get_value(plan, name)
    except KeyError:
        return None  # document-level warnings (currency, grand_total) have no cell


def current_display(plan: AnnualPlan, name: str) -> str:
    return display(_safe_value(plan, name))
