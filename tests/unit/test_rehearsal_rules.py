"""The rehearsal's pure rules: its timeline, the usage forecast, and the findings read from Stripe's invoices."""
from datetime import date, datetime

import pytest

from app.billing.contract_years import contract_periods
from app.billing.rehearsal_report import Expectation, build_report
from app.billing.rehearsal_usage import (
    UsageFileError,
    default_forecast,
    forecast_from_file,
    timeline,
)
from app.billing.stripe_requests import unix

START = date(2027, 2, 15)


def test_the_timeline_stops_at_each_month_and_on_each_later_years_draft_day():
    periods = contract_periods(START, 24)
    stops = timeline(START, 24, periods[1:], 45)
    assert len(stops) == 25 + 1
    assert stops[0].at == datetime(2027, 2, 15, 2) and stops[0].month == 0
    [draft] = [s for s in stops if s.month is None and s.at.day != 15]
    assert draft.at == datetime(2028, 1, 1, 4, 30)  # year two drafted 45 days before 2028-02-15
    assert stops[10].at < draft.at < stops[12].at == datetime(2028, 1, 15, 2)
    assert (stops[-1].at, stops[-1].month) == (datetime(2029, 2, 15, 2), None)  # the term's end: last usage invoiced


def test_the_default_forecast_spreads_each_years_volume_over_its_months_to_the_unit():
    forecast = default_forecast({"product_analytics": 80_000_005}, 24)["product_analytics"]
    assert sum(forecast[:12]) == sum(forecast[12:]) == 80_000_005
    assert forecast[:3] == [6_666_668, 6_666_667, 6_666_667]  # the unit left over on the year's first month


def test_a_usage_file_sets_a_products_months_and_keeps_the_others_forecast():
    forecast = forecast_from_file({"product_analytics": {"2027-03": 10}}, START, 12,
                                  {"product_analytics": 12, "session_replay": 24})
    assert forecast == {"product_analytics": [0, 10] + [0] * 10, "session_replay": [2] * 12}


@pytest.mark.parametrize(("data", "message"), [
    ({}, "must be a JSON object"),
    ({"product_analytics": {"2028-02": 1}}, "outside the term (2027-02 to 2028-01)"),
    ({"product_analytics": {"2027-3": 1}}, "'2027-3' is not a month"),
    ({"product_analytics": {"2027-03": True}}, "not True"),
    ({"product_analytics": {"2027-03": 10 ** 15}}, "from 0 to 999,999,999,999,999"),
])
def test_a_usage_file_in_the_wrong_shape_says_what_is_wrong(data, message):
    with pytest.raises(UsageFileError, match=message.replace("(", r"\(").replace(")", r"\)")):
        forecast_from_file(data, START, 12, {"product_analytics": 12})


def _invoice(n, day, total, currency="usd", year=None, usage=False, paid=0, due=None, credits=0, period=None):
    metadata = {} if usage else {"annual_plan_id": "7", **({"contract_year": str(year)} if year else {})}
    parent = {"subscription_details": {"subscription": "sub_1"}} if usage else None
    invoice = {"id": f"in_{n}", "customer": "cus_clock", "created": unix(day), "total": total, "currency": currency,
               "amount_due": total - credits if due is None else due, "amount_paid": paid, "metadata": metadata,
               "status": "paid" if paid else "open", "parent": parent,
               "total_pretax_credit_amounts": [{"amount": credits}] if credits else []}
    lines = [{"description": "usage", "amount": total + credits, "metadata": {},
              "pricing": {"price_details": {"product": "prod_pa"}},
              "period": {"start": unix(period or day)}, "pretax_credit_amounts": [{"amount": credits}]}]
    return invoice, lines


def _expect(currency="usd"):
    periods = contract_periods(START, 24)
    return Expectation(7, currency, "cus_clock", [(periods[0], 9_000_000), (periods[1], 9_000_000)],
                       ["2027-02", "2027-03"], ["a note from the play"])


def test_a_year_never_invoiced_a_wrong_total_and_overage_in_another_currency_are_called_out():
    invoices = [_invoice(1, date(2027, 2, 14), 8_000_000, currency="eur", paid=8_000_000),
                _invoice(2, date(2027, 3, 15), 500, usage=True, due=500, period=date(2027, 2, 15))]
    report = build_report(_expect("eur"), invoices, {"prod_pa": "product_analytics"})
    assert report["months"][1]["invoices"][0]["lines"] == [
        {"description": "usage", "amount_cents": 500, "product_key": "product_analytics"}]
    assert report["credits_run_out"] == "2027-03"
    assert report["findings"] == [
        "a note from the play",
        "year 1's invoice in_1 totals $80,000.00; the contract's year 1 is $90,000.00",
        "year 2 (2028-02-15 to 2029-02-15) is never invoiced",
        "overage billed in USD on a EUR contract (1 invoice from 2027-03)",
        "prepaid credits run out in 2027-03: usage from then on is billed, $5.00 due over the rest of the term",
        "credits expire before they are used: year 1's $80,000.00 of prepaid credit ends on 2028-02-15 with "
        "$80,000.00 unused",
    ]


def test_credits_that_cover_the_usage_leave_no_run_out_month():
    invoices = [_invoice(1, date(2027, 2, 14), 9_000_000, year=None, paid=9_000_000),
                _invoice(2, date(2028, 1, 1), 9_000_000, year=2, paid=9_000_000),
                _invoice(3, date(2027, 3, 15), 0, usage=True, credits=9_000_000, period=date(2027, 2, 15)),
                _invoice(4, date(2028, 3, 15), 0, usage=True, credits=9_000_000, period=date(2028, 2, 15))]
    report = build_report(_expect(), invoices, {})
    assert report["credits_run_out"] is None and report["findings"] == ["a note from the play"]
    assert [(m["month"], [inv["credits_applied_cents"] for inv in m["invoices"]]) for m in report["months"]] == [
        ("2027-02", [0]), ("2027-03", [9_000_000]), ("2028-01", [0]), ("2028-03", [9_000_000])]
