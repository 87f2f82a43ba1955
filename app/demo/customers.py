"""Demo customers to try the editors on: made in Stripe (the emulator under `make run`) and synced."""
from __future__ import annotations

from datetime import timedelta

from app import collaborators
from app.billing.stripe_requests import metered_price_params
from app.gateways.stripe import StripeGatewayError
from app.models import Customer, CustomerOrganisation
from app.services.audit import Actor
from app.services.catalog import bootstrap_catalog, catalog_id
from app.services.customer_sync import link_or_create, sync_customer
from app.services.stripe_writes import stripe_write
from app.timeutil import utcnow

DEMO_ACTOR = Actor.system("demo-seed")
COUPONS = {"demo-partner-20": {"name": "Partner 20%", "percent_off": 20, "duration": "forever"},
           "demo-launch-50": {"name": "Launch 50% for 3 months", "percent_off": 50, "duration": "repeating",
                              "duration_in_months": 3}}
# slug: name, configuration, products on the subscription (None: no subscription), coupon, extra fields
CUSTOMERS = {
    "hedgehog": ("Hedgehog Analytics", "paid", ("product_analytics", "session_replay"), None,
                 {"billing_limits": {"session_replay": 20000}}),
    "otter": ("Otter Works", "paid", ("product_analytics", "group_analytics", "feature_flags"), "demo-partner-20",
              {"billing_limits": {"product_analytics": 50000}}),
    "lemur": ("Lemur Labs", "startup", ("product_analytics", "session_replay"), None,
              {"plans_map": {"session_replay": "session_replay_paid"}}),
    "quokka": ("Quokka Enterprises", "enterprise_yearly", ("product_analytics", "session_replay", "feature_flags"),
               None, {"plans_map": {"enterprise": "enterprise_standard"}}),
    "puffin": ("Puffin Co", "free", None, None, {}),
}
BROKEN_PRICE_NICKNAME = "Startup programme"
BROKEN_PRICE_KEY = "demo-price-product-analytics-startup"


def seed_demo_customers(session) -> list[str]:
    gateway = collaborators.stripe_gateway()
    if gateway.client is None:
        return [_local(session, slug, *spec) for slug, spec in CUSTOMERS.items()]
    try:
        bootstrap_catalog(session, gateway, collaborators.catalog())
        for coupon_id, params in COUPONS.items():
            key = f"demo-coupon-{coupon_id}"
            _write(session, gateway, key, lambda i=coupon_id, p=params, k=key: gateway.create_coupon({"id": i, **p}, k))
        _custom_price(session, gateway)
        _broken_startup_price(session, gateway)
        return [_in_stripe(session, gateway, slug, *spec) for slug, spec in CUSTOMERS.items()]
    except StripeGatewayError as exc:
        session.rollback()
        return [f"Demo customers skipped: {exc}"]


def _write(session, gateway, key: str, call) -> str:
    return stripe_write(session, gateway, key=key, subject=("demo", key), action="demo_seed",
                        summary={"key": key}, call=call).object_id


def _custom_price(session, gateway) -> None:
    """A bespoke Session replay price, so Change price has something to choose."""
    standard = gateway.retrieve_price(catalog_id(session, "price", "session_replay_standard"))
    params = {"product": standard["product"], "currency": "usd", "nickname": f"Custom - {utcnow():%Y-%m-%d}",
              "billing_scheme": "tiered", "tiers_mode": "graduated",
              "tiers": [{"up_to": 5000, "unit_amount_decimal": "0"}, {"up_to": "inf", "unit_amount_decimal": "0.25"}],
              "recurring": {"interval": "month", "usage_type": "metered", "meter": standard["recurring"]["meter"]},
              "metadata": {"posthog_product_key": "session_replay"}}
    _write(session, gateway, "demo-price-session-replay-custom", lambda: gateway.create_price(
        params, "demo-price-session-replay-custom"))


def _broken_startup_price(session, gateway) -> None:
    """A plan=startup price made without valid_days, on purpose: the catalog report's one violation.

    Found by nickname before it is made, so a new database against an old emulator state adds none.
    """
    catalog = collaborators.catalog()
    product = catalog.products["product_analytics"]
    product_id = catalog_id(session, "product", product.key)
    if any(p.get("nickname") == BROKEN_PRICE_NICKNAME for p in gateway.product_prices(product_id)):
        return
    tiers = [t.as_stripe() | {"unit_amount_decimal": "0"} for t in product.tiers]  # free during the programme
    params = metered_price_params(catalog, product, product_id, catalog_id(session, "meter", product.meter_event),
                                  tiers, nickname=BROKEN_PRICE_NICKNAME, metadata={"plan": "startup"})
    _write(session, gateway, BROKEN_PRICE_KEY, lambda: gateway.create_price(params, BROKEN_PRICE_KEY))


def _in_stripe(session, gateway, slug, name, configuration, products, coupon, fields) -> str:
    metadata = {"organisation_id": f"org-{slug}"}
    if configuration == "startup":
        metadata |= {"is_startup_plan_customer": "true",
                     "credit_expires_at": (utcnow() + timedelta(days=365)).date().isoformat()}
    key = f"demo-customer-{slug}"
    customer_id = _write(session, gateway, key, lambda: gateway.create_customer_raw(
        {"name": name, "email": f"billing@{slug}.example", "metadata": metadata,
         "address": {"line1": "1 Demo Street", "city": "London", "postal_code": "N1 1AA", "country": "GB"}}, key))
    if products:
        params = {"customer": customer_id, "items": [{"price": catalog_id(session, "price", f"{p}_standard")}
                                                     for p in products]}
        if coupon:
            params["discounts"] = [{"coupon": coupon}]
        _write(session, gateway, f"demo-subscription-{slug}", lambda: gateway.create_subscription(
            params, f"demo-subscription-{slug}"))
    customer, _ = link_or_create(session, DEMO_ACTOR, gateway.retrieve_customer_raw(customer_id))
    _apply(customer, configuration, fields, slug)
    session.flush()
    result = sync_customer(session, gateway, customer.id, DEMO_ACTOR)
    session.commit()
    return f"Demo customer {name} ({customer_id}): {result.status}"


def _local(session, slug, name, configuration, products, coupon, fields) -> str:
    customer = Customer(name=name, email=f"billing@{slug}.example", plans_map={}, billing_limits={})
    customer.organisations.append(CustomerOrganisation(organisation_id=f"org-{slug}"))
    session.add(customer)
    _apply(customer, configuration, fields, slug)
    session.commit()
    return f"Demo customer {name} (no Stripe configured: ours only)"


def _apply(customer: Customer, configuration: str, fields: dict, slug: str) -> None:
    customer.billing_configuration = configuration
    if configuration == "enterprise_yearly":  # no annual plan row made it: say who did
        customer.configuration_source, customer.configuration_note = "override", "demo data"
    customer.plans_map = dict(fields.get("plans_map", {}))
    customer.billing_limits = dict(fields.get("billing_limits", {}))
    if slug == "lemur":
        customer.free_trial_until = (utcnow() + timedelta(days=14)).date()
