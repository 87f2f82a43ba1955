"""Coupons and discount math on invoices and invoice items."""

import pytest
import stripe


def test_percent_coupon(stripe_client):
    coupon = stripe_client.v1.coupons.create(
        params={"percent_off": 12.5, "duration": "repeating", "duration_in_months": 12,
                "name": "Startup", "metadata": {"plan": "startup"}})
    assert (coupon.percent_off, coupon.duration, coupon.duration_in_months) == (12.5, "repeating", 12)
    assert coupon.valid is True and coupon.times_redeemed == 0
    assert stripe_client.v1.coupons.retrieve(coupon.id).name == "Startup"


def test_amount_coupon_with_custom_id(stripe_client):
    coupon = stripe_client.v1.coupons.create(
        params={"id": "SAVE50", "amount_off": 5000, "currency": "USD", "duration": "forever"})
    assert (coupon.id, coupon.amount_off, coupon.currency) == ("SAVE50", 5000, "usd")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.coupons.create(params={"id": "SAVE50", "percent_off": 5})
    assert exc.value.code == "resource_already_exists"


@pytest.mark.parametrize("params, param", [
    ({"amount_off": 100}, "currency"),
    ({"percent_off": 10, "amount_off": 100, "currency": "usd"}, "percent_off"),
    ({"duration": "forever"}, "amount_off"),
    ({"percent_off": 150}, "percent_off"),
    ({"percent_off": 10, "duration": "repeating"}, "duration_in_months"),
    ({"percent_off": 10, "duration": "once", "duration_in_months": 3}, "duration_in_months"),
])
def test_coupon_validation(stripe_client, params, param):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.coupons.create(params=params)
    assert exc.value.param == param


def test_wrong_duration_enum(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.coupons.create(params={"percent_off": 10, "duration": "weekly"})
    assert exc.value.code == "parameter_invalid_enum"


def test_coupon_update_delete_and_list(stripe_client):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 10})
    assert stripe_client.v1.coupons.update(coupon.id, params={"name": "Ten"}).name == "Ten"
    assert [c.id for c in stripe_client.v1.coupons.list().data] == [coupon.id]
    assert stripe_client.v1.coupons.delete(coupon.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.coupons.retrieve(coupon.id)


def test_max_redemptions(stripe_client):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 10, "max_redemptions": 1})
    customer = stripe_client.v1.customers.create()
    stripe_client.v1.invoices.create(params={"customer": customer.id,
                                             "discounts": [{"coupon": coupon.id}]})
    assert stripe_client.v1.coupons.retrieve(coupon.id).valid is False
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(params={"customer": customer.id,
                                                 "discounts": [{"coupon": coupon.id}]})
    assert exc.value.code == "coupon_expired"


def test_unknown_coupon_in_discounts(stripe_client):
    customer = stripe_client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.invoices.create(params={"customer": customer.id,
                                                 "discounts": [{"coupon": "nope"}]})
    assert exc.value.code == "resource_missing"
    assert exc.value.param == "discounts[0][coupon]"


def test_discount_objects_expand(stripe_client):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 10})
    customer = stripe_client.v1.customers.create()
    invoice = stripe_client.v1.invoices.create(
        params={"customer": customer.id, "discounts": [{"coupon": coupon.id}],
                "expand": ["discounts"]})
    discount = invoice.discounts[0]
    assert discount.object == "discount"
    assert discount.source.coupon == coupon.id
    assert discount.invoice == invoice.id
