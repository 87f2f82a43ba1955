"""Each configuration's MRR rule on hand-made cases, to the cent, with its inputs and arithmetic."""
from datetime import date
from decimal import Decimal

import pytest

from app.billing.revenue import (
    Credits,
    Invoice,
    Line,
    Prepayment,
    RecurringCharge,
    Usage,
    enterprise_amortized,
    enterprise_yearly,
    free,
    less_discount,
    paid,
    split_evenly,
    startup,
)

MARCH, APRIL = date(2027, 3, 1), date(2027, 4, 1)


def line(product, cents, start=MARCH, end=APRIL, invoice="in_1"):
    return Line(invoice, product, cents, start, end)


def test_free_is_zero():
    assert (free(MARCH).mrr_cents, free(MARCH).product_cents) == (0, {})


def test_paid_is_the_months_lines_after_discounts_plus_tax():
    march = Invoice("in_1", (line("product_analytics", 12_345), line("session_replay", 5_000)), tax_cents=3_469)
    february = Invoice("in_0", (line("product_analytics", 99_999, date(2027, 2, 1), MARCH, "in_0"),), tax_cents=100)
    mrr = paid(MARCH, [march, february])
    assert (mrr.mrr_cents, mrr.product_cents) == (20_814, {"product_analytics": 12_345, "session_replay": 5_000})
    assert [i["invoice_id"] for i in mrr.inputs["invoices"]] == ["in_1"]
    assert mrr.arithmetic[-1] == "sum $173.45 + tax $34.69 = $208.14"


def test_a_year_paid_up_front_spreads_evenly_and_the_odd_cents_go_to_the_first_month():
    year = Prepayment("in_9", 5_880_001, date(2027, 2, 1), 12)
    months = [enterprise_yearly(date(2027, 2 + i, 1) if i < 11 else date(2028, 1, 1), [year], [], None).mrr_cents
              for i in range(12)]
    assert months[0] == 490_001 and set(months[1:]) == {490_000} and sum(months) == 5_880_001
    assert enterprise_yearly(date(2028, 2, 1), [year], [], None).mrr_cents == 0  # the year is over
    assert split_evenly(5_880_000, 12, 0) == 490_000  # $58,800 a year is $4,900 a month


def test_enterprise_per_product_is_usage_at_list_price_less_the_credit_discount():
    mrr = enterprise_yearly(MARCH, [Prepayment("in_9", 5_880_000, MARCH, 12)],
                            [Usage("product_analytics", 2_000_000, 50_000), Usage("session_replay", 10, 333)],
                            Decimal("12.5"))
    assert mrr.mrr_cents == 490_000
    assert mrr.product_cents == {"product_analytics": 43_750, "session_replay": 291}  # 291.375 -> 291
    assert sum(mrr.product_cents.values()) != mrr.mrr_cents  # on purpose


@pytest.mark.parametrize(("remaining", "expires_on", "expected"), [
    (10_000, date(2027, 6, 1), 0),  # credits left and not expired by April 1st: on credits
    (0, date(2027, 6, 1), 7_500),  # used up during March: paid from March
    (10_000, date(2027, 3, 20), 7_500),  # expired mid-March: paid from March
    (10_000, APRIL, 0),  # expires exactly at the month's end: still on credits for March
])
def test_startup_is_zero_on_credits_then_counted_as_paid(remaining, expires_on, expected):
    invoices = [Invoice("in_1", (line("product_analytics", 7_000),), tax_cents=500)]
    assert startup(MARCH, invoices, Credits("credgr_1", remaining, expires_on)).mrr_cents == expected


def test_amortized_is_the_recurring_charge_per_month_and_usage_less_the_discount():
    quarterly = RecurringCharge("price_q", 1_250_002, 3, date(2027, 3, 1))
    usage = [Invoice("in_u", (line("product_analytics", 40_000), line("session_replay", 1_001)))]
    first = enterprise_amortized(MARCH, [quarterly], usage, Decimal(10))
    assert first.mrr_cents == 416_668  # 1,250,002 / 3: the odd cents in the first month of the quarter
    assert first.product_cents == {"product_analytics": 36_000, "session_replay": 901}
    assert enterprise_amortized(APRIL, [quarterly], [], None).mrr_cents == 416_667
    assert enterprise_amortized(date(2027, 2, 1), [quarterly], [], None).mrr_cents == 0  # before it started


@pytest.mark.parametrize(("cents", "percent", "expected"), [(1_001, Decimal(10), 901), (1_005, Decimal(10), 905),
                                                             (1_000, None, 1_000), (3, Decimal("50"), 2)])
def test_a_discount_rounds_half_up_to_the_cent(cents, percent, expected):
    assert less_discount(cents, percent) == expected


@pytest.mark.parametrize(("previous", "current", "paid_before", "expected"), [
    (0, 5_000, False, ("new", 5_000)),
    (0, 5_000, True, ("reactivation", 5_000)),
    (4_000, 5_000, True, ("expansion", 1_000)),
    (5_000, 4_000, True, ("contraction", -1_000)),
    (5_000, 0, True, ("churn", -5_000)),
    (5_000, 5_000, True, None),
    (0, 0, True, None),
])
def test_each_movement(previous, current, paid_before, expected):
    from app.billing.revenue import movement
    assert movement(previous, current, paid_before) == expected


def test_movements_sum_to_the_change_in_mrr():
    from app.billing.revenue import movements
    previous = {1: 10_000, 2: 5_000, 3: 7_000}
    current = {1: 12_000, 2: 0, 4: 3_000, 5: 1_000, 3: 6_500}
    totals = movements(previous, current, paid_before={5})
    assert totals == {"new": 3_000, "reactivation": 1_000, "expansion": 2_000, "contraction": -500, "churn": -5_000}
    assert sum(totals.values()) == sum(current.values()) - sum(previous.values())


@pytest.mark.parametrize(("raw", "message"), [
    ("2027/03", "must look like 2027-03"), ("27-03", "must look like"), ("2027-13", "is not a month"),
    ("2027-1", "must look like"), ("2027-05", "is in the future"), ("", "must look like"),
])
def test_a_month_in_the_wrong_shape_or_the_future_is_refused(raw, message):
    from app.billing.revenue import parse_month
    with pytest.raises(ValueError, match=message):
        parse_month(raw, date(2027, 4, 15))


def test_a_month_parses_to_its_first_day():
    from app.billing.revenue import parse_month, previous_months
    assert parse_month(" 2027-04 ", date(2027, 4, 15)) == date(2027, 4, 1)
    assert previous_months(date(2027, 2, 1), 3) == [date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1)]
