"""The usage day in a zone, without a database: bounds, today and a moment's day across BST/GMT changes."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.billing.usage_days import day_bounds, local_date, local_time, local_today

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(("day", "start", "end", "hours"), [
    (date(2027, 1, 15), datetime(2027, 1, 15), datetime(2027, 1, 16), 24),  # GMT
    (date(2027, 5, 11), datetime(2027, 5, 10, 23), datetime(2027, 5, 11, 23), 24),  # BST
    (date(2027, 3, 28), datetime(2027, 3, 28), datetime(2027, 3, 28, 23), 23),  # clocks go forward
    (date(2027, 10, 31), datetime(2027, 10, 30, 23), datetime(2027, 11, 1), 25),  # clocks go back
])
def test_a_usage_day_is_local_midnight_to_midnight_in_naive_utc(day, start, end, hours):
    assert day_bounds(day, LONDON) == (start, end)
    assert end - start == timedelta(hours=hours)


@pytest.mark.parametrize("first", [date(2027, 3, 26), date(2027, 10, 29)])
def test_days_around_a_clock_change_follow_each_other_without_gap_or_overlap(first):
    days = [first + timedelta(days=n) for n in range(4)]
    assert all(day_bounds(a, LONDON)[1] == day_bounds(b, LONDON)[0] for a, b in zip(days, days[1:], strict=False))


@pytest.mark.parametrize("day", [date(2027, 3, 28), date(2027, 5, 11), date(2027, 10, 31)])
def test_every_moment_of_the_day_is_on_that_day(day):
    start, end = day_bounds(day, LONDON)
    assert local_date(start, LONDON) == local_date(end - timedelta(microseconds=1), LONDON) == day
    assert local_date(end, LONDON) == day + timedelta(days=1)
    assert local_date(start - timedelta(microseconds=1), LONDON) == day - timedelta(days=1)


@pytest.mark.parametrize(("now", "today"), [
    (datetime(2027, 3, 27, 23, 30), date(2027, 3, 27)),  # GMT: still the 27th
    (datetime(2027, 3, 28, 23, 30), date(2027, 3, 29)),  # BST: already the 29th
    (datetime(2027, 10, 30, 23, 30), date(2027, 10, 31)),  # BST
    (datetime(2027, 10, 31, 23, 30), date(2027, 10, 31)),  # GMT again
])
def test_today_is_the_zone_s_date_of_a_utc_now(now, today):
    assert local_today(now, LONDON) == today


def test_the_zone_is_an_argument_not_a_setting():
    now = datetime(2027, 5, 12, 2)
    assert local_today(now, LONDON) == date(2027, 5, 12)
    assert local_today(now, ZoneInfo("America/New_York")) == date(2027, 5, 11)
    assert day_bounds(date(2027, 5, 11), ZoneInfo("UTC")) == (datetime(2027, 5, 11), datetime(2027, 5, 12))


@pytest.mark.parametrize(("moment", "hour"), [
    (datetime(2027, 5, 11, 23, 5), 0),  # BST midnight is 23:00 UTC
    (datetime(2027, 1, 15, 0, 5), 0),  # GMT midnight is 00:00 UTC
    (datetime(2027, 5, 12, 0, 5), 1),
])
def test_local_time_says_when_it_is_just_past_local_midnight(moment, hour):
    assert local_time(moment, LONDON).hour == hour
