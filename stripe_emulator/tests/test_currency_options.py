"""Prices in several currencies (`currency_options`), subscriptions and schedules in another
currency billed through them, and the customer's currency fixed by its first billing."""

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

EUR_TIERS = [{"up_to": 1000, "unit_amount_decimal": "0"},
             {"up_to": "inf", "unit_amount_decimal": "0.4", "flat_amount": 80}]


def _with_eur(client, price):
    return client.v1.prices.update(price.id, params={"currency_options": {"eur": {"tiers": EUR_TIERS}}})


def test_an_update_adds_a_currency_option_and_keeps_the_others(stripe_client, catalog):
    _with_eur(stripe_client, catalog["overage"])
    gbp = [{"up_to": 1000, "unit_amount_decimal": "0"}, {"up_to": "inf", "unit_amount_decimal": "0.3"}]
    price = stripe_client.v1.prices.update(catalog["overage"].id, params={
        "currency_options": {"gbp": {"tiers": gbp}}, "expand": ["currency_options"]})
    options = price.currency_options.to_dict()
    assert "currency_options" not in stripe_client.v1.prices.retrieve(price.id)  # includable: only when expanded
    assert sorted(options.keys()) == ["eur", "gbp"]
    assert [t["unit_amount_decimal"] for t in options["eur"]["tiers"]] == ["0", "0.4"]
    assert options["gbp"]["tiers"][1]["up_to"] is None


@pytest.mark.parametrize("option, param", [
    ({"usd": {"tiers": EUR_TIERS}}, "currency_options[usd]"),
    ({"eur": {"tiers": [{"up_to": 500, "unit_amount_decimal": "0"},
                        {"up_to": "inf", "unit_amount_decimal": "0.4"}]}}, "currency_options[eur][tiers]"),
    ({"eur": {"unit_amount": 5}}, "currency_options[eur][unit_amount]"),
])
def test_bad_currency_options_are_refused_and_change_nothing(stripe_client, catalog, option, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.update(catalog["overage"].id, params={"currency_options": option})
    assert exc.value.param == param
    price = stripe_client.v1.prices.retrieve(catalog["overage"].id, params={"expand": ["currency_options"]})
    assert "eur" not in price.currency_options.to_dict()


def test_a_subscription_in_eur_bills_usage_through_the_eur_tiers(stripe_client, stripe_emulator, customer,
                                                                 catalog, t0):
    _with_eur(stripe_client, catalog["overage"])
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "currency": "eur", "items": [{"price": catalog["overage"].id}],
        "collection_method": "send_invoice", "days_until_due": 30})
    assert sub.currency == "eur"
    assert stripe_client.v1.customers.retrieve(customer.id).currency == "eur"
    stripe_emulator.advance(2 * DAY)
    usage(stripe_client, customer, 3000, t0 + DAY)
    stripe_emulator.advance(29 * DAY)
    renewal = invoices(stripe_client, customer)[-1]
    (metered,) = renewal.lines.data
    # 3000 units: 1000 free, then 2000 x 0.4 cents + 80 cents flat, in euros
    assert (renewal.currency, metered.currency, metered.amount) == ("eur", "eur", 880)


def test_a_price_without_the_currency_option_is_refused(stripe_client, customer, catalog):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscriptions.create(params={
            "customer": customer.id, "currency": "eur", "items": [{"price": catalog["overage"].id}]})
    assert exc.value.param == "items[0][price]" and "currency_options" in str(exc.value)
    assert stripe_client.v1.customers.retrieve(customer.id).currency is None


def test_a_schedule_phase_in_eur_starts_a_subscription_in_eur(stripe_client, stripe_emulator, customer,
                                                              catalog, t0):
    _with_eur(stripe_client, catalog["overage"])
    schedule = stripe_client.v1.subscription_schedules.create(params={
        "customer": customer.id, "start_date": at(2031, 2, 1),
        "phases": [{"items": [{"price": catalog["overage"].id}], "currency": "eur",
                    "duration": {"interval": "year", "interval_count": 1}}]})
    assert schedule.phases[0].currency == "eur"
    stripe_emulator.advance(17 * DAY + 60)
    sub = stripe_client.v1.subscriptions.retrieve(
        stripe_client.v1.subscription_schedules.retrieve(schedule.id).subscription)
    assert sub.currency == "eur"


def test_the_first_finalized_invoice_fixes_the_customers_currency(stripe_client, customer, t0):
    assert customer.currency is None
    invoice = stripe_client.v1.invoices.create(params={
        "customer": customer.id, "currency": "gbp", "collection_method": "send_invoice", "days_until_due": 30})
    assert stripe_client.v1.customers.retrieve(customer.id).currency is None  # a draft fixes nothing
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    assert stripe_client.v1.customers.retrieve(customer.id).currency == "gbp"


def test_a_licensed_price_bills_its_currency_option_amount(stripe_client, customer, catalog):
    stripe_client.v1.prices.update(catalog["monthly"].id, params={"currency_options": {"eur": {"unit_amount": 4600}}})
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "currency": "eur", "items": [{"price": catalog["monthly"].id}],
        "collection_method": "send_invoice", "days_until_due": 30})
    invoice = stripe_client.v1.invoices.retrieve(sub.latest_invoice)
    (line,) = invoice.lines.data
    assert (invoice.currency, invoice.total, line.amount) == ("eur", 4600, 4600)
    assert "EUR 46" in line.description
