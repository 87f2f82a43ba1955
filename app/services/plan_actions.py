"""Running a row's Stripe buttons: lock the row, re-plan, check the plan, make each call once.

Each call goes through `stripe_write` (recorded before and after, deterministic key); a
retry after a crash finds what Stripe already made, by our record, by Stripe's idempotency
replay within 24 h, and by the object's `annual_plan_step` metadata after that.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.instalments import pays_in_instalments
from app.billing.plan_stages import ACTION_STAGES, stage_after_action
from app.billing.stripe_requests import PlannedCall, WritePlan
from app.gateways.stripe import StripeGatewayError
from app.models import AnnualPlan, StripeOperation
from app.refusals import Invalid, NotFound, StripeFailed
from app.services.audit import Actor, record_audit
from app.services.plan_locks import row_lock
from app.services.plan_values import get_plan, touch
from app.services.plan_write_plans import describe_existing, plan_action
from app.services.renewals import lay_out_years
from app.services.stripe_writes import write_planned
from app.unit_of_work import checkpoint


@dataclass
class ActionPreview:
    plan: AnnualPlan
    write_plan: WritePlan
    existing: list[str]
    operations: list[StripeOperation]  # what this row's Stripe writes recorded so far


def preview_action(session, gateway, catalog: Catalog, plan_id: int, action: str) -> ActionPreview:
    plan = get_plan(session, plan_id)
    write_plan = plan_action(session, gateway, catalog, plan, action)
    before, _ = _transition(action)
    if plan.stage != before:
        write_plan.refusals.insert(0, f"row {plan.id} is {plan.stage}; this button needs it {before}")
    return ActionPreview(plan, write_plan, describe_existing(plan), operations_for(session, plan_id))


def run_action(session, gateway, catalog: Catalog, actor: Actor, plan_id: int, action: str,
               fingerprint: str | None = None) -> AnnualPlan:
    """Everything or a clear refusal; on a Stripe error the row says so and a retry resumes."""
    _transition(action)
    with row_lock(session, plan_id, action):
        preview = preview_action(session, gateway, catalog, plan_id, action)
        if preview.write_plan.refusals:
            raise Invalid("; ".join(preview.write_plan.refusals))
        if fingerprint and fingerprint != preview.write_plan.fingerprint:
            raise Invalid("the row changed since the plan was shown; review the new plan and confirm again")
        plan = preview.plan
        try:
            results = _execute(session, gateway, plan, preview.write_plan)
        except StripeGatewayError as exc:
            plan = get_plan(session, plan_id)
            plan.stripe_error = f"{action}: {exc}"
            record_audit(session, actor, f"annual_plan.{action}_failed", "annual_plan", plan.id,
                         note=str(exc), stripe_request_ids=[r for r in [exc.request_id] if r])
            checkpoint(session, "stripe_failure")
            raise StripeFailed(f"Stripe refused or failed: {exc}; nothing was duplicated, press again to resume",
                               http_status=exc.http_status) from exc
        plan = get_plan(session, plan_id)
        _apply_results(plan, action, results)
        if action == "create_subscription" and plan.term_months > 12 and not pays_in_instalments(plan):
            lay_out_years(session, plan)  # later years known from the start; a pro-rata end flagged now
        record_audit(session, actor, f"annual_plan.{action}", "annual_plan", plan.id,
                     after={"results": results, "stage": plan.stage}, stripe_request_ids=gateway.request_ids)
        return plan


def _transition(action: str) -> tuple[str, str]:
    if action not in ACTION_STAGES:
        raise NotFound(f"no action '{action}'")
    return ACTION_STAGES[action]


def _execute(session, gateway, plan: AnnualPlan, write_plan: WritePlan) -> dict[str, str]:
    results: dict[str, str] = {}
    for call in write_plan.calls:
        params, target = _resolve(call.params, results), _resolve(call.target, results)
        call = PlannedCall(call.step, call.verb, call.summary, params, call.key, target)
        outcome = write_planned(session, gateway, call, ("annual_plan", plan.id), f"{write_plan.action}:{call.step}",
                                find=_finder(gateway, plan, call))
        results[call.step] = outcome.object_id
    return results


def _resolve(params, results):
    """Put ids made by earlier steps where the plan names the step: `{invoice}`, `{credits_customer}`."""
    if isinstance(params, str) and params.startswith("{") and params.endswith("}") and params[1:-1] in results:
        return results[params[1:-1]]
    if isinstance(params, dict):
        return {k: _resolve(v, results) for k, v in params.items()}
    if isinstance(params, list):
        return [_resolve(v, results) for v in params]
    return params


def _finder(gateway, plan: AnnualPlan, call: PlannedCall):
    """After Stripe forgot the key: look for the object by its `annual_plan_step` metadata."""
    def matches(obj) -> bool:
        return (obj.get("metadata") or {}).get("annual_plan_step") == call.key

    if call.verb == "create_invoice":
        return lambda: next((i for i in gateway.list_invoices({"customer": plan.stripe_customer_id, "limit": 100})
                             if matches(i)), None)
    if call.verb == "add_invoice_lines":
        def added():
            steps = {(ln.get("metadata") or {}).get("annual_plan_step", "") for ln in gateway.invoice_lines(call.target)}
            return {"id": call.target} if any(s.startswith(call.key + ".") for s in steps) else None

        return added
    if call.verb == "create_schedule":  # the usage customer's, or the credits customer's for instalments
        return lambda: next((s for s in gateway.list_schedules(call.params.get("customer") or plan.stripe_customer_id)
                             if matches(s)), None)
    return None  # prices and coupons: the idempotency key and our record are enough (coupon ids are ours)


def _apply_results(plan: AnnualPlan, action: str, results: dict) -> None:
    if action == "create_subscription" and "credits_schedule" in results:
        plan.credits_customer_id, plan.credits_schedule_id = results["credits_customer"], results["credits_schedule"]
    elif action == "create_subscription":
        plan.invoice_id, plan.invoice_status = results["invoice"], "draft"
        for line in plan.lines:
            if f"price.{line.product_key}" in results:
                line.price_id = results[f"price.{line.product_key}"]
    elif action == "amortize":
        from app.billing.stripe_requests import amortization_metadata

        plan.amortization = amortization_metadata(plan)
    elif action == "schedule":
        plan.subscription_schedule_id, plan.schedule_status = results["schedule"], "not_started"
    elif action == "send_invoice" and plan.invoice_id:
        plan.invoice_status = "open"
    plan.stage = stage_after_action(action, pays_in_instalments(plan))
    plan.stripe_error = ""
    touch(plan)


def operations_for(session, plan_id: int) -> list[StripeOperation]:
    return session.scalars(select(StripeOperation).where(
        StripeOperation.subject_type == "annual_plan", StripeOperation.subject_id == str(plan_id))
        .order_by(StripeOperation.id)).all()
