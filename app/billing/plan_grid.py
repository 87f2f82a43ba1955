"""The Annual Plan Table's columns: their keys, which a person may hide or sort, and sane widths.

Keys are the cells' field names where the column is a field (`start_date`,
`line.session_replay.volume`); the others name what the column shows (`stage`, `due`).
"""
from __future__ import annotations

from app.billing.plan_fields import LINE_FIELDS

# Always shown: the row's checkbox and its name (the sticky column).
FIXED_COLUMNS = ("select", "company")
ROW_COLUMNS = ("stage", "actions", "warnings", "contact_email", "stripe_customer_id", "organization_ids",
               "start_date", "term_months", "payment_terms_days", "credit_discount_percent", "payment_schedule",
               "upfront_total", "due")
TAIL_COLUMNS = ("invoice_id", "subscription_schedule_id", "subscription_id")
# Sorted by the database; the line columns live in another table and are not sortable.
SORTABLE = ("company", "stage", "contact_email", "stripe_customer_id", "start_date", "term_months",
            "payment_terms_days", "credit_discount_percent", "payment_schedule", "invoice_id", "id")
MIN_WIDTH, MAX_WIDTH = 40, 1000


def hideable_columns(product_keys) -> list[str]:
    return [*ROW_COLUMNS, *(f"line.{p}.{c}" for p in product_keys for c in LINE_FIELDS), *TAIL_COLUMNS]


def check_hidden(keys, product_keys) -> list[str]:
    """The hidden columns, or ValueError naming the first unknown key."""
    known = set(hideable_columns(product_keys))
    for key in keys:
        if key not in known:
            raise ValueError(f"no column '{key}' can be hidden")
    return sorted(set(keys), key=hideable_columns(product_keys).index)


def check_widths(widths: dict, product_keys) -> dict[str, int]:
    """Pixel widths per column, or ValueError saying which one is wrong."""
    known = set(hideable_columns(product_keys)) | set(FIXED_COLUMNS)
    checked = {}
    for key, width in widths.items():
        if key not in known:
            raise ValueError(f"no column '{key}'")
        if isinstance(width, bool) or not isinstance(width, int) or not MIN_WIDTH <= width <= MAX_WIDTH:
            raise ValueError(f"the width of '{key}' must be a whole number of pixels from {MIN_WIDTH} to {MAX_WIDTH}")
        checked[key] = width
    return checked
