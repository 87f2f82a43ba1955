"""Revenue: one customer of each billing configuration with real invoices in the emulator, on one test clock."""
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.models import Customer
from tests import factories

EVENT_OF = {"product_analytics": "product_analytics_events", "session_replay": "session_replay_recordings"}


@dataclass
class Month:
    """The seeded month (its first day), the clock, the customers by configuration, and each one's hand-worked MRR."""

    month: object
    clock: str
    customers: dict


@pytest.fixture
def seeded_month(db, stripe_client, stripe_emulator, catalog, make_customer):
    """Every configuration in one month: usage reported, the clock moved past the month's invoices."""
    now = stripe_emulator.state.clock.now()
    start = datetime.fromtimestamp(now, UTC).date()
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": now}).id
    clock2 = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": now}).id

    def usage(customer, product, value):
        stripe_client.v1.billing.meter_events.create(params={
            "event_name": EVENT_OF[product], "timestamp": now + 60,
            "payload": {"stripe_customer_id": customer.stripe_customer_id, "value": str(value)}})

    def subscribed_customer(name, **fields):
        return factories.make_subscribed_customer(db.session, stripe_client, name, **fields)

    free = make_customer(name="Free Co", billing_configuration="free")
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 20, "duration": "forever"}).id
    paid = subscribed_customer("Paid Co", coupon=coupon, stripe_params={"test_clock": clock},
                               billing_configuration="paid")
    usage(paid, "product_analytics", 2_000_000)  # 1M free, 1M at 0.005¢ = $50.00, less 20% = $40.00

    startup = subscribed_customer("Startup Co", stripe_params={"test_clock": clock}, billing_configuration="startup")
    grant = stripe_client.v1.billing.credit_grants.create(params={
        "customer": startup.stripe_customer_id, "category": "promotional", "name": "Startup credit",
        "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 10_000}},
        "applicability_config": {"scope": {"price_type": "metered"}}})
    startup.startup_credit_grant_id, startup.startup_credit_cents = grant.id, 10_000
    startup.startup_credit_expires_on = start.replace(year=start.year + 1)
    usage(startup, "product_analytics", 1_600_000)  # $30.00 of the $100.00 credit: still on credits

    yearly_stripe = stripe_client.v1.customers.create(params={"name": "Yearly Co", "test_clock": clock})
    yearly = make_customer(name="Yearly Co", stripe_customer_id=yearly_stripe.id,
                           billing_configuration="enterprise_yearly", credit_discount_percent=Decimal(20))
    invoice = stripe_client.v1.invoices.create(params={"customer": yearly_stripe.id,
                                                       "collection_method": "send_invoice", "days_until_due": 30})
    stripe_client.v1.invoice_items.create(params={"customer": yearly_stripe.id, "invoice": invoice.id,
                                                  "amount": 5_880_000, "currency": "usd",
                                                  "description": "Prepaid credits, year 1"})
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    factories.make_annual_plan(db.session, document_id="doc_yearly", company="Yearly Co",
                               stripe_customer_id=yearly_stripe.id, invoice_id=invoice.id, start_date=start,
                               term_months=12)
    stripe_client.v1.subscriptions.create(params={"customer": yearly_stripe.id, "items": [
        {"price": factories.price_id(db.session, "product_analytics")}]})
    usage(yearly, "product_analytics", 1_500_000)  # 500k at 0.005¢ = $25.00 at list price, less 20% = $20.00

    usage_half = subscribed_customer("Amortized Co", stripe_params={"test_clock": clock2},
                                     billing_configuration="enterprise_amortized", credit_discount_percent=Decimal(10))
    usage(usage_half, "product_analytics", 3_000_000)  # 1M free, 1M at 0.005¢, 1M at 0.0034¢: $84.00, less 10%
    credits_stripe = stripe_client.v1.customers.create(params={
        "name": "Amortized Co (credits)", "test_clock": clock2, "metadata": {"billing_role": "credits"}})
    product = stripe_client.v1.products.create(params={"name": "Committed credits"}).id
    quarterly = stripe_client.v1.prices.create(params={"product": product, "currency": "usd", "unit_amount": 3_000_000,
                                                      "recurring": {"interval": "month", "interval_count": 3}}).id
    stripe_client.v1.subscriptions.create(params={"customer": credits_stripe.id, "items": [{"price": quarterly}]})
    credits_half = make_customer(name="Amortized Co (credits)", stripe_customer_id=credits_stripe.id,
                                 billing_configuration="enterprise_amortized",
                                 stripe_snapshot={"customer": {"metadata": {"billing_role": "credits"}}})
    usage_half.linked_customer_id, credits_half.linked_customer_id = credits_half.id, usage_half.id

    unresolved = make_customer(name="Startup Without Expiry", stripe_customer_id=stripe_client.v1.customers.create(
        params={"name": "Startup Without Expiry"}).id, billing_configuration="startup")
    db.session.commit()
    for each in (clock, clock2):
        stripe_client.v1.test_helpers.test_clocks.advance(each, params={"frozen_time": now + 33 * 86400})
    return Month(start.replace(day=1), clock, {
        "free": free.id, "paid": paid.id, "startup": startup.id, "enterprise_yearly": yearly.id,
        "enterprise_amortized": usage_half.id, "credits_half": credits_half.id, "unresolved": unresolved.id})


def customer(db, customer_id) -> Customer:
    return db.session.get(Customer, customer_id)
