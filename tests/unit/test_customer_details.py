"""What a person may enter as an address or a tax id, checked before Stripe is called; the keys of those writes."""
from types import SimpleNamespace

import pytest

from app.billing.customer_details import address_from, details_of, shipping_from, tax_id_from
from app.billing.stripe_requests import customer_details_key, details_change
from app.refusals import Invalid

ADDRESS = {"line1": " 1 Main St ", "line2": "", "city": "Springfield", "state": "IL", "postal_code": "62701",
           "country": "us"}


def test_an_address_is_trimmed_and_its_country_upper_cased():
    assert address_from(ADDRESS) == {"line1": "1 Main St", "line2": "", "city": "Springfield", "state": "IL",
                                     "postal_code": "62701", "country": "US"}


@pytest.mark.parametrize(("changes", "message", "field"), [
    ({"line1": " "}, "Address line 1 is required.", "line1"),
    ({"country": ""}, "The country is required.", "country"),
    ({"country": "USA"}, "'USA' is not a two-letter country code such as US, GB or DE.", "country"),
    ({"country": "U1"}, "'U1' is not a two-letter country code", "country"),
    ({"city": "x" * 201}, "The city is longer than 200 characters.", "city"),
    ({"line1": "", "country": "Germany"}, "Address line 1 is required; 'GERMANY' is not a two-letter", "line1"),
])
def test_a_bad_address_is_refused_naming_the_field(changes, message, field):
    with pytest.raises(Invalid) as refused:
        address_from(ADDRESS | changes)
    assert message in refused.value.message and refused.value.field == field


def test_a_shipping_address_needs_a_name():
    assert shipping_from(ADDRESS | {"name": " Dock 4 "})["name"] == "Dock 4"
    with pytest.raises(Invalid) as refused:
        shipping_from(ADDRESS | {"name": "", "country": "XYZ"})
    assert refused.value.field == "name"
    assert refused.value.message == ("The name to ship to is required; 'XYZ' is not a two-letter country code "
                                     "such as US, GB or DE.")


@pytest.mark.parametrize(("type_", "value", "message"), [
    ("", "DE123456789", "Choose the tax id's type."),
    ("br_cnpj", "DE123456789", "Choose the tax id's type."),
    ("eu_vat", "  ", "Enter the tax id's value."),
    ("eu_vat", "D" * 51, "at most 50 characters"),
    ("eu_vat", "DE123456789", "EU VAT number DE123456789 is already on the customer."),
])
def test_a_tax_id_needs_a_known_type_a_value_and_to_be_new(type_, value, message):
    with pytest.raises(Invalid, match=message):
        tax_id_from(type_, value, [{"type": "eu_vat", "value": "DE123456789"}])


def test_a_tax_id_of_another_type_with_the_same_value_is_new():
    assert tax_id_from("gb_vat", " GB123456789 ", [{"type": "eu_vat", "value": "GB123456789"}]) == (
        "gb_vat", "GB123456789")


def test_details_read_an_empty_address_as_none():
    details = details_of({"id": "cus_1", "address": {"line1": None, "country": None}, "shipping": None},
                         [{"id": "txi_1", "type": "eu_vat", "value": "DE123456789"}])
    assert details["address"] is None and details["tax_ids"] == [{"type": "eu_vat", "value": "DE123456789"}]


def test_keys_follow_our_record_else_the_count_of_earlier_writes():
    record = SimpleNamespace(id=4, version=3)
    what = details_change("billing-address", {"line1": "1 Main St", "country": "US"})
    assert customer_details_key(record, "cus_1", 9, what) == f"customer-4-v3-{what}"
    assert customer_details_key(None, "cus_1", 2, what) == f"stripe-customer-cus_1-w2-{what}"
    assert what.startswith("billing-address-") and len(what) == len("billing-address-") + 16
    assert details_change("shipping", None) == "shipping-clear"
    assert details_change("tax-id", {"type": "eu_vat", "value": "DE1"}) != details_change(
        "tax-id", {"type": "eu_vat", "value": "DE2"})
