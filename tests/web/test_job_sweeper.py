"""A running job whose worker went silent is queued again, or failed with "the worker stopped" after a few tries."""
from datetime import timedelta

from app.jobs import job_queue
from app.models import AuditEntry, Job
from app.services.audit import Actor
from app.services.job_sweeper import sweep_stopped_jobs
from app.services.jobs import start_job
from app.timeutil import system_utcnow


def _running_job(db, silent_for: float, requeues: int = 0) -> Job:
    """A self-test a worker on another host took, then went quiet `silent_for` seconds ago."""
    job = start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 2, "pause": 0})
    db.session.commit()
    job_queue.huey.flush()  # its first delivery was taken by the worker that stopped
    job.status, job.worker, job.requeues = "running", "gone-host:4242", requeues
    job.started_at = job.heartbeat_at = system_utcnow() - timedelta(seconds=silent_for)
    db.session.commit()
    return job


def test_a_silent_running_job_is_queued_again_and_runs_to_the_end(db):
    job = _running_job(db, silent_for=120)
    sweep_stopped_jobs(db.session, timeout_seconds=60, max_requeues=2)
    db.session.commit()
    assert job.status == "queued" and job.requeues == 1
    assert "the worker stopped (gone-host:4242" in job.log
    assert job_queue.drain() == 1
    db.session.refresh(job)
    assert job.status == "succeeded" and job.done == 2
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "job.requeued")).object_id == str(job.id)


def test_a_job_that_beat_within_the_timeout_is_left_running(db):
    job = _running_job(db, silent_for=10)
    assert sweep_stopped_jobs(db.session, timeout_seconds=60, max_requeues=2) == []
    db.session.commit()
    assert job.status == "running" and job_queue.drain() == 0


def test_after_its_last_requeue_a_silent_job_fails_and_the_jobs_page_says_why(db, client, login_as):
    job = _running_job(db, silent_for=120, requeues=2)
    sweep_stopped_jobs(db.session, timeout_seconds=60, max_requeues=2)
    db.session.commit()
    assert job.status == "failed" and job.finished_at is not None
    assert job.error.startswith("the worker stopped (gone-host:4242); not queued again after 3 tries")
    assert job_queue.drain() == 0
    login_as("viewer")
    row = client.get("/jobs").get_data(as_text=True)
    assert "the worker stopped (gone-host:4242); not queued again after 3 tries" in row


def test_a_job_run_here_carries_this_worker_and_a_heartbeat(db):
    job = start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 1, "pause": 0})
    db.session.commit()
    job_queue.drain()
    db.session.refresh(job)
    assert job.status == "succeeded" and ":" in job.worker and job.heartbeat_at is not None


def test_a_worker_that_was_taken_for_stopped_does_not_overwrite_the_queued_again_job(db):
    """A worker too slow to beat (but alive) finishes after the sweeper re-queued its job: the re-run reports."""
    from sqlalchemy import update

    from app.jobs import run_job
    from app.jobs.kinds import JobKind

    def swept_while_running(ctx):
        ctx.session.execute(update(Job).where(Job.id == ctx.job.id).values(status="queued", worker="", requeues=1))
        ctx.session.commit()
        return {"late": True}

    job = start_job(db.session, Actor.system("tests"), "slow.kind")
    db.session.commit()
    job_queue.huey.flush()
    run_job(db.session, job.id, {"slow.kind": JobKind("slow.kind", "Slow", swept_while_running)})
    db.session.refresh(job)
    assert (job.status, job.result, job.finished_at) == ("queued", None, None)
