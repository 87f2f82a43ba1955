"""Invoice items and line edits (`add_lines`, `remove_lines`, `update_lines`)."""

import pytest
import stripe


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create()


@pytest.fixture
def product(stripe_client):
    return stripe_client.v1.products.create(params={"name": "Analytics"})


@pytest.fixture
def price(stripe_client, product):
    return stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 120000})


@pytest.fixture
def invoice(stripe_client, customer):
    return stripe_client.v1.invoices.create(
        params={"customer": customer.id, "collection_method": "send_invoice",
                "days_until_due": 30})


def test_item_with_pricing_price_and_period(stripe_client, customer, invoice, price):
    item = stripe_client.v1.invoice_items.create(
        params={"customer": customer.id, "invoice": invoice.id, "pricing": {"price": price.id},
                "quantity": 2, "period": {"start": 1_800_000_000, "end": 1_831_536_000},
                "metadata": {"product_key": "analytics"}})
    assert item.id.startswith("ii_")
    assert (item.amount, item.quantity, item.currency) == (240000, 2, "usd")
    assert item.pricing.price_details.price == price.id
    assert item.description == "Analytics"
    line = stripe_client.v1.invoices.retrieve(invoice.id).lines.data[0]
    assert (line.period.start, line.period.end) == (1_800_000_000, 1_831_536_000)
    assert line.parent.invoice_item_details.invoice_item == item.id


def test_top_level_price_is_rejected(stripe_client, customer, price):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoice_items.create(params={"customer": customer.id,
                                                      "price": price.id})
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "price"


def test_price_data_and_decimal_amounts(stripe_client, customer, product):
    item = stripe_client.v1.invoice_items.create(
        params={"customer": customer.id, "quantity": 3,
                "price_data": {"currency": "usd", "product": product.id,
                               "unit_amount_decimal": "33.335"}})
    assert item.amount == 100
    assert str(item.pricing.unit_amount_decimal) == "33.335"
    assert stripe_client.v1.prices.retrieve(item.pricing.price_details.price).active is False


def test_amount_needs_a_currency(stripe_client, customer):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoice_items.create(params={"customer": customer.id, "amount": 100})
    assert exc.value.param == "currency"


def test_pricing_sources_are_exclusive(stripe_client, customer, price):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoice_items.create(
            params={"customer": customer.id, "pricing": {"price": price.id}, "amount": 5,
                    "currency": "usd"})
    assert exc.value.code == "parameters_exclusive"


def test_recurring_price_is_rejected_on_items(stripe_client, customer, product):
    monthly = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 1,
                "recurring": {"interval": "month"}})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoice_items.create(params={"customer": customer.id,
                                                      "pricing": {"price": monthly.id}})
    assert exc.value.param == "pricing[price]"


def test_update_and_delete_pending_item(stripe_client, customer, price):
    item = stripe_client.v1.invoice_items.create(params={"customer": customer.id,
                                                         "pricing": {"price": price.id}})
    updated = stripe_client.v1.invoice_items.update(item.id, params={"quantity": 3})
    assert updated.amount == 360000
    pending = stripe_client.v1.invoice_items.list(params={"pending": True})
    assert [i.id for i in pending.data] == [item.id]
    assert stripe_client.v1.invoice_items.delete(item.id).deleted is True


def test_item_discounts_set_net_amount(stripe_client, customer, price):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 50})
    item = stripe_client.v1.invoice_items.create(
        params={"customer": customer.id, "pricing": {"price": price.id},
                "discounts": [{"coupon": coupon.id}]})
    assert item.net_amount == 60000
    assert item.discounts[0].startswith("di_")


def test_add_lines(stripe_client, stripe_emulator, invoice, price, product):
    updated = stripe_client.v1.invoices.add_lines(invoice.id, params={
        "lines": [{"pricing": {"price": price.id},
                   "period": {"start": 1_800_000_000, "end": 1_831_536_000}},
                  {"price_data": {"currency": "usd", "product": product.id, "unit_amount": 500},
                   "quantity": 4},
                  {"amount": -1000, "description": "Credit"}],
        "invoice_metadata": {"lines": "3"}})
    assert [line.amount for line in updated.lines.data] == [120000, 2000, -1000]
    assert updated.subtotal == 121000
    assert updated.metadata["lines"] == "3"


def test_add_lines_error_names_the_line(stripe_client, invoice):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.add_lines(invoice.id, params={
            "lines": [{"amount": 5}, {"pricing": {"price": "price_missing"}}]})
    assert exc.value.param == "lines[1][pricing][price]"


def test_add_lines_unknown_nested_param(stripe_client, invoice, price):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.add_lines(invoice.id, params={
            "lines": [{"price": price.id}]})
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "lines[0][price]"


def test_add_lines_to_finalized_invoice(stripe_client, invoice):
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.add_lines(invoice.id, params={"lines": [{"amount": 5}]})
    assert exc.value.code == "invoice_not_editable"


def test_update_and_remove_lines(stripe_client, invoice, price):
    added = stripe_client.v1.invoices.add_lines(invoice.id, params={
        "lines": [{"pricing": {"price": price.id}}, {"amount": 700}]})
    first, second = added.lines.data
    updated = stripe_client.v1.invoices.update_lines(invoice.id, params={
        "lines": [{"id": first.id, "period": {"start": 1_800_000_000, "end": 1_831_536_000},
                   "metadata": {"revrec": "deferred"}}]})
    line = updated.lines.data[0]
    assert (line.id, line.period.start, line.metadata["revrec"]) == (first.id, 1_800_000_000,
                                                                      "deferred")
    removed = stripe_client.v1.invoices.remove_lines(invoice.id, params={
        "lines": [{"id": second.id, "behavior": "unassign"}]})
    assert [x.id for x in removed.lines.data] == [first.id]
    item_id = second.parent.invoice_item_details.invoice_item
    assert stripe_client.v1.invoice_items.retrieve(item_id).invoice is None


def test_lines_listing_paginates_in_order(stripe_client, invoice):
    stripe_client.v1.invoices.add_lines(invoice.id, params={
        "lines": [{"amount": n + 1, "description": f"l{n}"} for n in range(12)]})
    embedded = stripe_client.v1.invoices.retrieve(invoice.id).lines
    assert (len(embedded.data), embedded.has_more, embedded.total_count) == (10, True, 12)
    every = [line.amount for line in
             stripe_client.v1.invoices.line_items.list(invoice.id).auto_paging_iter()]
    assert every == list(range(1, 13))
