"""Inputs that used to answer 500 on the machine API: each is now a 4xx JSON naming the field, nothing stored."""
import json
from datetime import datetime

import pytest

from app.models import UsageEvent, UsageReport, UsageRun

NOW = datetime(2027, 5, 12, 9, 0)
USAGE_PATHS = ["/api/usage/reports", "/api/usage/runs", "/api/usage/events"]
DEEP = "[" * 1000 + "]" * 1000


def _count(db, *models):
    return sum(db.session.scalar(db.select(db.func.count()).select_from(m)) for m in models)


@pytest.fixture(autouse=True)
def _frozen():
    from app import timeutil

    timeutil.freeze(NOW)
    yield
    timeutil.freeze(None)


@pytest.mark.parametrize("path", USAGE_PATHS)
@pytest.mark.parametrize("open_, close, depth", [("[", "]", 1000), ("[", "]", 1100), ("[", "]", 5000),
                                                  ('{"a": ', "}", 1100), ('{"a": ', "}", 5000)])
def test_a_body_nested_a_thousand_deep_is_a_400(db, call, path, depth, open_, close):
    response = call("POST", path, raw=open_ * depth + "1" + close * depth)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.get_json()["field"] == "body"
    assert _count(db, UsageEvent, UsageReport, UsageRun) == 0


@pytest.mark.parametrize("path, raw, field", [
    ("/api/usage/reports", '{"reports": ' + DEEP + "}", "item"),
    ("/api/usage/runs", '{"runs": [{"instance": "US", "date": "2027-05-11", "total_orgs": ' + DEEP + "}]}",
     "total_orgs"),
    ("/api/usage/events", '{"events": [{"identifier": "e", "organization_id": "o", "timestamp": '
                          '"2027-05-12T08:00:00Z", "event_name": "product_analytics_events", "value": ' + DEEP + "}]}",
     "value"),
    ("/api/usage/events", '{"events": [{"identifier": "e", "organization_id": "o", "timestamp": '
                          '"2027-05-12T08:00:00Z", "event_name": "product_analytics_events", "value": ' + "[" * 2000
     + "]" * 2000 + "}]}", "body"),
])
def test_deep_nesting_inside_an_item_names_the_field(db, call, path, raw, field):
    response = call("POST", path, raw=raw)
    body = response.get_json()
    assert response.status_code in (400, 422), response.get_data(as_text=True)[:300]
    assert (body["errors"][0]["field"] if response.status_code == 422 else body["field"]) == field
    assert _count(db, UsageEvent, UsageReport, UsageRun) == 0


@pytest.mark.parametrize("path, body", [
    ("/api/usage/reports", {"reports": [{"organization_id": "org-1", "instance": "US", "date": "2027-05-11",
                                         "usage": {"product_analytics": [[[[[[[[[[1]]]]]]]]]]}}]}),
    ("/api/usage/runs", {"instance": "US", "date": "2027-05-11", "total_orgs": [[[[[[[[[[[1]]]]]]]]]]],
                         "orgs_sent": 0}),
])
def test_a_nested_value_where_a_number_belongs_is_a_422(db, call, path, body):
    response = call("POST", path, json=body)
    assert response.status_code == 422 and len(response.get_json()["errors"][0]["message"]) < 200
    assert _count(db, UsageEvent, UsageReport, UsageRun) == 0


def _event(**change):
    return {"identifier": "ev-1", "organization_id": "org-1", "event_name": "product_analytics_events", "value": 5,
            "timestamp": "2027-05-12T08:00:00Z"} | change


LONE = "\ud800"  # json.dumps writes it as the escape an instance would send; it cannot be encoded as UTF-8
REPORT = {"organization_id": "org-1", "instance": "US", "date": "2027-05-11", "usage": {"product_analytics": 5}}


@pytest.mark.parametrize("path, body, field", [
    ("/api/usage/events", {"events": [_event(identifier=f"ev-{LONE}")]}, "identifier"),
    ("/api/usage/events", {"events": [_event(organization_id=f"org-{LONE}")]}, "organization_id"),
    ("/api/usage/reports", {"reports": [REPORT | {"organization_id": f"org-{LONE}"}]}, "organization_id"),
    ("/api/usage/reports", {"reports": [REPORT | {"usage": {LONE: 5}}]}, f"usage.{LONE}"),
    ("/api/usage/runs", {"instance": f"U{LONE}", "date": "2027-05-11", "total_orgs": 1, "orgs_sent": 1}, "instance"),
])
def test_a_lone_surrogate_in_text_is_a_422_naming_the_field(db, call, path, body, field):
    response = call("POST", path, raw=json.dumps(body))
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert [e["field"] for e in response.get_json()["errors"]] == [field]
    assert _count(db, UsageEvent, UsageReport, UsageRun) == 0


@pytest.mark.parametrize("total", [2 ** 70, -(2 ** 70), 2 ** 63])
def test_total_orgs_past_any_column_is_a_422(db, call, total):
    response = call("POST", "/api/usage/runs", json={"instance": "US", "date": "2027-05-11", "total_orgs": total,
                                                     "orgs_sent": 0})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "total_orgs"
    assert _count(db, UsageRun) == 0


@pytest.mark.parametrize("path", [
    "/api/billing/customers/%ED%A0%80",  # the UTF-8 bytes a lone surrogate would have, if it had any
    "/api/billing/customers/org-%5Cud800",
    "/api/billing/customers/" + "a" * 5000,
    "/api/billing/customers/org-1?x=" + "%5B" * 1000,
])
def test_odd_organisation_ids_on_the_billing_api_are_4xx_json(db, call, path):
    response = call("GET", path)
    assert response.status_code == 404 and response.get_json()["error"]


@pytest.mark.parametrize("raw", [DEEP, '{"a": "\\ud800"}'])
def test_a_body_on_the_billing_api_is_ignored(db, call, raw):
    response = call("GET", "/api/billing/customers/org-unknown", raw=raw)
    assert response.status_code == 404 and response.get_json()["error"]
