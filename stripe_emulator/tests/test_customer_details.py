"""A customer's address, shipping and tax ids as the app edits them: set, change, clear; tax
id values checked against their type's format as Stripe does."""

import pytest
import stripe

ADDRESS = {"line1": "1 Main St", "line2": "Suite 5", "city": "Springfield",
           "postal_code": "62701", "state": "IL", "country": "US"}


def test_address_set_change_and_clear(stripe_client, stripe_emulator):
    customer = stripe_client.v1.customers.create(params={"name": "Acme"})
    assert customer.address is None
    update = stripe_client.v1.customers.update
    assert update(customer.id, params={"address": ADDRESS}).address.to_dict() == ADDRESS
    moved = update(customer.id, params={"address": {"line1": "9 Rue X", "city": "Paris",
                                                    "country": "FR"}})
    assert moved.address.to_dict() == {"line1": "9 Rue X", "line2": None, "city": "Paris",
                                       "postal_code": None, "state": None, "country": "FR"}
    assert update(customer.id, params={"address": ""}).address is None
    assert stripe_client.v1.customers.retrieve(customer.id).address is None
    events = [e for e in stripe_emulator.state.collection("event").values()
              if e["type"] == "customer.updated"]
    assert events[1]["data"]["previous_attributes"]["address"]["city"] == "Springfield"
    assert events[2]["data"]["previous_attributes"]["address"]["city"] == "Paris"


def test_shipping_set_change_and_clear(stripe_client):
    customer = stripe_client.v1.customers.create(params={
        "shipping": {"name": "Dock 1", "address": {"line1": "1 Main St", "country": "US"}}})
    assert (customer.shipping.name, customer.shipping.address.line1) == ("Dock 1", "1 Main St")
    update = stripe_client.v1.customers.update
    changed = update(customer.id, params={"shipping": {
        "name": "Dock 2", "phone": "+1 555 0100", "address": ADDRESS}})
    assert (changed.shipping.name, changed.shipping.phone) == ("Dock 2", "+1 555 0100")
    assert changed.shipping.address.to_dict() == ADDRESS
    with pytest.raises(stripe.InvalidRequestError) as exc:  # a shipping address needs a name
        update(customer.id, params={"shipping": {"address": {"line1": "2 Main St"}}})
    assert (exc.value.code, exc.value.param) == ("parameter_missing", "shipping[name]")
    assert update(customer.id, params={"shipping": ""}).shipping is None


def test_finalized_invoice_keeps_the_address_it_was_issued_with(stripe_client):
    customer = stripe_client.v1.customers.create(params={"address": ADDRESS})
    invoice = stripe_client.v1.invoices.create(params={"customer": customer.id})
    stripe_client.v1.invoice_items.create(params={"customer": customer.id, "amount": 100,
                                                  "currency": "usd", "invoice": invoice.id})
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    stripe_client.v1.customers.update(customer.id, params={"address": ""})
    assert stripe_client.v1.invoices.retrieve(invoice.id).customer_address.city == "Springfield"


@pytest.mark.parametrize("type_, value", [
    ("eu_vat", "DE123456789"), ("eu_vat", "FR12345678901"), ("eu_vat", "NL123456789B01"),
    ("eu_vat", "ATU12345678"), ("eu_vat", "EL123456789"), ("gb_vat", "GB123456789"),
    ("gb_vat", "GB123456789012"), ("us_ein", "12-3456789"), ("au_abn", "12345678912"),
    ("ca_bn", "123456789"), ("ch_vat", "CHE-123.456.789 MWST"),
])
def test_valid_tax_ids(stripe_client, type_, value):
    customer = stripe_client.v1.customers.create()
    created = stripe_client.v1.customers.tax_ids.create(customer.id,
                                                        params={"type": type_, "value": value})
    assert (created.type, created.value, created.customer) == (type_, value, customer.id)


@pytest.mark.parametrize("type_, value", [
    ("eu_vat", "DE1"), ("eu_vat", "123456789"), ("eu_vat", "DE12345678901234"),
    ("eu_vat", "GB123456789"), ("eu_vat", "US123456789"), ("eu_vat", "DE 123456789"),
    ("gb_vat", "GB12345678"), ("gb_vat", "123456789"), ("gb_vat", "GB1234567890"),
    ("us_ein", "123456789"), ("us_ein", "12-345678"), ("au_abn", "1234567891"),
    ("au_abn", "ABN12345678"), ("ca_bn", "12345678"), ("ca_bn", "123456789RT0001"),
])
def test_invalid_tax_ids_are_refused(stripe_client, stripe_emulator, type_, value):
    customer = stripe_client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.tax_ids.create(customer.id,
                                                  params={"type": type_, "value": value})
    assert (exc.value.http_status, exc.value.code, exc.value.param) == (
        400, "tax_id_invalid", "value")
    assert exc.value.user_message == f"Invalid value for {type_}."
    assert stripe_client.v1.customers.tax_ids.list(customer.id).data == []
    assert "customer.tax_id.created" not in [e["type"] for e in
                                             stripe_emulator.state.collection("event").values()]


def test_invalid_tax_id_data_refuses_the_whole_customer(stripe_client, stripe_emulator):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.create(params={"name": "Acme", "tax_id_data": [
            {"type": "us_ein", "value": "12-3456789"}, {"type": "eu_vat", "value": "XX"}]})
    assert (exc.value.code, exc.value.param) == ("tax_id_invalid", "tax_id_data[1][value]")
    assert not stripe_emulator.state.collection("customer")
    assert not stripe_emulator.state.collection("tax_id")


def test_tax_id_list_and_delete(stripe_client, stripe_emulator):
    customer = stripe_client.v1.customers.create(
        params={"tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}]})
    added = stripe_client.v1.customers.tax_ids.create(customer.id, params={
        "type": "gb_vat", "value": "GB123456789"})
    assert (added.country, added.verification.status) == ("GB", "pending")
    listed = stripe_client.v1.customers.tax_ids.list(customer.id)
    assert [t.value for t in listed.data] == ["GB123456789", "DE123456789"]
    removed = stripe_client.v1.customers.tax_ids.delete(customer.id, added.id)
    assert (removed.id, removed.deleted) == (added.id, True)
    assert [t.value for t in stripe_client.v1.customers.tax_ids.list(customer.id).data] == [
        "DE123456789"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.customers.tax_ids.delete(customer.id, added.id)
    assert exc.value.code == "resource_missing"
    other = stripe_client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError):  # not this customer's tax id
        stripe_client.v1.customers.tax_ids.retrieve(other.id, listed.data[1].id)
    types = [e["type"] for e in stripe_emulator.state.collection("event").values()]
    assert types.count("customer.tax_id.created") == 2
    assert types.count("customer.tax_id.deleted") == 1
