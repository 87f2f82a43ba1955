"""Customers in our database and in the emulator: a bootstrapped catalog, subscriptions, coupons."""
import copy

import pytest

from app import collaborators
from app.models import Customer, CustomerOrganisation
from app.services.catalog import bootstrap_catalog, catalog_id


@pytest.fixture
def catalog(app, db, stripe_emulator):
    with app.test_request_context():
        bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())


@pytest.fixture
def price_of(db, catalog):
    def find(product_key: str, variant: str = "standard") -> str:
        return catalog_id(db.session, "price", f"{product_key}_{variant}")

    return find


@pytest.fixture
def make_customer(db):
    counter = iter(range(1, 100_000))

    def factory(name=None, stripe_customer_id=None, organisation_id=None, **fields):
        n = next(counter)
        customer = Customer(name=name or f"Customer {n}", email=fields.pop("email", f"billing{n}@customer.example"),
                            stripe_customer_id=stripe_customer_id, plans_map=fields.pop("plans_map", {}),
                            billing_limits=fields.pop("billing_limits", {}), **fields)
        if organisation_id:
            customer.organisations.append(CustomerOrganisation(organisation_id=organisation_id))
        db.session.add(customer)
        db.session.commit()
        return customer

    return factory


@pytest.fixture
def subscribed_customer(db, stripe_client, price_of, make_customer):
    """A Stripe customer with a subscription on the standard metered prices, and our record of it."""

    def factory(name="Acme Analytics", products=("product_analytics", "session_replay"), coupon=None, **fields):
        stripe_customer = stripe_client.v1.customers.create(params={"name": name, "email": f"{name.split()[0].lower()}@acme.example"})
        params = {"customer": stripe_customer.id, "items": [{"price": price_of(p)} for p in products]}
        if coupon:
            params["discounts"] = [{"coupon": coupon}]
        subscription = stripe_client.v1.subscriptions.create(params=params)
        fields.setdefault("subscription_id", subscription.id)
        return make_customer(name=name, stripe_customer_id=stripe_customer.id, **fields)

    return factory


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
