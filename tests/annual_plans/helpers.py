"""Helpers for Annual Plan tests: signed webhook deliveries and loaded sample rows."""
from __future__ import annotations

import hashlib
import hmac
import json
import uuid

from app.jobs import job_queue
from app.models import AnnualPlan
from tests.conftest import CONTRACTS, PANDADOC_KEY


def sample_webhook(name: str) -> bytes:
    return (CONTRACTS / f"{name}.webhook.json").read_bytes()


def signature(body: bytes, key: str = PANDADOC_KEY) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def deliver(client, body: bytes, sign: bool = True, event_id: str | None = "auto", key: str = PANDADOC_KEY):
    url = "/webhooks/pandadoc" + (f"?signature={signature(body, key)}" if sign else "")
    headers = {"Content-Type": "application/json"}
    if event_id:
        headers["X-PandaDoc-Webhook-Event-Id"] = str(uuid.uuid4()) if event_id == "auto" else event_id
    return client.post(url, data=body, headers=headers, csrf=False)


def completion(document_id: str, name: str = "Order Form", event: str = "document_state_changed",
               status: str = "document.completed") -> dict:
    return {"event": event, "data": {"id": document_id, "name": name, "status": status}}


def as_body(notifications) -> bytes:
    return json.dumps(notifications).encode()


def loaded_sample(client, db, name: str) -> AnnualPlan:
    """Deliver the sample's webhook and run the queued load job, as the worker would."""
    response = deliver(client, sample_webhook(name))
    assert response.status_code == 200, response.get_data(as_text=True)
    job_queue.drain()
    plan_id = response.get_json()["created_plan_ids"][0]
    db.session.expire_all()
    return db.session.get(AnnualPlan, plan_id)


def press(app, db, plan_id: int, action: str):
    """Run a row's Stripe button as a person would, through the one service the view calls."""
    from app import collaborators
    from app.services.audit import Actor
    from app.services.plan_actions import run_action

    with app.test_request_context():
        return run_action(db.session, collaborators.stripe_gateway(), collaborators.catalog(), Actor.system("tests"),
                          plan_id, action)
