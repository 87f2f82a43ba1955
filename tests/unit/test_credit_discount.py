"""The credit discount's pure rules: the typed percent, the coupon it names, what a write keeps."""
from decimal import Decimal

import pytest

from app.billing.credit_discount import (
    PercentError,
    current_phase_index,
    needs_change,
    parse_credit_percent,
    phases_from,
    subscription_specs,
    with_credit,
)
from app.billing.stripe_requests import (
    credit_discount_coupon_id,
    credit_discount_coupon_params,
    is_credit_discount_coupon,
)


@pytest.mark.parametrize("raw, expected", [
    ("15", Decimal(15)), (" 15% ", Decimal(15)), ("12.50", Decimal("12.5")), ("0.5", Decimal("0.5")),
    ("100", Decimal(100)), ("10.00", Decimal(10)), ("0", None), ("0.00%", None),
])
def test_a_percent_is_read(raw, expected):
    assert parse_credit_percent(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "Type the discount"), ("abc", "'abc' is not a number"), ("1e2", "is not a number"), ("NaN", "is not a number"),
    ("-1", "is negative"), ("100.01", "is over 100%"), ("12.345", "more than 2 decimal places"),
])
def test_a_bad_percent_says_why(raw, message):
    with pytest.raises(PercentError, match=message):
        parse_credit_percent(raw)


@pytest.mark.parametrize("percent, coupon_id", [
    (Decimal(15), "credit-discount-15"), (Decimal("12.5"), "credit-discount-12_5"), (Decimal("10.00"), "credit-discount-10"),
    (Decimal(100), "credit-discount-100"),
])
def test_the_coupon_id_follows_the_percent(percent, coupon_id):
    assert credit_discount_coupon_id(percent) == coupon_id
    params = credit_discount_coupon_params(percent)
    assert (params["id"], params["duration"], Decimal(params["percent_off"])) == (coupon_id, "forever", percent)


@pytest.mark.parametrize("coupon_id, ours", [
    ("credit-discount-15", True), ("annual-plan-12-a2-schedule-discount", True), ("demo-partner-20", False),
    ("annual-plan-12-a2-schedule-schedule", False), (None, False),
])
def test_credit_discount_coupons_are_known_by_their_id(coupon_id, ours):
    assert is_credit_discount_coupon(coupon_id) is ours


def test_a_write_keeps_promotional_discounts_and_replaces_the_credit_one():
    sub = {"discounts": [{"id": "di_promo", "coupon": {"id": "launch-50"}},
                         {"id": "di_credit", "coupon": {"id": "credit-discount-15"}}]}
    specs = subscription_specs(sub)
    assert with_credit(specs, "credit-discount-10") == [{"discount": "di_promo"}, {"coupon": "credit-discount-10"}]
    assert with_credit(specs, None) == [{"discount": "di_promo"}]
    assert needs_change(specs, "credit-discount-15") is False and needs_change(specs, None) is True


def test_an_active_schedule_is_sent_from_its_current_phase_unchanged_but_for_the_discount():
    phase = {"items": [{"price": "price_a", "quantity": None, "metadata": {}}], "collection_method": "send_invoice",
             "invoice_settings": {"days_until_due": 30}, "metadata": {"annual_plan_id": "3"}}
    schedule = {"current_phase": {"start_date": 200, "end_date": 300}, "phases": [
        dict(phase, start_date=100, end_date=200, discounts=[]),
        dict(phase, start_date=200, end_date=300, discounts=[{"coupon": "annual-plan-3-a1-schedule-discount",
                                                              "discount": None, "promotion_code": None},
                                                             {"coupon": None, "discount": "di_promo",
                                                              "promotion_code": None}])]}
    assert current_phase_index(schedule) == 1
    assert phases_from(schedule, 1, "credit-discount-15") == [{
        "items": [{"price": "price_a"}], "start_date": 200, "end_date": 300, "collection_method": "send_invoice",
        "invoice_settings": {"days_until_due": 30}, "metadata": {"annual_plan_id": "3"},
        "discounts": [{"discount": "di_promo"}, {"coupon": "credit-discount-15"}]}]
    assert phases_from(schedule, 0, None)[0]["discounts"] == ""
