"""Why sends failed, grouped by Stripe's message: on the Usage page, in the failed job, and from the CLI."""
from datetime import timedelta

import pytest

from app.billing.usage_gaps import grouped_reasons
from app.jobs import job_queue
from app.models import Job
from app.services.audit import Actor
from app.services.jobs import start_job
from tests.factories import make_usage_reports

STRIPE_WINDOW = "Stripe: The event timestamp must be within the past 35 calendar days."


@pytest.fixture
def three_refused(db, stripe_emulator, subscriber, send):
    """Yesterday's usage of three subscribed organisations, each refused by Stripe for its timestamp."""
    from tests.usage.helpers import report_date_and_day

    report_date, day = report_date_and_day()
    for org in ("org-1", "org-2", "org-3"):
        subscriber(org, products=("product_analytics",))
        make_usage_reports(db.session, org, {day: {"product_analytics": 5}})
    stripe_emulator.state.clock.offset += 40 * 86_400
    yield report_date, day
    stripe_emulator.state.clock.offset -= 40 * 86_400


def test_reasons_are_grouped_by_message_most_frequent_first():
    assert grouped_reasons({"b refused": 1, "a refused": 12, "c": 1}, "event", "events") == [
        "12 events: a refused", "1 event: b refused", "1 event: c"]


def test_the_send_tells_each_reason_once_with_its_count(three_refused, send):
    report_date, _ = three_refused
    result = send(report_date)
    assert result.errors == 3 and result.reasons == [f"3 events: {STRIPE_WINDOW}"]


def test_the_usage_page_groups_the_days_failures(client, login_as, three_refused, send):
    report_date, day = three_refused
    send(report_date)
    login_as("viewer")
    html = client.get("/usage").get_data(as_text=True)
    assert f'<div class="send-failures" data-day="{day}">' in html
    assert f'<li class="send-failure">3 events: {STRIPE_WINDOW}</li>' in html
    assert f"(re-run with {day + timedelta(days=1)})" in html and "RuntimeError" not in html


def test_the_failed_job_says_why_in_stripes_words(app, db, three_refused):
    report_date, _ = three_refused
    job = start_job(db.session, Actor.system("tests"), "usage.send_reports", {"date": report_date.isoformat()})
    db.session.commit()
    job_queue.drain()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed"
    assert f"Why: 3 events: {STRIPE_WINDOW}" in job.error and f"re-run with {report_date}" in job.error


def test_the_cli_prints_the_grouped_reasons(app, three_refused):
    report_date, _ = three_refused
    result = app.test_cli_runner().invoke(args=["usage", "send-reports", "--date", report_date.isoformat()])
    assert result.exit_code == 1 and f"  3 events: {STRIPE_WINDOW}" in result.output
