"""The plan shapes the team supports, parsed from the builder's form without floats."""
from decimal import Decimal
from pathlib import Path

import pytest

from app.billing.catalog_config import load_catalog
from app.billing.price_builder import BespokeTier, parse_bespoke

CATALOG = load_catalog(Path(__file__).parents[2] / "config" / "billing.toml")


def parse(shape, rows, **kwargs):
    return parse_bespoke(CATALOG, kwargs.pop("product", "session_replay"), shape, rows, **kwargs)


@pytest.mark.parametrize("shape, rows, first", [
    ("metered", [("5,000", "0", ""), ("", "0.0025", "")], BespokeTier(5000, Decimal("0"))),
    ("metered_coupon", [("", "$0.003", "")], BespokeTier(None, Decimal("0.3"))),
    ("flat_first_tier", [("5000", "0", "$100"), ("", "0.004", "")], BespokeTier(5000, Decimal("0"), 10000)),
    ("upfront_zero_first", [("100000", "0", ""), ("", "0.004", "")], BespokeTier(100000, Decimal("0"))),
])
def test_each_metered_shape_accepts_its_tiers(shape, rows, first):
    request, errors = parse(shape, rows)
    assert errors == [] and request.tiers[0] == first
    assert isinstance(request.tiers[-1].unit_cents, Decimal)


def test_tiers_become_stripe_params_with_exact_decimal_strings():
    request, _ = parse("flat_first_tier", [("5000", "0", "100"), ("", "0.00000001", "")])
    assert [t.as_stripe() for t in request.tiers] == [
        {"up_to": 5000, "unit_amount_decimal": "0", "flat_amount": 10000},
        {"up_to": "inf", "unit_amount_decimal": "0.000001"}]


@pytest.mark.parametrize("shape, rows, message", [
    ("upfront_zero_first", [("100000", "0.001", ""), ("", "0.004", "")], "Tier 1 must be $0"),
    ("upfront_zero_first", [("", "0", "")], "at least one metered tier after it"),
    ("flat_first_tier", [("5000", "0.001", "1"), ("", "0.004", "")], "no per-unit price"),
    ("flat_first_tier", [("5000", "0", "1"), ("", "0.004", "0.05")], "Only tier 1 may have a flat amount"),
    ("metered", [("5000", "0", "1"), ("", "0.004", "")], "This shape has no flat fees"),
    ("metered", [], "Enter at least one tier"),
    ("metered", [("", "0.001234567890123", "")], "at most 14 decimal places of a dollar"),
    ("metered", [("", "a tenth of a cent", "")], "is not an amount in dollars per unit"),
    ("flat_first_tier", [("5000", "0", "12.345"), ("", "0.004", "")], "to the cent"),
])
def test_tiers_that_do_not_have_the_shape_are_refused(shape, rows, message):
    request, errors = parse(shape, rows)
    assert request is None and any(message in e for e in errors), errors


def test_flat_upfront_needs_a_positive_whole_amount_and_an_interval():
    request, errors = parse("flat_upfront", [], product="enterprise", amount="$25,000", interval="year")
    assert errors == [] and (request.amount_cents, request.interval) == (2500000, "year")
    _, errors = parse("flat_upfront", [], product="enterprise", amount="0", interval="fortnight")
    assert len(errors) == 2


@pytest.mark.parametrize("typed, cents", [("0.00005", Decimal("0.005")), ("$0.004", Decimal("0.4")),
                                          ("1", Decimal("100")), ("0", Decimal("0"))])
def test_per_unit_prices_are_typed_in_dollars_and_kept_in_exact_cents(typed, cents):
    request, errors = parse("metered_coupon", [("", typed, "")])
    assert errors == [] and request.tiers[0].unit_cents == cents


@pytest.mark.parametrize("typed, cents", [("$1,500.50", 150050), ("1500", 150000), ("0.01", 1)])
def test_flat_amounts_are_typed_in_dollars_to_the_cent(typed, cents):
    request, errors = parse("flat_upfront", [], product="enterprise", amount=typed, interval="month")
    assert errors == [] and request.amount_cents == cents
