"""Job kinds the worker knows, each a thin wrapper around one service."""
from __future__ import annotations

from app import wiring
from app.jobs import JobContext, job_handler
from app.services.audit import Actor
from app.services.contract_loading import load_plan

LOADER = Actor.system("contract-loader")


@job_handler("annual_plans.load")
def load_annual_plan(ctx: JobContext) -> dict:
    plan_id = int(ctx.arguments["plan_id"])
    ctx.progress(0, 1, f"loading row {plan_id} from its contract")
    result = load_plan(ctx.session, LOADER, plan_id, wiring.contract_source(),
                       wiring.contract_mapping(), wiring.own_email_domains())
    ctx.session.commit()  # the row's error is kept even when the job is marked failed
    if result.error:
        raise RuntimeError(result.error)
    ctx.progress(1, 1, f"row {plan_id}: {len(result.plan.open_warnings)} open warnings")
    return {"plan_id": plan_id, "stage": result.plan.stage, "warnings": len(result.plan.open_warnings)}


@job_handler("customers.sync")
def sync_customers_job(ctx: JobContext) -> dict:
    """Arguments: {"customer_ids": [...]} or {"all": true} (every customer with a Stripe id)."""
    from sqlalchemy import select

    from app.models import Customer
    from app.services.customer_sync import sync_customers

    ids = ctx.arguments.get("customer_ids") or []
    if ctx.arguments.get("all"):
        ids = list(ctx.session.scalars(select(Customer.id).where(Customer.stripe_customer_id.is_not(None))
                                       .order_by(Customer.id)))
    ctx.progress(0, len(ids), f"syncing {len(ids)} customers with Stripe")
    actor = Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id)
    return sync_customers(ctx.session, wiring.stripe_gateway(), [int(i) for i in ids],
                          lambda done, line: ctx.progress(done, line=line),
                          wiring.catalog().product_key_metadata, actor)
