"""A contract's years, pure: periods, draft dates, the row's label, pro-rata splits, and the metadata the
revenue snapshot reads from each year's invoice."""
from datetime import date
from types import SimpleNamespace

import pytest

from app.billing.contract_years import (
    contract_periods,
    draft_on,
    period_lines,
    split_cents,
    year_label,
)
from app.billing.renewal_requests import year_credit_grant_params, year_invoice_params
from app.billing.revenue_inputs import up_front_of
from app.billing.stripe_requests import unix

START = date(2027, 2, 15)


def test_36_months_are_three_years_drafted_45_days_ahead():
    periods = contract_periods(START, 36)
    assert [(p.number, p.starts_on.isoformat(), p.ends_on.isoformat(), p.months) for p in periods] == [
        (1, "2027-02-15", "2028-02-15", 12), (2, "2028-02-15", "2029-02-15", 12), (3, "2029-02-15", "2030-02-15", 12)]
    assert [draft_on(p, 45).isoformat() for p in periods[1:]] == ["2028-01-01", "2029-01-01"]


def test_18_months_end_with_a_six_month_pro_rata_period():
    periods = contract_periods(START, 18)
    assert [(p.months, p.pro_rata, p.ends_on.isoformat()) for p in periods] == [
        (12, False, "2028-02-15"), (6, True, "2028-08-15")]
    yearly = {"product_analytics": 7000000, "session_replay": 2000000}
    assert period_lines(yearly, periods[1], None) is None  # never guessed
    assert period_lines(yearly, periods[1], 4500000) == {"product_analytics": 3500000, "session_replay": 1000000}
    assert period_lines(yearly, periods[0], None) == yearly


def test_a_split_puts_leftover_cents_on_the_first_product_and_sums_exactly():
    shares = split_cents(1000001, {"a": 1, "b": 1, "c": 1})
    assert shares == {"a": 333335, "b": 333333, "c": 333333} and sum(shares.values()) == 1000001


@pytest.mark.parametrize("today, label", [
    (date(2026, 12, 4), "year 1 of 3 starts 2027-02-15"), (date(2027, 2, 15), "year 1 of 3"),
    (date(2028, 2, 15), "year 2 of 3"), (date(2030, 2, 14), "year 3 of 3"), (date(2030, 2, 15), "term ended 2030-02-15")])
def test_the_row_says_which_year_it_is_in(today, label):
    assert year_label(START, 36, today) == label


def test_year_two_invoice_is_read_by_revenue_as_its_own_up_front_year():
    plan = SimpleNamespace(id=7, company="Massive Dynamic", document_id="doc", stripe_customer_id="cus_1",
                           payment_terms_days=30, currency="usd")
    year_two = contract_periods(START, 36)[1]
    params = year_invoice_params(plan, year_two, {"product_analytics": 7000000, "session_replay": 2000000}, "key")
    assert params["due_date"] == unix(date(2028, 3, 16))
    found = up_front_of({"id": "in_2", "metadata": params["metadata"]})
    assert (found.start, found.months) == (date(2028, 2, 15), 12)
    grant = year_credit_grant_params(plan, year_two, {"id": "in_2", "amount_paid": 9000000, "currency": "usd"},
                                     now_unix=unix(date(2028, 2, 1)))
    assert (grant["effective_at"], grant["expires_at"]) == (unix(date(2028, 2, 15)), unix(date(2029, 2, 15)))
