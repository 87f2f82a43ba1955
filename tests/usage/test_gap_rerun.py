"""A gap day re-run: subscribed organisations whose report is missing owe their period-to-date; the demo's gap."""
from collections import Counter
from datetime import timedelta

from app.models import MeterEventSend
from tests.factories import make_usage_reports
from tests.usage.helpers import emulator_meter_events, report_date_and_day


def test_a_subscribed_org_missing_its_report_sends_the_period_to_date_we_have(db, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    subscriber()
    make_usage_reports(db.session, "org-1", {day - timedelta(days=2): {"product_analytics": 100},
                              day - timedelta(days=1): {"product_analytics": 50}})
    result = send(report_date)
    assert (result.sent, result.skipped) == (1, 0)
    assert [(e[0], e[3]) for e in emulator_meter_events(stripe_emulator)] == [
        (f"bc-org-1-product_analytics-{day:%Y%m%d}", 150)]


def test_the_late_report_then_goes_out_as_a_revision(db, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    subscriber()
    make_usage_reports(db.session, "org-1", {day - timedelta(days=1): {"product_analytics": 50}})
    send(report_date)
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 7}})
    send(report_date)
    assert [(e[0][-3:], e[3]) for e in emulator_meter_events(stripe_emulator)] == [(f"{day:%Y%m%d}"[-3:], 50),
                                                                                   ("-r1", 57)]


def test_an_unsubscribed_org_missing_its_report_is_not_recorded(db, stripe_emulator, make_customer, send):
    report_date, day = report_date_and_day()
    make_customer(organisation_id="org-free")
    make_usage_reports(db.session, "org-free", {day - timedelta(days=1): {"product_analytics": 5}})
    result = send(report_date)
    assert (result.sent, result.skipped) == (0, 0)
    assert db.session.scalar(db.select(MeterEventSend)) is None


def test_the_demo_gap_rerun_fills_the_one_missing_night(app, db, stripe_emulator, subscriber, send):
    from app.demo.usage import GAP_DAYS_AGO, seed_demo_usage

    us, eu = subscriber("org-hedgehog"), subscriber("org-lemur")
    with app.test_request_context():
        lines = seed_demo_usage(db.session)
    today, _ = report_date_and_day()
    gap = today - timedelta(days=GAP_DAYS_AGO)
    assert f"none for {gap}" in lines[1]
    before = emulator_meter_events(stripe_emulator)
    assert not [e for e in before if e[0].endswith(f"{gap:%Y%m%d}")]
    result = send(gap + timedelta(days=1))
    assert (result.sent, result.errors) == (6, 0)  # two organisations, three products
    events = emulator_meter_events(stripe_emulator)
    keys = Counter((e[1], e[2], e[4]) for e in events)
    assert set(keys.values()) == {1} and len({e[0] for e in events}) == len(events)
    days = {e[4] for e in events}
    assert len(events) == 2 * 3 * len(days) and {e[1] for e in events} == {us.stripe_customer_id,
                                                                          eu.stripe_customer_id}
