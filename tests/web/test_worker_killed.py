"""A worker SIGKILLed mid-job: the next worker finds the job by its silent heartbeat; no job stays "running"."""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app.extensions import db as _db
from app.models import Job
from app.services.audit import Actor
from app.services.jobs import start_job
from app.timeutil import system_utcnow
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 2  # seconds of silence before the sweeper calls a worker gone


@pytest.fixture
def queue_on_file(tmp_path):
    """An app on its own SQLite database and SQLite queue, as a worker process would see them."""
    url, huey_path, name = f"sqlite:///{tmp_path / 'jobs.db'}", str(tmp_path / "huey.db"), f"killed-{uuid.uuid4().hex[:8]}"
    other = make_app(url, HUEY_SQLITE_PATH=huey_path, HUEY_NAME=name, REDIS_URL="")
    with other.app_context():
        upgrade()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env |= {"FLASK_APP": "wsgi", "DATABASE_URL": url, "HUEY_SQLITE_PATH": huey_path, "HUEY_NAME": name,
            "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "test-secret", "APP_CLOCK": "system",
            "JOB_HEARTBEAT_TIMEOUT": str(TIMEOUT), "JOB_HEARTBEAT_INTERVAL": "0.3"}
    return other, env


def _worker(env, **extra) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--workers", "1"], cwd=ROOT,
                            env={**env, **extra}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _job_when(app, job_id: int, ready, what: str, proc=None) -> Job:
    """Poll the job's row (generous deadline, no timing asserted) until `ready(job)`."""
    deadline = time.monotonic() + 90
    while True:
        with app.app_context():
            job = _db.session.get(Job, job_id)
            _db.session.expunge_all()
            _db.session.remove()
        if ready(job):
            return job
        if time.monotonic() > deadline or (proc is not None and proc.poll() is not None):
            output = proc.stdout.read() if proc is not None and proc.poll() is not None else ""
            pytest.fail(f"job {job_id} never {what}: {job.status} {job.done}/{job.total} {job.log!r} {output}")
        time.sleep(0.1)


def _stop(proc) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(("max_requeues", "ends"), [("2", "succeeded"), ("0", "failed")])
def test_a_job_whose_worker_was_killed_is_run_again_or_failed_by_the_next_worker(queue_on_file, max_requeues, ends):
    other, env = queue_on_file
    with other.app_context():
        job_id = start_job(_db.session, Actor.system("tests"), "worker.selftest", {"steps": 20, "pause": 0.2}).id
        _db.session.commit()
        _db.session.remove()
    first = _worker(env)
    try:
        running = _job_when(other, job_id, lambda j: j.status == "running" and j.done >= 2, "ran", first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(15)
    _job_when(other, job_id, lambda j: (system_utcnow() - j.heartbeat_at).total_seconds() > TIMEOUT + 0.5,
              "went silent")
    second = _worker(env, JOB_MAX_REQUEUES=max_requeues)
    try:
        job = _job_when(other, job_id, lambda j: j.finished, "finished", second)
    finally:
        _stop(second)
    assert job.status == ends
    assert f"the worker stopped ({running.worker}" in job.log
    if ends == "succeeded":
        assert job.done == 20 and job.requeues == 1 and job.worker != running.worker
    else:
        assert job.error == f"the worker stopped ({running.worker}); not queued again after 1 tries"
