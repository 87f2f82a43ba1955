"""A person's edits to a row: one field at a time, validated, versioned and audited."""
from __future__ import annotations

from app.billing.plan_fields import ROW_FIELDS, display, line_field_spec, split_field, value_to_json
from app.billing.plan_stages import other_currency, readiness_blockers, stage_after_edit
from app.models import AnnualPlan
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.organisations import refuse_held_elsewhere
from app.services.plan_values import get_plan, get_value, set_value, touch
from app.timeutil import utcnow

# Stripe ids are set by picking or creating a customer; warnings don't apply to them.
NOT_CONTRACT_FIELDS = {"stripe_customer_id"}


def parse_field(name: str, raw: str, money_in: str = "dollars"):
    """The value a person's text means for field `name`, or Invalid saying why not."""
    try:
        product, column = split_field(name)
    except KeyError:
        raise Invalid(f"unknown field '{name}'") from None
    spec = ROW_FIELDS[column] if product is None else line_field_spec(column, money_in)
    parsed = spec.parse(raw)
    if not parsed.ok:
        raise Invalid(f"{spec.label}: {parsed.warning}")
    return parsed.value


def update_field(session, actor: Actor, plan_id: int, name: str, raw: str,
                 expected_version: int | None, money_in: str = "dollars") -> AnnualPlan:
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    value = parse_field(name, raw, money_in)
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
    record_audit(session, actor, "annual_plan.field_updated", "annual_plan", plan.id,
                 before={name: value_to_json(before)}, after={name: value_to_json(value)},
                 note=f"resolved {resolved} warning(s)" if resolved else "")
    session.flush()
    return plan


def confirm_warning(session, actor: Actor, plan_id: int, name: str, expected_version: int | None = None) -> AnnualPlan:
    """A person accepts the value as it stands; recorded, so the decision has an owner."""
    plan = get_plan(session, plan_id, expected_version=expected_version, editable=True)
    open_ = plan.warnings_for(name)
    if name == "currency" and open_:
        raise Invalid(f"the contract is in {other_currency(plan) or open_[0].raw}: contracts in other currencies "
                      "are not supported yet, so this warning cannot be confirmed and the row cannot be billed")
    if name == "payment_schedule" and open_:
        raise Invalid(f"the contract's payment schedule {open_[0].raw!r} is not one the template knows, so this warning "
                      "cannot be confirmed: set the Payment schedule cell to one it knows", field=name)
    if not open_:
        raise Invalid(f"row {plan.id} has no open warning on '{name}'")
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


def _safe_value(plan: AnnualPlan, name: str):
    try:
        return get_value(plan, name)
    except KeyError:
        return None  # document-level warnings (currency, grand_total) have no cell


def current_display(plan: AnnualPlan, name: str) -> str:
    return display(_safe_value(plan, name))
