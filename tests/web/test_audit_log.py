"""The audit helper records before/after; the page filters and paginates; entries never change."""
from datetime import datetime
from decimal import Decimal

import pytest

from app.models import AuditEntry
from app.models.audit import AppendOnlyError
from app.services.audit import Actor, changed_fields, record_audit


def test_record_audit_keeps_before_after_and_stripe_request_ids(db):
    before, after = changed_fields({"term": 12, "rate": Decimal("0.4"), "same": 1},
                                   {"term": 24, "rate": Decimal("0.5"), "same": 1})
    entry = record_audit(db.session, Actor.system("tests"), "plan.updated", "annual_plan", 7,
                         before=before, after=after, stripe_request_ids=["req_123"])
    db.session.commit()
    stored = db.session.get(AuditEntry, entry.id)
    assert stored.before == {"term": 12, "rate": "0.4"}  # Decimals as exact strings
    assert stored.after == {"term": 24, "rate": "0.5"}
    assert stored.stripe_request_ids == ["req_123"]
    assert (stored.object_type, stored.object_id, stored.actor_label) == ("annual_plan", "7", "system:tests")


def test_entries_are_append_only(db):
    entry = record_audit(db.session, Actor.system("tests"), "x", "thing", 1)
    db.session.commit()
    entry.action = "rewritten"
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEntry, entry.id))
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def _seed(db, n, object_type="annual_plan", actor="system:a", at=None):
    for i in range(n):
        record_audit(db.session, Actor(label=actor), "did", object_type, i)
        if at:
            db.session.flush()
    db.session.commit()


def test_page_filters_by_object_actor_and_dates(client, login_as, db):
    login_as("finance")
    _seed(db, 3, "annual_plan", "system:loader")
    _seed(db, 2, "customer", "system:sync")
    page = client.get("/audit?object_type=customer").get_data(as_text=True)
    assert page.count("system:sync") >= 2 and "system:loader" not in page
    page = client.get("/audit?actor=loader").get_data(as_text=True)
    assert "system:loader" in page and "system:sync" not in page
    assert "No entries match" in client.get("/audit?until=2000-01-01").get_data(as_text=True)
    assert "system:sync" in client.get(f"/audit?since={datetime.utcnow():%Y-%m-%d}").get_data(as_text=True)


def test_bad_date_filter_is_422(client, login_as):
    login_as("admin")
    response = client.get("/audit?since=yesterday")
    assert response.status_code == 422
    assert "must be a date like 2027-02-01" in response.get_data(as_text=True)


def test_pagination_and_htmx_fragment(client, login_as, db):
    login_as("admin")
    _seed(db, 120, "customer", "system:bulk")
    first = client.get("/audit?object_type=customer").get_data(as_text=True)
    assert "page 1 of 3" in first and "Older →" in first
    fragment = client.get("/audit?object_type=customer&page=3", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "page 3 of 3" in html
    assert fragment.headers["Vary"] == "HX-Request" or "HX-Request" in fragment.headers["Vary"]


def _change_lines(html: str, entry_id: int) -> list[str]:
    import re

    row = re.search(rf'<tr id="audit-{entry_id}">(.*?)</tr>', html, re.S)[1]
    return [" ".join(re.sub(r"<[^>]+>", "", li).split()) for li in re.findall(r"<li data-field[^>]*>(.*?)</li>", row, re.S)]


def test_an_entry_reads_as_field_before_after_with_the_fields_labels(client, login_as, db):
    entry = record_audit(db.session, Actor.system("tests"), "annual_plan.field_updated", "annual_plan", 3,
                         before={"line.product_analytics.overage_unit_amount_decimal": "0.004", "start_date": None,
                                 "invoice_status": "open"},
                         after={"line.product_analytics.overage_unit_amount_decimal": "0.005",
                                "start_date": "2027-02-01", "invoice_status": "void"})
    db.session.commit()
    login_as("finance")
    html = client.get("/audit").get_data(as_text=True)
    assert _change_lines(html, entry.id) == ["Product analytics: overage rate: 0.004 → 0.005",
                                             "Start: — → 2027-02-01", "Invoice status: open → void"]
    assert 'class="json"' not in html


def test_a_creation_shows_only_its_values_and_a_long_value_is_folded(client, login_as, db):
    entry = record_audit(db.session, Actor.system("tests"), "usage.sent", "usage_day", "2027-05-11",
                         after={"sent": 3, "organisations": ["org-1", "org-2"], "failed": {"org-9": "x" * 300}})
    db.session.commit()
    login_as("finance")
    html = client.get("/audit").get_data(as_text=True)
    lines = _change_lines(html, entry.id)
    assert lines[:2] == ["Sent: 3", "Organisations: org-1, org-2"]
    assert lines[2].startswith('Failed: org-9: xxx') and "<details" in html


def test_the_log_filters_by_object_type_and_id(client, login_as, db):
    record_audit(db.session, Actor.system("tests"), "did", "customer", 1, after={"name": "A"})
    record_audit(db.session, Actor.system("tests"), "did", "customer", 2, after={"name": "B"})
    record_audit(db.session, Actor.system("tests"), "did", "annual_plan", 1, after={"name": "C"})
    db.session.commit()
    login_as("finance")
    html = client.get("/audit?object_type=customer&object_id=2").get_data(as_text=True)
    assert "1 entry · page" in html and ">B</span>" in html and ">A</span>" not in html and ">C</span>" not in html


def test_amounts_read_as_money_in_their_currency_and_actions_as_words(client, login_as, db):
    entry = record_audit(db.session, Actor.system("tests"), "revenue.snapshot", "revenue_month", "2026-12",
                         after={"total_mrr_cents": 1590500, "customers": 9,
                                "product_mrr_cents": {"product_analytics": 12345, "session_replay": 0}},
                         stripe_request_ids=[f"req_{n}" for n in range(7)])
    euros = record_audit(db.session, Actor.system("tests"), "customer.updated", "customer", 4,
                         before={"mrr_cents": 100}, after={"mrr_cents": 250050, "currency": "eur"})
    db.session.commit()
    login_as("finance")
    html = client.get("/audit").get_data(as_text=True)
    assert _change_lines(html, entry.id) == [
        "Total MRR: $15,905.00", "Customers: 9", "Product MRR: Product analytics: $123.45, Session replay: $0.00"]
    assert _change_lines(html, euros.id)[0] == "MRR: €1.00 → €2,500.50"
    assert "Revenue snapshot" in html and "1590500" not in html
    assert "<summary>4 more requests</summary>" in html  # three shown, the rest folded
