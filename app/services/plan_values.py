"""Reading and writing a row's values by field name (`start_date`, `line.sr.volume`)."""
from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified

from app.billing.plan_fields import LINE_FIELDS, ROW_VALUE_FIELDS, split_field
from app.models import AnnualPlan, AnnualPlanLine
from app.timeutil import utcnow


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
