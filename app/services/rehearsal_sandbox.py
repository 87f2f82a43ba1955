"""A rehearsal's own database: a copy of one row, so the product's services play its term on a test
clock exactly as they will for real, and nothing they write reaches the row's records.

An in-memory SQLite database with the product's schema gets the row, its lines, warnings and later
contract years (their stated amounts), the catalog's Stripe ids, and the row's succeeded Stripe
writes of the objects a rehearsal reuses: its custom prices and its discount coupon (neither is bound
to a customer, so the copy's buttons find them made and make no new ones). The copy's Stripe fields
are emptied; its customer will be the clock's.
"""
from __future__ import annotations

from sqlalchemy import create_engine, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from app.extensions import db
from app.models import (
    AnnualPlan,
    AnnualPlanLine,
    CatalogItem,
    ContractYear,
    PlanWarning,
    StripeOperation,
)
from app.services.renewals import LAST_PERIOD_FIELD
from app.unit_of_work import checkpoint

REUSED_STEPS = ("create_subscription:price.", "schedule:coupon")  # the row's objects no customer owns
STRIPE_FIELDS = ("invoice_id", "invoice_status", "amortization", "subscription_schedule_id", "schedule_status",
                 "subscription_id", "credit_grant_id", "invoice_paid_at", "action_lock", "action_locked_at",
                 "credits_customer_id", "credits_schedule_id")


def open_sandbox(session, plan_id: int) -> Session:
    """The copy, committed, its stage `ready` for the buttons; the rehearsal gives it the clock's customer."""
    engine = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
    db.metadata.create_all(engine)
    sandbox = Session(engine, expire_on_commit=False)
    for table, where in _copied(plan_id):
        rows = [dict(r) for r in session.execute(select(table).where(*where)).mappings()]
        if rows:
            sandbox.execute(insert(table), rows)
    plan = sandbox.get(AnnualPlan, plan_id)
    for name in STRIPE_FIELDS:
        setattr(plan, name, None)
    plan.stage, plan.stripe_error, plan.stripe_customer_id = "ready", "", None
    for warning in [w for w in plan.warnings if w.field == LAST_PERIOD_FIELD]:
        plan.warnings.remove(warning)  # laid by the row's Create Annual Subscription; the copy's lays it again
    for year in plan.contract_years:
        year.status, year.invoice_id, year.credit_grant_id, year.error = "due", None, None, ""
        year.drafted_at = year.sent_at = year.paid_at = None
    checkpoint(sandbox, "rehearsal_step")
    return sandbox


def _copied(plan_id: int):
    ops = StripeOperation.__table__
    plan = AnnualPlan.__table__
    return (
        (plan, [plan.c.id == plan_id]),
        (AnnualPlanLine.__table__, [AnnualPlanLine.__table__.c.plan_id == plan_id]),
        (PlanWarning.__table__, [PlanWarning.__table__.c.plan_id == plan_id]),
        (ContractYear.__table__, [ContractYear.__table__.c.plan_id == plan_id, ContractYear.__table__.c.number > 1]),
        (CatalogItem.__table__, []),
        (ops, [ops.c.subject_type == "annual_plan", ops.c.subject_id == str(plan_id), ops.c.status == "succeeded",
               ops.c.action.startswith(REUSED_STEPS[0]) | (ops.c.action == REUSED_STEPS[1])]),
    )


def close_sandbox(sandbox: Session) -> None:
    engine = sandbox.get_bind()
    sandbox.close()
    engine.dispose()
