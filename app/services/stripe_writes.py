"""Recording every Stripe write before and after, so no retry or crash makes a second object.

The record is committed before Stripe is called and again right after (the `stripe_write`
checkpoint of app/unit_of_work.py), whatever the caller's transaction does next.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from app.gateways.stripe import StripeGatewayError
from app.models import StripeOperation
from app.timeutil import utcnow
from app.unit_of_work import checkpoint


@dataclass(frozen=True)
class WriteOutcome:
    object_id: str
    data: dict | None  # None when replayed from our own record without calling Stripe
    replayed: bool


def stripe_write(session, gateway, *, key: str, subject: tuple[str, object], action: str,
                 summary: dict, call: Callable[[], dict],
                 find: Callable[[], dict | None] | None = None) -> WriteOutcome:
    """Run `call` once per idempotency key; a succeeded record short-circuits a second run.

    When an earlier attempt's outcome is unknown (pending or failed), `find` first looks for
    the object in Stripe, since Stripe forgets idempotency keys after 24 hours.
    """
    op = session.scalar(select(StripeOperation).where(StripeOperation.idempotency_key == key))
    if op is not None and op.status == "succeeded":
        return WriteOutcome(op.stripe_object_id, None, True)
    if op is not None and find is not None:
        found = find()
        if found is not None:
            op.status, op.stripe_object_id, op.finished_at = "succeeded", found["id"], utcnow()
            op.error = "found in Stripe by metadata after an interrupted attempt"
            checkpoint(session, "stripe_write")
            return WriteOutcome(found["id"], found, True)
    if op is None:
        op = StripeOperation(subject_type=subject[0], subject_id=str(subject[1]), action=action,
                             idempotency_key=key, request_summary=summary, attempts=0)
        session.add(op)
    op.status, op.error, op.attempts = "pending", "", op.attempts + 1
    checkpoint(session, "stripe_write")  # durable before the call
    try:
        data = call()
    except StripeGatewayError as exc:
        op.status, op.error, op.request_id, op.finished_at = "failed", str(exc), exc.request_id, utcnow()
        checkpoint(session, "stripe_write")
        raise
    op.status, op.stripe_object_id, op.finished_at = "succeeded", data.get("id"), utcnow()
    op.request_id = gateway.request_ids[-1] if gateway.request_ids else None
    checkpoint(session, "stripe_write")  # durable right after the call
    return WriteOutcome(op.stripe_object_id, data, False)


# The gateway verb each planned call (billing/stripe_requests.PlannedCall) runs: creates take (params, key),
# changes to an object take (its id, params, key), and finalize/send take (its id, key).
WRITE_VERBS = {
    "update_customer": lambda gateway, call: gateway.update_customer(call.target, call.params, call.key),
    "create_customer": lambda gateway, call: gateway.create_customer_raw(call.params, call.key),
    "create_price": lambda gateway, call: gateway.create_price(call.params, call.key),
    "create_invoice": lambda gateway, call: gateway.create_invoice(call.params, call.key),
    "add_invoice_lines": lambda gateway, call: gateway.add_invoice_lines(call.target, call.params, call.key),
    "update_invoice_item": lambda gateway, call: gateway.update_invoice_item(call.target, call.params, call.key),
    "update_invoice": lambda gateway, call: gateway.update_invoice(call.target, call.params, call.key),
    "create_coupon": lambda gateway, call: gateway.create_coupon(call.params, call.key),
    "create_schedule": lambda gateway, call: gateway.create_schedule(call.params, call.key),
    "finalize_invoice": lambda gateway, call: gateway.finalize_invoice(call.target, call.key),
    "send_invoice": lambda gateway, call: gateway.send_invoice(call.target, call.key),
    "create_credit_grant": lambda gateway, call: gateway.create_credit_grant(call.params, call.key),
    "update_subscription": lambda gateway, call: gateway.update_subscription(call.target, call.params, call.key),
}


def write_planned(session, gateway, call, subject: tuple[str, object], action: str,
                  find: Callable[[], dict | None] | None = None) -> WriteOutcome:
    """One planned call, once: through its verb in WRITE_VERBS, recorded like every Stripe write."""
    verb = WRITE_VERBS[call.verb]
    return stripe_write(session, gateway, key=call.key, subject=subject, action=action,
                        summary={"summary": call.summary, "target": call.target},
                        call=lambda: verb(gateway, call), find=find)
