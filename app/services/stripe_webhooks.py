"""Stripe's webhooks: verified, stored first (unique on event id), then handled in the request's transaction.

Handlers look rows up by the ids we stored, so an event for an object we don't know is
recorded as ignored, and a replayed event changes nothing. A handler that writes to Stripe
(the credit grant on `invoice.paid`) records that write durably before and after the call, as
every Stripe write does; a failed handler is rolled back and its error kept on the stored event.
"""
from __future__ import annotations

import calendar

from sqlalchemy import select

from app.billing.plan_stages import stage_on_subscription
from app.billing.stripe_requests import credit_grant_key, credit_grant_params
from app.billing.webhook_bodies import BodyRefused, stripe_event
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan, WebhookEvent
from app.refusals import BadRequest
from app.services.audit import Actor, record_audit
from app.services.credit_discount import adopt_plan_discount
from app.services.customer_configuration import set_configuration
from app.services.customer_sync import ensure_customer_for_stripe_id
from app.services.instalments import instalment_paid, link_amortized_pair
from app.services.notification_checks import notify_overdue_invoice
from app.services.notifications import notify_failed_webhook
from app.services.organisations import add_customer_organisations
from app.services.plan_values import touch
from app.services.renewal_payments import year_invoice_paid, year_invoice_status
from app.services.stripe_writes import stripe_write
from app.timeutil import utcnow
from app.unit_of_work import checkpoint

STRIPE_ACTOR = Actor.system("stripe-webhook")


def receive_stripe_webhook(session, gateway, raw_body: bytes, signature: str, secret: str) -> str:
    """Verify Stripe-Signature on the raw bytes, then the event's shape (either refused: 400, nothing
    stored, as there is no event id to store it under), then receive."""
    try:
        gateway.verify_webhook(raw_body, signature, secret)
        event = stripe_event(raw_body)
    except (StripeGatewayError, BodyRefused) as exc:
        raise BadRequest(str(exc), field="body") from exc
    return receive_stripe_event(session, gateway, event, raw_body)


def receive_stripe_event(session, gateway, event: dict, raw_body: bytes) -> str:
    """Returns what happened: duplicate, processed, ignored or failed (the error is on the row)."""
    stored = session.scalar(select(WebhookEvent).where(WebhookEvent.source == "stripe",
                                                      WebhookEvent.delivery_id == event["id"]))
    if stored is not None and stored.status in ("processed", "ignored"):
        return "duplicate"
    if stored is None:  # a failed one is handled again when Stripe retries it
        stored = WebhookEvent(source="stripe", delivery_id=event["id"], event_type=event["type"], verified=True,
                              body=raw_body.decode("utf-8", "replace"), headers={})
        session.add(stored)
        checkpoint(session, "webhook_stored")  # kept even if handling fails below
    handler = HANDLERS.get(event["type"])
    try:
        handled = handler(session, gateway, event["data"]["object"]) if handler else False
    except Exception as exc:  # noqa: BLE001 - the error belongs on the stored event
        session.rollback()
        stored = session.get(WebhookEvent, stored.id)
        stored.status, stored.error = "failed", f"{type(exc).__name__}: {exc}"
        notify_failed_webhook(session, stored)
        return "failed"
    stored.status = "processed" if handled else "ignored"
    stored.processed_at = utcnow()
    return stored.status


def _plan_by(session, column, value) -> AnnualPlan | None:
    return session.scalar(select(AnnualPlan).where(column == value)) if value else None


def _schedule_changed(session, gateway, schedule: dict) -> bool:
    plan = _plan_by(session, AnnualPlan.subscription_schedule_id, schedule["id"])
    if plan is None:
        return False
    before = {"stage": plan.stage, "schedule_status": plan.schedule_status, "subscription_id": plan.subscription_id}
    plan.schedule_status = schedule.get("status")
    subscription = schedule.get("subscription") or schedule.get("released_subscription")
    if subscription and not plan.subscription_id:
        plan.subscription_id = subscription if isinstance(subscription, str) else subscription["id"]
    went_live = stage_on_subscription(plan.stage, plan.subscription_id) != plan.stage
    plan.stage = stage_on_subscription(plan.stage, plan.subscription_id)
    touch(plan)
    if went_live:
        _customer_goes_live(session, gateway, plan)
    record_audit(session, STRIPE_ACTOR, "annual_plan.schedule_updated", "annual_plan", plan.id, before=before,
                 after={"stage": plan.stage, "schedule_status": plan.schedule_status,
                        "subscription_id": plan.subscription_id})
    return True


def _customer_goes_live(session, gateway, plan: AnnualPlan) -> None:
    """The customer's record gets the subscription, Stripe's current state, the enterprise yearly
    configuration and the row's organisations, so the nightly send bills their usage from the first day."""
    customer = ensure_customer_for_stripe_id(session, gateway, plan.stripe_customer_id, plan.subscription_id,
                                             STRIPE_ACTOR)
    if plan.credits_customer_id:
        link_amortized_pair(session, gateway, STRIPE_ACTOR, plan, customer)
    else:
        set_configuration(session, STRIPE_ACTOR, customer, "enterprise_yearly", "annual_plan",
                          note=f"annual plan row {plan.id} went live")
    adopt_plan_discount(session, STRIPE_ACTOR, customer, plan)
    held = add_customer_organisations(session, STRIPE_ACTOR, customer, list(plan.organization_ids or []),
                                      note=f"annual plan row {plan.id} went live")
    if held:
        record_audit(session, STRIPE_ACTOR, "customer.organisations_held_elsewhere", "customer", customer.id,
                     after={"organisation_ids": held}, note="another customer bills them: not moved")


def _subscription_created(session, gateway, subscription: dict) -> bool:
    schedule = subscription.get("schedule")
    if not schedule:
        return False
    schedule_id = schedule if isinstance(schedule, str) else schedule["id"]
    return _schedule_changed(session, gateway, {"id": schedule_id, "status": "active", "subscription": subscription["id"]})


def _invoice_status(status: str):
    def handle(session, gateway, invoice: dict) -> bool:
        plan = _plan_by(session, AnnualPlan.invoice_id, invoice["id"])
        if plan is None:
            return year_invoice_status(session, STRIPE_ACTOR, invoice, status)
        before = plan.invoice_status
        plan.invoice_status = status
        touch(plan)
        record_audit(session, STRIPE_ACTOR, f"annual_plan.invoice_{status}", "annual_plan", plan.id,
                     before={"invoice_status": before}, after={"invoice_status": status})
        return True

    return handle


def _invoice_paid(session, gateway, invoice: dict) -> bool:
    """The prepaid fee becomes a billing credit grant scoped to metered prices, so usage draws it down."""
    plan = _plan_by(session, AnnualPlan.invoice_id, invoice["id"])
    if plan is None:
        return (year_invoice_paid(session, gateway, STRIPE_ACTOR, invoice)
                or instalment_paid(session, gateway, STRIPE_ACTOR, invoice))
    _invoice_status("paid")(session, gateway, invoice)
    plan.invoice_paid_at = utcnow()
    key = credit_grant_key(plan, invoice["id"])
    params = credit_grant_params(plan, invoice, calendar.timegm(utcnow().timetuple()))
    outcome = stripe_write(session, gateway, key=key, subject=("annual_plan", plan.id), action="credit_grant",
                           summary={"amount": invoice["amount_paid"]}, call=lambda: gateway.create_credit_grant(params, key))
    plan = session.get(AnnualPlan, plan.id)
    plan.credit_grant_id = outcome.object_id
    touch(plan)
    record_audit(session, STRIPE_ACTOR, "annual_plan.credit_granted", "annual_plan", plan.id,
                 after={"credit_grant_id": outcome.object_id, "amount_cents": invoice["amount_paid"]},
                 stripe_request_ids=gateway.request_ids)
    return True


HANDLERS = {
    "subscription_schedule.created": _schedule_changed,
    "subscription_schedule.updated": _schedule_changed,
    "subscription_schedule.released": _schedule_changed,
    "subscription_schedule.canceled": _schedule_changed,
    "subscription_schedule.completed": _schedule_changed,
    "customer.subscription.created": _subscription_created,
    "invoice.finalized": _invoice_status("open"),
    "invoice.sent": _invoice_status("open"),
    "invoice.paid": _invoice_paid,
    "invoice.voided": _invoice_status("void"),
    "invoice.marked_uncollectible": _invoice_status("uncollectible"),
    "invoice.overdue": lambda session, gateway, invoice: notify_overdue_invoice(session, invoice),
}

