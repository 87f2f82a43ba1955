"""Customers: coupons in the emulator and synced customers (the catalog, customers and a gateway of the
test's own: tests/conftest.py)."""
import pytest

from app.services.customer_sync import sync_customer


@pytest.fixture
def coupon(stripe_client):
    def factory(percent_off=20, name="20% off", **params):
        return stripe_client.v1.coupons.create(params={"percent_off": percent_off, "duration": "forever",
                                                       "name": name, **params}).id

    return factory


@pytest.fixture
def synced_customer(db, gateway, subscribed_customer):
    """`subscribed_customer(...)`, then synced once, as the customer page shows it."""

    def factory(*args, **fields):
        customer = subscribed_customer(*args, **fields)
        sync_customer(db.session, gateway, customer.id)
        db.session.commit()
        return customer

    return factory
