"""Jobs whose worker stopped (killed, host lost) are found by their silent heartbeat and run again.

Every kind of job is safe to re-run (app/jobs/kinds.py says why for each), so a stopped job is
re-queued; after `max_requeues` it is failed with "the worker stopped", so a job that kills its
worker each time does not loop for ever.
"""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import or_, select, update

from app.models import Job
from app.services.audit import Actor, record_audit
from app.services.notifications import notify_failed_job
from app.timeutil import system_utcnow, utcnow

SWEEPER = Actor.system("job-sweeper")
STOPPED = "the worker stopped"


def sweep_stopped_jobs(session, timeout_seconds: float, max_requeues: int, actor: Actor = SWEEPER) -> list[str]:
    """Re-queue (or fail) each running job not heard from for `timeout_seconds`; a line per job.
    Re-queued jobs are enqueued when the caller commits."""
    cutoff = system_utcnow() - timedelta(seconds=timeout_seconds)
    silent = or_(Job.heartbeat_at < cutoff, Job.heartbeat_at.is_(None) & (Job.started_at < cutoff))
    lines = []
    for job in session.scalars(select(Job).where(Job.status == "running", silent).order_by(Job.id)).all():
        lines.append(_requeue(session, job, actor) if job.requeues < max_requeues else _fail(session, job, actor))
    session.flush()
    return lines


def _claim(session, job: Job, **values) -> bool:
    """Only a job still running and still silent is swept: its worker may have beaten meanwhile."""
    claimed = session.execute(update(Job).where(Job.id == job.id, Job.status == "running",
                                                Job.worker == job.worker, Job.heartbeat_at == job.heartbeat_at)
                              .values(**values).execution_options(synchronize_session=False))
    session.refresh(job)
    return claimed.rowcount == 1


def _requeue(session, job: Job, actor: Actor) -> str:
    worker, last = job.worker, job.heartbeat_at or job.started_at
    if not _claim(session, job, status="queued", requeues=job.requeues + 1, heartbeat_at=None):
        return f"job {job.id}: beat again, left running"
    job.append_log(f"{STOPPED} ({worker or 'unknown worker'}, last seen {last:%H:%M:%S} UTC); queued again")
    session.info.setdefault("jobs_to_dispatch", []).append(job.id)
    record_audit(session, actor, "job.requeued", "job", job.id, before={"worker": worker}, after={"status": "queued"})
    return f"job {job.id}: {STOPPED} ({worker}); queued again ({job.requeues})"


def _fail(session, job: Job, actor: Actor) -> str:
    worker = job.worker
    error = f"{STOPPED} ({worker or 'unknown worker'}); not queued again after {job.requeues + 1} tries"
    if not _claim(session, job, status="failed", error=error, finished_at=utcnow()):
        return f"job {job.id}: beat again, left running"
    job.append_log(f"failed: {error}")
    record_audit(session, actor, "job.failed", "job", job.id, before={"worker": worker}, after={"error": error})
    notify_failed_job(session, job)
    return f"job {job.id}: {error}"
