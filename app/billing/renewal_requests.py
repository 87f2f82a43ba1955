"""The Stripe parameters of a later contract year: its up-front invoice (amortization metadata
included, so revenue spreads it over its own months), its lines, and its credit grant.

Year one keeps the parameters of app/billing/stripe_requests.py (the buttons); the shapes match,
so the revenue snapshot reads every year alike (`amortize`, `amortize_start`, `amortize_end`,
`amortize_months`).
"""
from __future__ import annotations

from app.billing.contract_result import due_date
from app.billing.contract_years import Period
from app.billing.stripe_requests import monthly_split, unix


def period_due(plan, period: Period):
    return due_date(period.starts_on, plan.payment_terms_days)


def period_amortization(period: Period, cents_by_product: dict[str, int]) -> dict:
    meta = {"amortize": "true", "amortize_start": period.starts_on.isoformat(),
            "amortize_end": period.ends_on.isoformat(), "amortize_months": str(period.months)}
    for product_key, cents in cents_by_product.items():
        base, remainder = monthly_split(cents, period.months)
        meta[f"monthly_cents_{product_key}"[:40]] = str(base)
        if remainder:
            meta[f"monthly_extra_{product_key}"[:40]] = f"{remainder} first month(s) +1"
    return meta


def year_invoice_params(plan, period: Period, cents_by_product: dict[str, int], key: str) -> dict:
    return {
        "customer": plan.stripe_customer_id,
        "currency": plan.currency,
        "collection_method": "send_invoice",
        "due_date": unix(period_due(plan, period)),
        "auto_advance": False,
        "pending_invoice_items_behavior": "exclude",
        "discounts": "",  # the up-front fee is never reduced by a customer discount
        "description": f"{plan.company}: annual plan, contract year {period.number} from {period.starts_on.isoformat()}",
        "metadata": {"annual_plan_id": str(plan.id), "document_id": plan.document_id,
                     "contract_year": str(period.number), "annual_plan_step": key,
                     **period_amortization(period, cents_by_product)},
    }


def year_line(plan, period: Period, product_key: str, cents: int, product_id: str, product_name: str,
              currency: str, key: str) -> dict:
    what = "pro-rata fee" if period.pro_rata else "up-front annual fee"
    return {
        "price_data": {"currency": currency, "product": product_id, "unit_amount": cents},
        "period": {"start": unix(period.starts_on), "end": unix(period.ends_on)},
        "description": f"{product_name}: {what}, contract year {period.number}",
        "metadata": {"annual_plan_id": str(plan.id), "product_key": product_key, "contract_year": str(period.number),
                     "annual_plan_step": f"{key}.{product_key}"},
    }


def year_credit_grant_params(plan, period: Period, invoice: dict, now_unix: int) -> dict:
    """The year's paid fee as a billing credit on metered prices, expiring when its year ends."""
    return {"customer": plan.stripe_customer_id, "name": f"{plan.company}: prepaid credit, contract year {period.number}",
            "category": "paid", "amount": {"type": "monetary", "monetary": {
                "currency": invoice.get("currency", "usd"), "value": invoice["amount_paid"]}},
            "applicability_config": {"scope": {"price_type": "metered"}},
            "effective_at": max(unix(period.starts_on), now_unix),
            "expires_at": unix(period.ends_on),
            "metadata": {"annual_plan_id": str(plan.id), "invoice_id": invoice["id"],
                         "contract_year": str(period.number)}}
