"""What each job kind and periodic task does: thin wrappers, each calling one service.

A handler takes a JobContext and returns the job's result; it never commits (the job does, and
`ctx.progress` checkpoints). `raise JobFailed(message)` fails the job and keeps what it wrote.
Periodic tasks run inside the app and commit what they start. They are listed in kinds.py.
"""
from __future__ import annotations

import time

from app import collaborators
from app.billing.write_plan_words import loaded_sentence
from app.extensions import db
from app.formatting import plural
from app.jobs import JobContext, JobFailed
from app.services.audit import Actor
from app.services.contract_loading import load_plan
from app.services.jobs import start_job
from app.timeutil import utcnow

LOADER = Actor.system("contract-loader")


def load_annual_plan(ctx: JobContext) -> dict:
    plan_id = int(ctx.arguments["plan_id"])
    ctx.progress(0, 1, f"loading row {plan_id} from its contract")
    result = load_plan(ctx.session, LOADER, plan_id, collaborators.contract_source(),
                       collaborators.contract_mapping(), collaborators.own_email_domains())
    if result.error:
        raise JobFailed(result.error)  # the row keeps its error
    ctx.progress(1, 1, f"row {plan_id}: " + loaded_sentence(result.plan, {k: p.name for k, p in collaborators.catalog().products.items()}))
    return {"plan_id": plan_id, "stage": result.plan.stage, "warnings": len(result.plan.open_warnings)}


def rehearse_plan_job(ctx: JobContext) -> dict:
    """Arguments: {"plan_id": id}. The row's whole term on a Stripe test clock (a 36-month term takes seconds)."""
    from app.refusals import Refusal
    from app.services.rehearsal import rehearse_plan

    plan_id = int(ctx.arguments["plan_id"])
    actor = Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id)
    ctx.progress(0, 0, f"rehearsing row {plan_id} on a Stripe test clock")
    try:
        report = rehearse_plan(ctx.session, collaborators.stripe_gateway(), collaborators.meter_gateway(),
                               collaborators.catalog(), actor, plan_id, progress=ctx.progress,
                               **collaborators.rehearsal_options())
    except Refusal as exc:
        raise JobFailed(str(exc)) from exc
    ctx.log(f"credits run out: {report['credits_run_out'] or 'not in the term'}; {len(report['findings'])} findings")
    return {"plan_id": plan_id, "credits_run_out": report["credits_run_out"], "findings": len(report["findings"])}


def sync_customers_job(ctx: JobContext) -> dict:
    """Arguments: {"customer_ids": [...]} or {"all": true} (every customer with a Stripe id)."""
    from sqlalchemy import select

    from app.models import Customer
    from app.services.customer_bulk_sync import sync_customers

    ids = ctx.arguments.get("customer_ids") or []
    if ctx.arguments.get("all"):
        ids = list(ctx.session.scalars(select(Customer.id).where(Customer.stripe_customer_id.is_not(None))
                                       .order_by(Customer.id)))
    ctx.progress(0, len(ids), f"syncing {len(ids)} customers with Stripe")
    actor = Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id)
    return sync_customers(ctx.session, collaborators.stripe_gateway(), [int(i) for i in ids],
                          ctx.every(0.25),
                          collaborators.catalog().product_key_metadata, actor)


def expire_prices_job(ctx: JobContext) -> dict:
    """Arguments: {"dry_run": bool}. The daily periodic task starts one of these."""
    from app.services.price_transitions import TRANSITIONS_ACTOR, expire_prices

    ctx.progress(0, 0, "looking for valid_days prices that ran out")
    lines = expire_prices(ctx.session, collaborators.stripe_gateway(), collaborators.catalog(), utcnow(), TRANSITIONS_ACTOR,
                          dry_run=bool(ctx.arguments.get("dry_run")), progress=ctx.progress)
    return {"lines": lines}


def send_usage_reports_job(ctx: JobContext) -> dict:
    """Arguments: {"date": report date, "org_ids": [...] (optional)}; usage for the day before is sent."""
    from datetime import date

    from app.services.usage_send import send_usage_reports

    actor = Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id)
    result = send_usage_reports(ctx.session, collaborators.meter_gateway(), collaborators.catalog(),
                                collaborators.usage_zone(), actor,
                                date.fromisoformat(ctx.arguments["date"]), ctx.arguments.get("org_ids") or None,
                                **collaborators.usage_send_options(),
                                progress=lambda done, total, line: ctx.progress(done, total, line))
    ctx.log(result.summary)
    if result.errors or result.failed:
        raise JobFailed(f"{result.summary}. Why: {'; '.join(r.rstrip('.') for r in result.reasons)}. "
                        f"Fix or clear the errors, then re-run with {ctx.arguments['date']}",
                        told=True)  # the send told the team of its errors (usage_send_errors)
    return {"usage_day": result.usage_day.isoformat(), "sent": result.sent, "skipped": result.skipped,
            "errors": result.errors, "via": result.via, "failed": result.failed}


def end_startup_plans_job(ctx: JobContext) -> dict:
    """Arguments: {"dry_run": bool}. The daily periodic task starts one of these."""
    from app.services.startup_plans import end_startup_plans

    actor = Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id)
    lines = end_startup_plans(ctx.session, collaborators.stripe_gateway(), collaborators.catalog(), actor,
                              utcnow().date(), dry_run=bool(ctx.arguments.get("dry_run")))
    for line in lines:
        ctx.log(line)
    errors = [line for line in lines if ": error: " in line]
    if errors:
        raise JobFailed(f"{len(errors)} startup plans could not be ended: {errors[0]}")
    return {"lines": lines}


def selftest(ctx: JobContext) -> dict:
    """Proves a worker is consuming the queue: a few steps with visible progress."""
    steps = int(ctx.arguments.get("steps", 5))
    ctx.progress(0, steps, "self-test started")
    for step in range(1, steps + 1):
        time.sleep(float(ctx.arguments.get("pause", 0.2)))
        ctx.progress(step, line=f"step {step} of {steps}")
    return {"steps": steps}


def draft_renewals_job(ctx: JobContext) -> dict:
    """Arguments: {"dry_run": bool}. Each later contract year whose lead time has come gets its draft invoice."""
    from flask import current_app

    from app.services.renewals import draft_renewals

    ctx.progress(0, 0, "looking for contract years within RENEWAL_LEAD_DAYS of their anniversary")
    outcomes = draft_renewals(ctx.session, collaborators.stripe_gateway(), collaborators.catalog(),
                              Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id), utcnow().date(),
                              current_app.config["RENEWAL_LEAD_DAYS"], dry_run=bool(ctx.arguments.get("dry_run")))
    lines = [f"row {o.plan_id} year {o.year}: {o.result}; {o.detail}" for o in outcomes]
    for line in lines:
        ctx.log(line)
    failed = [o for o in outcomes if o.result == "failed"]
    if failed:  # the drafted years are kept; the failed ones say why on the Renewals view and in the log
        raise JobFailed(f"{plural(len(failed), 'contract year')} not drafted: " + "; ".join(o.detail for o in failed))
    return {"lines": lines}


def draft_renewals_daily() -> None:
    """Once a day: an `annual_plans.draft_renewals` Job drafts the contract years whose lead time has come."""
    start_job(db.session, Actor.system("renewals"), "annual_plans.draft_renewals")
    db.session.commit()


def expire_prices_daily() -> None:
    """Once a day: a `catalog.expire_prices` Job moves subscriptions off `valid_days` prices that ran out."""
    start_job(db.session, Actor.system("price-transitions"), "catalog.expire_prices")
    db.session.commit()


def end_startup_plans_daily() -> None:
    """Once a day: a `customers.end_startup_plans` Job makes customers whose startup credit ran out paid."""
    from app.services.startup_plans import STARTUP_ACTOR

    start_job(db.session, STARTUP_ACTOR, "customers.end_startup_plans")
    db.session.commit()


def nightly_usage_send() -> None:
    """Hourly in UTC; acts in the hour after midnight in USAGE_TIMEZONE (so BST and GMT both work)."""
    from app.billing.usage_days import local_time
    from app.services.usage_send import NIGHTLY_ACTOR

    local = local_time(utcnow(), collaborators.usage_zone())
    if local.hour != 0:
        return
    start_job(db.session, NIGHTLY_ACTOR, "usage.send_reports", {"date": local.date().isoformat()})
    db.session.commit()


REVENUE_ACTOR = Actor.system("revenue")


def revenue_snapshot_job(ctx: JobContext) -> dict:
    """Arguments: {"month": "YYYY-MM"}. Stripe failing fails the job; the month's previous snapshot stays."""
    from app.formatting import money
    from app.services.revenue_snapshot import parse_month_or_refuse, snapshot_month

    month = parse_month_or_refuse(ctx.arguments["month"], utcnow().date())
    ctx.progress(0, 1, f"reading Stripe's invoices for {ctx.arguments['month']}")
    actor = Actor(label=f"job:{ctx.job.id}", user_id=ctx.job.created_by_id) if ctx.job.created_by_id else REVENUE_ACTOR
    result = snapshot_month(ctx.session, collaborators.stripe_gateway(), collaborators.catalog(), month, actor)
    ctx.progress(1, 1, f"MRR {money(result.total_mrr_cents)} over {plural(result.customers, 'customer')}, "
                       f"{result.unresolved} unresolved, {result.changed} changed ({result.invoices_read} invoices, "
                       f"{result.stripe_calls} Stripe calls)")
    return {"month": ctx.arguments["month"], "total_mrr_cents": result.total_mrr_cents,
            "unresolved": result.unresolved, "changed": result.changed}


def revenue_snapshot_nightly() -> None:
    """Every night the running month; on the 3rd also the month before (its last invoices are final by then)."""
    from app.billing.revenue import previous_months

    today = utcnow().date()
    months = previous_months(today.replace(day=1), 2 if today.day == 3 else 1)
    for month in months:
        start_job(db.session, REVENUE_ACTOR, "revenue.snapshot", {"month": month.isoformat()[:7]})
    db.session.commit()


def sweep_stopped_jobs_now() -> list[str]:
    """Every minute on each worker, and when a worker starts: jobs whose worker stopped run again."""
    from flask import current_app

    from app.services.job_sweeper import sweep_stopped_jobs

    lines = sweep_stopped_jobs(db.session, current_app.config["JOB_HEARTBEAT_TIMEOUT"],
                               current_app.config["JOB_MAX_REQUEUES"])
    db.session.commit()
    return lines


def notification_checks_daily() -> None:
    """Once a day: usage gaps of yesterday, invoices past due, renewals within RENEWAL_LEAD_DAYS, each told once."""
    from flask import current_app

    from app.billing.usage_days import local_today
    from app.services.notification_checks import check_for_notifications

    now = utcnow()
    check_for_notifications(db.session, now.date(), local_today(now, collaborators.usage_zone()),
                            current_app.config["RENEWAL_LEAD_DAYS"])
    db.session.commit()


def deliver_notifications_now() -> None:
    """Every minute: new events get their deliveries, then each due one is sent (failed ones again, later)."""
    from app.services.notification_delivery import deliver_notifications

    deliver_notifications(db.session, collaborators.notification_channels(), utcnow(), collaborators.public_url())
    db.session.commit()
