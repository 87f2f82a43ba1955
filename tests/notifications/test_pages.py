"""The settings page (/account/notifications), the list (/notifications) and "Who was told" on object pages."""
from __future__ import annotations

import pytest

from app.models import AuditEntry, Notification, NotificationPreference
from tests.notifications.test_each_kind import invoice_past_due, job_failed


def _checked(html: str) -> set[str]:
    import re

    return set(re.findall(r'value="([a-z_]+:(?:email|slack))"[^>]*\bchecked\b', html))


def test_the_settings_page_names_each_kind_and_ticks_the_roles_defaults(client, login_as):
    login_as("growth")
    html = client.get("/account/notifications").get_data(as_text=True)
    for title in ("Usage gap found", "Usage send ended with errors", "Job failed", "Webhook delivery failed",
                  "Invoice past due", "Startup credit about to run out", "Contract year or term starting soon"):
        assert title in html
    assert _checked(html) == {f"{k}:{c}" for k in ("invoice_past_due", "startup_credit_low", "renewal_due")
                              for c in ("email", "slack")}
    assert "Email is not set up here (SMTP_HOST)" in html


def test_saving_choices_changes_who_is_told_and_is_audited(app, db, client, login_as, channels, run_worker):
    inbox, slack = channels
    user = login_as("finance")
    response = client.post("/account/notifications", data={"notify": ["job_failed:slack", "usage_gap:email"]})
    assert response.status_code == 302
    assert _checked(client.get("/account/notifications").get_data(as_text=True)) == {"job_failed:slack",
                                                                                    "usage_gap:email"}
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.notifications_changed"))
    assert entry.object_id == str(user.id) and entry.after["job_failed"] == {"email": False, "slack": True}
    job_failed(app, db, client)
    run_worker(checks=False)
    assert inbox.to(user.email) == [] and len(slack.received) == 1


@pytest.mark.parametrize("choice", ["job_failed:pager", "no_such_kind:email", "job_failed"])
def test_an_unknown_choice_is_refused_in_place_and_nothing_is_written(client, login_as, nothing_written, choice):
    login_as("finance")
    with nothing_written():
        response = client.post("/account/notifications", data={"notify": ["usage_gap:email", choice]})
    assert response.status_code == 422
    assert f"Notifications: unknown choice &#39;{choice}&#39;" in response.get_data(as_text=True)


def test_a_job_page_loads_who_was_told_with_each_recipient_and_status(app, db, client, login_as, channels,
                                                                     run_worker):
    inbox, slack = channels
    user = login_as("admin")
    inbox.refuse = "550 5.1.1 No such user"
    job_failed(app, db, client)
    run_worker(checks=False)
    job_id = db.session.scalar(db.select(Notification.object_id))
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert f'hx-get="/notifications/told/job/{job_id}"' in page
    told = client.get(f"/notifications/told/job/{job_id}").get_data(as_text=True)
    assert "Who was told" in told and "Job failed" in told
    assert user.email in told and "SMTP 550: 5.1.1 No such user" in told
    assert "Slack channel" in told and ">sent<" in told


def test_the_plan_page_and_the_list_show_a_past_due_invoice(app, db, client, login_as, channels, run_worker):
    login_as("finance")
    invoice_past_due(app, db, client)
    run_worker()
    plan_id = db.session.scalar(db.select(Notification.object_id))
    assert f'hx-get="/notifications/told/annual_plan/{plan_id}"' in client.get(f"/annual-plans/{plan_id}").get_data(
        as_text=True)
    assert "Invoice past due: Late Payer Inc" in client.get(f"/notifications/told/annual_plan/{plan_id}").get_data(
        as_text=True)
    listing = client.get("/notifications").get_data(as_text=True)
    assert "Invoice past due: Late Payer Inc" in listing
    assert f'<a href="/annual-plans/{plan_id}">annual plan {plan_id}</a>' in listing


def test_the_usage_page_loads_who_was_told_about_usage_days(client, login_as):
    login_as("viewer")
    assert 'hx-get="/notifications/told/usage_day"' in client.get("/usage").get_data(as_text=True)
    assert "Nobody was told about anything here." in client.get("/notifications/told/usage_day").get_data(as_text=True)


def test_an_unknown_object_type_is_not_found(client, login_as):
    login_as("viewer")
    assert client.get("/notifications/told/users/1").status_code == 404


def test_choices_are_kept_per_user(db, client, login_as):
    user = login_as("cs")
    client.post("/account/notifications", data={"notify": []})
    rows = db.session.scalars(db.select(NotificationPreference).where(NotificationPreference.user_id == user.id)).all()
    assert len(rows) == 7 and not any(r.email or r.slack for r in rows)
