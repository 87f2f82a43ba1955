"""Fault knobs: rate limit, injected failures before and after execution, latency."""

import time

import pytest
import requests
import stripe

from stripe_emulator.testing import make_client


def test_rate_limit_raises_rate_limit_error(stripe_client, stripe_emulator):
    stripe_emulator.faults.configure(rate_limit=0.5)
    with pytest.raises(stripe.RateLimitError) as exc:
        for _ in range(10):
            stripe_client.v1.customers.list()
    assert exc.value.http_status == 429
    assert exc.value.error.code == "rate_limit"


def test_rate_limit_refills(stripe_client, stripe_emulator):
    stripe_emulator.faults.configure(rate_limit=50)
    for _ in range(50):
        stripe_client.v1.customers.list()
    time.sleep(0.1)
    assert stripe_client.v1.customers.list().object == "list"


def test_stream_event_rate_counts_events_not_calls(stripe_emulator):
    client = make_client(stripe_emulator.url, max_network_retries=0)
    customer = client.v1.customers.create()
    client.v1.billing.meters.create(params={
        "display_name": "Calls", "event_name": "calls", "default_aggregation": {"formula": "sum"}})
    token = client.v2.billing.meter_event_session.create().authentication_token
    stream = make_client(stripe_emulator.url, api_key=token, max_network_retries=0).v2.billing.meter_event_stream
    events = [{"event_name": "calls", "payload": {"stripe_customer_id": customer.id, "value": "1"}}] * 100
    stripe_emulator.faults.configure(stream_event_rate=250)
    stream.create(params={"events": events})
    stream.create(params={"events": events})
    with pytest.raises(stripe.RateLimitError):  # 200 of 250 taken: a third call of 100 is refused whole
        stream.create(params={"events": events})
    time.sleep(0.5)  # refills 125
    stream.create(params={"events": events})


def test_injected_500_is_retried_by_the_sdk(stripe_client, stripe_emulator, idem):
    stripe_emulator.faults.configure(fail_next=1)
    customer = stripe_client.v1.customers.create(options={"idempotency_key": idem()})
    assert customer.last_response.headers.get("Idempotent-Replayed") is None
    assert len(stripe_emulator.state.collection("customer")) == 1


def test_injected_500_without_retries_raises_api_error(stripe_emulator):
    stripe_emulator.faults.configure(fail_next=1)
    client = make_client(stripe_emulator.url, max_network_retries=0)
    with pytest.raises(stripe.APIError) as exc:
        client.v1.customers.create()
    assert exc.value.http_status == 500
    assert len(stripe_emulator.state.collection("customer")) == 0


def test_failure_after_execution_replays_on_retry(stripe_client, stripe_emulator, idem):
    stripe_emulator.faults.configure(fail_after_execute_next=1)
    customer = stripe_client.v1.customers.create(params={"email": "a@acme.test"},
                                                 options={"idempotency_key": idem()})
    assert customer.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe_emulator.state.collection("customer")) == 1


def test_dropped_connection_after_execution_replays_on_retry(stripe_client, stripe_emulator, idem):
    stripe_emulator.faults.configure(fail_after_execute_next=1, fail_mode="disconnect")
    customer = stripe_client.v1.customers.create(options={"idempotency_key": idem()})
    assert customer.last_response.headers["Idempotent-Replayed"] == "true"
    assert len(stripe_emulator.state.collection("customer")) == 1


def test_fail_next_only_matches_its_path_prefix(stripe_client, stripe_emulator):
    stripe_emulator.faults.configure(fail_next=1, path_prefix="/v1/products")
    client = make_client(stripe_emulator.url, max_network_retries=0)
    assert client.v1.customers.create().object == "customer"
    with pytest.raises(stripe.APIError):
        client.v1.products.create(params={"name": "x"})


def test_fail_rate_one_fails_everything(stripe_emulator):
    stripe_emulator.faults.configure(fail_rate=1.0)
    resp = requests.get(f"{stripe_emulator.url}/v1/customers", auth=("sk_test_x", ""))
    assert resp.status_code == 500
    assert resp.json()["error"]["type"] == "api_error"


def test_latency(stripe_client, stripe_emulator):
    stripe_emulator.faults.configure(latency_ms=150)
    start = time.perf_counter()
    stripe_client.v1.customers.list()
    assert time.perf_counter() - start >= 0.15
