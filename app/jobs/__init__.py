"""Background work: the Huey queue, the one task that runs a Job, and periodic tasks.

A Job row is what people see (progress, log); Huey only carries its id. The row is
committed before the id is enqueued, so a job can never run before it exists.
"""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from dotenv import load_dotenv
from flask import has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from huey.constants import EmptyData
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.config import INSTANCE, ROOT
from app.timeutil import utcnow

load_dotenv(ROOT / ".env", override=False)
HEARTBEAT_KEY = "worker-heartbeat"


def build_huey():
    name = os.environ.get("HUEY_NAME", "billing-console")
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey(name, url=redis_url, utc=True)
    path = Path(os.environ.get("HUEY_SQLITE_PATH") or INSTANCE / "huey.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(path), utc=True)


huey = build_huey()
_bound_app = None
HANDLERS: dict[str, Callable] = {}


def bind_app(app) -> None:
    """The worker runs tasks inside this app (create_app calls it)."""
    global _bound_app
    _bound_app = app


def _app_context():
    global _bound_app
    if has_app_context():
        return nullcontext()
    if _bound_app is None:
        from app import create_app

        _bound_app = create_app()
    return _bound_app.app_context()


def job_handler(kind: str):
    """Register `fn(ctx) -> dict | None` as the code that runs jobs of `kind`."""

    def decorator(fn):
        HANDLERS[kind] = fn
        return fn

    return decorator


class JobContext:
    """What a handler sees: its arguments, and a way to report progress that commits."""

    def __init__(self, session, job):
        self.session = session
        self.job = job
        self.arguments = dict(job.arguments or {})

    def progress(self, done: int, total: int | None = None, line: str | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        if line:
            self.job.append_log(line)
        self.session.commit()

    def log(self, line: str) -> None:
        self.job.append_log(line)
        self.session.commit()

    def every(self, seconds: float = 0.25) -> Callable[[int, str], None]:
        """`progress(done, line)` for jobs of thousands of steps: a commit a step would cost more
        than the steps (10,000 customers: ~30 s), so it reports at most every `seconds` and at
        the last step; the page polls each second anyway."""
        last = [float("-inf")]

        def report(done: int, line: str) -> None:
            now = time.monotonic()
            if now - last[0] >= seconds or (self.job.total and done >= self.job.total):
                last[0] = now
                self.progress(done, line=line)

        return report


def run_job(session, job_id: int) -> None:
    """The job boundary: commits progress as it goes; a failure is recorded, not raised."""
    from app.models import Job

    job = session.get(Job, job_id)
    if job is None or job.status != "queued":
        return  # a duplicate delivery of a job that ran or is running
    handler = HANDLERS.get(job.kind)
    job.status, job.started_at = "running", utcnow()
    session.commit()
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind '{job.kind}'")
        result = handler(JobContext(session, job))
        job.status, job.result = "succeeded", result
    except Exception as exc:  # noqa: BLE001 - any failure must land on the job row
        session.rollback()
        job = session.get(Job, job_id)
        job.status, job.error = "failed", f"{type(exc).__name__}: {exc}"
        job.append_log(f"failed: {exc}")
    job.finished_at = utcnow()
    session.commit()


@huey.task(retries=0)
def run_job_task(job_id: int) -> None:
    from app.extensions import db

    with _app_context():  # popping a context we pushed also removes its session
        run_job(db.session, job_id)


@event.listens_for(Session, "after_commit")
def _dispatch_committed_jobs(session) -> None:
    for job_id in session.info.pop("jobs_to_dispatch", []):
        run_job_task(job_id)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_jobs(session) -> None:
    session.info.pop("jobs_to_dispatch", None)


@huey.periodic_task(crontab(minute="*"))
def worker_heartbeat() -> None:
    """Lets /healthz and the Jobs page say when the worker last ran."""
    huey.storage.put_data(HEARTBEAT_KEY, str(time.time()).encode())


@huey.periodic_task(crontab(hour="4", minute="10"))
def expire_prices_daily() -> None:
    """Once a day: a `catalog.expire_prices` Job moves subscriptions off `valid_days` prices that ran out."""
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.jobs import start_job

    with _app_context():
        start_job(db.session, Actor.system("price-transitions"), "catalog.expire_prices")
        db.session.commit()


def last_heartbeat() -> float | None:
    raw = huey.storage.peek_data(HEARTBEAT_KEY)
    return None if raw is EmptyData else float(raw)


def drain(limit: int = 1000) -> int:
    """Run queued tasks in this thread (tests and `flask jobs run-pending`)."""
    ran = 0
    while ran < limit:
        task = huey.dequeue()
        if task is None:
            return ran
        huey.execute(task)
        ran += 1
    return ran


@job_handler("worker.selftest")
def selftest(ctx: JobContext) -> dict:
    """Proves a worker is consuming the queue: a few steps with visible progress."""
    steps = int(ctx.arguments.get("steps", 5))
    ctx.progress(0, steps, "self-test started")
    for step in range(1, steps + 1):
        time.sleep(float(ctx.arguments.get("pause", 0.2)))
        ctx.progress(step, line=f"step {step} of {steps}")
    return {"steps": steps}
