"""Signed webhook bodies that are not what the sender documents: a 400 naming the problem, never a 500.

PandaDoc keeps refused bodies as failed deliveries (stored before processed, as for any bad body);
a Stripe body without an event id cannot be stored against one, so nothing is stored."""
import hashlib
import hmac
import time

import pytest

from app.models import AnnualPlan, Job, WebhookEvent
from tests.annual_plans.helpers import deliver
from tests.conftest import STRIPE_WEBHOOK_SECRET

DEEP = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("body, words", [
    (b'[{"event": "document_state_changed", "data": {"id": "d1", "amount": NaN}}]', "NaN"),
    (b'[{"event": "document_state_changed", "data": {"id": "d1", "amount": Infinity}}]', "Infinity"),
    (b'[{"event": "document_state_changed", "data": {"id": "d1", "amount": -Infinity}}]', "Infinity"),
    (DEEP, "nested"),
    (DEEP_OBJECT, "nested"),
])
def test_a_signed_pandadoc_body_with_nan_or_deep_nesting_is_400(client, db, body, words):
    response = deliver(client, body)
    assert response.status_code == 400
    assert words in response.get_json()["error"]["message"]
    assert (_count(db, AnnualPlan), _count(db, Job)) == (0, 0)
    stored = db.session.scalar(db.select(WebhookEvent))
    assert stored.status == "failed" and words in stored.error


def deliver_stripe_raw(client, body: bytes, stamp: int | None = None, secret: str = STRIPE_WEBHOOK_SECRET):
    stamp = int(time.time()) if stamp is None else stamp
    signature = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return client.post("/webhooks/stripe", data=body, csrf=False,
                       headers={"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"})


@pytest.mark.parametrize("body, words", [
    (b'[{"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1"}}}]', "JSON object"),
    (b'"evt_1"', "JSON object"),
    (b'{"type": "invoice.paid", "data": {"object": {"id": "in_1"}}}', "'id'"),
    (b'{"id": 7, "type": "invoice.paid", "data": {"object": {"id": "in_1"}}}', "'id'"),
    (b'{"id": "evt_1", "data": {"object": {"id": "in_1"}}}', "'type'"),
    (b'{"id": "evt_1", "type": "invoice.paid"}', "data.object"),
    (b'{"id": "evt_1", "type": "invoice.paid", "data": []}', "data.object"),
    (b'{"id": "evt_1", "type": "invoice.paid", "data": {"object": "in_1"}}', "data.object"),
    (b'{"id": "evt_1", "type": "invoice.paid", "data": {"object": {"id": "in_1", "total": NaN}}}', "NaN"),
    (DEEP_OBJECT, "nested"),
    (b"\xff\xfe not utf-8", "UTF-8"),
])
def test_a_signed_stripe_event_of_the_wrong_shape_is_400_and_stores_nothing(client, db, nothing_written, body, words):
    with nothing_written():
        response = deliver_stripe_raw(client, body)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert words in response.get_json()["error"]["message"]
    assert _count(db, WebhookEvent) == 0


def test_a_stripe_event_dated_beyond_the_tolerance_in_the_future_is_refused(client, db, nothing_written):
    body = b'{"id": "evt_1", "type": "customer.updated", "data": {"object": {"id": "cus_1"}}}'
    with nothing_written():
        response = deliver_stripe_raw(client, body, stamp=int(time.time()) + 301 + 60)
    assert response.status_code == 400 and "future" in response.get_json()["error"]["message"]
    assert _count(db, WebhookEvent) == 0


def test_a_stripe_event_dated_a_little_ahead_is_taken(client, db):
    """Clocks drift: a few seconds ahead is inside the tolerance, as a few seconds behind is."""
    body = b'{"id": "evt_1", "type": "customer.updated", "data": {"object": {"id": "cus_1"}}}'
    response = deliver_stripe_raw(client, body, stamp=int(time.time()) + 10)
    assert response.status_code == 200 and response.get_json()["result"] == "ignored"


def test_a_stripe_event_older_than_the_tolerance_is_still_refused(client, db):
    body = b'{"id": "evt_1", "type": "customer.updated", "data": {"object": {"id": "cus_1"}}}'
    response = deliver_stripe_raw(client, body, stamp=int(time.time()) - 400)
    assert response.status_code == 400 and _count(db, WebhookEvent) == 0
