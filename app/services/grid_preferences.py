"""A person's layout of a grid (hidden columns, widths, sort), kept on the server so it follows them.

Display preferences, not billing state: saved without an audit entry."""
from __future__ import annotations

from dataclasses import dataclass, field

from app.billing.plan_grid import SORTABLE, check_hidden, check_widths
from app.models import GridPreference
from app.refusals import Invalid

PLANS_GRID = "annual_plans"


@dataclass(frozen=True)
class GridLayout:
    hidden: tuple[str, ...] = ()
    widths: dict = field(default_factory=dict)
    sort: str = "id"
    descending: bool = True  # newest first until a person picks a column


def grid_layout(session, user_id: int | None, grid: str = PLANS_GRID) -> GridLayout:
    found = session.get(GridPreference, (user_id, grid)) if user_id is not None else None
    if found is None:
        return GridLayout()
    return GridLayout(tuple(found.hidden_columns or ()), dict(found.column_widths or {}),
                      found.sort_column or "id", found.sort_descending if found.sort_column else True)


def save_grid_layout(session, user_id: int, product_keys, *, hidden=None, widths=None, sort: str | None = None,
                     descending: bool = False, grid: str = PLANS_GRID) -> GridLayout:
    """Change what was given, keep the rest; Invalid naming the field for anything unknown."""
    try:
        checked_hidden = None if hidden is None else check_hidden(hidden, product_keys)
    except ValueError as exc:
        raise Invalid(str(exc), field="hidden") from None
    try:
        checked_widths = None if widths is None else check_widths(widths, product_keys)
    except ValueError as exc:
        raise Invalid(str(exc), field="widths") from None
    if sort is not None and sort not in SORTABLE:
        raise Invalid(f"the grid cannot be sorted by '{sort}' (sortable: {', '.join(SORTABLE)})", field="sort")
    row = session.get(GridPreference, (user_id, grid))
    if row is None:
        row = GridPreference(user_id=user_id, grid=grid, hidden_columns=[], column_widths={})
        session.add(row)
    if checked_hidden is not None:
        row.hidden_columns = checked_hidden
    if checked_widths is not None:
        row.column_widths = {**(row.column_widths or {}), **checked_widths}
    if sort is not None:
        row.sort_column, row.sort_descending = sort, descending
    session.flush()
    return grid_layout(session, user_id, grid)
