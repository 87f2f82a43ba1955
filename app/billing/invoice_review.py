"""The growth team's checklist for a draft up-front invoice: Stripe's copy against the contract."""
from __future__ import annotations

from dataclasses import dataclass

from app.billing.contract_result import due_date
from app.billing.stripe_requests import unix
from app.formatting import money


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool
    detail: str
    fix: str | None = None  # the customer editor that fixes it ("billing-address", "tax-ids")


def review_checks(plan, invoice: dict, expected_total_cents: int, due=None) -> list[Check]:
    """`invoice` is Stripe's invoice with `customer` (and its `tax_ids`) expanded; `due` is a later
    contract year's due date (year one's is the row's start + payment terms)."""
    customer = invoice.get("customer") if isinstance(invoice.get("customer"), dict) else {}
    address = customer.get("address") or {}
    tax_ids = (customer.get("tax_ids") or {}).get("data", [])
    due = due or due_date(plan.start_date, plan.payment_terms_days)
    return [
        Check("Invoice is still a draft", invoice.get("status") == "draft", f"status {invoice.get('status')}"),
        Check("Billing address on the customer", bool(address.get("line1") and address.get("country")),
              ", ".join(v for v in (address.get("line1"), address.get("city"), address.get("postal_code"),
                                    address.get("country")) if v) or "missing", "billing-address"),
        Check("Tax id on the customer, or marked not needed", bool(tax_ids) or plan.tax_id_not_needed,
              ", ".join(t.get("value", "") for t in tax_ids) or ("marked not needed" if plan.tax_id_not_needed else "missing"),
              "tax-ids"),
        Check("Invoice is in the contract's currency", invoice.get("currency") == plan.currency,
              f"Stripe {str(invoice.get('currency')).upper()}, contract {plan.currency.upper()}"),
        Check("Total equals the contract's up-front total", invoice.get("total") == expected_total_cents,
              f"Stripe {money(invoice.get('total'), invoice.get('currency'))}, "
              f"contract {money(expected_total_cents, invoice.get('currency'))}"),
        Check("Due date is start + payment terms", invoice.get("due_date") == unix(due),
              f"contract {due.isoformat()}"),
    ]


def all_pass(checks: list[Check]) -> bool:
    return all(c.ok for c in checks)
