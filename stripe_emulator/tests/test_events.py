"""The event log: every change emits the event Stripe would, listable and retrievable."""

import pytest
import stripe


def test_list_and_retrieve_events(stripe_client, idem):
    key = idem()
    customer = stripe_client.v1.customers.create(params={"email": "e@acme.test"},
                                                 options={"idempotency_key": key})
    events = stripe_client.v1.events.list(params={"type": "customer.created"})
    assert len(events.data) == 1
    event = stripe_client.v1.events.retrieve(events.data[0].id)
    assert event.data.object.id == customer.id
    assert event.request.idempotency_key == key
    assert event.request.id == customer.last_response.request_id
    assert event.api_version == "2026-10-28.endive"


def test_type_wildcard_and_types(stripe_client):
    customer = stripe_client.v1.customers.create()
    stripe_client.v1.customers.update(customer.id, params={"name": "N"})
    stripe_client.v1.products.create(params={"name": "P"})
    wildcard = stripe_client.v1.events.list(params={"type": "customer.*"})
    assert [e.type for e in wildcard.data] == ["customer.updated", "customer.created"]
    both = stripe_client.v1.events.list(params={"types": ["product.created", "customer.updated"]})
    assert {e.type for e in both.data} == {"product.created", "customer.updated"}


def test_events_older_than_30_days_are_not_listed(stripe_client, stripe_emulator):
    stripe_client.v1.customers.create()
    stripe_emulator.advance(31 * 86400)
    assert stripe_client.v1.events.list().data == []


def test_unknown_event(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.events.retrieve("evt_missing")
    assert exc.value.code == "resource_missing"
