"""The customer page's upcoming invoice: this period's usage per meter as Stripe previews it, fixed fees apart."""
import re
from datetime import UTC, datetime

import pytest

from app.services.catalog import catalog_id
from app.services.customer_sync import sync_customer


@pytest.fixture
def enterprise_fee(db, stripe_client, catalog):
    """A flat monthly Enterprise price: a licensed line, billed in advance."""
    return stripe_client.v1.prices.create(params={
        "product": catalog_id(db.session, "product", "enterprise"), "currency": "usd", "unit_amount": 100_000,
        "recurring": {"interval": "month"}, "nickname": "Enterprise monthly"}).id


@pytest.fixture
def customer_with_usage(db, gateway, stripe_client, subscribed_customer, enterprise_fee):
    customer = subscribed_customer(products=("product_analytics", "session_replay"))
    stripe_client.v1.subscriptions.update(customer.subscription_id, params={"items": [{"price": enterprise_fee}]})
    for event_name, value in (("product_analytics_events", 1_500_000), ("session_replay_recordings", 6000)):
        stripe_client.v1.billing.meter_events.create(params={
            "event_name": event_name, "payload": {"stripe_customer_id": customer.stripe_customer_id,
                                                  "value": str(value)}})
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    return customer


def _rows(html: str) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split())
            for row in re.findall(r"<tr class=\"(?:meter|fixed)\".*?</tr>", html, re.S)]


def _day(unix: int) -> str:
    return datetime.fromtimestamp(unix, UTC).date().isoformat()


def test_the_upcoming_invoice_shows_usage_per_meter_and_fixed_fees_apart(client, db, login_as, customer_with_usage):
    login_as("viewer")
    response = client.get(f"/customers/{customer_with_usage.id}/fragments/upcoming", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    sub = customer_with_usage.stripe_snapshot["subscriptions"][0]
    period = f"({_day(sub['current_period_start'])} – {_day(sub['current_period_end'])})"
    assert response.status_code == 200 and "<html" not in html
    assert _rows(html) == [  # past the free tiers: 500,000 × 0.005¢ and 1,000 × 0.5¢
        f"Product analytics product_analytics_events 1,500,000 events {period} $25.00",
        f"Session replay session_replay_recordings 6,000 recordings {period} $5.00",
        "1 × Enterprise (at $1000 / month) fixed $1,000.00",
    ]
    assert f'data-meter="{catalog_id(db.session, "meter", "session_replay_recordings")}"' in html
    assert re.search(r"Total</th><th>\$1,030\.00", html)


def test_without_a_live_subscription_nothing_is_due(client, login_as, make_customer):
    login_as("viewer")
    customer = make_customer(name="Fresh")
    html = client.get(f"/customers/{customer.id}/fragments/upcoming").get_data(as_text=True)
    assert "Nothing due (no active subscription)." in html
