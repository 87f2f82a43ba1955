"""Usage rules without a database: the date convention, identifiers, period-to-date, gaps."""
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from app.billing import usage, usage_gaps

D = date(2027, 5, 11)


def test_a_report_date_stands_for_the_day_before():
    assert usage.usage_day_of(date(2027, 5, 12)) == D


def test_a_day_older_than_35_days_is_refused():
    now = datetime(2027, 6, 20, 9)
    with pytest.raises(usage.UsageDayRefused, match="invoice item"):
        usage.check_report_date(date(2027, 5, 12), date(2027, 6, 20), datetime(2027, 5, 12), now)


def test_identifiers_are_deterministic_and_revisions_later():
    assert usage.meter_identifier("org-1", "session_replay", D) == "bc-org-1-session_replay-20270511"
    assert usage.meter_identifier("org-1", "session_replay", D, 2).endswith("-r2")
    assert len(usage.meter_identifier("o" * 90, "session_replay", D)) <= 100
    assert usage.meter_timestamp(1000, 1) == usage.meter_timestamp(1000) + 1


def test_previous_period_keeps_the_anchor_day():
    assert usage.previous_period_start(datetime(2027, 3, 31), datetime(2027, 4, 30)) == datetime(2027, 2, 28)
    assert usage.previous_period_start(datetime(2027, 1, 15), datetime(2027, 2, 15)) == datetime(2026, 12, 15)


def _counts(values):
    return {"US": {D - timedelta(days=n): v for n, v in values.items()}}


@pytest.mark.parametrize("counts, runs, kind", [
    ({n: 100 for n in range(1, 8)} | {0: 0}, {}, "zero"),
    ({n: 100 for n in range(0, 8)}, {"US": {D: 120}}, "below_run"),
    ({n: 100 for n in range(1, 8)} | {0: 89}, {}, "below_median"),
])
def test_gap_kinds(counts, runs, kind):
    assert [g.kind for g in usage_gaps.gaps_for_day(D, _counts(counts), runs)] == [kind]


def test_ninety_percent_of_the_median_is_not_a_gap():
    assert usage_gaps.gaps_for_day(D, _counts({n: 100 for n in range(1, 8)} | {0: 90}), {}) == []
    assert usage_gaps.median([1, 2]) == Decimal("1.5")


def test_missing_versus_zero_usage():
    assert usage_gaps.missing_or_zero({"a", "b"}, {"a"}, None, 1) == (["b"], [])
    assert usage_gaps.missing_or_zero({"a", "b"}, {"a"}, 1, 1) == ([], ["b"])
    assert usage_gaps.missing_or_zero({"a", "b"}, {"a"}, 2, 1) == (["b"], [])
