"""Background work as a Flask extension: each app's Huey queue, the task that runs a Job, periodic tasks.

A Job row is what people see (progress, log); Huey only carries its id. The row is committed
before the id is enqueued, so a job can never run before it exists. The kinds of job, their
handlers and the periodic tasks are listed in `app/jobs/kinds.py`, and nowhere else.

    start_job(session, actor, "worker.selftest", {...}); session.commit()  # queued on commit
    job_queue.drain()              # run what is queued, in this thread (tests, `flask jobs run-pending`)
    job_queue.of(app).huey         # an app's Huey (the worker consumes it)
"""
from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

from flask import Flask, current_app, has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from huey.constants import EmptyData
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.config import private_sqlite_file
from app.extensions import db
from app.jobs.heartbeat import JobHeartbeat, worker_id
from app.timeutil import system_utcnow, utcnow
from app.unit_of_work import checkpoint

HEARTBEAT_KEY = "worker-heartbeat"
EXTENSION = "job_queue"


class JobFailed(Exception):
    """A handler fails but keeps what it wrote: the job commits its work and is marked failed with
    this message (a contract that cannot be read leaves its error on the row). `told` says the handler's
    service already notified the team of this very failure, so the job does not tell them a second time."""

    def __init__(self, message: str, told: bool = False):
        super().__init__(message)
        self.told = told


class JobContext:
    """What a handler sees: its arguments, and a way to report progress that commits."""

    def __init__(self, session, job):
        self.session = session
        self.job = job
        self.arguments = dict(job.arguments or {})

    def progress(self, done: int, total: int | None = None, line: str | None = None) -> None:
        self.job.done, self.job.heartbeat_at = done, system_utcnow()
        if total is not None:
            self.job.total = total
        if line:
            self.job.append_log(line)
        checkpoint(self.session, "job_progress")

    def log(self, line: str) -> None:
        self.job.append_log(line)
        checkpoint(self.session, "job_progress")

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


def run_job(session, job_id: int, kinds: dict) -> None:
    """The job boundary: it commits (handlers don't); a failure is recorded on the row, not raised."""
    from app.models import Job
    from app.services.notifications import notify_failed_job

    if not _claim(session, job_id):
        return  # a duplicate delivery of a job that ran or is running
    job = session.get(Job, job_id)
    kind = kinds.get(job.kind)
    result = error = reason = None
    told = False
    try:
        if kind is None:
            raise LookupError(f"no handler for job kind '{job.kind}'")
        with JobHeartbeat(db.engine, job_id, float(current_app.config.get("JOB_HEARTBEAT_INTERVAL", 5))):
            result = kind.handler(JobContext(session, job))
    except JobFailed as failure:  # the handler's work is kept
        error = reason = str(failure)
        told = failure.told
    except Exception as exc:  # noqa: BLE001 - any failure must land on the job row
        session.rollback()
        error, reason = f"{type(exc).__name__}: {exc}", str(exc)
    if not _still_ours(session, job_id):
        session.rollback()  # the sweeper took this job for stopped and queued it again: that run reports
        return
    job = session.get(Job, job_id)
    if error is None:
        job.status, job.result = "succeeded", result
    else:
        job.status, job.error = "failed", error
        job.append_log(f"failed: {reason}")
        if not told:
            notify_failed_job(session, job)
    job.finished_at = utcnow()
    session.commit()


def _still_ours(session, job_id: int) -> bool:
    """Still running under this worker (row-locked until the commit), as the last write checks."""
    from app.models import Job

    with session.no_autoflush:
        row = session.execute(select(Job.status, Job.worker).where(Job.id == job_id).with_for_update()).one()
    return row.status == "running" and row.worker == worker_id()


def _claim(session, job_id: int) -> bool:
    """Queued -> running in one statement, with this worker's id and a first beat, so two deliveries
    of one id (or a re-queued job and its old worker) never both run it."""
    from app.models import Job

    now = system_utcnow()
    claimed = session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                              .values(status="running", started_at=utcnow(), worker=worker_id(), heartbeat_at=now)
                              .execution_options(synchronize_session=False))
    session.commit()
    return claimed.rowcount == 1


def build_huey(config) -> Huey:
    """RedisHuey when REDIS_URL is set (many workers on many hosts), else a SQLite file."""
    if config["REDIS_URL"]:
        return RedisHuey(config["HUEY_NAME"], url=config["REDIS_URL"], utc=True)
    path = Path(config["HUEY_SQLITE_PATH"])
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    private_sqlite_file(path)  # queued jobs carry customer ids: owner only
    return SqliteHuey(config["HUEY_NAME"], filename=str(path), utc=True)


class AppQueue:
    """One app's queue: its Huey, and the tasks bound to that app, so a worker thread runs them inside it.
    Task names are those of the module-level tasks they replace, so ids queued before a deploy still run."""

    def __init__(self, app: Flask, huey: Huey, kinds: dict, periodic: tuple) -> None:
        self.app, self.huey, self.kinds = app, huey, kinds
        self.run_job_task = huey.task(retries=0, name="run_job_task")(self._run_job)
        self.periodic_tasks = {task.name: huey.periodic_task(task.schedule, name=task.name)(self._in_app(task.run))
                               for task in periodic}

    def _context(self):
        """The caller's context when it is this app's (`drain` in a command or a test), else our own:
        popping a context we pushed also removes its session."""
        if has_app_context() and current_app._get_current_object() is self.app:
            return nullcontext()
        return self.app.app_context()

    def _run_job(self, job_id: int) -> None:
        with self._context():
            run_job(db.session, job_id, self.kinds)

    def _in_app(self, run: Callable[[], None]) -> Callable[[], None]:
        def periodic() -> None:
            with self._context():
                run()

        return periodic

    def enqueue(self, job_id: int) -> None:
        self.run_job_task(job_id)

    def run_periodic(self, name: str) -> None:
        """Run a periodic task now, in this thread (tests)."""
        self.periodic_tasks[name].call_local()

    def record_heartbeat(self) -> None:
        """On this machine's clock, not the product's: "last seen N s ago" must not jump when the
        emulator's clock moves."""
        self.huey.storage.put_data(HEARTBEAT_KEY, str(time.time()).encode())

    def last_heartbeat(self) -> float | None:
        raw = self.huey.storage.peek_data(HEARTBEAT_KEY)
        return None if raw is EmptyData else float(raw)

    def drain(self, limit: int = 1000) -> int:
        """Run queued tasks in this thread (tests and `flask jobs run-pending`)."""
        ran = 0
        while ran < limit:
            task = self.huey.dequeue()
            if task is None:
                return ran
            self.huey.execute(task)
            ran += 1
        return ran


class JobQueue:
    """The jobs extension, unbound until `init_app`; its shortcuts act on the current app's queue."""

    def init_app(self, app: Flask) -> None:
        from app.jobs import kinds  # kinds imports the handlers, which import this module

        app.extensions[EXTENSION] = AppQueue(app, build_huey(app.config), kinds.KINDS, kinds.PERIODIC)
        app.add_template_filter(kinds.title, "job_title")
        for name, listener in (("after_commit", _dispatch_committed_jobs), ("after_rollback", _forget_rolled_back_jobs)):
            if not event.contains(Session, name, listener):
                event.listen(Session, name, listener)

    def of(self, app: Flask | None = None) -> AppQueue:
        return (app or current_app).extensions[EXTENSION]

    @property
    def huey(self) -> Huey:
        return self.of().huey

    def enqueue(self, job_id: int) -> None:
        self.of().enqueue(job_id)

    def drain(self, limit: int = 1000) -> int:
        return self.of().drain(limit)

    def last_heartbeat(self) -> float | None:
        return self.of().last_heartbeat()

    def run_periodic(self, name: str) -> None:
        self.of().run_periodic(name)


job_queue = JobQueue()


def _dispatch_committed_jobs(session) -> None:
    """Jobs started in a transaction (`start_job`) are queued once it commits, on the current app's queue."""
    for job_id in session.info.pop("jobs_to_dispatch", []):
        job_queue.enqueue(job_id)


def _forget_rolled_back_jobs(session) -> None:
    session.info.pop("jobs_to_dispatch", None)


def worker_heartbeat() -> None:
    """Lets /healthz and the Jobs page say when the worker last ran."""
    job_queue.of().record_heartbeat()
