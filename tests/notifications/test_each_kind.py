"""Each kind of event, made to happen the way the product meets it, is told once by email (a real SMTP
server on loopback) and once on Slack (an HTTP receiver), and not again when the worker, the daily
checks or what raised the event run again."""
from __future__ import annotations

from datetime import timedelta

import pytest

from app import collaborators
from app.billing.stripe_requests import add_months
from app.jobs import job_queue
from app.models import Job, Notification, NotificationDelivery, WebhookEvent
from app.services.audit import Actor
from app.services.jobs import start_job
from app.services.usage_send import send_usage_reports
from app.timeutil import utcnow
from tests.annual_plans.helpers import deliver
from tests.factories import make_annual_plan, make_subscribed_customer, make_usage_reports
from tests.usage.helpers import report_date_and_day

TOO_BIG = 9223372036854775808  # 2**63: no BIGINT holds it, so the organisation cannot be sent


def usage_gap(app, db, client):
    """US reported each of the seven days before yesterday and nothing for yesterday."""
    yesterday = report_date_and_day()[1]
    make_usage_reports(db.session, "org-1", {yesterday - timedelta(days=n): {"product_analytics": 5}
                                             for n in range(1, 8)})
    return "Usage gap: US sent no usage reports for " + yesterday.isoformat()


def usage_send_errors(app, db, client):
    report_date, day = report_date_and_day()
    make_subscribed_customer(db.session, client.stripe, "org-2", ("product_analytics",), started_days_ago=20,
                             organisation_id="org-2")
    make_usage_reports(db.session, "org-2", {day: {"product_analytics": TOO_BIG}})
    with app.test_request_context():
        result = send_usage_reports(db.session, collaborators.meter_gateway(), collaborators.catalog(),
                                    collaborators.usage_zone(), Actor.system("tests"), report_date)
    db.session.commit()
    assert list(result.failed) == ["org-2"]
    return f"Usage send for {day.isoformat()} ended with errors"


def job_failed(app, db, client):
    job = start_job(db.session, Actor.system("tests"), "annual_plans.load", {"plan_id": 987654})
    db.session.commit()
    job_queue.drain()
    assert db.session.get(Job, job.id).status == "failed"
    return f"Job failed: Load from contract (job {job.id})"


def webhook_failed(app, db, client):
    response = deliver(client, b"[not json", event_id="evt-broken-1")
    assert response.status_code == 400
    return "PandaDoc webhook evt-broken-1 could not be handled"


def invoice_past_due(app, db, client):
    make_annual_plan(db.session, "acme", document_id="doc-past-due", company="Late Payer Inc",
                     invoice_id="in_late_1", invoice_status="open", stage="sent",
                     start_date=utcnow().date() - timedelta(days=45), payment_terms_days=30)
    return "Invoice past due: Late Payer Inc — in_late_1"


def renewal_due(app, db, client):
    year_two = utcnow().date() + timedelta(days=20)
    make_annual_plan(db.session, "acme", document_id="doc-renewing", company="Renewing Ltd", stage="live",
                     start_date=add_months(year_two, -12), term_months=24)
    return f"Renewing Ltd: contract year 2 starts on {year_two.isoformat()}"


TRIGGERS = {"usage_gap": usage_gap, "usage_send_errors": usage_send_errors, "job_failed": job_failed,
            "webhook_failed": webhook_failed, "invoice_past_due": invoice_past_due, "renewal_due": renewal_due}


@pytest.fixture
def with_stripe(client, stripe_client, catalog):
    client.stripe = stripe_client
    return client


@pytest.mark.parametrize("kind", sorted(TRIGGERS))
def test_each_kind_is_told_once_by_email_and_on_slack(app, db, with_stripe, make_user, channels, run_worker, kind):
    inbox, slack = channels
    finance = make_user("finance")
    subject = TRIGGERS[kind](app, db, with_stripe)
    run_worker()
    mine = inbox.to(finance.email)
    assert [m["subject"] for m in mine if m["subject"].startswith(subject)] == [mine[0]["subject"]]
    assert [m["subject"] for m in mine] == [mine[0]["subject"]]  # nothing else was told
    assert len(slack.received) == 1 and slack.received[0]["text"].startswith(f"*{subject}")
    assert finance.email in slack.received[0]["text"]
    event = db.session.scalar(db.select(Notification))
    assert event.kind == kind
    run_worker()
    run_worker()
    assert len(inbox.to(finance.email)) == 1 and len(slack.received) == 1
    statuses = db.session.scalars(db.select(NotificationDelivery.status)).all()
    assert statuses == ["sent", "sent"]


def test_a_stripe_retry_of_a_failed_webhook_tells_nobody_again(app, db, client, make_user, channels, run_worker):
    inbox, slack = channels
    finance = make_user("finance")
    assert deliver(client, b"[not json", event_id="evt-broken-2").status_code == 400
    run_worker(checks=False)
    assert deliver(client, b"[not json", event_id="evt-broken-2").status_code in (200, 400)
    run_worker(checks=False)
    assert len(inbox.to(finance.email)) == 1 and len(slack.received) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent)) == 1


def test_a_viewer_is_told_nothing_by_default(app, db, with_stripe, make_user, channels, run_worker):
    inbox, slack = channels
    viewer = make_user("viewer")
    job_failed(app, db, with_stripe)
    run_worker(checks=False)
    assert inbox.to(viewer.email) == [] and slack.received == []
    event = db.session.scalar(db.select(Notification))
    assert event.fanned_out_at is not None and event.deliveries == []


def test_a_usage_job_that_ends_with_errors_is_told_once_not_also_as_a_failed_job(
        app, db, with_stripe, make_user, channels, run_worker):
    """The night's send job fails because its send had errors: the team hears of the errors once."""
    inbox, slack = channels
    finance = make_user("finance")
    report_date, day = report_date_and_day()
    make_subscribed_customer(db.session, with_stripe.stripe, "org-2", ("product_analytics",), started_days_ago=20,
                             organisation_id="org-2")
    make_usage_reports(db.session, "org-2", {day: {"product_analytics": TOO_BIG}})
    job = start_job(db.session, Actor.system("tests"), "usage.send_reports", {"date": report_date.isoformat()})
    db.session.commit()
    job_queue.drain()
    assert db.session.get(Job, job.id).status == "failed"
    run_worker(checks=False)
    assert [m["subject"] for m in inbox.to(finance.email)] == [
        f"Usage send for {day.isoformat()} ended with errors: 0 reports sent, 0 skipped, 0 errors, 1 organisation not sent"]
    assert len(slack.received) == 1
    assert db.session.scalars(db.select(Notification.kind)).all() == ["usage_send_errors"]


def test_a_message_links_to_the_page_of_what_it_is_about(app, db, with_stripe, make_user, channels, run_worker):
    inbox, slack = channels
    finance = make_user("finance")
    app.config["PUBLIC_URL"] = "https://billing.example.com"
    subject = job_failed(app, db, with_stripe)
    job_id = subject.rsplit(" ", 1)[1].rstrip(")")
    run_worker(checks=False)
    assert f"Open it: https://billing.example.com/jobs/{job_id}" in inbox.to(finance.email)[0]["body"]
    assert f"Open it: https://billing.example.com/jobs/{job_id}" in slack.received[0]["text"]
