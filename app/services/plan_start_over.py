"""Start over (finance): undo a row's Stripe objects and return it to ready, with new keys."""
from __future__ import annotations

from functools import partial

from app.billing.plan_stages import readiness_blockers, stage_after_edit
from app.billing.stripe_requests import step_key
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan
from app.refusals import Invalid, StripeFailed
from app.services.audit import Actor, record_audit
from app.services.plan_locks import row_lock
from app.services.plan_values import get_plan, touch
from app.services.renewals import undo_later_years
from app.services.stripe_writes import stripe_write

UNDOABLE = ("invoiced", "amortized", "scheduled", "sent")


def start_over(session, gateway, actor: Actor, plan_id: int) -> AnnualPlan:
    with row_lock(session, plan_id, "start_over"):
        plan = get_plan(session, plan_id)
        if plan.stage not in UNDOABLE:
            raise Invalid(f"row {plan.id} is {plan.stage}: there is nothing to start over")
        key = partial(step_key, plan.id, plan.stripe_attempt, "start-over")
        before = {"invoice_id": plan.invoice_id, "subscription_schedule_id": plan.subscription_schedule_id,
                  "credits_schedule_id": plan.credits_schedule_id,
                  "stage": plan.stage, "attempt": plan.stripe_attempt}
        undone = []
        write = _recorder(session, gateway, plan.id)
        try:
            undone += _undo_invoice(gateway, plan, key, write)
            undone += _undo_schedule(gateway, plan.subscription_schedule_id, key("cancel"), write)
            undone += _undo_schedule(gateway, plan.credits_schedule_id, key("cancel-credits"), write)
            undone += _archive_prices(gateway, plan, key, write)
            undone += undo_later_years(session, gateway, plan, key, write)
        except StripeGatewayError as exc:
            raise StripeFailed(f"Stripe refused part of the start over: {exc}; press again to finish it",
                               http_status=exc.http_status) from exc
        plan = get_plan(session, plan_id)
        plan.invoice_id = plan.invoice_status = plan.subscription_schedule_id = plan.schedule_status = None
        plan.amortization = plan.credits_schedule_id = plan.credits_customer_id = None
        for line in plan.lines:
            line.price_id = None
        plan.stripe_attempt += 1  # fresh idempotency keys for the next run of the buttons
        plan.stage = stage_after_edit("loaded", readiness_blockers(plan))
        touch(plan)
        record_audit(session, actor, "annual_plan.started_over", "annual_plan", plan.id, before=before,
                     after={"stage": plan.stage, "attempt": plan.stripe_attempt, "undone": undone},
                     stripe_request_ids=gateway.request_ids)
        return plan


def _recorder(session, gateway, plan_id: int):
    """Each undo is a Stripe write like any other: recorded before and after, once per key."""
    def write(key: str, action: str, call) -> None:
        stripe_write(session, gateway, key=key, subject=("annual_plan", plan_id), action=f"start_over:{action}",
                     summary={"action": action}, call=call)

    return write


def _undo_invoice(gateway, plan, key, write) -> list[str]:
    if not plan.invoice_id:
        return []
    invoice_id = plan.invoice_id
    status = gateway.retrieve_invoice(invoice_id).get("status")
    if status == "draft":
        write(key("delete"), "delete_invoice", lambda: gateway.delete_invoice(invoice_id))
        return [f"deleted draft invoice {invoice_id}"]
    if status == "open":
        write(key("void"), "void_invoice", lambda: gateway.void_invoice(invoice_id, key("void")))
        return [f"voided invoice {invoice_id}"]
    if status == "paid":
        raise Invalid(f"invoice {plan.invoice_id} is paid: refund it in Stripe first, then start over")
    return [f"invoice {invoice_id} was already {status}"]


def _undo_schedule(gateway, schedule_id, cancel_key: str, write) -> list[str]:
    """The usage schedule, or an instalment row's credits schedule (its customer stays, with nothing to pay)."""
    if not schedule_id:
        return []
    status = gateway.retrieve_schedule(schedule_id).get("status")
    if status in ("not_started", "active"):
        write(cancel_key, "cancel_schedule", lambda: gateway.cancel_schedule(schedule_id, cancel_key))
        return [f"canceled schedule {schedule_id}"]
    return [f"schedule {schedule_id} was already {status}"]


def _archive_prices(gateway, plan, key, write) -> list[str]:
    done = []
    for product_key, price_id in [(ln.product_key, ln.price_id) for ln in plan.lines if ln.price_id]:
        archive_key = key(f"archive-{product_key}")
        write(archive_key, "archive_price", lambda p=price_id, k=archive_key: gateway.archive_price(p, k))
        done.append(f"archived custom price {price_id}")
    return done
