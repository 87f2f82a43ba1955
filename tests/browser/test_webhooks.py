"""The Webhooks page in a browser: reached from the navigation, a failed PandaDoc delivery handled again after
confirming, its row then saying so; the audit log has the entry."""
import json
import os
import uuid

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _failed_delivery(app, document_id: str) -> int:
    from app.extensions import db
    from app.models import WebhookEvent

    body = json.dumps([{"event": "document_state_changed",
                        "data": {"id": document_id, "name": "Late order form", "status": "document.completed"}}])
    with app.app_context():
        event = WebhookEvent(source="pandadoc", delivery_id=f"pd-{uuid.uuid4()}", body=body, verified=True,
                             status="failed", error="OperationalError: database is locked")
        db.session.add(event)
        db.session.commit()
        return event.id


def test_a_failed_delivery_is_handled_again_from_the_webhooks_page(signed_in, live_server):
    event_id = _failed_delivery(live_server["app"], f"DocBrowser{uuid.uuid4().hex[:8]}")
    page = signed_in
    page.click("header nav >> text=Webhooks")
    page.wait_for_url("**/webhooks")
    row = page.locator(f"#webhook-{event_id}")
    assert "OperationalError: database is locked" in row.inner_text() and "failed" in row.inner_text()
    page.select_option("select[name=status]", "failed")
    page.wait_for_url("**/webhooks?source=&status=failed")
    page.click(f"#webhook-{event_id} >> text=Handle again")
    assert "Handle" in page.locator("#confirm-text").inner_text()  # the product's own confirmation, restating it
    page.locator("#confirm-dialog button", has_text="Confirm").click()
    page.wait_for_selector(f"#webhook-{event_id}.status-processed")
    assert "Handled again: processed" in page.locator(f"#webhook-{event_id}").inner_text()
    assert page.locator(f"#webhook-{event_id} >> text=Handle again").count() == 0
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "webhooks.png"), full_page=True)
    page.goto(f"/audit?object_type=webhook_event&object_id={event_id}")
    assert "Webhook handled again" in page.locator("#audit-table").inner_text()
