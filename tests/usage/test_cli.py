"""`flask usage send-reports | check | reconcile`: output, exit codes, the date convention."""
from datetime import timedelta

import pytest

from app.models import Job, MeterEventSend, UsageRun
from tests.factories import make_usage_reports
from tests.usage.helpers import emulator_meter_events, report_date_and_day


@pytest.fixture
def runner(app, db):
    return app.test_cli_runner()


@pytest.fixture
def subscribed(subscriber):
    return subscriber("org-1", products=("product_analytics",))


def test_send_reports_uses_the_day_before_and_prints_the_summary(db, runner, stripe_emulator, subscribed):
    report_date, day = report_date_and_day()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5}, day - timedelta(days=1): {"product_analytics": 99}})
    result = runner.invoke(args=["usage", "send-reports", "--date", report_date.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"sending usage for {day}" in result.output
    assert result.output.strip().endswith("1 reports sent, 0 skipped, 0 errors")
    assert emulator_meter_events(stripe_emulator)[0][0].endswith(f"{day:%Y%m%d}")


@pytest.mark.parametrize("flag", [["--async"], ["--async", "1"]])
def test_async_enqueues_a_job_and_says_done(db, runner, stripe_emulator, flag):
    report_date, _ = report_date_and_day()
    result = runner.invoke(args=["usage", "send-reports", "--date", report_date.isoformat(), *flag])
    job = db.session.scalar(db.select(Job).where(Job.kind == "usage.send_reports"))
    assert result.exit_code == 0, result.output
    assert f"Job {job.id} queued" in result.output and result.output.strip().endswith("Done!")
    assert job.arguments["date"] == report_date.isoformat()


def test_a_day_older_than_stripes_window_is_refused_with_what_to_do(db, runner):
    report_date, _ = report_date_and_day()
    result = runner.invoke(args=["usage", "send-reports", "--date", (report_date - timedelta(days=40)).isoformat()])
    assert result.exit_code == 1
    assert "35-day" in result.output and "invoice item" in result.output
    assert db.session.scalar(db.select(MeterEventSend)) is None


def test_dry_run_sends_and_records_nothing(db, runner, stripe_emulator, subscribed):
    report_date, day = report_date_and_day()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5}})
    result = runner.invoke(args=["usage", "send-reports", "--date", report_date.isoformat(), "--dry-run"])
    assert "1 reports would be sent" in result.output
    assert emulator_meter_events(stripe_emulator) == [] and db.session.scalar(db.select(MeterEventSend)) is None


def test_check_exits_non_zero_on_a_gap_and_names_the_rerun_date(db, runner):
    report_date, day = report_date_and_day()
    for n in range(1, 8):
        make_usage_reports(db.session, f"o{n}", {day - timedelta(days=k): {"product_analytics": 1} for k in range(1, 8)})
    result = runner.invoke(args=["usage", "check", "--date", report_date.isoformat()])
    assert result.exit_code == 1
    assert f"US sent no usage reports for {day}" in result.output
    assert (f"the US instance re-sends its reports: python manage.py send_usage_report --date {report_date} --async 1; "
            f"then re-run here: flask usage send-reports --date {report_date}") in result.output


def test_check_passes_when_every_instance_reported(db, runner):
    report_date, day = report_date_and_day()
    make_usage_reports(db.session, "o1", {day - timedelta(days=k): {"product_analytics": 1} for k in range(0, 8)})
    db.session.add(UsageRun(instance="US", date=day, total_orgs=1, orgs_sent=1))
    db.session.commit()
    result = runner.invoke(args=["usage", "check", "--date", report_date.isoformat()])
    assert result.exit_code == 0, result.output and "No gaps" in result.output


def test_reconcile_finds_an_injected_mismatch(db, runner, stripe_emulator, stripe_client, subscribed):
    report_date, day = report_date_and_day()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5}})
    runner.invoke(args=["usage", "send-reports", "--date", report_date.isoformat()])
    assert runner.invoke(args=["usage", "reconcile", "--date", report_date.isoformat()]).exit_code == 0
    row = db.session.scalar(db.select(MeterEventSend))
    stripe_client.v1.billing.meter_events.create(params={  # someone else's event, later the same day
        "event_name": "product_analytics_events", "timestamp": row.timestamp + 30, "identifier": "stray",
        "payload": {"stripe_customer_id": subscribed.stripe_customer_id, "value": "999"}})
    result = runner.invoke(args=["usage", "reconcile", "--date", report_date.isoformat()])
    assert result.exit_code == 1
    assert "MISMATCH org-1 product_analytics: we sent 5, Stripe has 999" in result.output
