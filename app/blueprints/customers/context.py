"""What the customer page and its fragments show, computed from our record and its Stripe snapshot."""
from __future__ import annotations

from app import collaborators
from app.billing.customer_snapshot import (
    item_for,
    live_subscription,
    price_tiers,
    subscription_discounts,
)
from app.billing.features import available_features, effective_plans
from app.billing.limits import PriceTier, usage_cap
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.models import AuditEntry, Customer
from app.services.configuration_report import customer_mismatches
from app.services.customer_stripe import USAGE_WARNING
from app.services.upcoming_invoice import preview_upcoming_invoice
from app.timeutil import utcnow


def entitlements(customer: Customer):
    return available_features(collaborators.catalog(), customer.plans_map or {}, customer.free_trial_until, utcnow().date())


def caps(customer: Customer) -> list[dict]:
    """One row per metered product: its limit, the list-price allowance and the usage it caps."""
    catalog, rows = collaborators.catalog(), []
    discounts = subscription_discounts(customer.stripe_snapshot)
    for key, product in catalog.products.items():
        if not product.metered:
            continue
        default = tuple(PriceTier(t.up_to, t.unit_amount_decimal) for t in product.tiers)
        tiers, source = price_tiers(customer.stripe_snapshot, key, default)
        limit = (customer.billing_limits or {}).get(key)
        cap = usage_cap(int(limit), tiers, discounts) if limit is not None else None
        rows.append({"key": key, "product": product, "limit": limit, "cap": cap, "tiers_from": source})
    return rows


def audit_trail(customer: Customer) -> list[AuditEntry]:
    return db.session.scalars(db.select(AuditEntry).where(
        AuditEntry.object_type == "customer", AuditEntry.object_id == str(customer.id))
        .order_by(AuditEntry.id.desc()).limit(50)).all()


def _stripe(call, fallback):
    try:
        return call(), None
    except StripeGatewayError as exc:
        return fallback, str(exc)


def coupon_context(customer: Customer) -> dict:
    coupons, error = _stripe(lambda: collaborators.stripe_gateway().list_coupons(), [])
    sub = live_subscription(customer.stripe_snapshot)
    return {"coupons": [c for c in coupons if c.get("valid", True)], "coupons_error": error, "subscription": sub}


def price_context(customer: Customer) -> dict:
    """Each live item with the other active prices of its product (the choices for Change price)."""
    sub, gateway, rows, error = live_subscription(customer.stripe_snapshot), collaborators.stripe_gateway(), [], None
    for item in (sub or {}).get("items", []):
        prices, error = _stripe(lambda i=item: gateway.product_prices(i["price"]["product"]), [])
        rows.append({"item": item, "choices": [p for p in prices if p["id"] != item["price"]["id"]]})
    return {"price_rows": rows, "prices_error": error, "usage_warning": USAGE_WARNING, "subscription": sub}


def upcoming_context(customer: Customer) -> dict:
    """The upcoming invoice as Stripe previews it, this period's usage grouped by meter."""
    sub = live_subscription(customer.stripe_snapshot)
    if sub is None:
        return {"preview": None, "preview_error": None}
    preview, error = _stripe(lambda: preview_upcoming_invoice(db.session, collaborators.stripe_gateway(), collaborators.catalog(),
                                                              sub["id"]), None)
    return {"preview": preview, "preview_error": error}


def usage_context(customer: Customer) -> dict:
    """Our sent meter events against Stripe's summaries for the current period (item 5 of the usage issue)."""
    from app.services.usage_reconcile import reconcile_customer_period

    if not (customer.subscription_id and customer.stripe_customer_id):
        return {"reconciled": None, "reconcile_error": None, "period": None}
    found, error = _stripe(lambda: reconcile_customer_period(db.session, collaborators.stripe_gateway(), collaborators.catalog(),
                                                              customer), None)
    return {"reconciled": found[2] if found else [], "reconcile_error": error,
            "period": (found[0], found[1]) if found else None}


def base_context(customer: Customer) -> dict:
    catalog = collaborators.catalog()
    return {"customer": customer, "catalog": catalog, "snapshot": customer.stripe_snapshot or {},
            "effective_plans": effective_plans(catalog, customer.plans_map or {}),
            "live_subscription": live_subscription(customer.stripe_snapshot), "item_for": item_for,
            "error": None, "notice": None, "form": {}}


SECTIONS = {
    "plans": lambda c: {}, "trial": lambda c: {"entitlements": entitlements(c)},
    "limits": lambda c: {"caps": caps(c)}, "coupon": coupon_context, "price": price_context,
    "features": lambda c: {"entitlements": entitlements(c)}, "caps": lambda c: {"caps": caps(c)},
    "stripe": lambda c: {}, "upcoming": upcoming_context, "audit": lambda c: {"audit": audit_trail(c)},
    "configuration": lambda c: {"mismatches": customer_mismatches(db.session, c)},
    "usage": usage_context,
}


def fragment_context(customer: Customer, name: str) -> dict:
    return base_context(customer) | SECTIONS[name](customer)


def show_context(customer: Customer) -> dict:
    context = base_context(customer)
    for name, extra in SECTIONS.items():
        if name not in ("upcoming", "usage"):  # loaded after the page, so a slow preview never delays it
            context |= extra(customer)
    return context


def money(cents) -> str:
    """Cents (int or Decimal) as dollars for people; never through a float."""
    from decimal import ROUND_HALF_UP, Decimal

    if cents is None:
        return "—"
    return "$" + format((Decimal(cents) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP), ",.2f")


def limit_dollars(cents) -> str:
    """A stored limit as the text its input shows."""
    from decimal import Decimal

    return "" if cents is None else format(Decimal(cents) / 100, "f").removesuffix(".00")


from app.blueprints.customers import bp  # noqa: E402

bp.record_once(lambda state: state.app.jinja_env.globals.update(money=money, limit_dollars=limit_dollars))
