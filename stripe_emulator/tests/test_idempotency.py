"""Idempotency keys: replay, mismatch, concurrency, scope and expiry."""

import threading
import time

import pytest
import requests
import stripe


def _count(emulator, kind="customer"):
    return len(emulator.state.collection(kind))


def test_same_key_same_params_replays(stripe_client, stripe_emulator, idem):
    key = idem()
    first = stripe_client.v1.customers.create(params={"email": "a@acme.test"},
                                              options={"idempotency_key": key})
    again = stripe_client.v1.customers.create(params={"email": "a@acme.test"},
                                              options={"idempotency_key": key})
    assert again.id == first.id
    assert again.last_response.headers["Idempotent-Replayed"] == "true"
    assert again.last_response.request_id == first.last_response.request_id
    assert _count(stripe_emulator) == 1


def test_errors_from_execution_are_replayed(stripe_client, idem):
    key = idem()
    with pytest.raises(stripe.InvalidRequestError) as first:
        stripe_client.v1.customers.balance_transactions.create(
            "cus_missing", params={"amount": 1, "currency": "usd"},
            options={"idempotency_key": key})
    with pytest.raises(stripe.InvalidRequestError) as again:
        stripe_client.v1.customers.balance_transactions.create(
            "cus_missing", params={"amount": 1, "currency": "usd"},
            options={"idempotency_key": key})
    assert again.value.code == first.value.code == "resource_missing"
    assert again.value.headers["Idempotent-Replayed"] == "true"


def test_validation_errors_are_not_saved(stripe_client, stripe_emulator, idem):
    """As on Stripe: a request that failed validation never began, so the key is still free."""
    key = idem()
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.create(params={"colour": "red"},
                                          options={"idempotency_key": key})
    with pytest.raises(stripe.InvalidRequestError) as again:
        stripe_client.v1.customers.create(params={"colour": "red"},
                                          options={"idempotency_key": key})
    assert "Idempotent-Replayed" not in again.value.headers


def test_same_key_different_params_is_idempotency_error(stripe_client, stripe_emulator, idem):
    key = idem()
    stripe_client.v1.customers.create(params={"email": "a@acme.test"},
                                      options={"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError) as exc:
        stripe_client.v1.customers.create(params={"email": "b@acme.test"},
                                          options={"idempotency_key": key})
    assert exc.value.http_status == 400
    assert exc.value.error.type == "idempotency_error"
    assert _count(stripe_emulator) == 1


def test_same_key_on_another_endpoint_is_idempotency_error(stripe_client, idem):
    key = idem()
    stripe_client.v1.products.create(params={"name": "A"}, options={"idempotency_key": key})
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.customers.create(options={"idempotency_key": key})


def test_keys_are_scoped_to_the_api_key(stripe_emulator, idem):
    from stripe_emulator.testing import make_client

    key = idem()
    a = make_client(stripe_emulator.url, "sk_test_a").v1.customers.create(
        options={"idempotency_key": key})
    b = make_client(stripe_emulator.url, "sk_test_b").v1.customers.create(
        options={"idempotency_key": key})
    assert a.id != b.id


def test_keys_expire_after_24_hours(stripe_client, stripe_emulator, idem):
    key = idem()
    first = stripe_client.v1.customers.create(options={"idempotency_key": key})
    stripe_emulator.advance(24 * 3600 + 1)
    again = stripe_client.v1.customers.create(options={"idempotency_key": key})
    assert again.id != first.id


def test_concurrent_requests_with_one_key_execute_once(stripe_client, stripe_emulator, idem):
    stripe_emulator.faults.configure(latency_ms=300)
    key = idem()
    results = []

    def create():
        results.append(stripe_client.v1.customers.create(params={"email": "x@acme.test"},
                                                         options={"idempotency_key": key}).id)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2 and results[0] == results[1]
    assert _count(stripe_emulator) == 1


def test_in_flight_key_gets_409_idempotency_key_in_use(stripe_emulator):
    stripe_emulator.faults.configure(latency_ms=400)
    url, headers = f"{stripe_emulator.url}/v1/customers", {"Idempotency-Key": "busy"}
    slow = threading.Thread(target=requests.post, args=(url,),
                            kwargs={"auth": ("sk_test_x", ""), "headers": headers})
    slow.start()
    deadline = time.monotonic() + 5
    while not stripe_emulator.emulator.idempotency.inflight and time.monotonic() < deadline:
        time.sleep(0.005)
    resp = requests.post(url, auth=("sk_test_x", ""), headers=headers)
    slow.join()
    assert resp.status_code == 409
    assert resp.json()["error"]["code"] == "idempotency_key_in_use"


def test_get_requests_ignore_the_key(stripe_emulator):
    resp = requests.get(f"{stripe_emulator.url}/v1/customers", auth=("sk_test_x", ""),
                        headers={"Idempotency-Key": "k"})
    assert resp.status_code == 200
    assert "Idempotent-Replayed" not in resp.headers
