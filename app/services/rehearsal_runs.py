"""A rehearsal from the row's page: refused at once when it cannot run, else a job (a 36-month term takes
seconds), and the row's last result for its page."""
from __future__ import annotations

from sqlalchemy import select

from app.models import Job, PlanRehearsal
from app.refusals import Invalid
from app.services.audit import Actor
from app.services.jobs import start_job
from app.services.plan_values import get_plan
from app.services.rehearsal import rehearsal_refusal

REHEARSAL_JOB = "annual_plans.rehearse"


def start_rehearsal(session, actor: Actor, plan_id: int, api_key: str) -> Job:
    refusal = rehearsal_refusal(get_plan(session, plan_id), api_key)
    if refusal:
        raise Invalid(refusal)
    return start_job(session, actor, REHEARSAL_JOB, {"plan_id": plan_id})


def last_rehearsal(session, plan_id: int) -> PlanRehearsal | None:
    return session.scalar(select(PlanRehearsal).where(PlanRehearsal.plan_id == plan_id)
                          .order_by(PlanRehearsal.id.desc()).limit(1))


def rehearsal_job(session, plan_id: int, job_id: int | None) -> Job | None:
    """The row's rehearsal job named on the page (None when it is another row's, or not one)."""
    job = session.get(Job, job_id) if job_id else None
    if job is None or job.kind != REHEARSAL_JOB or job.arguments.get("plan_id") != plan_id:
        return None
    return job
