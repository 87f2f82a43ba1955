"""Shared arrange helpers for the subscription, schedule, preview and test clock tests."""

from datetime import UTC, datetime

import pytest

DAY = 86400
T0 = int(datetime(2031, 1, 15, tzinfo=UTC).timestamp())


def at(year, month, day):
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


@pytest.fixture(name="t0")
def t0_fixture(stripe_emulator):
    """Freeze the emulator on 2031-01-15 00:00 UTC so period ends are exact dates."""
    stripe_emulator.set_time(T0, frozen=True)
    return T0


@pytest.fixture(name="catalog")
def catalog_fixture(stripe_client, t0):
    """An annual up-front price and a monthly metered graduated overage price on one meter."""
    c = stripe_client
    product = c.v1.products.create(params={"name": "Analytics"})
    meter = c.v1.billing.meters.create(params={
        "display_name": "Events", "event_name": "events",
        "default_aggregation": {"formula": "sum"}})
    annual = c.v1.prices.create(params={
        "product": product.id, "currency": "usd", "unit_amount": 1_200_000,
        "recurring": {"interval": "year"}})
    monthly = c.v1.prices.create(params={
        "product": product.id, "currency": "usd", "unit_amount": 5_000,
        "recurring": {"interval": "month"}})
    overage = c.v1.prices.create(params={
        "product": product.id, "currency": "usd", "billing_scheme": "tiered",
        "tiers_mode": "graduated",
        "tiers": [{"up_to": 1000, "unit_amount_decimal": "0"},
                  {"up_to": "inf", "unit_amount_decimal": "0.5", "flat_amount": 100}],
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id}})
    return {"product": product, "meter": meter, "annual": annual, "monthly": monthly,
            "overage": overage}


@pytest.fixture(name="customer")
def customer_fixture(stripe_client, t0):
    return stripe_client.v1.customers.create(params={"email": "billing@example.com",
                                                     "name": "Example Co"})


def usage(client, customer, value, timestamp=None, identifier=None):
    params = {"event_name": "events",
              "payload": {"stripe_customer_id": customer.id, "value": str(value)}}
    if timestamp is not None:
        params["timestamp"] = timestamp
    if identifier is not None:
        params["identifier"] = identifier
    return client.v1.billing.meter_events.create(params=params)


def invoices(client, customer):
    """The customer's invoices, oldest first."""
    return list(reversed(client.v1.invoices.list(params={"customer": customer.id,
                                                         "limit": 100}).data))


def event_types(stripe_emulator, prefix=""):
    return [e["type"] for e in stripe_emulator.state.collection("event").values()
            if e["type"].startswith(prefix)]
