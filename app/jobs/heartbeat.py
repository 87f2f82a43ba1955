"""A running job's sign of life: who runs it (host:pid) and when that worker last beat.

The beat comes from a thread of its own, on its own connection, so a job blocked in a long Stripe
call still beats; a job whose worker was killed stops beating, and the sweeper (services/job_sweeper.py)
re-queues it. Times are this machine's (`system_utcnow`): moving the emulator's clock must not make
every running job look dead.
"""
from __future__ import annotations

import logging
import os
import socket
import threading

from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError

from app.timeutil import system_utcnow

log = logging.getLogger(__name__)


def worker_id() -> str:
    """This process, as people and the sweeper see it on the job."""
    return f"{socket.gethostname()}:{os.getpid()}"


class JobHeartbeat:
    """`with JobHeartbeat(engine, job_id, every=5):` beats every `every` seconds until the block ends."""

    def __init__(self, engine, job_id: int, every: float) -> None:
        self.engine, self.job_id, self.every = engine, job_id, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job_id}-heartbeat", daemon=True)

    def __enter__(self) -> JobHeartbeat:
        if self.every > 0:
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.beat()

    def beat(self) -> None:
        """A missed beat is only logged: the next one may get through (SQLite busy), and the job goes on."""
        from app.models import Job

        try:
            with self.engine.begin() as connection:
                connection.execute(update(Job).where(Job.id == self.job_id, Job.status == "running",
                                                     Job.worker == worker_id()).values(heartbeat_at=system_utcnow()))
        except SQLAlchemyError as exc:
            log.warning("job %s: heartbeat missed: %s", self.job_id, exc)
