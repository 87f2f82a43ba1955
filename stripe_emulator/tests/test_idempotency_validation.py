"""Stripe saves no idempotent result for a request whose parameters failed validation (the endpoint
never began), and keeps saving every result of a request that did begin: both sides, on meter events.

https://docs.stripe.com/api/idempotent_requests: "Results are only saved if an API endpoint started
executing. If incoming parameters failed validation ... no idempotent result is saved"."""

import pytest
import stripe

DAY = 86400


@pytest.fixture
def now(stripe_emulator):
    t = (stripe_emulator.now() // DAY) * DAY + 12 * 3600
    stripe_emulator.set_time(t, frozen=True)
    return t


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create(params={"email": "usage@example.com"})


def _meter(client):
    return client.v1.billing.meters.create(params={
        "display_name": "API requests", "event_name": "api_requests", "default_aggregation": {"formula": "sum"}})


def _send(client, customer, timestamp, key):
    return client.v1.billing.meter_events.create(params={
        "event_name": "api_requests", "identifier": "usage-1", "timestamp": timestamp,
        "payload": {"stripe_customer_id": customer.id, "value": "7"}}, options={"idempotency_key": key})


def test_a_timestamp_refused_as_too_old_is_not_replayed_once_it_is_inside_the_window(
        stripe_client, stripe_emulator, customer, now, idem):
    _meter(stripe_client)
    key, stamp = idem(), now - 36 * DAY
    with pytest.raises(stripe.InvalidRequestError, match="within the past 35 calendar days"):
        _send(stripe_client, customer, stamp, key)
    stripe_emulator.set_time(now - 2 * DAY, frozen=True)  # the clock moved: the same stamp is now 34 days old
    event = _send(stripe_client, customer, stamp, key)
    assert event.identifier == "usage-1"
    assert "Idempotent-Replayed" not in event.last_response.headers


def test_an_event_refused_for_a_meter_not_yet_created_goes_through_with_the_same_key(
        stripe_client, customer, now, idem):
    key = idem()
    with pytest.raises(stripe.InvalidRequestError, match="No active meter"):
        _send(stripe_client, customer, now, key)
    _meter(stripe_client)
    assert _send(stripe_client, customer, now, key).identifier == "usage-1"


def test_a_successful_event_is_still_replayed(stripe_client, stripe_emulator, customer, now, idem):
    _meter(stripe_client)
    key = idem()
    first = _send(stripe_client, customer, now, key)
    again = _send(stripe_client, customer, now, key)
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.last_response.request_id == first.last_response.request_id


def test_an_error_after_the_endpoint_began_is_still_replayed(stripe_client, customer, now, idem):
    """A duplicate identifier is found by the running endpoint: its 400 is saved and replayed."""
    _meter(stripe_client)
    _send(stripe_client, customer, now, idem())
    key = idem()
    with pytest.raises(stripe.InvalidRequestError, match="already exists"):
        _send(stripe_client, customer, now, key)
    with pytest.raises(stripe.InvalidRequestError) as again:
        _send(stripe_client, customer, now, key)
    assert again.value.headers["Idempotent-Replayed"] == "true"
