"""The usage API: reports, run summaries and metered events stored first, per-item results, refusals."""
from datetime import date, datetime

import pytest

from app.models import AuditEntry, UsageEvent, UsageReport, UsageRun

NOW = datetime(2027, 5, 12, 9, 0)


def _report(org="org-1", instance="US", day="2027-05-11", **usage):
    return {"organization_id": org, "instance": instance, "date": day,
            "usage": usage or {"product_analytics": 1200, "session_replay": 30}}


def _event(identifier="ev-1", org="org-1", value=5, timestamp="2027-05-12T08:00:00Z", name="product_analytics_events"):
    return {"identifier": identifier, "organization_id": org, "event_name": name, "value": value,
            "timestamp": timestamp}


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_reports_are_stored_and_answered_202_per_item(db, post, frozen):
    frozen(NOW)
    response = post("reports", {"reports": [_report(), _report(org="org-2")]})
    assert response.status_code == 202
    assert [r["status"] for r in response.get_json()["results"]] == ["created", "created"]
    row = db.session.scalar(db.select(UsageReport).where(UsageReport.organisation_id == "org-1"))
    assert (row.instance, row.date, row.usage) == ("US", date(2027, 5, 11), {"product_analytics": 1200, "session_replay": 30})


def test_an_identical_resend_changes_nothing(db, post, frozen):
    frozen(NOW)
    post("reports", {"reports": [_report()]})
    response = post("reports", {"reports": [_report()]})
    assert response.status_code == 202 and response.get_json()["results"][0]["status"] == "unchanged"
    assert _count(db, UsageReport) == 1


def test_a_different_report_is_refused_without_replace(db, post, frozen):
    frozen(NOW)
    post("reports", {"reports": [_report()]})
    response = post("reports", {"reports": [_report(product_analytics=9)]})
    assert response.status_code == 409
    assert response.get_json()["errors"][0]["field"] == "usage"
    assert db.session.scalar(db.select(UsageReport.usage))["product_analytics"] == 1200


def test_replace_true_replaces_and_is_audited(db, post, frozen):
    frozen(NOW)
    post("reports", {"reports": [_report()]})
    response = post("reports", {"reports": [_report(product_analytics=9)], "replace": True})
    assert response.status_code == 202 and response.get_json()["results"][0]["status"] == "replaced"
    assert db.session.scalar(db.select(UsageReport.usage)) == {"product_analytics": 9}
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "usage_report.replaced"))
    assert entry.before == {"usage": {"product_analytics": 1200, "session_replay": 30}}
    assert entry.actor_label == "api_token:US instance"


@pytest.mark.parametrize("item, field", [
    (_report(enterprise=3), "usage.enterprise"),
    (_report(nonsense=3), "usage.nonsense"),
    (_report(product_analytics=-1), "usage.product_analytics"),
    (_report(product_analytics=1.5), "usage.product_analytics"),
    (_report(product_analytics="12"), "usage.product_analytics"),
    (_report(day="2027-05-13"), "date"),
    (_report(day="11/05/2027"), "date"),
    (_report(org=""), "organization_id"),
    ({"organization_id": "org-1", "instance": "US", "date": "2027-05-11"}, "usage"),
])
def test_bad_report_names_item_and_field_and_stores_nothing_atomic(db, post, frozen, item, field):
    frozen(NOW)
    response = post("reports", {"reports": [_report(org="good"), item], "atomic": True})
    assert response.status_code == 422
    error = response.get_json()["errors"][0]
    assert (error["index"], error["field"]) == (1, field) and error["message"]
    assert _count(db, UsageReport) == 0


def test_without_atomic_the_valid_items_are_still_stored(db, post, frozen):
    frozen(NOW)
    response = post("reports", {"reports": [_report(org="good"), _report(product_analytics=-1)]})
    body = response.get_json()
    assert response.status_code == 422 and body["stored"] == 1
    assert [r["status"] for r in body["results"]] == ["created", "error"]
    assert db.session.scalar(db.select(UsageReport.organisation_id)) == "good"


@pytest.mark.parametrize("raw, status, field", [
    ("{not json", 400, "body"),
    ("[1, 2]", 400, "body"),
    ('{"reports": {}}', 400, "reports"),
    ('{"reports": [], "atomic": "yes"}', 400, "atomic"),
])
def test_malformed_requests_are_refused_whole(db, post, raw, status, field):
    response = post("reports", raw=raw)
    assert response.status_code == status and response.get_json()["field"] == field
    assert _count(db, UsageReport) == 0


def test_a_batch_too_large_is_refused_whole(db, post, frozen):
    frozen(NOW)
    response = post("events", {"events": [_event(identifier=f"e{i}") for i in range(1001)]})
    assert response.status_code == 413 and response.get_json()["field"] == "events"
    assert _count(db, UsageEvent) == 0


def test_no_token_no_entry(db, client, nothing_written):
    with nothing_written():
        response = client.raw.post("/api/usage/reports", json={"reports": [_report()]})
    assert response.status_code == 401 and _count(db, UsageReport) == 0


def test_run_summary_is_stored_and_updated(db, post, frozen):
    frozen(NOW)
    summary = {"instance": "US", "date": "2027-05-11", "total_orgs": 10, "orgs_sent": 4,
               "started_at": "2027-05-12T00:00:00Z", "finished_at": "2027-05-12T00:20:00+00:00"}
    assert post("runs", summary).status_code == 202
    response = post("runs", {**summary, "orgs_sent": 10})
    assert response.status_code == 202 and response.get_json()["results"][0]["status"] == "updated"
    run = db.session.scalar(db.select(UsageRun))
    assert (run.total_orgs, run.orgs_sent, run.finished_at) == (10, 10, datetime(2027, 5, 12, 0, 20))


@pytest.mark.parametrize("change, field", [
    ({"orgs_sent": 11}, "orgs_sent"), ({"total_orgs": -1}, "total_orgs"), ({"date": "2027-06-01"}, "date"),
    ({"started_at": "soon"}, "started_at"), ({"instance": None}, "instance"),
])
def test_bad_run_summary_is_refused(db, post, frozen, change, field):
    frozen(NOW)
    summary = {"instance": "US", "date": "2027-05-11", "total_orgs": 10, "orgs_sent": 4} | change
    response = post("runs", summary)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == field
    assert _count(db, UsageRun) == 0


def test_events_are_stored_and_duplicates_reported(db, post, frozen):
    frozen(NOW)
    post("events", {"events": [_event("a")]})
    response = post("events", {"events": [_event("a"), _event("b"), _event("b")]})
    assert response.status_code == 202
    assert [r["status"] for r in response.get_json()["results"]] == ["duplicate", "created", "duplicate"]
    assert sorted(db.session.scalars(db.select(UsageEvent.identifier))) == ["a", "b"]


@pytest.mark.parametrize("item, field", [
    (_event(name="unknown_events"), "event_name"),
    (_event(value=-3), "value"),
    (_event(value="3"), "value"),
    (_event(timestamp="2027-04-01T00:00:00Z"), "timestamp"),
    (_event(timestamp="2027-05-12T09:06:00Z"), "timestamp"),
    (_event(timestamp="yesterday"), "timestamp"),
    (_event(identifier=""), "identifier"),
])
def test_bad_event_is_refused_with_its_field(db, post, frozen, item, field):
    frozen(NOW)
    response = post("events", {"events": [_event("ok"), item], "atomic": True})
    assert response.status_code == 422
    assert response.get_json()["errors"][0] == {**response.get_json()["errors"][0], "index": 1, "field": field}
    assert _count(db, UsageEvent) == 0


def test_a_token_over_its_rate_is_told_to_wait(app, db, post, frozen):
    frozen(NOW)
    app.extensions.pop("usage_api_buckets", None)
    app.config.update(USAGE_API_RATE=1, USAGE_API_BURST=2)
    try:
        statuses = [post("runs", {"runs": []}).status_code for _ in range(3)]
    finally:
        app.config.update(USAGE_API_RATE=50, USAGE_API_BURST=100)
        app.extensions.pop("usage_api_buckets", None)
    assert statuses == [202, 202, 429]
