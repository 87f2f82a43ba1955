"""The billing-limit cap: discount first, then the customer's graduated tiers."""
from decimal import Decimal

import pytest

from app.billing.limits import (
    Discount,
    LimitError,
    PriceTier,
    list_price_allowance,
    parse_limit_dollars,
    tiers_from_stripe,
    usage_cap,
)

D = Decimal
FLAT_RATE = [PriceTier(None, D("0.5"))]  # half a cent per unit
GRADUATED = [PriceTier(1_000_000, D(0)), PriceTier(2_000_000, D("0.005")),
             PriceTier(15_000_000, D("0.0034")), PriceTier(None, D("0.00295"))]
WITH_FLAT_FEE = [PriceTier(100, D(0), D(1000)), PriceTier(None, D(2))]
ALL_FREE = [PriceTier(None, D(0))]


@pytest.mark.parametrize(("limit", "discounts", "expected"), [
    (20000, [], D(20000)),
    (20000, [Discount(percent_off=D(20))], D(25000)),  # the handbook's example: $200 at 20% off -> $250
    (20000, [Discount(percent_off=D(50))], D(40000)),
    (20000, [Discount(amount_off_cents=5000)], D(25000)),
    (20000, [Discount(percent_off=D(100))], None),
    (0, [Discount(percent_off=D(20))], D(0)),
    (10000, [Discount(percent_off=D("33.3"))], D(10000) / D("0.667")),
])
def test_list_price_allowance(limit, discounts, expected):
    assert list_price_allowance(limit, discounts) == expected


@pytest.mark.parametrize(("limit", "tiers", "discounts", "usage"), [
    (20000, FLAT_RATE, [], 40000),
    (20000, FLAT_RATE, [Discount(percent_off=D(20))], 50000),
    (0, GRADUATED, [], 1_000_000),  # the free tier is always there
    (5000, GRADUATED, [], 2_000_000),  # exactly fills the second tier
    (5001, GRADUATED, [], 2_000_294),  # one more cent buys 294 units at 0.0034
    (20000, GRADUATED, [], 2_000_000 + 4_411_764),
    (20000, GRADUATED, [Discount(percent_off=D(20))], 2_000_000 + 5_882_352),
    (100000, GRADUATED, [], 15_000_000 + 17_220_338),  # $50 + $442 fill tiers 2-3; $508 at 0.00295
    (999, WITH_FLAT_FEE, [], 0),  # cannot pay the first tier's flat fee
    (1000, WITH_FLAT_FEE, [], 100),
    (1999, WITH_FLAT_FEE, [], 100 + 499),
    (100, ALL_FREE, [], None),
    (20000, FLAT_RATE, [Discount(percent_off=D(100))], None),
])
def test_usage_cap_walks_graduated_tiers(limit, tiers, discounts, usage):
    assert usage_cap(limit, tiers, discounts).usage == usage


@pytest.mark.parametrize(("raw", "cents"), [
    ("200", 20000), ("$1,250.50", 125050), ("0", 0), ("", None), ("  ", None), ("0.01", 1),
])
def test_parse_limit_dollars(raw, cents):
    assert parse_limit_dollars(raw) == cents


@pytest.mark.parametrize(("raw", "message"), [
    ("-5", "cannot be negative"), ("abc", "not an amount"), ("1.005", "fractions of a cent"),
    ("NaN", "not an amount"), ("Infinity", "not an amount"),
])
def test_parse_limit_dollars_refuses(raw, message):
    with pytest.raises(LimitError, match=message):
        parse_limit_dollars(raw)


def test_tiers_from_stripe_reads_decimal_strings_and_inf():
    tiers = tiers_from_stripe([{"up_to": 10, "unit_amount": None, "unit_amount_decimal": "0.25", "flat_amount": 500},
                               {"up_to": None, "unit_amount": 3, "unit_amount_decimal": None}])
    assert tiers == [PriceTier(10, D("0.25"), D(500)), PriceTier(None, D(3), D(0))]
