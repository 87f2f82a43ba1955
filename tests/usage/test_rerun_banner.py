"""The gap banner after a re-run: still flagged, calm once the day's meter events all went out, alarming on errors."""
import re
from datetime import timedelta

import pytest

from app.jobs import job_queue
from app.models import AuditEntry, MeterEventSend
from app.services.audit import Actor
from app.services.jobs import start_job
from tests.factories import make_usage_reports
from tests.usage.helpers import report_date_and_day


@pytest.fixture
def gap_day(db, subscriber):
    """A subscribed organisation that reported every day but one, two days ago."""
    _, day = report_date_and_day()
    gap = day - timedelta(days=2)
    subscriber("org-1", products=("product_analytics",))
    make_usage_reports(db.session, "org-1", {day - timedelta(days=k): {"product_analytics": 100 + k} for k in range(12)
                              if day - timedelta(days=k) != gap})
    return gap


def _banner(client, gap) -> str:
    html = client.get("/usage").get_data(as_text=True)
    found = re.search(rf'<div class="flash ([^"]*)" role="(\w+)" data-day="{gap}">(.*?)</div>', html, re.S)
    assert found, html
    return " ".join(f"{found[1]} role={found[2]} {found[3]}".split())


def _rerun(client, db, gap) -> None:
    response = client.post("/usage/rerun", data={"date": (gap + timedelta(days=1)).isoformat()},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    job_queue.drain()


def _rerun_time(db) -> str:
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "usage.sent")
                               .order_by(AuditEntry.id.desc())).first()
    return f"{entry.at:%Y-%m-%d %H:%M} UTC"


def test_before_a_rerun_the_gap_calls_for_one(client, login_as, gap_day):
    login_as("cs")
    banner = _banner(client, gap_day)
    assert banner.startswith("flash-error usage-gap role=alert")
    assert f"US sent no usage reports for {gap_day}. <span class=\"who-acts\">Reports missing: the <strong>US</strong>" in banner
    assert f"Then here, to send what arrived to Stripe: re-run with <strong>{gap_day + timedelta(days=1)}</strong>" in banner


def test_after_a_successful_rerun_the_gap_says_what_it_sent(client, db, login_as, stripe_emulator, gap_day):
    login_as("cs")
    _rerun(client, db, gap_day)
    banner = _banner(client, gap_day)
    assert banner.startswith("flash-warning usage-gap usage-gap-rerun role=status")
    assert f"US sent no usage reports for {gap_day} — re-run {_rerun_time(db)}: 1 sent, 0 errors." in banner
    assert "Reports missing: the <strong>US</strong> instance re-sends them" in banner  # still the instance's to fix
    html = client.get("/usage").get_data(as_text=True)
    assert f"Re-run for {gap_day + timedelta(days=1)}" in html  # still offered


def test_after_a_rerun_with_errors_the_gap_stays_alarming(client, db, login_as, stripe_emulator, gap_day):
    login_as("cs")
    stripe_emulator.faults.configure(fail_next=3, path_prefix="/v1/billing/meter_events")
    _rerun(client, db, gap_day)
    banner = _banner(client, gap_day)
    assert banner.startswith("flash-error usage-gap role=alert")
    assert (f"re-run {_rerun_time(db)}: 0 sent, 1 errors: clear the errors and re-run with "
            f"<strong>{gap_day + timedelta(days=1)}</strong>") in banner


def test_the_nightly_send_of_the_day_is_not_a_rerun(client, db, login_as, stripe_emulator, gap_day):
    login_as("cs")
    start_job(db.session, Actor.system("nightly-usage"), "usage.send_reports",
              {"date": (gap_day + timedelta(days=1)).isoformat()})
    db.session.commit()
    job_queue.drain()
    statuses = db.session.scalars(db.select(MeterEventSend.status).where(MeterEventSend.usage_day == gap_day)).all()
    banner = _banner(client, gap_day)
    assert statuses == ["sent"]  # every meter event of the day went out, but nobody re-ran it yet
    assert banner.startswith("flash-error usage-gap role=alert") and "re-run 20" not in banner


def test_a_rerun_that_could_not_send_an_organisation_stays_alarming(client, db, login_as, stripe_emulator, gap_day,
                                                                    subscriber):
    subscriber("org-2", products=("product_analytics",))
    make_usage_reports(db.session, "org-2", {gap_day - timedelta(days=1): {"product_analytics": 2**63}})
    login_as("cs")
    _rerun(client, db, gap_day)
    banner = _banner(client, gap_day)
    assert banner.startswith("flash-error usage-gap role=alert")
    assert f"re-run {_rerun_time(db)}: 1 sent, 1 errors: clear the errors and re-run" in banner
