"""Unsigned or oddly signed webhook deliveries are a 4xx in the documented shape, nothing stored (found by fuzzing)."""
import pytest

from app.models import WebhookEvent


def _count(db):
    return db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent))


@pytest.mark.parametrize("signature", ["bP\U000577970e", "é" * 64, "", "00" * 32])
def test_a_pandadoc_signature_that_is_not_our_hex_is_a_401(db, client, signature):
    response = client.raw.post("/webhooks/pandadoc", query_string={"signature": signature},
                               data='[{"event": "document_state_changed"}]', content_type="application/json")
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401
    assert _count(db) == 0


@pytest.mark.parametrize("signature", ["t=1,v1=é", "\u00ff", ""])
def test_an_unsigned_stripe_event_is_a_400(db, client, signature):
    response = client.raw.post("/webhooks/stripe", headers={"Stripe-Signature": signature},
                               data='{"id": "evt_1", "type": "x", "data": {"object": {}}}',
                               content_type="application/json")
    assert response.status_code == 400 and response.get_json()["error"]["status"] == 400
    assert _count(db) == 0
