"""One Stripe action at a time per row: a lock taken with an atomic UPDATE, on any database."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import or_, update

from app.models import AnnualPlan
from app.refusals import Conflict
from app.timeutil import system_utcnow
from app.unit_of_work import checkpoint

LOCK_EXPIRES = timedelta(minutes=10)  # a crashed worker's lock frees itself


@contextmanager
def row_lock(session, plan_id: int, action: str):
    """Taken and seen by everyone before the body runs. Released in the caller's transaction when the
    body succeeds (the request or command commits both), at once when it fails."""
    now = system_utcnow()  # the lock's age, not a business date: a moved emulator clock must not free it
    taken = session.execute(
        update(AnnualPlan)
        .where(AnnualPlan.id == plan_id,
               or_(AnnualPlan.action_lock.is_(None), AnnualPlan.action_locked_at < now - LOCK_EXPIRES))
        .values(action_lock=action, action_locked_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    checkpoint(session, "row_lock")
    if taken != 1:
        raise Conflict(f"row {plan_id} is already running a Stripe action; wait for it to finish")
    try:
        yield
    except BaseException:
        session.rollback()
        _release(session, plan_id)
        checkpoint(session, "row_lock")
        raise
    _release(session, plan_id)


def _release(session, plan_id: int) -> None:
    session.execute(update(AnnualPlan).where(AnnualPlan.id == plan_id)
                    .values(action_lock=None, action_locked_at=None)
                    .execution_options(synchronize_session=False))
