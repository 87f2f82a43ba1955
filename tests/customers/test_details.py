"""Addresses and tax ids of a Stripe customer, edited in place in Stripe, with or without our record of it."""
import pytest

from app.models import AuditEntry, Customer, StripeOperation

ADDRESS = {"line1": "1 Main St", "line2": "", "city": "Springfield", "state": "IL", "postal_code": "62701",
           "country": "us"}


@pytest.fixture
def stripe_customer(stripe_client):
    """A Stripe customer with no record of ours (a row's customer before go-live)."""
    return stripe_client.v1.customers.create(params={"name": "Umbrella Corp", "email": "ap@umbrella.example"}).id


def _post(client, cus, editor, data):
    return client.post(f"/customers/stripe/{cus}/{editor}", data=data, headers={"HX-Request": "true"})


def _audit(db, action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == action)).all()


def _operations(db, subject_type="stripe_customer"):
    return db.session.scalars(db.select(StripeOperation).where(StripeOperation.subject_type == subject_type)
                              .order_by(StripeOperation.id)).all()


def test_the_page_shows_stripe_now_and_says_there_is_no_record(client, login_as, stripe_customer):
    login_as("cs")
    page = client.get(f"/customers/stripe/{stripe_customer}/details").get_data(as_text=True)
    assert "Umbrella Corp: addresses and tax ids" in page and "no record of ours yet" in page
    assert 'id="billing-address"' in page and 'id="tax-ids"' in page and "Add tax id" in page
    assert '<option value="eu_vat"' in page


def test_set_a_billing_address_in_stripe(client, login_as, db, stripe_client, stripe_customer):
    login_as("cs")
    response = _post(client, stripe_customer, "billing-address", ADDRESS)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Billing address saved in Stripe." in html
    assert "1 Main St, Springfield, IL, 62701, US" in html
    address = stripe_client.v1.customers.retrieve(stripe_customer).address
    assert (address.line1, address.city, address.country) == ("1 Main St", "Springfield", "US")
    [op] = _operations(db)
    assert op.status == "succeeded" and op.idempotency_key.startswith(f"stripe-customer-{stripe_customer}-w0-billing")
    [entry] = _audit(db, "customer.billing_address_set")
    assert (entry.object_type, entry.object_id) == ("stripe_customer", stripe_customer)
    assert entry.before == {"address": None} and entry.after["address"]["country"] == "US"
    assert entry.stripe_request_ids


def test_setting_a_then_b_then_a_again_writes_each_time(client, login_as, stripe_client, stripe_customer):
    login_as("cs")
    for city in ("Springfield", "Shelbyville", "Springfield"):
        assert _post(client, stripe_customer, "billing-address", ADDRESS | {"city": city}).status_code == 200
    assert stripe_client.v1.customers.retrieve(stripe_customer).address.city == "Springfield"


def test_remove_the_billing_address(client, login_as, db, stripe_client, stripe_customer):
    login_as("finance")
    _post(client, stripe_customer, "billing-address", ADDRESS)
    response = _post(client, stripe_customer, "billing-address", {"remove": "1"})
    assert response.status_code == 200 and "Billing address removed in Stripe." in response.get_data(as_text=True)
    assert stripe_client.v1.customers.retrieve(stripe_customer).address is None
    assert _audit(db, "customer.billing_address_removed")[0].after == {"address": None}


def test_set_and_remove_the_shipping_address(client, login_as, db, stripe_client, stripe_customer):
    login_as("cs")
    response = _post(client, stripe_customer, "shipping", ADDRESS | {"name": "Dock 4", "country": "DE"})
    assert response.status_code == 200 and "Dock 4: 1 Main St" in response.get_data(as_text=True)
    shipping = stripe_client.v1.customers.retrieve(stripe_customer).shipping
    assert (shipping.name, shipping.address.country) == ("Dock 4", "DE")
    assert _post(client, stripe_customer, "shipping", {"remove": "1"}).status_code == 200
    assert stripe_client.v1.customers.retrieve(stripe_customer).shipping is None
    assert [e.action for e in _audit(db, "customer.shipping_set") + _audit(db, "customer.shipping_removed")] == [
        "customer.shipping_set", "customer.shipping_removed"]


def test_add_and_remove_a_tax_id(client, login_as, db, stripe_client, stripe_customer):
    login_as("cs")
    response = _post(client, stripe_customer, "tax-ids", {"type": "eu_vat", "value": " DE123456789 "})
    assert response.status_code == 200 and "Tax id DE123456789 added in Stripe." in response.get_data(as_text=True)
    [tax_id] = stripe_client.v1.customers.tax_ids.list(stripe_customer).data
    assert (tax_id.type, tax_id.value) == ("eu_vat", "DE123456789")
    assert _audit(db, "customer.tax_id_added")[0].after == {"tax_id": {"type": "eu_vat", "value": "DE123456789"}}
    response = _post(client, stripe_customer, "tax-ids/remove", {"type": "eu_vat", "value": "DE123456789"})
    assert response.status_code == 200 and "removed in Stripe" in response.get_data(as_text=True)
    assert stripe_client.v1.customers.tax_ids.list(stripe_customer).data == []
    assert _audit(db, "customer.tax_id_removed")[0].before == {"tax_id": {"type": "eu_vat", "value": "DE123456789"}}


def test_stripe_refuses_an_invalid_tax_id_in_its_own_words(client, login_as, db, stripe_client, stripe_customer):
    login_as("cs")
    response = _post(client, stripe_customer, "tax-ids", {"type": "eu_vat", "value": "DE1"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Invalid value for eu_vat." in html
    assert 'value="DE1"' in html and "added in Stripe" not in html  # the value stays to be corrected
    assert stripe_client.v1.customers.tax_ids.list(stripe_customer).data == []
    assert _audit(db, "customer.tax_id_added") == []
    assert [op.status for op in _operations(db)] == ["failed"]  # recorded as tried, never as done


@pytest.mark.parametrize(("editor", "data", "message"), [
    ("billing-address", ADDRESS | {"line1": ""}, "Address line 1 is required."),
    ("billing-address", ADDRESS | {"country": "USA"}, "&#39;USA&#39; is not a two-letter country code"),
    ("shipping", ADDRESS, "The name to ship to is required."),
    ("shipping", {"remove": "1"}, "The customer has no shipping address to remove."),
    ("billing-address", {"remove": "1"}, "The customer has no billing address to remove."),
    ("tax-ids", {"type": "br_cnpj", "value": "1"}, "Choose the tax id&#39;s type."),
    ("tax-ids", {"type": "eu_vat", "value": " "}, "Enter the tax id&#39;s value."),
    ("tax-ids/remove", {"type": "eu_vat", "value": "DE123456789"}, "is not on the customer (any more)"),
])
def test_bad_input_is_refused_in_place_with_nothing_written(client, login_as, stripe_customer, nothing_written,
                                                            editor, data, message):
    login_as("cs")
    client.get(f"/customers/stripe/{stripe_customer}/details")  # the page the person edits on
    with nothing_written():
        response = _post(client, stripe_customer, editor, data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_tax_id_already_there_is_not_added_twice(client, login_as, stripe_client, stripe_customer,
                                                   nothing_written):
    login_as("cs")
    assert _post(client, stripe_customer, "tax-ids", {"type": "gb_vat", "value": "GB123456789"}).status_code == 200
    client.get(f"/customers/stripe/{stripe_customer}/details")
    with nothing_written():
        response = _post(client, stripe_customer, "tax-ids", {"type": "gb_vat", "value": "GB123456789"})
    assert response.status_code == 422 and "already on the customer" in response.get_data(as_text=True)


@pytest.mark.parametrize("cus", ["cus_doesnotexist", "not-a-customer"])
def test_an_unknown_stripe_customer_is_a_404(client, login_as, nothing_written, cus):
    login_as("cs")
    assert client.get(f"/customers/stripe/{cus}/details").status_code == 404
    with nothing_written():
        assert _post(client, cus, "tax-ids", {"type": "eu_vat", "value": "DE123456789"}).status_code == 404


@pytest.mark.parametrize("role", ["growth", "viewer"])
def test_only_customer_editors_edit(client, login_as, stripe_customer, nothing_written, role):
    login_as(role)
    assert "Add tax id" not in client.get(f"/customers/stripe/{stripe_customer}/details").get_data(as_text=True)
    with nothing_written():
        assert _post(client, stripe_customer, "tax-ids", {"type": "eu_vat", "value": "DE123456789"}).status_code == 403


# with our record of the customer

def test_with_a_record_the_key_follows_its_version_and_it_is_re_synced(client, login_as, db, stripe_client,
                                                                         synced_customer):
    login_as("cs")
    customer = synced_customer()
    version = customer.version
    response = _post(client, customer.stripe_customer_id, "billing-address", ADDRESS)
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "customer-changed"
    assert 'id="customer-version"' in response.get_data(as_text=True)  # the page's other editors are not stale
    [op] = _operations(db, "customer")
    assert op.idempotency_key.startswith(f"customer-{customer.id}-v{version}-billing-address-")
    db.session.expire_all()
    record = db.session.get(Customer, customer.id)
    assert record.stripe_snapshot["customer"]["address"]["line1"] == "1 Main St" and record.version > version
    entry = _audit(db, "customer.billing_address_set")[0]
    assert (entry.object_type, entry.object_id) == ("customer", str(customer.id))


def test_the_customer_page_shows_the_editors_over_its_snapshot(client, login_as, db, stripe_client, gateway,
                                                               synced_customer):
    login_as("cs")
    customer = synced_customer()
    stripe_client.v1.customers.tax_ids.create(customer.stripe_customer_id,
                                              params={"type": "us_ein", "value": "12-3456789"})
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Addresses and tax ids" in page and "12-3456789" not in page  # as of the last sync
    _post(client, customer.stripe_customer_id, "tax-ids", {"type": "eu_vat", "value": "DE123456789"})
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "12-3456789" in page and "DE123456789" in page
    assert f'hx-post="/customers/stripe/{customer.stripe_customer_id}/tax-ids"' in page


def test_a_snapshot_without_the_customer_id_still_shows_the_editors_for_its_customer(client, login_as, db):
    """A record whose snapshot holds only part of the Stripe customer (the demo's credits customer did): the
    page draws, its editors aimed at the record's own Stripe customer."""
    customer = Customer(name="Credits half", stripe_customer_id="cus_half1", plans_map={}, billing_limits={},
                        stripe_snapshot={"customer": {"metadata": {"billing_role": "credits"}}})
    db.session.add(customer)
    db.session.commit()
    login_as("cs")
    response = client.get(f"/customers/{customer.id}")
    assert response.status_code == 200
    assert 'hx-post="/customers/stripe/cus_half1/billing-address"' in response.get_data(as_text=True)
