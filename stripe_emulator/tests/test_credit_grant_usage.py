"""Promotional and paid credit grants consumed by invoiced metered usage (emulator clock and
test clocks), the credit balance summary as usage is invoiced, and expiry."""

import pytest
import stripe

from .billing_fixtures import (  # noqa: F401 - fixtures
    DAY,
    at,
    customer_fixture,
    invoices,
    t0_fixture,
    usage,
)

METERED = {"type": "applicability_scope", "applicability_scope": {"price_type": "metered"}}


@pytest.fixture
def price(stripe_client, t0):
    """10 cents an event, billed monthly in arrears."""
    meter = stripe_client.v1.billing.meters.create(params={
        "display_name": "Events", "event_name": "events",
        "default_aggregation": {"formula": "sum"}})
    product = stripe_client.v1.products.create(params={"name": "Events"})
    return stripe_client.v1.prices.create(params={
        "product": product.id, "currency": "usd", "unit_amount": 10,
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id}})


def grant(client, customer, value, category="promotional", **extra):
    return client.v1.billing.credit_grants.create(params={
        "customer": customer.id, "name": f"{category} credit", "category": category,
        "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": value}},
        "applicability_config": {"scope": {"price_type": "metered"}}, **extra})


def available(client, customer, flt=METERED):
    summary = client.v1.billing.credit_balance_summary.retrieve(
        params={"customer": customer.id, "filter": flt})
    return [(b.available_balance.monetary.value, b.ledger_balance.monetary.value)
            for b in summary.balances]


def test_promotional_grant_fields(stripe_client, customer, t0):
    g = grant(stripe_client, customer, 2_500, expires_at=at(2031, 7, 1))
    assert (g.category, g.applicability_config.scope.price_type) == ("promotional", "metered")
    assert (g.amount.monetary.currency, g.amount.monetary.value) == ("usd", 2_500)
    assert (g.effective_at, g.expires_at, g.priority, g.voided_at) == (
        t0, at(2031, 7, 1), 50, None)
    assert available(stripe_client, customer) == [(2_500, 2_500)]
    [credit] = stripe_client.v1.billing.credit_balance_transactions.list(
        params={"customer": customer.id}).data
    assert (credit.type, credit.credit.type, credit.effective_at) == ("credit",
                                                                      "credits_granted", t0)


def test_usage_invoiced_at_period_end_consumes_promotional_then_paid(
        stripe_client, stripe_emulator, customer, price, t0):
    stripe_client.v1.subscriptions.create(params={"customer": customer.id,
                                                  "items": [{"price": price.id}]})
    paid = grant(stripe_client, customer, 1_000, category="paid")
    promo = grant(stripe_client, customer, 300)
    usage(stripe_client, customer, 50, t0 + 60)
    assert available(stripe_client, customer) == [(1_300, 1_300)]  # nothing invoiced yet
    stripe_emulator.advance(at(2031, 2, 15) - t0)
    renewal = invoices(stripe_client, customer)[-1]
    assert (renewal.billing_reason, renewal.subtotal, renewal.total, renewal.status) == (
        "subscription_cycle", 500, 0, "paid")
    [line] = renewal.lines.data
    assert [c.amount for c in line.pretax_credit_amounts] == [300, 200]
    assert available(stripe_client, customer) == [(800, 800)]
    by_grant = {g.id: available(stripe_client, customer, {"type": "credit_grant",
                                                          "credit_grant": g.id})
                for g in (promo, paid)}
    assert by_grant == {promo.id: [(0, 0)], paid.id: [(800, 800)]}
    debits = stripe_client.v1.billing.credit_balance_transactions.list(
        params={"customer": customer.id}).data
    assert [(t.type, t.debit and t.debit.credits_applied.invoice) for t in debits[:2]] == [
        ("debit", renewal.id), ("debit", renewal.id)]


def test_on_a_test_clock_usage_consumes_and_expiry_stops_the_grant(
        stripe_client, stripe_emulator, price, t0):
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": t0})
    customer = stripe_client.v1.customers.create(params={"test_clock": clock.id})
    stripe_client.v1.subscriptions.create(params={"customer": customer.id,
                                                  "items": [{"price": price.id}]})
    promo = grant(stripe_client, customer, 1_000, expires_at=at(2031, 3, 1))
    assert promo.test_clock == clock.id
    usage(stripe_client, customer, 30, t0 + 60)
    advance = stripe_client.v1.test_helpers.test_clocks.advance
    advance(clock.id, params={"frozen_time": at(2031, 2, 15) + 7200})
    february = invoices(stripe_client, customer)[-1]
    assert (february.subtotal, february.total) == (300, 0)
    assert available(stripe_client, customer) == [(700, 700)]
    advance(clock.id, params={"frozen_time": at(2031, 3, 2)})
    assert available(stripe_client, customer) == [(0, 700)]  # expired; expiry not in the ledger
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.billing.credit_grants.expire(promo.id)
    usage(stripe_client, customer, 20, at(2031, 3, 2))  # dated on the customer's clock, as its window is
    advance(clock.id, params={"frozen_time": at(2031, 3, 15) + 7200})
    march = invoices(stripe_client, customer)[-1]
    assert (march.subtotal, march.total, march.total_pretax_credit_amounts) == (200, 200, [])


def test_grant_on_a_clock_behind_the_emulator_is_effective_at_the_clock_time(
        stripe_client, t0):
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={
        "frozen_time": t0 - 20 * DAY})
    customer = stripe_client.v1.customers.create(params={"test_clock": clock.id})
    promo = grant(stripe_client, customer, 500, expires_at=t0 - 10 * DAY)
    assert promo.effective_at == t0 - 20 * DAY
    assert available(stripe_client, customer) == [(500, 500)]
    expired = stripe_client.v1.billing.credit_grants.expire(promo.id)
    assert expired.expires_at == t0 - 20 * DAY
    assert available(stripe_client, customer) == [(0, 500)]


def test_summary_filters(stripe_client, customer, price, t0):
    product = stripe_client.v1.products.create(params={"name": "Other"})
    other = stripe_client.v1.prices.create(params={
        "product": product.id, "currency": "usd", "unit_amount": 5,
        "recurring": {"interval": "month", "usage_type": "metered",
                      "meter": price.recurring.meter}})
    grant(stripe_client, customer, 100)
    stripe_client.v1.billing.credit_grants.create(params={
        "customer": customer.id, "category": "paid",
        "amount": {"type": "monetary", "monetary": {"currency": "usd", "value": 40}},
        "applicability_config": {"scope": {"prices": [{"id": other.id}]}}})
    assert available(stripe_client, customer) == [(100, 100)]
    by_price = {"type": "applicability_scope",
                "applicability_scope": {"prices": [{"id": other.id}]}}
    assert available(stripe_client, customer, by_price) == [(140, 140)]
    for flt, param in (({"type": "applicability_scope"}, "filter[applicability_scope]"),
                       ({"type": "credit_grant"}, "filter[credit_grant]")):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            available(stripe_client, customer, flt)
        assert (exc.value.code, exc.value.param) == ("parameter_missing", param)


def test_voided_grant_no_longer_counts(stripe_client, customer, t0):
    g = grant(stripe_client, customer, 900, category="paid")
    stripe_client.v1.billing.credit_grants.void_grant(g.id)
    assert available(stripe_client, customer) == [(0, 0)]
