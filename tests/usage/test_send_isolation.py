"""One organisation whose stored usage cannot be sent fails alone, with its reason; every other one is sent.

The bad value is written straight to the database (as the API once took it), so this holds whatever
the API lets through."""
import re

import pytest
from markupsafe import escape

from app.jobs import job_queue
from app.models import AuditEntry, Job, MeterEventSend
from app.services.audit import Actor
from app.services.jobs import start_job
from tests.factories import make_usage_reports
from tests.usage.helpers import emulator_meter_events, report_date_and_day

TOO_BIG = 9223372036854775808  # 2**63: no BIGINT holds it


@pytest.fixture
def one_bad_org(db, subscriber):
    """org-1 and org-3 reported 5 events yesterday; org-2 reported 2**63."""
    report_date, day = report_date_and_day()
    for org, count in (("org-1", 5), ("org-2", TOO_BIG), ("org-3", 5)):
        subscriber(org=org, products=("product_analytics",))
        make_usage_reports(db.session, org, {day: {"product_analytics": count}})
    return report_date, day


def _sent(emulator) -> list[str]:
    return [e[0].split("-product")[0] for e in emulator_meter_events(emulator)]


def test_an_oversized_stored_report_fails_its_organisation_alone(db, stripe_emulator, one_bad_org, send):
    report_date, day = one_bad_org
    result = send(report_date)
    assert _sent(stripe_emulator) == ["bc-org-1", "bc-org-3"]
    assert (result.sent, result.errors, list(result.failed)) == (2, 0, ["org-2"])
    assert "INTEGER" in result.failed["org-2"] or "range" in result.failed["org-2"]
    assert db.session.scalars(db.select(MeterEventSend.organisation_id)).all() == ["org-1", "org-3"]
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "usage.sent"))
    assert entry.after["failed"] == result.failed


def test_any_error_building_one_organisations_events_fails_it_alone(db, stripe_emulator, subscriber, send, monkeypatch):
    from app.services import usage_send_plan

    report_date, day = report_date_and_day()
    for org in ("org-1", "org-2"):
        subscriber(org=org, products=("product_analytics",), billing_limits={"product_analytics": 100} if org == "org-2" else None)
        make_usage_reports(db.session, org, {day: {"product_analytics": 5}})

    def broken_cap(customer, product):
        if customer.billing_limits:
            raise OverflowError("cannot convert float infinity to integer")

    monkeypatch.setattr(usage_send_plan, "_cap", broken_cap)
    result = send(report_date)
    assert _sent(stripe_emulator) == ["bc-org-1"]
    assert result.failed == {"org-2": "OverflowError: cannot convert float infinity to integer"}


def test_the_cli_sends_the_others_and_names_the_failed_organisation(app, db, stripe_emulator, one_bad_org):
    report_date, _ = one_bad_org
    result = app.test_cli_runner().invoke(args=["usage", "send-reports", "--date", report_date.isoformat()])
    assert result.exit_code == 1
    assert "org-2: not sent: " in result.output
    assert "2 of 2 sent" in result.output
    # the database's own reason: OverflowError from SQLite's driver, NumericValueOutOfRange from PostgreSQL
    assert re.search(r"2 reports sent, 0 skipped, 0 errors, 1 organisation not sent\n  1 organisation: "
                     r"(OverflowError|NumericValueOutOfRange):", result.output), result.output
    assert _sent(stripe_emulator) == ["bc-org-1", "bc-org-3"]


def test_a_dry_run_names_the_failed_organisation_and_writes_nothing(app, db, stripe_emulator, one_bad_org):
    report_date, _ = one_bad_org
    result = app.test_cli_runner().invoke(args=["usage", "send-reports", "--date", report_date.isoformat(), "--dry-run"])
    assert result.exit_code == 1
    assert "org-2: not sent: " in result.output and "2 reports would be sent" in result.output
    assert emulator_meter_events(stripe_emulator) == [] and db.session.scalar(db.select(MeterEventSend)) is None


def test_the_nightly_job_sends_the_others_and_logs_the_failure(db, stripe_emulator, one_bad_org):
    report_date, _ = one_bad_org
    job = start_job(db.session, Actor.system("nightly-usage"), "usage.send_reports", {"date": report_date.isoformat()})
    db.session.commit()
    job_queue.drain()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and "1 organisation not sent" in job.error
    assert "org-2: not sent: " in job.log and "2 of 2 sent" in job.log
    assert _sent(stripe_emulator) == ["bc-org-1", "bc-org-3"]


def test_the_usage_page_shows_the_failed_organisation_and_why(client, db, login_as, stripe_emulator, one_bad_org, send):
    report_date, day = one_bad_org
    reason = escape(send(report_date).failed["org-2"])
    login_as("viewer")
    html = client.get("/usage").get_data(as_text=True)
    assert f'<tr class="usage-unsent" data-org="org-2"><td class="nowrap">{day}</td><td>org-2</td><td>{reason}</td></tr>' in html
    assert 'data-org="org-1"' not in html


def test_a_later_run_that_sends_the_organisation_clears_it_from_the_page(client, db, login_as, stripe_emulator,
                                                                          one_bad_org, send):
    from app.models import UsageReport

    report_date, _ = one_bad_org
    send(report_date)
    db.session.scalar(db.select(UsageReport).where(UsageReport.organisation_id == "org-2")).usage = {"product_analytics": 7}
    db.session.commit()
    assert send(report_date, org_ids=["org-2"]).failed == {}
    login_as("viewer")
    assert "usage-unsent" not in client.get("/usage").get_data(as_text=True)


def test_the_job_log_counts_refused_events_apart_from_sent_ones(db, stripe_emulator, subscriber):
    report_date, day = report_date_and_day()
    customers = {org: subscriber(org=org, products=("product_analytics",)) for org in ("org-1", "org-2", "org-3")}
    for org in customers:
        make_usage_reports(db.session, org, {day: {"product_analytics": 5}})
    customers["org-2"].stripe_customer_id = "cus_gone"  # Stripe refuses its event: no such customer
    db.session.commit()
    job = start_job(db.session, Actor.system("tests"), "usage.send_reports", {"date": report_date.isoformat()})
    db.session.commit()
    job_queue.drain()
    log = db.session.get(Job, job.id).log
    assert "2 of 3 sent, 1 refused" in log and "3 of 3 sent" not in log


def test_a_count_beyond_32_bits_is_sent_whole(db, stripe_emulator, subscriber, send):
    """Period-to-date sums are read as 64-bit integers on every database (PostgreSQL's INTEGER stops at 2**31)."""
    report_date, day = report_date_and_day()
    subscriber(org="org-1", products=("product_analytics",))
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 3_000_000_000}})
    result = send(report_date)
    assert (result.sent, result.failed) == (1, {})
    assert [e[3] for e in emulator_meter_events(stripe_emulator)] == [3_000_000_000]


def test_a_send_racing_another_for_the_same_day_is_refused_in_words(db, stripe_emulator, one_bad_org, send,
                                                                     monkeypatch):
    """Two sends of one day at once: the one that writes its rows second gets a clear refusal, not a raw
    IntegrityError, and marks no organisation failed (the other run sends each event once)."""
    from app.refusals import Conflict
    from app.services import usage_send_plan

    report_date, day = one_bad_org
    first = send(report_date)
    assert first.sent == 2
    monkeypatch.setattr(usage_send_plan, "_existing_rows", lambda *args: {})  # as if it read before the other wrote
    with pytest.raises(Conflict, match=f"Another send of usage day {day} is running"):
        send(report_date)
    db.session.rollback()
    assert _sent(stripe_emulator) == ["bc-org-1", "bc-org-3"]
