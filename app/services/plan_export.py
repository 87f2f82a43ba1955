"""A row as the JSON export (`/annual-plans/<id>.json`, `show --json`) and as CSV."""
from __future__ import annotations

import csv
import io

from app.billing.plan_fields import plain
from app.formatting import spreadsheet_row
from app.models import AnnualPlan


def plan_as_dict(plan: AnnualPlan) -> dict:
    return {
        "id": plan.id,
        "document_id": plan.document_id,
        "name": plan.name,
        "stage": plan.stage,
        "company": plan.company,
        "contact_email": plan.contact_email,
        "contact_candidates": list(plan.contact_candidates or []),
        "stripe_customer_id": plan.stripe_customer_id,
        "start_date": plan.start_date.isoformat() if plan.start_date else None,
        "term_months": plan.term_months,
        "payment_terms_days": plan.payment_terms_days,
        "credit_discount_percent": None if plan.credit_discount_percent is None else plain(plan.credit_discount_percent),
        "organization_ids": list(plan.organization_ids or []),
        "payment_schedule": plan.payment_schedule,
        "lines": [
            {
                "product_key": ln.product_key,
                "included": ln.included,
                "volume": ln.volume,
                "upfront_amount_cents": ln.upfront_amount_cents,
                "overage": ln.overage,
                "overage_unit_amount_decimal": None if ln.overage_unit_amount_decimal is None
                else plain(ln.overage_unit_amount_decimal),
                "price_id": ln.price_id,
            }
            for ln in plan.lines
        ],
        "warnings": [{"field": w.field, "message": w.message, "raw": w.raw} for w in plan.open_warnings],
        "invoice_id": plan.invoice_id,
        "subscription_schedule_id": plan.subscription_schedule_id,
        "subscription_id": plan.subscription_id,
        "credits_customer_id": plan.credits_customer_id,
        "credits_schedule_id": plan.credits_schedule_id,
        "load_error": plan.load_error or None,
        "version": plan.version,
    }


ROW_COLUMNS = ("id", "document_id", "stage", "company", "contact_email", "stripe_customer_id", "start_date",
               "term_months", "payment_terms_days", "credit_discount_percent", "organization_ids", "payment_schedule", "invoice_id",
               "subscription_schedule_id", "subscription_id", "version")
LINE_COLUMNS = ("included", "volume", "upfront_amount_cents", "overage", "overage_unit_amount_decimal", "price_id")


def plans_as_csv(plans: list[AnnualPlan], product_keys: list[str]) -> str:
    """One row per contract, one column group per product; money in cents as in the JSON; cells
    that a spreadsheet could run as a formula are written as text (app/formatting.py)."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = list(ROW_COLUMNS) + [f"{p}.{c}" for p in product_keys for c in LINE_COLUMNS] + ["open_warnings"]
    writer.writerow(spreadsheet_row(header))
    for plan in plans:
        data = plan_as_dict(plan)
        lines = {ln["product_key"]: ln for ln in data["lines"]}
        row = [data[c] for c in ROW_COLUMNS]
        for product in product_keys:
            row += [lines.get(product, {}).get(c) for c in LINE_COLUMNS]
        row.append(len(data["warnings"]))
        writer.writerow(spreadsheet_row(row))
    return out.getvalue()
