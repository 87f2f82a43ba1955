"""Startup credit about to run out (read by the daily startup-plans job), and Stripe's `invoice.overdue`
meeting the daily past-due check under one key."""
from __future__ import annotations

from datetime import timedelta

from app import timeutil
from app.jobs import job_queue
from app.models import Customer, Notification
from tests.annual_plans.test_go_live import deliver_stripe
from tests.customers.test_startup_plans import _start
from tests.notifications.test_each_kind import invoice_past_due


def test_a_startup_credit_expiring_within_two_weeks_is_told_once(db, client, login_as, subscriber, startup_price,
                                                                 channels, run_worker):
    inbox, slack = channels
    customer = subscriber("Young Co")
    user = login_as("finance")
    expires_on = timeutil.utcnow().date() + timedelta(days=10)
    assert _start(client, customer, "$100", expires_on.isoformat()).status_code == 200
    for _ in range(2):  # two days' startup-plans jobs: the customer is still on the plan, told once
        job_queue.run_periodic("end_startup_plans_daily")
        assert job_queue.drain() == 1
        run_worker(checks=False)
    assert db.session.get(Customer, customer.id).billing_configuration == "startup"
    mail = inbox.to(user.email)
    assert [m["subject"] for m in mail] == [
        f"Startup credit about to run out: Young Co (the credit expires on {expires_on.isoformat()})"]
    assert "$100.00 of $100.00 left" in mail[0]["body"] and len(slack.received) == 1
    told = client.get(f"/notifications/told/customer/{customer.id}").get_data(as_text=True)
    assert "Startup credit about to run out" in told and ">sent<" in told


def test_a_startup_credit_with_plenty_left_tells_nobody(db, client, login_as, subscriber, startup_price, channels,
                                                        run_worker):
    inbox, slack = channels
    customer = subscriber("Roomy Co")
    login_as("finance")
    assert _start(client, customer, "$100").status_code == 200
    job_queue.run_periodic("end_startup_plans_daily")
    job_queue.drain()
    run_worker(checks=False)
    assert db.session.scalar(db.select(Notification)) is None and inbox.messages == [] and slack.received == []


def test_stripes_invoice_overdue_and_the_daily_check_tell_once(app, db, client, make_user, channels, run_worker):
    inbox, slack = channels
    finance = make_user("finance")
    invoice_past_due(app, db, client)
    event = {"id": "evt_overdue_1", "object": "event", "type": "invoice.overdue", "created": 1,
             "data": {"object": {"id": "in_late_1", "object": "invoice", "amount_remaining": 1250000,
                                 "due_date": None}}}
    assert deliver_stripe(client, event).status_code == 200
    run_worker()  # the daily check finds the same invoice
    assert len(inbox.to(finance.email)) == 1 and len(slack.received) == 1
    assert "($12,500.00)" in inbox.to(finance.email)[0]["subject"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)) == 1
