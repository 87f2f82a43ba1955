"""One Stripe action at a time per row: a lock taken with an atomic UPDATE, on any database."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, update

from app.models import AnnualPlan
from app.services.plan_errors import PlanError
from app.timeutil import utcnow

LOCK_EXPIRES = timedelta(minutes=10)  # a crashed worker's lock frees itself


class ActionRunning(PlanError):
    """Someone pressed the button already; their run is still going."""


@contextmanager
def row_lock(session, plan_id: int, action: str):
    now = utcnow()
    taken = session.execute(
        update(AnnualPlan)
        .where(AnnualPlan.id == plan_id,
               or_(AnnualPlan.action_lock.is_(None), AnnualPlan.action_locked_at < now - LOCK_EXPIRES))
        .values(action_lock=action, action_locked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    if taken != 1:
        raise ActionRunning(f"row {plan_id} is already running a Stripe action; wait for it to finish")
    try:
        yield
    finally:
        session.rollback()
        session.execute(update(AnnualPlan).where(AnnualPlan.id == plan_id)
                        .values(action_lock=None, action_locked_at=None)
                        .execution_options(synchronize_session=False))
        session.commit()
