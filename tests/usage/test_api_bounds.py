"""Every number the usage API takes fits the database and Stripe, and every report can still be billed.

One oversized report (9223372036854775808) used to be stored with a 202 and then stopped the next
day's send for every organisation; now it is refused with its item and field and nothing is stored.
"""
from datetime import datetime

import pytest

from app.billing.usage_input import MAX_COUNT, MAX_USAGE_VALUE
from app.models import AuditEntry, UsageEvent, UsageReport, UsageRun

NOW = datetime(2027, 5, 12, 9, 0)  # in the usage zone (Europe/London, BST) it is 10:00 on 12 May


def _report(org="org-1", day="2027-05-11", **usage):
    return {"organization_id": org, "instance": "US", "date": day, "usage": usage or {"product_analytics": 5}}


def _event(identifier="ev-1", value=5, timestamp="2027-05-12T08:00:00Z"):
    return {"identifier": identifier, "organization_id": "org-1", "event_name": "product_analytics_events",
            "value": value, "timestamp": timestamp}


def _run(**change):
    return {"instance": "US", "date": "2027-05-11", "total_orgs": 10, "orgs_sent": 4} | change


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def _refused(response, index: int, field: str):
    assert response.status_code == 422, response.get_data(as_text=True)
    errors = response.get_json()["errors"]
    assert [(e["index"], e["field"]) for e in errors] == [(index, field)] and errors[0]["message"]


@pytest.mark.parametrize("usage", [2 ** 63, 2 ** 63 - 1, 2 ** 70, MAX_USAGE_VALUE + 1, 10 ** 40])
@pytest.mark.parametrize("atomic", [True, False])
def test_a_usage_too_large_for_stripe_or_the_database_is_refused_and_nothing_stored(db, post, frozen, usage, atomic):
    frozen(NOW)
    audited = _count(db, AuditEntry)
    response = post("reports", {"reports": [_report(org="good"), _report(product_analytics=usage)],
                                "atomic": atomic})
    _refused(response, 1, "usage.product_analytics")
    assert db.session.scalars(db.select(UsageReport.organisation_id)).all() == ([] if atomic else ["good"])
    assert _count(db, AuditEntry) == audited


def test_the_largest_usage_stripe_takes_is_stored(db, post, frozen):
    frozen(NOW)
    response = post("reports", {"reports": [_report(product_analytics=MAX_USAGE_VALUE)]})
    assert response.status_code == 202
    assert db.session.scalar(db.select(UsageReport.usage)) == {"product_analytics": MAX_USAGE_VALUE}


@pytest.mark.parametrize("day", ["2027-04-06", "2026-01-01", "0001-01-01"])
def test_a_report_older_than_stripes_meter_window_is_refused(db, post, frozen, day):
    frozen(NOW)
    response = post("reports", {"reports": [_report(day=day)]})
    _refused(response, 0, "date")
    assert "35-day" in response.get_json()["errors"][0]["message"]
    assert _count(db, UsageReport) == 0


def test_the_oldest_day_inside_the_window_is_stored(db, post, frozen):
    frozen(NOW)  # 35 days back is 7 April 09:00 UTC: the last minute of 7 April (London) is still inside
    assert post("reports", {"reports": [_report(day="2027-04-07")]}).status_code == 202


@pytest.mark.parametrize("day", ["2027-05-13", "9999-12-31"])
def test_a_report_dated_in_the_future_is_refused(db, post, frozen, day):
    frozen(NOW)
    _refused(post("reports", {"reports": [_report(day=day)]}), 0, "date")
    assert _count(db, UsageReport) == 0


@pytest.mark.parametrize("value", [MAX_USAGE_VALUE + 1, 2 ** 63 - 1, 2 ** 63, 2 ** 70])
def test_an_event_value_stripe_cannot_take_is_refused(db, post, frozen, value):
    frozen(NOW)
    _refused(post("events", {"events": [_event("ok"), _event("big", value=value)], "atomic": True}), 1, "value")
    assert _count(db, UsageEvent) == 0


@pytest.mark.parametrize("field, value", [
    ("total_orgs", MAX_COUNT + 1), ("total_orgs", 2 ** 63), ("total_orgs", 2 ** 70), ("orgs_sent", 2 ** 70),
])
def test_a_run_count_past_its_column_is_refused(db, post, frozen, field, value):
    frozen(NOW)
    response = post("runs", _run(**{field: value}))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert _count(db, UsageRun) == 0


def test_the_largest_run_count_is_stored(db, post, frozen):
    frozen(NOW)
    assert post("runs", _run(total_orgs=MAX_COUNT, orgs_sent=MAX_COUNT)).status_code == 202
    assert db.session.scalar(db.select(UsageRun.total_orgs)) == MAX_COUNT
