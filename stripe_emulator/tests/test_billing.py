"""Billing arithmetic: tiers, transforms, coupons and allocation, in exact cents."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripe_emulator import billing

GRADUATED = {"billing_scheme": "tiered", "tiers_mode": "graduated", "_tiers": [
    {"up_to": 1000, "unit_amount_decimal": "0", "flat_amount_decimal": None},
    {"up_to": 5000, "unit_amount_decimal": "0.5", "flat_amount_decimal": None},
    {"up_to": None, "unit_amount_decimal": "0.1", "flat_amount_decimal": "100"}]}


@pytest.mark.parametrize("quantity, cents", [
    (0, 0), (1000, 0), (1001, 1), (5000, 2000), (5001, 2100), (10000, 2600)])
def test_graduated_tiers(quantity, cents):
    assert billing.price_amount(GRADUATED, quantity) == cents


def test_volume_tiers_price_every_unit_at_the_reached_tier():
    volume = dict(GRADUATED, tiers_mode="volume")
    assert billing.price_amount(volume, 3000) == 1500
    assert billing.price_amount(volume, 6000) == 700


def test_per_unit_with_transform_quantity_rounds_up_or_down():
    price = {"billing_scheme": "per_unit", "unit_amount_decimal": "1000",
             "transform_quantity": {"divide_by": 1000, "round": "up"}}
    assert billing.price_amount(price, 1001) == 2000
    price["transform_quantity"]["round"] = "down"
    assert billing.price_amount(price, 1999) == 1000


def test_decimal_unit_amounts_round_half_up():
    price = {"billing_scheme": "per_unit", "unit_amount_decimal": "0.005"}
    assert billing.price_amount(price, 1) == 0
    assert billing.price_amount(price, 100) == 1
    assert billing.price_amount({"billing_scheme": "per_unit", "unit_amount_decimal": "0.5"},
                                1) == 1


def test_tier_breakdown():
    assert billing.tier_breakdown(GRADUATED, 6000) == [(1000, 0), (4000, 2000), (1000, 200)]


@pytest.mark.parametrize("coupon, base, off", [
    ({"percent_off": 20}, 12345, 2469),
    ({"percent_off": 12.5}, 1000, 125),
    ({"amount_off": 500, "currency": "usd"}, 300, 300),
    ({"amount_off": 500, "currency": "eur"}, 3000, 0),
])
def test_coupon_amount(coupon, base, off):
    assert billing.coupon_amount({"percent_off": None, **coupon}, base, "usd") == off


@given(st.integers(min_value=0, max_value=10**9),
       st.lists(st.integers(min_value=0, max_value=10**7), min_size=1, max_size=20))
def test_allocate_splits_exactly(total, weights):
    shares = billing.allocate(total, weights)
    assert len(shares) == len(weights)
    if sum(weights) > 0:
        assert sum(shares) == total
        assert all(s >= 0 for s in shares)
    else:
        assert shares == [0] * len(weights)
