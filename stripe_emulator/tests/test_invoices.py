"""Draft invoices for review, as the annual-plan flow builds them, and their status rules."""

import pytest
import stripe

DAY = 86400


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create(params={"email": "ap@acme.test", "name": "Acme"})


@pytest.fixture
def price(stripe_client):
    product = stripe_client.v1.products.create(params={"name": "Analytics"})
    return stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 120000})


def _draft(client, customer, **extra):
    params = {"customer": customer.id, "collection_method": "send_invoice",
              "days_until_due": 30, **extra}
    return client.v1.invoices.create(params=params)


def _with_line(client, customer, price, **extra):
    invoice = _draft(client, customer, **extra)
    client.v1.invoice_items.create(params={"customer": customer.id, "invoice": invoice.id,
                                           "pricing": {"price": price.id}})
    return client.v1.invoices.retrieve(invoice.id)


def test_draft_send_invoice_with_days_until_due(stripe_client, stripe_emulator, customer, idem):
    invoice = stripe_client.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice",
                "days_until_due": 30, "auto_advance": False,
                "pending_invoice_items_behavior": "exclude", "metadata": {"plan_row": "7"}},
        options={"idempotency_key": idem()})
    assert invoice.id.startswith("in_")
    assert (invoice.status, invoice.collection_method, invoice.auto_advance) == (
        "draft", "send_invoice", False)
    assert invoice.due_date == invoice.created + 30 * DAY
    assert invoice.number is None
    assert invoice.lines.object == "list" and invoice.lines.data == []
    assert invoice.customer_email == "ap@acme.test"


def test_due_date_in_the_future(stripe_client, stripe_emulator, customer):
    due = stripe_emulator.now() + 45 * DAY
    invoice = _draft(stripe_client, customer, days_until_due=None, due_date=due)
    assert invoice.due_date == due


def test_past_due_date_is_rejected(stripe_client, stripe_emulator, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(
            params={"customer": customer.id, "collection_method": "send_invoice",
                    "due_date": stripe_emulator.now() - DAY})
    assert exc.value.param == "due_date"


def test_send_invoice_needs_due_terms(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(params={"customer": customer.id,
                                                 "collection_method": "send_invoice"})
    assert exc.value.code == "parameter_missing"


def test_charge_automatically_has_no_due_date(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(params={"customer": customer.id, "days_until_due": 3})
    assert exc.value.param == "days_until_due"


def test_wrong_collection_method_enum(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(params={"customer": customer.id,
                                                 "collection_method": "invoice_me"})
    assert exc.value.code == "parameter_invalid_enum"
    assert exc.value.param == "collection_method"


def test_totals_with_invoice_and_item_discounts(stripe_client, customer, price):
    invoice_coupon = stripe_client.v1.coupons.create(params={"percent_off": 20})
    item_coupon = stripe_client.v1.coupons.create(params={"amount_off": 10000, "currency": "usd"})
    invoice = _draft(stripe_client, customer, discounts=[{"coupon": invoice_coupon.id}])
    stripe_client.v1.invoice_items.create(
        params={"customer": customer.id, "invoice": invoice.id, "pricing": {"price": price.id},
                "discounts": [{"coupon": item_coupon.id}]})
    stripe_client.v1.invoice_items.create(
        params={"customer": customer.id, "invoice": invoice.id, "amount": 5000,
                "currency": "usd", "description": "Setup"})
    invoice = stripe_client.v1.invoices.retrieve(invoice.id)
    assert invoice.subtotal == 125000
    by_discount = {d.discount: d.amount for d in invoice.total_discount_amounts}
    assert by_discount[invoice.discounts[0]] == (110000 + 5000) * 20 // 100
    assert sum(by_discount.values()) == 10000 + 23000
    assert invoice.total == invoice.amount_due == 125000 - 33000


def test_pending_items_are_included_on_request(stripe_client, customer, price):
    item = stripe_client.v1.invoice_items.create(params={"customer": customer.id,
                                                         "pricing": {"price": price.id}})
    excluded = _draft(stripe_client, customer)
    assert excluded.lines.data == []
    included = _draft(stripe_client, customer, pending_invoice_items_behavior="include")
    assert [line.parent.invoice_item_details.invoice_item for line in included.lines.data] == [
        item.id]
    assert stripe_client.v1.invoice_items.retrieve(item.id).invoice == included.id


def test_update_draft(stripe_client, customer, price):
    invoice = _with_line(stripe_client, customer, price)
    updated = stripe_client.v1.invoices.update(
        invoice.id, params={"days_until_due": 45, "metadata": {"amortized": "yes"},
                            "description": "Annual plan"})
    assert updated.due_date == updated.created + 45 * DAY
    assert updated.metadata.to_dict() == {"amortized": "yes"}


def test_finalize_send_and_pay_out_of_band(stripe_client, stripe_emulator, customer, price):
    stripe_emulator.freeze()
    invoice = _with_line(stripe_client, customer, price)
    stripe_emulator.advance(DAY)
    finalized = stripe_client.v1.invoices.finalize_invoice(invoice.id)
    assert finalized.status == "open"
    assert finalized.number.endswith("-0001")
    assert finalized.status_transitions.finalized_at == stripe_emulator.now()
    assert finalized.due_date == stripe_emulator.now() + 30 * DAY
    assert finalized.hosted_invoice_url.startswith("https://")
    assert stripe_client.v1.invoices.send_invoice(invoice.id).status == "open"
    paid = stripe_client.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})
    assert (paid.status, paid.amount_paid, paid.amount_remaining) == ("paid", 120000, 0)
    types = [e["type"] for e in stripe_emulator.state.collection("event").values()
             if e["type"].startswith("invoice.")]
    assert types == ["invoice.created", "invoice.finalized", "invoice.sent", "invoice.paid"]


def test_editing_a_finalized_invoice_is_rejected(stripe_client, customer, price):
    invoice = _with_line(stripe_client, customer, price)
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.update(invoice.id, params={"days_until_due": 10})
    assert exc.value.code == "invoice_not_editable"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoice_items.create(
            params={"customer": customer.id, "invoice": invoice.id, "amount": 1,
                    "currency": "usd"})
    assert exc.value.code == "invoice_not_editable"
    assert stripe_client.v1.invoices.update(
        invoice.id, params={"metadata": {"note": "ok"}}).metadata["note"] == "ok"


def test_voiding_a_draft_is_rejected(stripe_client, customer, price):
    invoice = _with_line(stripe_client, customer, price)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.void_invoice(invoice.id)
    assert "draft" in exc.value.user_message


def test_void_an_open_invoice(stripe_client, stripe_emulator, customer, price):
    invoice = _with_line(stripe_client, customer, price)
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    voided = stripe_client.v1.invoices.void_invoice(invoice.id)
    assert voided.status == "void"
    assert voided.status_transitions.voided_at is not None
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})


def test_mark_uncollectible_then_void(stripe_client, customer, price):
    invoice = _with_line(stripe_client, customer, price)
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    assert stripe_client.v1.invoices.mark_uncollectible(invoice.id).status == "uncollectible"
    assert stripe_client.v1.invoices.void_invoice(invoice.id).status == "void"


def test_delete_only_drafts(stripe_client, customer, price):
    draft = _with_line(stripe_client, customer, price)
    assert stripe_client.v1.invoices.delete(draft.id).deleted is True
    assert stripe_client.v1.invoice_items.list(params={"customer": customer.id}).data == []
    other = _with_line(stripe_client, customer, price)
    stripe_client.v1.invoices.finalize_invoice(other.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.delete(other.id)


def test_pay_needs_out_of_band_in_the_emulator(stripe_client, customer, price):
    invoice = _with_line(stripe_client, customer, price)
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.invoices.pay(invoice.id)


def test_zero_amount_invoice_is_paid_on_finalize(stripe_client, customer):
    invoice = _draft(stripe_client, customer)
    assert stripe_client.v1.invoices.finalize_invoice(invoice.id).status == "paid"


def test_customer_credit_balance_applies_at_finalization(stripe_client, customer, price):
    stripe_client.v1.customers.balance_transactions.create(
        customer.id, params={"amount": -20000, "currency": "usd"})
    invoice = _with_line(stripe_client, customer, price)
    finalized = stripe_client.v1.invoices.finalize_invoice(invoice.id)
    assert (finalized.starting_balance, finalized.ending_balance) == (-20000, 0)
    assert finalized.amount_due == 100000
    assert stripe_client.v1.customers.retrieve(customer.id).balance == 0


def test_auto_advance_finalizes_after_an_hour(stripe_client, stripe_emulator, customer, price):
    invoice = _with_line(stripe_client, customer, price, auto_advance=True)
    assert invoice.automatically_finalizes_at == invoice.created + 3600
    stripe_emulator.advance(3601)
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"


def test_list_filters(stripe_client, customer, price):
    other = stripe_client.v1.customers.create()
    open_invoice = _with_line(stripe_client, customer, price)
    stripe_client.v1.invoices.finalize_invoice(open_invoice.id)
    draft = _draft(stripe_client, customer)
    _draft(stripe_client, other)
    by_customer = stripe_client.v1.invoices.list(params={"customer": customer.id})
    assert [i.id for i in by_customer.data] == [draft.id, open_invoice.id]
    by_status = stripe_client.v1.invoices.list(params={"customer": customer.id, "status": "open"})
    assert [i.id for i in by_status.data] == [open_invoice.id]
    assert stripe_client.v1.invoices.list(params={"subscription": "sub_none"}).data == []


def test_wrong_status_filter_enum(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.list(params={"status": "pending"})
    assert exc.value.code == "parameter_invalid_enum"


def test_expand_customer(stripe_client, customer):
    invoice = stripe_client.v1.invoices.create(params={"customer": customer.id,
                                                       "expand": ["customer"]})
    assert invoice.customer.email == "ap@acme.test"


def test_metadata_limits_on_invoices(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(
            params={"customer": customer.id, "metadata": {f"k{i}": "v" for i in range(51)}})
    assert exc.value.param == "metadata"
    assert "50 keys" in exc.value.user_message


def test_auto_finalize_leaves_test_clock_drafts_to_their_clock(stripe_client, stripe_emulator,
                                                               price):
    clock = stripe_client.v1.test_helpers.test_clocks.create(
        params={"frozen_time": stripe_emulator.now()})
    customer = stripe_client.v1.customers.create(params={"test_clock": clock.id})
    invoice = _with_line(stripe_client, customer, price, auto_advance=True)
    stripe_emulator.advance(2 * 3600)  # the emulator clock moves; the test clock does not
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "draft"
    stripe_client.v1.test_helpers.test_clocks.advance(
        clock.id, params={"frozen_time": clock.frozen_time + 3601})
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"


def test_auto_finalize_follows_auto_advance_updates(stripe_client, stripe_emulator, customer,
                                                    price):
    invoice = _with_line(stripe_client, customer, price, auto_advance=True)
    stripe_client.v1.invoices.update(invoice.id, params={"auto_advance": False})
    stripe_emulator.advance(3601)
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "draft"
    stripe_client.v1.invoices.update(invoice.id, params={"auto_advance": True})
    stripe_emulator.advance(3601)
    assert stripe_client.v1.invoices.retrieve(invoice.id).status == "open"
