"""The Webhooks page: every stored delivery with its status and error, paged and filtered, and "Handle again"
for a failed one (permissioned, audited, refused in words for one already handled)."""
import json

import pytest

from app.models import AnnualPlan, AuditEntry, Job, WebhookEvent
from tests.annual_plans.helpers import as_body, completion
from tests.factories import make_annual_plan


def _stored(db, source="pandadoc", status="failed", body=b"[]", error="OperationalError: database is locked",
            delivery_id="d-1", event_type=""):
    event = WebhookEvent(source=source, delivery_id=delivery_id, body=body.decode(), verified=True, status=status,
                         error=error if status == "failed" else "", event_type=event_type)
    db.session.add(event)
    db.session.commit()
    return event


def _audit(db):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "webhook.handled_again")).all()


def _handle_again(client, event):
    return client.post(f"/webhooks/deliveries/{event.id}/handle-again", headers={"HX-Request": "true"})


def test_the_page_needs_a_login(client, db):
    response = client.get("/webhooks")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_lists_each_delivery_with_its_status_and_error(client, db, login_as):
    _stored(db, delivery_id="pd-broken")
    _stored(db, source="stripe", status="processed", delivery_id="evt_ok", event_type="invoice.paid")
    login_as("viewer")
    html = client.get("/webhooks").get_data(as_text=True)
    assert 'href="/webhooks"' in html  # in the navigation
    assert "pd-broken" in html and "OperationalError: database is locked" in html and "evt_ok" in html
    assert '<span class="badge status-failed"><span aria-hidden="true">✕</span> failed</span>' in html
    assert '<span class="badge status-processed"><span aria-hidden="true">✓</span> processed</span>' in html
    assert "Handle again</button>" not in html  # a viewer may not


@pytest.mark.parametrize("query, shown, hidden", [("source=stripe", "evt_ok", "pd-broken"),
                                                  ("status=failed", "pd-broken", "evt_ok")])
def test_the_list_filters_by_source_and_status(client, db, login_as, query, shown, hidden):
    _stored(db, delivery_id="pd-broken")
    _stored(db, source="stripe", status="processed", delivery_id="evt_ok")
    login_as("viewer")
    html = client.get(f"/webhooks?{query}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert shown in html and hidden not in html


def test_an_unknown_filter_is_refused_naming_it(client, db, login_as):
    login_as("viewer")
    response = client.get("/webhooks?status=lost")
    assert response.status_code == 422 and "Status must be one of" in response.get_data(as_text=True)


def test_the_list_is_paged(client, db, login_as):
    for n in range(51):
        db.session.add(WebhookEvent(source="stripe", delivery_id=f"evt_{n}", body="{}", status="processed"))
    db.session.commit()
    login_as("viewer")
    html = client.get("/webhooks").get_data(as_text=True)
    assert "51 deliveries · page 1 of 2" in html and html.count('class="webhook status-processed"') == 50


def test_handle_again_runs_a_failed_pandadoc_delivery_and_audits_it(client, db, login_as):
    event = _stored(db, body=as_body([completion("DocAgain1")]))
    login_as("cs")
    response = _handle_again(client, event)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Handled again: processed" in html and "Handle again</button>" not in html
    db.session.expire_all()
    assert db.session.get(WebhookEvent, event.id).status == "processed"
    assert db.session.scalar(db.select(AnnualPlan.document_id)) == "DocAgain1"
    assert db.session.scalar(db.select(Job.kind)) == "annual_plans.load"
    [entry] = _audit(db)
    assert entry.actor_id is not None and entry.object_id == str(event.id)
    assert entry.before == {"status": "failed", "error": "OperationalError: database is locked"}
    assert entry.after == {"status": "processed", "error": ""}


def test_handle_again_runs_a_failed_stripe_event(client, db, login_as, stripe_emulator):
    plan = make_annual_plan(db.session, invoice_id="in_again", invoice_status="open")
    body = json.dumps({"id": "evt_again", "type": "invoice.voided", "data": {"object": {"id": "in_again"}}}).encode()
    event = _stored(db, source="stripe", body=body, delivery_id="evt_again", event_type="invoice.voided")
    login_as("finance")
    assert "Handled again: processed" in _handle_again(client, event).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).invoice_status == "void"
    assert _audit(db)[0].after["status"] == "processed"


def test_a_delivery_that_fails_again_stays_failed_with_its_new_error(client, db, login_as):
    event = _stored(db, body=b'{"not": "an array"}')
    login_as("cs")
    html = _handle_again(client, event).get_data(as_text=True)
    assert "Handled again: failed again — body must be a JSON array" in html and "Handle again</button>" in html
    db.session.expire_all()
    assert db.session.get(WebhookEvent, event.id).status == "failed" and _audit(db)[0].after["status"] == "failed"


def test_an_already_handled_delivery_is_refused_in_words_and_nothing_is_written(client, db, login_as,
                                                                                  nothing_written):
    event = _stored(db, status="processed", body=as_body([completion("DocTwice")]), delivery_id="pd-done")
    login_as("cs")
    with nothing_written():
        response = _handle_again(client, event)
    assert response.status_code == 409
    assert "Delivery pd-done was already handled (processed): handling it again would change nothing" in \
        response.get_data(as_text=True)
    assert db.session.scalar(db.select(AnnualPlan)) is None


def test_a_viewer_cannot_handle_again_and_nothing_is_written(client, db, login_as, nothing_written):
    event = _stored(db, body=as_body([completion("DocViewer")]))
    login_as("viewer")
    with nothing_written():
        assert _handle_again(client, event).status_code == 403
    db.session.expire_all()
    assert db.session.get(WebhookEvent, event.id).status == "failed" and _audit(db) == []


def test_an_unknown_delivery_is_404(client, db, login_as, nothing_written):
    login_as("cs")
    with nothing_written():
        assert client.post("/webhooks/deliveries/999/handle-again").status_code == 404
