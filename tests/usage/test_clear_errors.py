"""Clearing a day's send errors (CLI and the Usage page): back to pending, audited, then the re-run sends them."""
from datetime import timedelta

import pytest

from app.models import AuditEntry, MeterEventSend
from tests.usage.helpers import emulator_meter_events


@pytest.fixture
def refused_day(db, stripe_emulator, reported_yesterday, send):
    """Yesterday's one meter event, refused by Stripe on every attempt so far."""
    report_date, day = reported_yesterday
    stripe_emulator.faults.configure(fail_next=3, path_prefix="/v1/billing/meter_events")
    assert send(report_date).errors == 1
    return report_date


def _statuses(db):
    db.session.expire_all()
    return [r.status for r in db.session.scalars(db.select(MeterEventSend))]


def _audit(db):
    return db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "usage.errors_cleared"))


def test_the_cli_clears_the_days_errors_and_the_rerun_sends_them(app, db, stripe_emulator, refused_day, send):
    result = app.test_cli_runner().invoke(args=["usage", "clear-errors", "--date", refused_day.isoformat()])
    assert result.exit_code == 0, result.output
    assert "1 error cleared" in result.output and f"--date {refused_day}" in result.output
    assert _statuses(db) == ["pending"] and _audit(db).after == {"rows": 1}
    assert send(refused_day).sent == 1 and len(emulator_meter_events(stripe_emulator)) == 1


def test_the_cli_refuses_a_bad_date_and_clears_nothing(app, db, refused_day):
    result = app.test_cli_runner().invoke(args=["usage", "clear-errors", "--date", "12/05/2027"])
    assert result.exit_code == 2 and "is not a date as YYYY-MM-DD" in result.output
    assert _statuses(db) == ["error"] and _audit(db) is None


def test_the_page_button_clears_the_days_errors(client, db, login_as, refused_day):
    login_as("cs")
    response = client.post("/usage/clear-errors", data={"date": refused_day.isoformat()},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert f"1 error cleared for usage day {refused_day - timedelta(days=1)}" in response.get_data(as_text=True)
    assert _statuses(db) == ["pending"] and _audit(db).actor_id is not None


@pytest.mark.parametrize("raw", ["12/05/2027", ""])
def test_a_bad_date_on_the_page_is_shown_in_place_and_clears_nothing(client, db, login_as, refused_day, raw):
    login_as("cs")
    response = client.post("/usage/clear-errors", data={"date": raw}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "is not a date" in response.get_data(as_text=True)
    assert _statuses(db) == ["error"] and _audit(db) is None


def test_a_viewer_cannot_clear_errors(client, db, login_as, refused_day, nothing_written):
    login_as("viewer")
    with nothing_written():
        assert client.post("/usage/clear-errors", data={"date": refused_day.isoformat()}).status_code == 403
    assert _statuses(db) == ["error"]


def test_the_page_offers_the_button_to_those_who_may_rerun(client, db, login_as):
    login_as("cs")
    assert "Clear errors" in client.get("/usage").get_data(as_text=True)


def test_a_day_refused_for_its_timestamp_is_sent_after_clear_errors_once_the_clock_is_back(
        app, db, stripe_emulator, reported_yesterday, send):
    """Stripe saves no idempotent result for a request that failed validation: the retry with the same key runs
    again (the emulator used to replay the stored 400 within a second)."""
    report_date, _ = reported_yesterday
    stripe_emulator.state.clock.offset += 40 * 86_400  # the emulator's clock runs ahead: yesterday is 41 days ago
    try:
        result = send(report_date)
    finally:
        stripe_emulator.state.clock.offset -= 40 * 86_400
    assert result.errors == 1 and "35 calendar days" in db.session.scalars(db.select(MeterEventSend)).one().error
    cleared = app.test_cli_runner().invoke(args=["usage", "clear-errors", "--date", report_date.isoformat()])
    assert cleared.exit_code == 0, cleared.output
    assert send(report_date).sent == 1 and len(emulator_meter_events(stripe_emulator)) == 1
