"""Meter events as the gateway sends them over plain HTTP (v2 stream and v1): taken, retried, refused in words."""
import copy
import time

import pytest

from app import collaborators
from app.gateways.stripe import StripeGatewayError
from tests.usage.helpers import emulator_meter_events


@pytest.fixture
def stream_gateway(app, stripe_emulator, stripe_client, catalog):
    with app.test_request_context():
        gateway = collaborators.meter_gateway()
        assert gateway.http is not None  # the plain-HTTP path, not stripe-python's
        gateway.http = copy.copy(gateway.http)  # the app's is shared: this test's sleep stays in this test
        gateway.http.sleep = lambda seconds: None
        customer = stripe_client.v1.customers.create(params={"name": "Streamer"})
        yield gateway, customer.id


def _events(customer_id, n, start=0):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() - 3600))
    return [{"event_name": "product_analytics_events", "identifier": f"stream-{i}", "timestamp": stamp,
             "payload": {"stripe_customer_id": customer_id, "value": "1"}} for i in range(start, start + n)]


def test_a_batch_is_taken_once_even_when_a_500_makes_us_retry(stripe_emulator, stream_gateway):
    gateway, customer_id = stream_gateway
    token = gateway.meter_event_session()
    stripe_emulator.faults.configure(fail_after_execute_next=1, path_prefix="/v2/billing/meter_event_stream")
    gateway.stream_meter_events(token, _events(customer_id, 100))
    assert len(emulator_meter_events(stripe_emulator)) == 100


def test_a_429_is_backed_off_and_retried(stripe_emulator, stream_gateway):
    gateway, customer_id = stream_gateway
    token = gateway.meter_event_session()
    waits = []
    gateway.http.sleep = lambda seconds: (waits.append(seconds), stripe_emulator.faults.configure(stream_event_rate=None))
    stripe_emulator.faults.configure(stream_event_rate=50)  # a call of 100 events can never fit
    gateway.stream_meter_events(token, _events(customer_id, 100))
    assert len(waits) == 1 and len(emulator_meter_events(stripe_emulator)) == 100


def test_an_expired_session_is_reported_for_the_sender_to_renew(stripe_emulator, stream_gateway):
    gateway, customer_id = stream_gateway
    token = gateway.meter_event_session()
    stripe_emulator.state.clock.offset += 16 * 60
    with pytest.raises(StripeGatewayError) as refused:
        gateway.stream_meter_events(token, _events(customer_id, 1))
    assert (refused.value.code, refused.value.http_status) == ("billing_meter_event_session_expired", 401)
    gateway.stream_meter_events(gateway.meter_event_session(), _events(customer_id, 1))
    assert len(emulator_meter_events(stripe_emulator)) == 1


def test_a_bad_batch_is_refused_in_words_and_not_retried(stripe_emulator, stream_gateway):
    gateway, customer_id = stream_gateway
    gateway.http.sleep = lambda seconds: pytest.fail("a 400 must not be retried")
    with pytest.raises(StripeGatewayError) as refused:
        gateway.stream_meter_events(gateway.meter_event_session(), _events(customer_id, 101))
    assert refused.value.http_status == 400 and "at most 100 events" in str(refused.value)
    assert emulator_meter_events(stripe_emulator) == []


def test_a_v1_event_is_taken_once_and_a_duplicate_identifier_is_refused_with_its_param(stripe_emulator, stream_gateway):
    gateway, customer_id = stream_gateway
    event = {"event_name": "product_analytics_events", "identifier": "v1-once", "timestamp": int(time.time()) - 60,
             "payload": {"stripe_customer_id": customer_id, "value": "7"}}
    stripe_emulator.faults.configure(fail_after_execute_next=1, path_prefix="/v1/billing/meter_events")
    gateway.create_meter_event(event, key="v1-once")  # the 500 after it was taken: retried, replayed
    with pytest.raises(StripeGatewayError) as refused:
        gateway.create_meter_event(event, key="another-key")
    assert refused.value.param == "identifier" and "already exists" in str(refused.value)
    assert [(e[0], e[3]) for e in emulator_meter_events(stripe_emulator)] == [("v1-once", 7)]
