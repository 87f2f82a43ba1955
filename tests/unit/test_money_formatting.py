"""Every amount reads as money in its currency, formatted by Babel from exact minor units (issue 17, item 2)."""
from decimal import Decimal

import pytest

from app.formatting import money, tiers_text, unit_price


@pytest.mark.parametrize(("minor", "currency", "shown"), [
    (10250000, "usd", "$102,500.00"),
    (1800000, "eur", "€18,000.00"),
    (1800000, "EUR", "€18,000.00"),
    (4250050, "gbp", "£42,500.50"),
    (-500, "usd", "-$5.00"),
    (-1234567, "gbp", "-£12,345.67"),
    (0, "usd", "$0.00"),
    (0, "eur", "€0.00"),
    (123456789012345, "usd", "$1,234,567,890,123.45"),
    (2 ** 63 - 1, "usd", "$92,233,720,368,547,758.07"),
    (150000, "jpy", "¥150,000"),  # yen have no minor unit: 150000 is ¥150,000
    (Decimal("0.5"), "usd", "$0.01"),  # a fraction of a cent rounds half up
    (Decimal("-0.5"), "usd", "-$0.01"),
    (None, "usd", "—"),
])
def test_money_reads_in_its_currency(minor, currency, shown):
    assert money(minor, currency) == shown


def test_money_defaults_to_dollars():
    assert money(6000000) == "$60,000.00"


@pytest.mark.parametrize(("minor", "currency", "shown"), [
    (Decimal("0.4"), "usd", "$0.004"),
    (Decimal("0.0025"), "eur", "€0.000025"),
    (5, "gbp", "£0.05"),
    (Decimal("12.5"), "usd", "$0.125"),
])
def test_unit_price_keeps_every_decimal(minor, currency, shown):
    assert unit_price(minor, currency) == shown


def test_tiers_read_as_bounds_and_dollars():
    tiers = [{"up_to": 5000, "unit_amount_decimal": "0", "flat_amount": 10000},
             {"up_to": 1_000_000, "unit_amount_decimal": "0.4", "flat_amount": None},
             {"up_to": None, "unit_amount": 1, "unit_amount_decimal": None}]
    assert tiers_text(tiers, "eur") == ["up to 5,000: €0.00 each + €100.00 flat", "up to 1,000,000: €0.004 each",
                                        "above 1,000,000: €0.01 each"]


@pytest.mark.parametrize("currency", ["usd", "eur", "gbp", "jpy", "bhd", "chf"])
def test_whole_minor_units_read_the_same_by_the_integer_path_and_the_decimal_one(currency):
    """Integers take a faster path (divmod, no Decimal); it must write exactly what the Decimal path writes."""
    for minor in (0, 1, -1, 9, 10, 99, 100, 101, -12345, 999_999, 1_000_000, 10 ** 15 + 7, -(2 ** 63)):
        assert money(minor, currency) == money(Decimal(minor), currency), (minor, currency)
