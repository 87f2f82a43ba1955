"""Start over (finance): undo a row's Stripe objects and return it to ready, with new keys."""
from __future__ import annotations

from app.billing.plan_stages import readiness_blockers, stage_after_edit
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan
from app.services.audit import Actor, record_audit
from app.services.plan_errors import PlanError, get_plan
from app.services.plan_locks import row_lock
from app.services.plan_values import touch

UNDOABLE = ("invoiced", "amortized", "scheduled", "sent")


def start_over(session, gateway, actor: Actor, plan_id: int) -> AnnualPlan:
    with row_lock(session, plan_id, "start_over"):
        plan = get_plan(session, plan_id)
        if plan.stage not in UNDOABLE:
            raise PlanError(f"row {plan.id} is {plan.stage}: there is nothing to start over")
        prefix = f"annual-plan-{plan.id}-a{plan.stripe_attempt}-start-over"
        before = {"invoice_id": plan.invoice_id, "subscription_schedule_id": plan.subscription_schedule_id,
                  "stage": plan.stage, "attempt": plan.stripe_attempt}
        undone = []
        try:
            undone += _undo_invoice(gateway, plan, prefix)
            undone += _undo_schedule(gateway, plan, prefix)
            undone += _archive_prices(gateway, plan, prefix)
        except StripeGatewayError as exc:
            session.rollback()
            raise PlanError(f"Stripe refused part of the start over: {exc}; press again to finish it") from exc
        plan.invoice_id = plan.invoice_status = plan.subscription_schedule_id = plan.schedule_status = None
        plan.amortization = None
        for line in plan.lines:
            line.price_id = None
        plan.stripe_attempt += 1  # fresh idempotency keys for the next run of the buttons
        plan.stage = stage_after_edit("loaded", readiness_blockers(plan))
        touch(plan)
        record_audit(session, actor, "annual_plan.started_over", "annual_plan", plan.id, before=before,
                     after={"stage": plan.stage, "attempt": plan.stripe_attempt, "undone": undone},
                     stripe_request_ids=gateway.request_ids)
        session.commit()
        return plan


def _undo_invoice(gateway, plan, prefix) -> list[str]:
    if not plan.invoice_id:
        return []
    status = gateway.retrieve_invoice(plan.invoice_id).get("status")
    if status == "draft":
        gateway.delete_invoice(plan.invoice_id)
        return [f"deleted draft invoice {plan.invoice_id}"]
    if status == "open":
        gateway.void_invoice(plan.invoice_id, f"{prefix}-void")
        return [f"voided invoice {plan.invoice_id}"]
    if status == "paid":
        raise PlanError(f"invoice {plan.invoice_id} is paid: refund it in Stripe first, then start over")
    return [f"invoice {plan.invoice_id} was already {status}"]


def _undo_schedule(gateway, plan, prefix) -> list[str]:
    if not plan.subscription_schedule_id:
        return []
    status = gateway.retrieve_schedule(plan.subscription_schedule_id).get("status")
    if status in ("not_started", "active"):
        gateway.cancel_schedule(plan.subscription_schedule_id, f"{prefix}-cancel")
        return [f"canceled schedule {plan.subscription_schedule_id}"]
    return [f"schedule {plan.subscription_schedule_id} was already {status}"]


def _archive_prices(gateway, plan, prefix) -> list[str]:
    done = []
    for line in plan.lines:
        if line.price_id:
            gateway.archive_price(line.price_id, f"{prefix}-archive-{line.product_key}")
            done.append(f"archived custom price {line.price_id}")
    return done
