"""What a customer's page shows: our record, its Stripe snapshot, and a few live Stripe reads.

The live reads (coupons to choose from, other prices of a product, the upcoming invoice, the
usage reconciliation) each fail alone: their section says what Stripe answered, the page
still draws. The upcoming invoice and the reconciliation are fetched after the page, so a slow
preview never delays it.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.customer_snapshot import live_subscription
from app.billing.features import available_features, effective_plans
from app.billing.plan_prices import plan_prices
from app.billing.stripe_requests import is_credit_discount_coupon
from app.billing.subscription_changes import price_choices
from app.billing.usage_caps import limit_rows
from app.gateways.stripe import StripeGatewayError
from app.models import CONFIGURATIONS, AuditEntry, Customer
from app.services.configuration_report import customer_mismatches
from app.services.credit_discount import discount_section
from app.services.customer_details import details_section
from app.services.customer_stripe import USAGE_WARNING
from app.services.customers import load_customer
from app.services.organisations import unbilled_reason
from app.services.startup_plans import startup_balance
from app.services.upcoming_invoice import preview_upcoming_invoice
from app.services.usage_reconcile import reconcile_customer_period

LATER = ("upcoming", "usage")  # fetched by the page once it is shown


def customer_page(session, gateway, catalog: Catalog, customer_id: int, sections, today: date) -> dict:
    """The page's context for `sections` (names in SECTIONS); NotFound for an unknown customer."""
    customer = load_customer(session, customer_id)
    context = {"customer": customer, "catalog": catalog, "snapshot": customer.stripe_snapshot or {},
               "effective_plans": effective_plans(catalog, customer.plans_map or {}),
               "live_subscription": live_subscription(customer.stripe_snapshot)}
    for name in sections:
        context |= SECTIONS[name](session, gateway, catalog, customer, today)
    return context


def page_sections() -> list[str]:
    return [name for name in SECTIONS if name not in LATER]


def _entitlements(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"entitlements": available_features(catalog, customer.plans_map or {}, customer.free_trial_until, today)}


def _plans(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"plan_prices": plan_prices(catalog)}


def _caps(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"caps": limit_rows(catalog, customer.billing_limits, customer.stripe_snapshot)}


def _read(call, fallback):
    """A live Stripe read for one section: (its result, None) or (fallback, Stripe's words)."""
    try:
        return call(), None
    except StripeGatewayError as exc:
        return fallback, str(exc)


def _coupons(session, gateway, catalog, customer: Customer, today: date) -> dict:
    coupons, error = _read(gateway.list_coupons, [])
    return {"coupons": [c for c in coupons if c.get("valid", True) and not is_credit_discount_coupon(c["id"])],
            "coupons_error": error,
            "subscription": live_subscription(customer.stripe_snapshot)}


def _prices(session, gateway, catalog, customer: Customer, today: date) -> dict:
    """Each live item with the prices of its product it may change to (the choices for Change price)."""
    sub, rows, error = live_subscription(customer.stripe_snapshot), [], None
    for item in (sub or {}).get("items", []):
        prices, error = _read(lambda i=item: gateway.product_prices(i["price"]["product"]), [])
        rows.append({"item": item, "choices": price_choices(item["price"], prices)})
    return {"price_rows": rows, "prices_error": error, "usage_warning": USAGE_WARNING, "subscription": sub}


def _upcoming(session, gateway, catalog, customer: Customer, today: date) -> dict:
    """The upcoming invoice as Stripe previews it, this period's usage grouped by meter."""
    sub = live_subscription(customer.stripe_snapshot)
    if sub is None:
        return {"preview": None, "preview_error": None}
    preview, error = _read(lambda: preview_upcoming_invoice(session, gateway, catalog, sub["id"]), None)
    return {"preview": preview, "preview_error": error}


def _usage(session, gateway, catalog, customer: Customer, today: date) -> dict:
    """Our sent meter events against Stripe's summaries for the current period."""
    if not (customer.subscription_id and customer.stripe_customer_id):
        return {"reconciled": None, "reconcile_error": None, "period": None}
    found, error = _read(lambda: reconcile_customer_period(session, gateway, catalog, customer), None)
    return {"reconciled": found[2] if found else [], "reconcile_error": error,
            "period": (found[0], found[1]) if found else None}


def _audit(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"audit": session.scalars(select(AuditEntry).where(
        AuditEntry.object_type == "customer", AuditEntry.object_id == str(customer.id))
        .order_by(AuditEntry.id.desc()).limit(50)).all()}


def _organisations(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"unbilled": unbilled_reason(session, customer, today)}


def _startup(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"preview": None, "startup_error": None} | startup_balance(gateway, customer)


def _configuration(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {"mismatches": customer_mismatches(session, customer), "configurations": CONFIGURATIONS}


def _revenue(session, gateway, catalog, customer: Customer, today: date) -> dict:
    from app.services.revenue_report import customer_history, latest_month

    return {"revenue_history": customer_history(session, customer.id, latest_month(session, today))}


def _nothing(session, gateway, catalog, customer: Customer, today: date) -> dict:
    return {}


SECTIONS = {
    "organisations": _organisations, "startup": _startup, "plans": _plans, "trial": _entitlements, "limits": _caps,
    "coupon": _coupons, "price": _prices,
    "features": _entitlements, "caps": _caps, "stripe": _nothing, "upcoming": _upcoming, "audit": _audit,
    "configuration": _configuration, "usage": _usage,
    "details": details_section,
    "discount": discount_section,
    "revenue": _revenue,
}
