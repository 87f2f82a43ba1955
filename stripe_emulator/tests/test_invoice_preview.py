"""`invoices.create_preview`: the upcoming invoice of a subscription, usage priced so far."""

import pytest
import stripe

from .billing_fixtures import (  # noqa: F401 - fixtures
    DAY,
    at,
    catalog_fixture,
    customer_fixture,
    invoices,
    t0_fixture,
    usage,
)


@pytest.fixture
def subscription(stripe_client, customer, catalog):
    coupon = stripe_client.v1.coupons.create(params={"amount_off": 1_000, "currency": "usd",
                                                     "duration": "forever"})
    return stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "collection_method": "send_invoice", "days_until_due": 30,
        "items": [{"price": catalog["monthly"].id}, {"price": catalog["overage"].id}],
        "discounts": [{"coupon": coupon.id}]})


def test_preview_prices_usage_so_far_through_tiers(stripe_client, stripe_emulator, customer,
                                                   subscription, t0):
    stripe_emulator.advance(10 * DAY)
    usage(stripe_client, customer, 1200, t0 + DAY)
    usage(stripe_client, customer, 800, t0 + 9 * DAY)
    preview = stripe_client.v1.invoices.create_preview(params={
        "customer": customer.id, "subscription": subscription.id})
    assert preview.id.startswith("upcoming_")
    assert (preview.billing_reason, preview.status) == ("upcoming", "draft")
    assert (preview.period_start, preview.period_end) == (t0, at(2031, 2, 15))
    fee, metered = preview.lines.data
    assert (fee.amount, fee.period.start, fee.period.end) == (5_000, at(2031, 2, 15),
                                                              at(2031, 3, 15))
    # 2000 units: 1000 free, 1000 x $0.005 + $1.00 flat = $6.00
    assert (metered.quantity, metered.amount) == (2000, 600)
    assert (preview.subtotal, preview.total) == (5_600, 4_600)
    assert preview.total_discount_amounts[0].amount == 1_000
    assert len(invoices(stripe_client, customer)) == 1  # nothing stored


def test_preview_with_item_changes(stripe_client, customer, catalog, subscription):
    dearer = stripe_client.v1.prices.create(params={
        "product": catalog["product"].id, "currency": "usd", "unit_amount": 7_500,
        "recurring": {"interval": "month"}})
    item = subscription["items"].data[0]
    preview = stripe_client.v1.invoices.create_preview(params={
        "subscription": subscription.id,
        "subscription_details": {"items": [{"id": item.id, "price": dearer.id}],
                                 "proration_behavior": "none"}})
    assert preview.lines.data[0].amount == 7_500
    assert stripe_client.v1.subscriptions.retrieve(subscription.id)["items"].data[0].price.id \
        == catalog["monthly"].id


def test_preview_of_a_schedule_that_has_not_started(stripe_client, customer, catalog, t0):
    s = stripe_client.v1.subscription_schedules.create(params={
        "customer": customer.id, "start_date": at(2031, 3, 1),
        "phases": [{"items": [{"price": catalog["annual"].id}, {"price": catalog["overage"].id}],
                    "duration": {"interval": "year", "interval_count": 1}}]})
    preview = stripe_client.v1.invoices.create_preview(params={"schedule": s.id})
    [line] = preview.lines.data
    assert (line.amount, line.period.start, line.period.end) == (1_200_000, at(2031, 3, 1),
                                                                 at(2032, 3, 1))


def test_no_upcoming_invoice(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create_preview(params={"customer": customer.id})
    assert (exc.value.http_status, exc.value.code) == (404, "invoice_upcoming_none")
