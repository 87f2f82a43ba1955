"""A yearly commitment paid in instalments: the split (remainder on the first), the dates, the template's
payment schedules, and the credits schedule's phases."""
from datetime import date
from types import SimpleNamespace

import pytest

from app.billing.instalments import (
    credits_schedule_params,
    instalment_dates,
    parse_payment_schedule,
    split_instalments,
)
from app.billing.plan_fields import ROW_FIELDS, format_cell
from app.billing.plan_stages import BUTTONS, button_blocker, stage_after_action


@pytest.mark.parametrize(("cents", "count", "expected"), [
    (5000002, 4, [1250002, 1250000, 1250000, 1250000]),
    (5000001, 2, [2500001, 2500000]),
    (5000002, 12, [416676] + [416666] * 11),
    (1200000, 12, [100000] * 12),
    (11, 12, [11] + [0] * 11),
    (5000002, 1, [5000002]),
])
def test_split_puts_the_remainder_on_the_first_and_sums_exactly(cents, count, expected):
    split = split_instalments(cents, count)
    assert split == expected and sum(split) == cents


def test_monthly_instalments_fall_on_the_start_day_each_month():
    found = instalment_dates(date(2027, 1, 31), "monthly", 5000002)
    assert [(i.due_on.isoformat(), i.amount_cents) for i in found[:3]] == [
        ("2027-01-31", 416676), ("2027-02-28", 416666), ("2027-03-31", 416666)]
    assert len(found) == 12 and sum(i.amount_cents for i in found) == 5000002


def test_quarterly_pied_piper_dates():
    found = instalment_dates(date(2027, 3, 1), "quarterly", 5000002)
    assert [(i.number, i.due_on.isoformat(), i.amount_cents) for i in found] == [
        (1, "2027-03-01", 1250002), (2, "2027-06-01", 1250000), (3, "2027-09-01", 1250000), (4, "2027-12-01", 1250000)]


@pytest.mark.parametrize(("raw", "key"), [
    (None, "annual"), ("", "annual"), ("Annual up-front", "annual"), ("Semi-annual", "semi_annual"),
    ("semi annual", "semi_annual"), (" QUARTERLY ", "quarterly"), ("Monthly", "monthly"), ("quarterly", "quarterly"),
])
def test_known_payment_schedules(raw, key):
    parsed = parse_payment_schedule(raw)
    assert parsed.ok and parsed.value == key


@pytest.mark.parametrize("raw", ["Fortnightly", "Every full moon", "Annually in arrears", "4x a year"])
def test_an_unknown_payment_schedule_is_refused_quoting_it(raw):
    parsed = parse_payment_schedule(raw)
    assert not parsed.ok and parsed.value is None
    assert raw in parsed.warning and "Quarterly" in parsed.warning


def test_the_cell_reads_and_shows_the_label():
    spec = ROW_FIELDS["payment_schedule"]
    assert spec.label == "Payment schedule"
    assert spec.parse("Semi-annual").value == "semi_annual"
    assert not spec.parse("").ok and not spec.parse("weekly").ok
    assert format_cell("payment_schedule", "quarterly") == "Quarterly"


def _plan(**kw):
    base = dict(id=7, document_id="doc", company="Pied Piper", start_date=date(2027, 3, 1), term_months=12,
                payment_terms_days=15, payment_schedule="quarterly")
    return SimpleNamespace(**{**base, **kw})


def test_credits_schedule_first_phase_carries_the_remainder_each_year():
    params = credits_schedule_params(_plan(term_months=24), "cus_credits", "price_first", "price_regular", "k")
    assert [(p["items"][0]["price"], p["duration"]) for p in params["phases"]] == [
        ("price_first", {"interval": "month", "interval_count": 3}),
        ("price_regular", {"interval": "month", "interval_count": 9})] * 2
    assert params["customer"] == "cus_credits" and params["end_behavior"] == "cancel"
    assert {p["collection_method"] for p in params["phases"]} == {"send_invoice"}
    assert {p["invoice_settings"]["days_until_due"] for p in params["phases"]} == {15}


def test_credits_schedule_without_a_remainder_is_one_phase_a_year():
    params = credits_schedule_params(_plan(payment_schedule="monthly"), "cus_c", None, "price_regular", "k")
    assert [(p["items"][0]["price"], p["duration"]["interval_count"]) for p in params["phases"]] == [
        ("price_regular", 12)]


def test_instalment_rows_skip_amortize_and_say_why():
    assert stage_after_action("create_subscription", True) == "amortized"
    assert stage_after_action("create_subscription", False) == "invoiced"
    amortize = next(b for b in BUTTONS if b.action == "amortize")
    assert "paid in instalments" in button_blocker(amortize, "amortized", [], instalments=True)
