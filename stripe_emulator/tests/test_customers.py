"""Customers as the app drives them, including the removed `coupon` parameter."""

import pytest
import stripe


def test_create_with_address_metadata_and_settings(stripe_client, idem):
    customer = stripe_client.v1.customers.create(
        params={"email": "ap@acme.test", "name": "Acme", "metadata": {"org_id": "42"},
                "address": {"line1": "1 Main St", "city": "Springfield", "country": "US"},
                "invoice_settings": {"footer": "Thanks"}},
        options={"idempotency_key": idem()})
    assert customer.id.startswith("cus_")
    assert customer.object == "customer"
    assert customer.livemode is False
    assert customer.address.city == "Springfield"
    assert customer.address.postal_code is None
    assert customer.invoice_settings.footer == "Thanks"
    assert customer.metadata.to_dict() == {"org_id": "42"}
    assert customer.balance == 0


def test_retrieve_update_and_metadata_key_deletion(stripe_client):
    customer = stripe_client.v1.customers.create(params={"metadata": {"a": "1", "b": "2"}})
    updated = stripe_client.v1.customers.update(
        customer.id, params={"metadata": {"a": "", "c": "3"}, "name": "New name"})
    assert updated.metadata.to_dict() == {"b": "2", "c": "3"}
    fetched = stripe_client.v1.customers.retrieve(customer.id)
    assert fetched.name == "New name"


def test_empty_metadata_clears_all_keys(stripe_client):
    customer = stripe_client.v1.customers.create(params={"metadata": {"a": "1"}})
    updated = stripe_client.v1.customers.update(customer.id, params={"metadata": ""})
    assert updated.metadata.to_dict() == {}


def test_unset_address_with_empty_string(stripe_client):
    customer = stripe_client.v1.customers.create(params={"address": {"city": "Paris"}})
    updated = stripe_client.v1.customers.update(customer.id, params={"address": ""})
    assert updated.address is None


def test_customer_coupon_is_rejected(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params={"email": "a@b.test", "coupon": "SAVE20"})
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "coupon"


def test_delete_then_retrieve_shows_deleted(stripe_client):
    customer = stripe_client.v1.customers.create()
    gone = stripe_client.v1.customers.delete(customer.id)
    assert gone.deleted is True
    assert stripe_client.v1.customers.retrieve(customer.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.update(customer.id, params={"name": "x"})


def test_list_filters_by_email(stripe_client):
    stripe_client.v1.customers.create(params={"email": "one@acme.test"})
    two = stripe_client.v1.customers.create(params={"email": "two@acme.test"})
    listed = stripe_client.v1.customers.list(params={"email": "two@acme.test"})
    assert [c.id for c in listed.data] == [two.id]


@pytest.mark.parametrize("query", [
    "email:'two@acme.test'",
    "metadata['org']:'99'",
    "email:'two@acme.test' AND metadata['org']:'99'",
    "name~'cme Tw'",
])
def test_search(stripe_client, query):
    stripe_client.v1.customers.create(params={"email": "one@acme.test", "name": "Acme One",
                                              "metadata": {"org": "1"}})
    two = stripe_client.v1.customers.create(params={"email": "two@acme.test", "name": "Acme Two",
                                                    "metadata": {"org": "99"}})
    found = stripe_client.v1.customers.search(params={"query": query})
    assert found.object == "search_result"
    assert [c.id for c in found.data] == [two.id]


def test_search_or(stripe_client):
    one = stripe_client.v1.customers.create(params={"email": "one@acme.test"})
    two = stripe_client.v1.customers.create(params={"email": "two@acme.test"})
    found = stripe_client.v1.customers.search(
        params={"query": "email:'one@acme.test' OR email:'two@acme.test'"})
    assert {c.id for c in found.data} == {one.id, two.id}


def test_bad_search_query(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.search(params={"query": "email = 'x'"})
    assert exc.value.param == "query"


def test_balance_transactions_move_the_balance(stripe_client):
    customer = stripe_client.v1.customers.create()
    txn = stripe_client.v1.customers.balance_transactions.create(
        customer.id, params={"amount": -5000, "currency": "usd", "description": "prepaid"})
    assert txn.object == "customer_balance_transaction"
    assert txn.ending_balance == -5000
    assert txn.type == "adjustment"
    assert stripe_client.v1.customers.retrieve(customer.id).balance == -5000
    listed = stripe_client.v1.customers.balance_transactions.list(customer.id)
    assert [t.id for t in listed.data] == [txn.id]


def test_balance_on_update_records_an_adjustment(stripe_client):
    customer = stripe_client.v1.customers.create(params={"balance": 100})
    stripe_client.v1.customers.update(customer.id, params={"balance": 250})
    amounts = [t.amount for t in
               stripe_client.v1.customers.balance_transactions.list(customer.id).data]
    assert amounts == [150, 100]


def test_balance_transaction_currency_must_match(stripe_client):
    customer = stripe_client.v1.customers.create(params={"balance": 100})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.balance_transactions.create(
            customer.id, params={"amount": 1, "currency": "eur"})
    assert exc.value.param == "currency"


def test_tax_ids(stripe_client):
    customer = stripe_client.v1.customers.create(
        params={"tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}]})
    listed = stripe_client.v1.customers.tax_ids.list(customer.id)
    assert [(t.type, t.value, t.country) for t in listed.data] == [("eu_vat", "DE123456789", "DE")]
    added = stripe_client.v1.customers.tax_ids.create(
        customer.id, params={"type": "us_ein", "value": "12-3456789"})
    assert added.id.startswith("txi_")
    assert stripe_client.v1.customers.tax_ids.delete(customer.id, added.id).deleted is True
    assert len(stripe_client.v1.customers.tax_ids.list(customer.id).data) == 1


def test_tax_id_type_enum(stripe_client):
    customer = stripe_client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.tax_ids.create(customer.id,
                                                  params={"type": "xx_made_up", "value": "1"})
    assert exc.value.code == "parameter_invalid_enum"
    assert exc.value.param == "type"


def test_events_for_create_and_update(stripe_client, stripe_emulator):
    customer = stripe_client.v1.customers.create(params={"metadata": {"plan": "a"}})
    stripe_client.v1.customers.update(customer.id, params={"metadata": {"plan": "b"}})
    events = [e for e in stripe_emulator.state.collection("event").values()]
    assert [e["type"] for e in events] == ["customer.created", "customer.updated"]
    assert events[1]["data"]["previous_attributes"] == {"metadata": {"plan": "a"}}
    assert events[0]["data"]["object"]["metadata"] == {"plan": "a"}


@pytest.mark.parametrize("metadata, message", [
    ({"k" * 41: "v"}, "40 characters"),
    ({"k": "v" * 501}, "500 characters"),
    ({f"k{i}": "v" for i in range(51)}, "up to 50 keys"),
])
def test_metadata_limits(stripe_client, metadata, message):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params={"metadata": metadata})
    assert exc.value.param == "metadata"
    assert message in exc.value.user_message


def test_metadata_limits_count_after_merging(stripe_client):
    customer = stripe_client.v1.customers.create(
        params={"metadata": {f"k{i}": "v" for i in range(50)}})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.update(customer.id, params={"metadata": {"one_more": "v"}})
    swapped = stripe_client.v1.customers.update(
        customer.id, params={"metadata": {"k0": "", "one_more": "v"}})
    assert len(swapped.metadata.to_dict()) == 50


def test_limits_are_exact_not_off_by_one(stripe_client):
    customer = stripe_client.v1.customers.create(params={"metadata": {"k" * 40: "v" * 500}})
    assert customer.metadata["k" * 40] == "v" * 500


def test_expand_tax_ids_on_retrieve_and_list(stripe_client):
    customer = stripe_client.v1.customers.create(
        params={"tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}]})
    added = stripe_client.v1.customers.tax_ids.create(
        customer.id, params={"type": "eu_vat", "value": "FR12345678901"})
    plain = stripe_client.v1.customers.retrieve(customer.id)
    assert "tax_ids" not in plain
    full = stripe_client.v1.customers.retrieve(customer.id, params={"expand": ["tax_ids"]})
    assert full.tax_ids.object == "list" and full.tax_ids.total_count == 2
    assert full.tax_ids.data[0].id == added.id  # newest first
    assert full.tax_ids.url == f"/v1/customers/{customer.id}/tax_ids"
    listed = stripe_client.v1.customers.list(params={"expand": ["data.tax_ids"]})
    assert [t.value for t in listed.data[0].tax_ids.data] == ["FR12345678901", "DE123456789"]
    assert "tax_ids" not in stripe_client.v1.customers.list().data[0]
    assert len(stripe_client.v1.customers.tax_ids.list(customer.id).data) == 2
