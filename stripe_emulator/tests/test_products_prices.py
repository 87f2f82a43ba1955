"""Products and prices, including the removed handbook practices the API now rejects."""

import pytest
import stripe


@pytest.fixture
def product(stripe_client):
    return stripe_client.v1.products.create(params={"name": "Analytics",
                                                    "metadata": {"product_key": "analytics"}})


def test_product_crud(stripe_client, product):
    assert product.id.startswith("prod_")
    assert product.active is True
    updated = stripe_client.v1.products.update(product.id, params={"description": "Usage"})
    assert updated.description == "Usage"
    assert stripe_client.v1.products.delete(product.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.products.retrieve(product.id)
    assert exc.value.code == "resource_missing"


def test_product_with_custom_id_and_duplicate(stripe_client):
    stripe_client.v1.products.create(params={"id": "analytics", "name": "Analytics"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.products.create(params={"id": "analytics", "name": "Again"})
    assert exc.value.code == "resource_already_exists"


def test_product_with_prices_cannot_be_deleted(stripe_client, product):
    stripe_client.v1.prices.create(params={"product": product.id, "currency": "usd",
                                           "unit_amount": 100})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.products.delete(product.id)


def test_default_price_data(stripe_client):
    product = stripe_client.v1.products.create(
        params={"name": "Seats", "default_price_data": {"currency": "usd", "unit_amount": 1200,
                                                        "recurring": {"interval": "month"}}})
    price = stripe_client.v1.prices.retrieve(product.default_price)
    assert (price.unit_amount, price.type, price.product) == (1200, "recurring", product.id)


def test_product_list_and_search(stripe_client, product):
    stripe_client.v1.products.update(product.id, params={"active": False})
    other = stripe_client.v1.products.create(params={"name": "Replay"})
    assert [p.id for p in stripe_client.v1.products.list(params={"active": True}).data] == [other.id]
    found = stripe_client.v1.products.search(params={"query": "metadata['product_key']:'analytics'"})
    assert [p.id for p in found.data] == [product.id]


def test_one_off_price(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "USD", "unit_amount": 120000,
                "lookup_key": "analytics_annual", "metadata": {"plan": "enterprise"}})
    assert price.id.startswith("price_")
    assert (price.type, price.currency, price.unit_amount) == ("one_time", "usd", 120000)
    assert price.unit_amount_decimal == 120000
    assert price.recurring is None
    assert price.active is True


def test_decimal_unit_amount_stays_exact(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount_decimal": "0.0125"})
    assert price.unit_amount is None
    assert str(price.unit_amount_decimal) == "0.0125"


def test_recurring_price(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 5000,
                "recurring": {"interval": "year"}})
    assert price.type == "recurring"
    assert price.recurring.to_dict() == {"interval": "year", "interval_count": 1, "meter": None,
                                         "trial_period_days": None, "usage_type": "licensed"}


def test_interval_longer_than_three_years(stripe_client, product):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            params={"product": product.id, "currency": "usd", "unit_amount": 1,
                    "recurring": {"interval": "year", "interval_count": 4}})
    assert exc.value.param == "recurring[interval_count]"


def test_metered_price_needs_a_meter(stripe_client, product):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            params={"product": product.id, "currency": "usd", "unit_amount": 1,
                    "recurring": {"interval": "month", "usage_type": "metered"}})
    assert exc.value.code == "parameter_missing"
    assert exc.value.param == "recurring[meter]"


def test_aggregate_usage_is_rejected(stripe_client, product):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            params={"product": product.id, "currency": "usd", "unit_amount": 1,
                    "recurring": {"interval": "month", "usage_type": "metered",
                                  "aggregate_usage": "max"}})
    assert exc.value.code == "parameter_unknown"
    assert exc.value.param == "recurring[aggregate_usage]"


def test_metered_price_with_unknown_meter(stripe_client, product):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            params={"product": product.id, "currency": "usd", "unit_amount": 1,
                    "recurring": {"interval": "month", "usage_type": "metered",
                                  "meter": "mtr_missing"}})
    assert exc.value.code == "resource_missing"
    assert exc.value.param == "recurring[meter]"


def _graduated(client, product, meter, **extra):
    return client.v1.prices.create(params={
        "product": product.id, "currency": "usd", "billing_scheme": "tiered",
        "tiers_mode": "graduated",
        "tiers": [{"up_to": 1000000, "unit_amount_decimal": "0"},
                  {"up_to": 5000000, "unit_amount_decimal": "0.00045"},
                  {"up_to": "inf", "unit_amount_decimal": "0.0001", "flat_amount": 100}],
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id},
        **extra})


def test_graduated_metered_tiers_only_with_expand(stripe_client, product, meter):
    price = _graduated(stripe_client, product, meter)
    assert price.billing_scheme == "tiered"
    assert price.recurring.meter == meter.id
    assert "tiers" not in price
    expanded = stripe_client.v1.prices.retrieve(price.id, params={"expand": ["tiers"]})
    assert [t.up_to for t in expanded.tiers] == [1000000, 5000000, None]
    assert str(expanded.tiers[1].unit_amount_decimal) == "0.00045"
    assert expanded.tiers[2].flat_amount == 100
    listed = stripe_client.v1.prices.list(params={"expand": ["data.tiers"]})
    assert len(listed.data[0].tiers) == 3


def test_tiers_and_transform_quantity_are_exclusive(stripe_client, product, meter):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        _graduated(stripe_client, product, meter,
                   transform_quantity={"divide_by": 1000, "round": "up"})
    assert exc.value.code == "parameters_exclusive"


def test_last_tier_must_be_inf(stripe_client, product):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(params={
            "product": product.id, "currency": "usd", "billing_scheme": "tiered",
            "tiers_mode": "volume", "tiers": [{"up_to": 10, "unit_amount": 5}]})
    assert exc.value.param == "tiers[0][up_to]"


def test_transform_quantity(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 100,
                "transform_quantity": {"divide_by": 1000, "round": "up"}})
    assert price.transform_quantity.to_dict() == {"divide_by": 1000, "round": "up"}


def test_lookup_key_is_unique_unless_transferred(stripe_client, product):
    first = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 1, "lookup_key": "k"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(
            params={"product": product.id, "currency": "usd", "unit_amount": 2, "lookup_key": "k"})
    assert exc.value.param == "lookup_key"
    second = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 2, "lookup_key": "k",
                "transfer_lookup_key": True})
    assert stripe_client.v1.prices.retrieve(first.id).lookup_key is None
    found = stripe_client.v1.prices.list(params={"lookup_keys": ["k"]})
    assert [p.id for p in found.data] == [second.id]


def test_price_update_and_filters(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 1})
    updated = stripe_client.v1.prices.update(price.id, params={"active": False, "nickname": "old"})
    assert (updated.active, updated.nickname) == (False, "old")
    assert stripe_client.v1.prices.list(params={"active": True}).data == []
    assert [p.id for p in stripe_client.v1.prices.list(params={"product": product.id}).data] == [price.id]


def test_price_amount_cannot_change(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 1})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.update(price.id, params={"unit_amount": 2})
    assert exc.value.code == "parameter_unknown"


def test_price_search(stripe_client, product):
    price = stripe_client.v1.prices.create(
        params={"product": product.id, "currency": "usd", "unit_amount": 1,
                "metadata": {"plan": "startup"}})
    found = stripe_client.v1.prices.search(params={"query": "metadata['plan']:'startup'"})
    assert [p.id for p in found.data] == [price.id]


def test_price_with_product_data(stripe_client):
    price = stripe_client.v1.prices.create(
        params={"currency": "usd", "unit_amount": 1, "product_data": {"name": "Inline"}})
    assert stripe_client.v1.products.retrieve(price.product).name == "Inline"


def test_price_needs_an_amount(stripe_client, product):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.prices.create(params={"product": product.id, "currency": "usd"})
    assert exc.value.code == "parameter_missing"
