"""Going live through Stripe's webhooks: schedule start, invoice paid, replays, bad signatures."""
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime

import pytest

from app.models import AnnualPlan, WebhookEvent
from tests.annual_plans.helpers import press
from tests.conftest import STRIPE_WEBHOOK_SECRET


def deliver_stripe(client, event: dict, secret: str = STRIPE_WEBHOOK_SECRET):
    body = json.dumps(event)
    stamp = int(time.time())
    signature = hmac.new(secret.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    return client.post("/webhooks/stripe", data=body, csrf=False,
                       headers={"Stripe-Signature": f"t={stamp},v1={signature}", "Content-Type": "application/json"})


def _events(stripe_emulator, *types):
    found = [e for e in stripe_emulator.state.collection("event").values() if e["type"] in types]
    return sorted(found, key=lambda e: e["created"])


@pytest.fixture
def scheduled(app, db, ready_plan, stripe_client):
    plan = ready_plan("acme")
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    return plan


def test_the_row_goes_live_when_the_schedule_starts(client, db, scheduled, stripe_emulator):
    stripe_emulator.set_time(int(datetime(2027, 2, 1, 0, 0, 5, tzinfo=UTC).timestamp()))
    schedule = stripe_emulator.state.get("subscription_schedule", scheduled.subscription_schedule_id)
    assert schedule["status"] == "active" and schedule["subscription"]
    events = _events(stripe_emulator, "subscription_schedule.updated", "customer.subscription.created")
    assert events
    for event in events:
        assert deliver_stripe(client, event).status_code == 200
    db.session.refresh(scheduled)
    assert (scheduled.stage, scheduled.subscription_id) == ("live", schedule["subscription"])
    assert scheduled.schedule_status == "active"
    from app.models import Customer

    customer = db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == scheduled.stripe_customer_id))
    assert customer.subscription_id == schedule["subscription"] and customer.last_synced_at is not None
    replay = deliver_stripe(client, events[0])
    assert replay.get_json() == {"result": "duplicate"}
    stored = db.session.scalars(db.select(WebhookEvent).where(WebhookEvent.source == "stripe")).all()
    assert len(stored) == len(events)


def test_a_bad_signature_is_refused_and_stores_nothing(client, db, scheduled, stripe_emulator):
    event = {"id": "evt_forged", "type": "invoice.paid", "data": {"object": {"id": scheduled.invoice_id}}}
    response = deliver_stripe(client, event, secret="whsec_wrong")
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(WebhookEvent).where(
        WebhookEvent.source == "stripe")) == 0


def test_paid_invoice_becomes_a_metered_credit_grant(client, db, scheduled, stripe_client, stripe_emulator):
    stripe_client.v1.invoices.finalize_invoice(scheduled.invoice_id)
    stripe_client.v1.invoices.pay(scheduled.invoice_id, params={"paid_out_of_band": True})
    [paid] = _events(stripe_emulator, "invoice.paid")
    assert deliver_stripe(client, paid).get_json() == {"result": "processed"}
    db.session.expire_all()
    plan = db.session.get(AnnualPlan, scheduled.id)
    assert plan.invoice_status == "paid" and plan.credit_grant_id.startswith("credgr_")
    grant = stripe_client.v1.billing.credit_grants.retrieve(plan.credit_grant_id)
    assert grant.amount.monetary.value == 10250000 and grant.applicability_config.scope.price_type == "metered"
    assert grant.customer == plan.stripe_customer_id
    assert deliver_stripe(client, paid).get_json() == {"result": "duplicate"}
    assert len(stripe_emulator.state.collection("billing.credit_grant")) == 1


def test_voided_invoice_is_reflected(client, db, scheduled, stripe_client, stripe_emulator):
    stripe_client.v1.invoices.finalize_invoice(scheduled.invoice_id)
    stripe_client.v1.invoices.void_invoice(scheduled.invoice_id)
    for event in _events(stripe_emulator, "invoice.finalized", "invoice.voided"):
        deliver_stripe(client, event)
    db.session.refresh(scheduled)
    assert scheduled.invoice_status == "void"


def test_unknown_objects_are_ignored(client, db, scheduled):
    event = {"id": "evt_other", "object": "event", "type": "invoice.paid",
             "data": {"object": {"id": "in_someone_else", "amount_paid": 1}}}
    assert deliver_stripe(client, event).get_json() == {"result": "ignored"}
