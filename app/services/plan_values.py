"""Fetching a row for a change, and reading and writing its values by field name (`line.sr.volume`)."""
from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified

from app.billing.plan_fields import LINE_FIELDS, ROW_VALUE_FIELDS, split_field
from app.billing.plan_stages import EDITABLE_STAGES
from app.models import AnnualPlan, AnnualPlanLine
from app.refusals import Invalid, NotFound, Stale
from app.timeutil import utcnow


def get_plan(session, plan_id: int, expected_version: int | None = None, editable: bool = False) -> AnnualPlan:
    """The row, or the refusal a person can act on: not found, changed since shown, no longer editable."""
    plan = session.get(AnnualPlan, plan_id)
    if plan is None:
        raise NotFound(f"no annual plan row {plan_id}")
    if expected_version is not None and expected_version != plan.version:
        raise Stale(f"row {plan.id} was changed by someone else (now version {plan.version}); "
                    "the current values are shown, nothing was overwritten")
    if editable and plan.stage not in EDITABLE_STAGES:
        raise Invalid(f"row {plan.id} is {plan.stage}: its values are fixed once Stripe objects exist")
    return plan


def get_value(plan: AnnualPlan, name: str):
    product, column = split_field(name)
    if product is None:
        return getattr(plan, column)
    line = plan.line(product)
    return None if line is None else getattr(line, column)


def set_value(plan: AnnualPlan, name: str, value) -> None:
    product, column = split_field(name)
    if product is None:
        setattr(plan, column, value)
        return
    line = plan.line(product) or add_line(plan, product)
    setattr(line, column, value)


def add_line(plan: AnnualPlan, product_key: str) -> AnnualPlanLine:
    line = AnnualPlanLine(product_key=product_key, position=len(plan.lines), included=False)
    plan.lines.append(line)
    return line


def current_values(plan: AnnualPlan) -> dict:
    values = {name: getattr(plan, name) for name in ROW_VALUE_FIELDS}
    for line in plan.lines:
        for column in LINE_FIELDS:
            values[f"line.{line.product_key}.{column}"] = getattr(line, column)
    return values


def touch(plan: AnnualPlan) -> None:
    """Any change to a row or its lines bumps the row's version (optimistic locking)."""
    plan.updated_at = utcnow()
    flag_modified(plan, "updated_at")  # an UPDATE even when the clock is frozen
