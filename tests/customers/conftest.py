"""Customers: coupons in the emulator and a gateway of the test's own (catalog and customers: tests/conftest.py)."""
import copy

import pytest

from app import collaborators


@pytest.fixture
def coupon(stripe_client):
    def factory(percent_off=20, name="20% off", **params):
        return stripe_client.v1.coupons.create(params={"percent_off": percent_off, "duration": "forever",
                                                       "name": name, **params}).id

    return factory


@pytest.fixture
def gateway(app):
    with app.test_request_context():
        gateway = collaborators.stripe_gateway()
        gateway.http = copy.copy(gateway.http)  # the app's is shared: a test's sleep or key stays in the test
        yield gateway
