"""POST /api/usage/events: what is stored reads back as the ORM wrote it, and odd bodies get clear answers."""
from datetime import datetime

import pytest

from app.billing.usage_input import MAX_EVENT_VALUE
from app.models import UsageEvent

NOW = datetime(2027, 5, 12, 9, 0)


def _event(identifier="ev-1", org="org-1", value=5, timestamp="2027-05-12T08:00:00Z", name="product_analytics_events"):
    return {"identifier": identifier, "organization_id": org, "event_name": name, "value": value,
            "timestamp": timestamp}


def _count(db):
    return db.session.scalar(db.select(db.func.count()).select_from(UsageEvent))


def test_a_stored_event_reads_back_and_compares_like_any_datetime(db, post, frozen):
    frozen(NOW)
    post("events", {"events": [_event("a", timestamp="2027-05-12T00:00:00Z", value=MAX_EVENT_VALUE),
                               _event("b", timestamp="2027-05-11T23:59:59.999999Z")]})
    row = db.session.scalar(db.select(UsageEvent).where(UsageEvent.identifier == "a"))
    assert (row.organisation_id, row.event_name, row.value) == ("org-1", "product_analytics_events", MAX_EVENT_VALUE)
    assert row.timestamp == datetime(2027, 5, 12) and row.received_at == NOW
    midnight = datetime(2027, 5, 12)
    assert list(db.session.scalars(db.select(UsageEvent.identifier).where(UsageEvent.timestamp >= midnight))) == ["a"]
    assert list(db.session.scalars(db.select(UsageEvent.identifier).where(UsageEvent.timestamp < midnight))) == ["b"]


def test_a_full_batch_answers_each_item_in_order(db, post, frozen):
    frozen(NOW)
    post("events", {"events": [_event("e-7")]})
    events = [_event(f"e-{i}", org=f"org-{i % 3}") for i in range(500)] + [_event("e-3")]
    response = post("events", {"events": events})
    body = response.get_json()
    assert response.status_code == 202 and body["stored"] == 499
    assert [r["index"] for r in body["results"]] == list(range(501))
    assert [r["identifier"] for r in body["results"][:3]] == ["e-0", "e-1", "e-2"]
    assert {r["index"] for r in body["results"] if r["status"] == "duplicate"} == {7, 500}
    assert _count(db) == 500


@pytest.mark.parametrize("raw, content_type, field", [
    ("{not json", "application/json", "body"),
    ('{"events": [1, 2]', "application/json", "body"),
    ("[1, 2]", "application/json", "body"),
    ('{"events": {}}', "application/json", "events"),
    ('{"events": [], "atomic": "yes"}', "application/json", "atomic"),
    ('{"events": []}', "text/plain", "body"),
])
def test_malformed_event_bodies_are_refused_whole(db, client, token, raw, content_type, field):
    response = client.raw.post("/api/usage/events", data=raw, content_type=content_type,
                               headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["field"] == field
    assert _count(db) == 0


@pytest.mark.parametrize("value", ["NaN", "Infinity", "9223372036854775808", "123456789012345678901234567890"])
def test_a_value_no_meter_can_hold_is_refused_with_its_field(db, post, frozen, value):
    frozen(NOW)
    raw = '{"events": [{"identifier": "x", "organization_id": "org-1", "event_name": "product_analytics_events", ' \
          f'"timestamp": "2027-05-12T08:00:00Z", "value": {value}}}]}}'
    response = post("events", raw=raw)
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "value"
    assert _count(db) == 0


def test_a_body_with_a_byte_order_mark_is_read_as_before(db, post, frozen):
    frozen(NOW)
    response = post("events", raw='\ufeff{"events": []}'.encode())
    assert response.status_code == 202 and response.get_json() == {"stored": 0, "results": []}
