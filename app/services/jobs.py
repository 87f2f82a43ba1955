"""Starting background jobs from views, CLI commands and other services."""
from __future__ import annotations

from app.models import Job
from app.services.audit import Actor, record_audit


def start_job(session, actor: Actor, kind: str, arguments: dict | None = None, total: int = 0) -> Job:
    """Create the Job row; it is enqueued when the caller's transaction commits."""
    job = Job(kind=kind, arguments=arguments or {}, total=total, created_by_id=actor.user_id)
    session.add(job)
    session.flush()
    session.info.setdefault("jobs_to_dispatch", []).append(job.id)
    record_audit(session, actor, "job.started", "job", job.id, after={"kind": kind, "arguments": job.arguments})
    return job
