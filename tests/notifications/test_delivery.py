"""Deliveries: a failing channel fails alone with its reason and is tried again later, never twice once sent."""
from __future__ import annotations

from datetime import timedelta

from app import collaborators
from app.jobs import job_queue
from app.models import NotificationDelivery
from app.services.audit import Actor
from app.services.jobs import start_job
from app.services.notification_delivery import deliver_notifications, fan_out
from app.timeutil import utcnow
from tests.notifications.test_each_kind import job_failed


def _deliveries(db) -> dict[str, NotificationDelivery]:
    db.session.expire_all()
    return {d.channel: d for d in db.session.scalars(db.select(NotificationDelivery))}


def test_a_refusing_smtp_server_keeps_its_error_and_slack_is_still_told(app, db, client, make_user, channels,
                                                                         run_worker):
    inbox, slack = channels
    make_user("finance")
    inbox.refuse = "451 4.3.0 Mailbox busy, try later"
    job_failed(app, db, client)
    run_worker(checks=False)
    found = _deliveries(db)
    assert (found["email"].status, found["email"].error) == ("failed", "SMTP 451: 4.3.0 Mailbox busy, try later")
    assert found["email"].next_attempt_at is not None
    assert found["slack"].status == "sent" and len(slack.received) == 1


def test_a_failed_email_is_sent_once_when_the_server_is_back_and_its_retry_time_has_come(
        app, db, client, make_user, channels, run_worker):
    inbox, slack = channels
    finance = make_user("finance")
    inbox.refuse = "451 4.3.0 Mailbox busy, try later"
    job_failed(app, db, client)
    run_worker(checks=False)
    inbox.refuse = None
    run_worker(checks=False)  # before its retry time: left alone
    assert inbox.to(finance.email) == [] and _deliveries(db)["email"].status == "failed"
    with app.test_request_context():
        later = utcnow() + timedelta(hours=1)
        deliver_notifications(db.session, collaborators.notification_channels(), later)
        deliver_notifications(db.session, collaborators.notification_channels(), later + timedelta(hours=1))
    found = _deliveries(db)
    assert (found["email"].status, found["email"].error, found["email"].attempts) == ("sent", "", 2)
    assert len(inbox.to(finance.email)) == 1 and len(slack.received) == 1


def test_an_unreachable_slack_webhook_fails_alone_and_email_goes_out(app, db, client, make_user, channels,
                                                                     run_worker):
    inbox, slack = channels
    finance = make_user("finance")
    slack.fail_with = 403
    job_failed(app, db, client)
    run_worker(checks=False)
    found = _deliveries(db)
    assert found["slack"].status == "failed" and "Slack webhook answered 403: invalid_token" == found["slack"].error
    assert found["email"].status == "sent" and len(inbox.to(finance.email)) == 1


def test_a_claimed_delivery_is_not_sent_again_by_a_second_run(app, db, client, make_user, channels, run_worker):
    """A worker that stopped between claiming and recording leaves it "sending": nobody is told twice."""
    inbox, slack = channels
    make_user("finance")
    job_failed(app, db, client)
    with app.test_request_context():
        fan_out(db.session, collaborators.notification_channels(), utcnow())
    db.session.execute(db.update(NotificationDelivery).values(status="sending", attempts=1))
    db.session.commit()
    run_worker(checks=False)
    assert inbox.messages == [] and slack.received == []
    assert {d.status for d in _deliveries(db).values()} == {"sending"}


def test_no_channel_configured_records_the_event_and_tells_nobody(app, db, client, login_as, run_worker):
    login_as("finance")
    job = start_job(db.session, Actor.system("tests"), "annual_plans.load", {"plan_id": 987655})
    db.session.commit()
    job_queue.drain()
    run_worker(checks=False)
    response = client.get(f"/notifications/told/job/{job.id}")
    assert "nobody to tell" in response.get_data(as_text=True)


def test_a_job_whose_worker_stopped_for_good_is_told_as_failed(app, db, make_user, channels, run_worker):
    from tests.web.test_job_sweeper import _running_job

    inbox, slack = channels
    finance = make_user("finance")
    job = _running_job(db, silent_for=120, requeues=2)
    job_queue.run_periodic("sweep_stopped_jobs")
    run_worker(checks=False)
    mail = inbox.to(finance.email)
    assert [m["subject"] for m in mail] == [f"Job failed: Worker self-test (job {job.id})"]
    assert "the worker stopped (gone-host:4242)" in mail[0]["body"] and len(slack.received) == 1
