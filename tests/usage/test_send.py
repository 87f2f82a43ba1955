"""Sending a usage day to the emulator: exact meter events, caps, re-runs, errors, skips."""
from datetime import UTC, timedelta

import pytest

from app import collaborators
from app.billing.usage import UsageDayRefused
from app.billing.usage_days import day_bounds
from app.models import AuditEntry, MeterEventSend
from app.services.audit import Actor
from app.services.catalog import catalog_id
from tests.factories import make_usage_reports
from tests.usage.helpers import emulator_meter_events, report_date_and_day

ACTOR = Actor.system("tests")


def _meter(db, event_name):
    return catalog_id(db.session, "meter", event_name)


def test_sends_period_to_date_usage_with_deterministic_identifiers(app, db, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    customer = subscriber()
    make_usage_reports(db.session, "org-1", {day - timedelta(days=2): {"product_analytics": 100},
                              day - timedelta(days=1): {"product_analytics": 50, "session_replay": 3},
                              day: {"product_analytics": 7, "session_replay": 4}})
    result = send(report_date)
    with app.app_context():
        stamp = int(day_bounds(day, collaborators.usage_zone())[1].replace(tzinfo=UTC).timestamp()) - 60
    assert (result.sent, result.skipped, result.errors) == (2, 0, 0)
    assert emulator_meter_events(stripe_emulator) == sorted([
        (f"bc-org-1-product_analytics-{day:%Y%m%d}", customer.stripe_customer_id,
         _meter(db, "product_analytics_events"), 157, stamp),
        (f"bc-org-1-session_replay-{day:%Y%m%d}", customer.stripe_customer_id,
         _meter(db, "session_replay_recordings"), 7, stamp)])
    assert {r.status for r in db.session.scalars(db.select(MeterEventSend))} == {"sent"}


def test_period_to_date_sums_every_instance_inside_the_period_only(db, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    customer = subscriber()  # its period started 20 days ago
    make_usage_reports(db.session, "org-1", {day - timedelta(days=25): {"product_analytics": 1000},  # the period before
                              day - timedelta(days=3): {"product_analytics": 20}, day: {"product_analytics": 5}})
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 2, "session_replay": 0}}, instance="EU")
    result = send(report_date)
    assert (result.sent, result.errors) == (2, 0)
    sent = {(r.product_key, r.value) for r in db.session.scalars(db.select(MeterEventSend))}
    assert sent == {("product_analytics", 27), ("session_replay", 0)}  # 20 + 5 + 2; a reported 0 is still sent
    assert sorted(e[3] for e in emulator_meter_events(stripe_emulator)
                  if e[1] == customer.stripe_customer_id) == [0, 27]


def test_usage_is_capped_by_the_billing_limit(db, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    subscriber(billing_limits={"session_replay": 10000})  # $100 buys 27,500 recordings at catalog tiers
    make_usage_reports(db.session, "org-1", {day: {"session_replay": 40000}})
    send(report_date)
    row = db.session.scalar(db.select(MeterEventSend))
    assert (row.value, row.uncapped_value) == (27500, 40000)
    assert [e[3] for e in emulator_meter_events(stripe_emulator)] == [27500]


def test_a_second_run_for_the_same_day_sends_nothing(db, stripe_emulator, reported_yesterday, send):
    report_date, day = reported_yesterday
    send(report_date)
    again = send(report_date)
    assert (again.sent, again.planned) == (0, 0)
    assert len(emulator_meter_events(stripe_emulator)) == 1


def test_a_corrected_report_goes_out_under_a_revision(db, stripe_emulator, reported_yesterday, send):
    from app.models import UsageReport

    report_date, day = reported_yesterday
    send(report_date)
    db.session.scalar(db.select(UsageReport)).usage = {"product_analytics": 8}
    db.session.commit()
    send(report_date)
    events = emulator_meter_events(stripe_emulator)
    assert [(e[0].rsplit("-", 1)[-1], e[3]) for e in events] == [(f"{day:%Y%m%d}", 5), ("r1", 8)]
    assert events[1][4] == events[0][4] + 1  # later, so Stripe's `last` takes the correction


def test_an_organisation_without_subscription_is_skipped(db, stripe_emulator, make_customer, send):
    report_date, day = report_date_and_day()
    make_customer(organisation_id="org-free")
    make_usage_reports(db.session, "org-free", {day: {"product_analytics": 5}})
    make_usage_reports(db.session, "org-unknown", {day: {"product_analytics": 5}})
    result = send(report_date)
    assert (result.sent, result.skipped) == (0, 2)
    assert emulator_meter_events(stripe_emulator) == []


def test_stripe_errors_are_recorded_and_retried_next_run(db, stripe_emulator, reported_yesterday, send):
    report_date, day = reported_yesterday
    stripe_emulator.faults.configure(fail_next=3, path_prefix="/v1/billing/meter_events")
    first = send(report_date)
    row = db.session.scalar(db.select(MeterEventSend))
    assert first.errors == 1 and row.status == "error" and "Stripe" in row.error
    second = send(report_date)
    assert second.sent == 1 and row.status == "sent"
    assert len(emulator_meter_events(stripe_emulator)) == 1


def test_an_answer_lost_after_stripe_took_the_event_is_not_sent_twice(db, stripe_emulator, reported_yesterday, send):
    report_date, day = reported_yesterday
    stripe_emulator.faults.configure(fail_after_execute_next=3, path_prefix="/v1/billing/meter_events")
    send(report_date)
    send(report_date)
    assert db.session.scalar(db.select(MeterEventSend.status)) == "sent"
    assert len(emulator_meter_events(stripe_emulator)) == 1


def test_large_runs_use_the_v2_stream(db, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    subscriber()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5, "session_replay": 2}})
    result = send(report_date, stream_threshold=1)
    assert result.via == "v2" and result.sent == 2
    assert sorted(e[3] for e in emulator_meter_events(stripe_emulator)) == [2, 5]


def test_a_dry_run_writes_nothing(db, stripe_emulator, reported_yesterday, send):
    report_date, day = reported_yesterday
    result = send(report_date, dry_run=True)
    assert result.planned == 1 and db.session.scalar(db.select(MeterEventSend)) is None
    assert emulator_meter_events(stripe_emulator) == []


@pytest.mark.parametrize("days_ago, words", [(-1, "in the future"), (37, "35-day")])
def test_report_dates_outside_what_stripe_takes_are_refused(db, stripe_emulator, send, days_ago, words):
    report_date, _ = report_date_and_day()
    with pytest.raises(UsageDayRefused, match=words):
        send(report_date - timedelta(days=days_ago))
    assert db.session.scalar(db.select(MeterEventSend)) is None


def test_the_run_is_audited(db, stripe_emulator, reported_yesterday, send):
    report_date, day = reported_yesterday
    send(report_date)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "usage.sent"))
    assert entry.object_id == day.isoformat() and entry.after["sent"] == 1


def test_the_send_commits_its_batches_and_leaves_the_audit_entry_to_its_caller(app, db, stripe_emulator, subscriber):
    """Rows and results are durable as the run goes (a killed run resumes); the CLI command or job commits the rest."""
    from app.services.usage_send import send_usage_reports

    report_date, day = report_date_and_day()
    subscriber()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5}})
    with app.test_request_context():
        send_usage_reports(db.session, collaborators.meter_gateway(), collaborators.catalog(), collaborators.usage_zone(),
                           ACTOR, report_date)
    db.session.rollback()
    assert db.session.scalars(db.select(MeterEventSend.status)).all() == ["sent"]
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "usage.sent")) is None


def test_a_customer_billing_two_organisations_is_sent_their_combined_usage(client, db, login_as, stripe_emulator,
                                                                          subscriber, send):
    """Stripe's meter counts per customer and keeps the newest event: each organisation's event
    carries the customer's total, so neither overwrites the other's usage (also with --org)."""
    from app.models import CustomerOrganisation

    report_date, day = report_date_and_day()
    customer = subscriber(org="org-a", products=("product_analytics",))
    db.session.add(CustomerOrganisation(customer_id=customer.id, organisation_id="org-b"))
    db.session.commit()
    make_usage_reports(db.session, "org-a", {day: {"product_analytics": 30}})
    make_usage_reports(db.session, "org-b", {day - timedelta(days=1): {"product_analytics": 10}, day: {"product_analytics": 2}})
    result = send(report_date, org_ids=["org-b"])
    assert (result.sent, result.errors) == (1, 0)
    assert [(e[0], e[3]) for e in emulator_meter_events(stripe_emulator)] == [
        (f"bc-org-b-product_analytics-{day:%Y%m%d}", 42)]
    send(report_date)
    assert sorted((e[0], e[3]) for e in emulator_meter_events(stripe_emulator)) == [
        (f"bc-org-a-product_analytics-{day:%Y%m%d}", 42), (f"bc-org-b-product_analytics-{day:%Y%m%d}", 42)]
    login_as("viewer")
    html = client.get(f"/customers/{customer.id}/fragments/usage", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "MISMATCH" not in html and "matches" in html  # Stripe's summary is 42, not 42 + 42 or 30
