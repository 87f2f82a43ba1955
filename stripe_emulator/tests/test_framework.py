"""The request pipeline: auth, routing, schema errors, headers, expand and lists."""

import pytest
import requests
import stripe

from stripe_emulator.state import API_VERSION


def test_missing_api_key_is_401(stripe_emulator):
    resp = requests.get(f"{stripe_emulator.url}/v1/customers")
    assert resp.status_code == 401
    assert resp.json()["error"]["type"] == "invalid_request_error"
    assert resp.headers["Request-Id"].startswith("req_")


@pytest.mark.parametrize("header", ["Bearer sk_live_abcdefghijkl", "Bearer nope", "Token sk_test_1"])
def test_bad_api_key_raises_authentication_error(stripe_emulator, header):
    resp = requests.get(f"{stripe_emulator.url}/v1/customers", headers={"Authorization": header})
    assert resp.status_code == 401
    assert "Invalid API Key" in resp.json()["error"]["message"]


def test_basic_auth_like_curl_is_accepted(stripe_emulator):
    resp = requests.get(f"{stripe_emulator.url}/v1/customers", auth=("sk_test_x", ""))
    assert resp.status_code == 200
    assert resp.json()["object"] == "list"


def test_sdk_authentication_error(stripe_emulator):
    client = stripe.StripeClient("sk_live_123456789", base_addresses={"api": stripe_emulator.url})
    with pytest.raises(stripe.AuthenticationError):
        client.v1.customers.list()


def test_unknown_route_is_stripes_404(stripe_emulator):
    resp = requests.post(f"{stripe_emulator.url}/v1/charges_of_doom", auth=("sk_test_x", ""))
    assert resp.status_code == 404
    err = resp.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert err["message"].startswith("Unrecognized request URL (POST: /v1/charges_of_doom)")


def test_unknown_id_is_resource_missing(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.products.retrieve("prod_missing")
    assert exc.value.http_status == 404
    assert exc.value.code == "resource_missing"
    assert exc.value.param == "id"


def test_every_response_has_request_id_and_version(stripe_client):
    customer = stripe_client.v1.customers.create()
    headers = customer.last_response.headers
    assert headers["Request-Id"].startswith("req_")
    assert headers["Stripe-Version"] == API_VERSION


@pytest.mark.parametrize("params, code, param", [
    ({"colour": "red"}, "parameter_unknown", "colour"),
    ({"address": {"planet": "Mars"}}, "parameter_unknown", "address[planet]"),
    ({"tax_exempt": "sometimes"}, "parameter_invalid_enum", "tax_exempt"),
    ({"balance": "lots"}, "parameter_invalid_integer", "balance"),
    ({"email": ""}, "parameter_invalid_empty", "email"),
    ({"shipping": {"name": "HQ"}}, "parameter_missing", "shipping[address]"),
    ({"tax_id_data": [{"type": "eu_vat"}]}, "parameter_missing", "tax_id_data[0][value]"),
])
def test_schema_errors(stripe_client, params, code, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params=params)
    assert exc.value.http_status == 400
    assert exc.value.code == code
    assert exc.value.param == param


def test_schema_error_message_names_the_parameter(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params={"colour": "red"})
    assert exc.value.user_message == "Received unknown parameter: colour"


def test_list_params_are_validated_from_the_query_string(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.list(params={"limit": "ten"})
    assert exc.value.code == "parameter_invalid_integer"
    assert exc.value.param == "limit"


def test_expand_a_foreign_id(stripe_client):
    product = stripe_client.v1.products.create(params={"name": "Seats"})
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 500,
                "expand": ["product"]})
    assert price.product.id == product.id
    assert price.product.name == "Seats"


def test_expand_inside_a_list(stripe_client):
    product = stripe_client.v1.products.create(params={"name": "Seats"})
    stripe_client.v1.prices.create(params={"product": product.id, "currency": "usd",
                                           "unit_amount": 500})
    listed = stripe_client.v1.prices.list(params={"expand": ["data.product"]})
    assert listed.data[0].product.name == "Seats"


def test_expanding_a_plain_field_is_rejected(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params={"email": "a@example.com",
                                                  "expand": ["email"]})
    assert "cannot be expanded" in exc.value.user_message


def _customers(client, n):
    return [client.v1.customers.create(params={"email": f"c{i}@example.com"}) for i in range(n)]


def test_list_is_newest_first_with_has_more(stripe_client):
    made = _customers(stripe_client, 5)
    page = stripe_client.v1.customers.list(params={"limit": 2})
    assert [c.id for c in page.data] == [made[4].id, made[3].id]
    assert page.has_more is True
    assert page.url == "/v1/customers"


def test_starting_after_and_ending_before(stripe_client):
    made = _customers(stripe_client, 5)
    after = stripe_client.v1.customers.list(params={"limit": 2, "starting_after": made[3].id})
    assert [c.id for c in after.data] == [made[2].id, made[1].id]
    assert after.has_more is True
    before = stripe_client.v1.customers.list(params={"limit": 2, "ending_before": made[1].id})
    assert [c.id for c in before.data] == [made[3].id, made[2].id]
    assert before.has_more is True


def test_auto_paging_visits_everything_once(stripe_client):
    made = _customers(stripe_client, 7)
    seen = [c.id for c in stripe_client.v1.customers.list(params={"limit": 3}).auto_paging_iter()]
    assert seen == [c.id for c in reversed(made)]


def test_limit_out_of_range(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.list(params={"limit": 101})
    assert exc.value.param == "limit"


def test_starting_after_unknown_id(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.list(params={"starting_after": "cus_nope"})
    assert exc.value.code == "resource_missing"
    assert exc.value.param == "starting_after"


def test_created_filter(stripe_client, stripe_emulator):
    old = stripe_client.v1.customers.create()
    stripe_emulator.advance(3600)
    new = stripe_client.v1.customers.create()
    listed = stripe_client.v1.customers.list(params={"created": {"gt": old.created}})
    assert [c.id for c in listed.data] == [new.id]
