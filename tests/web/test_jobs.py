"""Jobs run through Huey; the status partial polls until it shows the finished state."""
import threading
import time

import pytest

from app.extensions import db as _db
from app.jobs import JobContext, JobFailed, job_queue
from app.jobs.kinds import JobKind
from app.models import AuditEntry, Job
from app.services.audit import Actor, record_audit
from app.services.jobs import start_job


def test_a_job_started_from_the_page_runs_through_huey_and_shows_finished(client, login_as, db):
    login_as("cs")
    response = client.post("/jobs/selftest")
    job = db.session.scalar(db.select(Job))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.status == "queued"
    running = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="load delay:1s"' in running  # polls while not finished
    assert job_queue.drain() == 1
    fragment = client.get(f"/jobs/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "succeeded" in fragment and "5 / 5 (100%)" in fragment and "step 5 of 5" in fragment
    assert "hx-trigger" not in fragment  # stops polling
    assert "<html" not in fragment


def test_a_rolled_back_transaction_enqueues_nothing(db):
    start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 1, "pause": 0})
    db.session.rollback()
    assert job_queue.drain() == 0


def test_a_failing_job_records_its_error(db):
    job = start_job(db.session, Actor.system("tests"), "no.such.kind")
    db.session.commit()
    job_queue.drain()
    db.session.refresh(job)
    assert job.status == "failed" and "no handler for job kind 'no.such.kind'" in job.error


def test_a_duplicate_delivery_does_not_run_a_job_twice(db):
    job = start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 2, "pause": 0})
    db.session.commit()
    job_queue.enqueue(job.id)  # the same id delivered again
    assert job_queue.drain() == 2
    db.session.refresh(job)
    assert job.status == "succeeded" and job.log.count("self-test started") == 1


def test_jobs_page_lists_jobs(client, login_as, db):
    login_as("viewer")
    start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 1, "pause": 0})
    db.session.commit()
    page = client.get("/jobs").get_data(as_text=True)
    assert "worker.selftest" in page and "queued" in page
    assert "Worker self-test" in page  # the kind's title
    assert "Run worker self-test" not in page  # viewers cannot start jobs


def test_a_jobs_page_names_its_kind_by_title(client, login_as, db):
    login_as("viewer")
    job = start_job(db.session, Actor.system("tests"), "customers.sync", {"customer_ids": []})
    db.session.commit()
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f"Job {job.id}: Sync customers with Stripe" in page and "customers.sync" in page


def test_each_app_runs_its_own_queue_in_its_own_database(db, tmp_path):
    from flask_migrate import upgrade

    from tests.conftest import make_app

    other = make_app(f"sqlite:///{tmp_path / 'other.db'}", HUEY_NAME="billing-console-other")
    with other.app_context():
        upgrade()
        job_id = start_job(_db.session, Actor.system("tests"), "worker.selftest", {"steps": 1, "pause": 0}).id
        _db.session.commit()
    assert job_queue.drain() == 0  # the test app's queue
    assert job_queue.of(other).drain() == 1
    with other.app_context():
        assert _db.session.get(Job, job_id).status == "succeeded"


def test_a_real_consumer_thread_runs_the_job(tmp_path):
    """The worker as `flask jobs worker` runs it: a Huey consumer on the configured backend."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'consumer.db'}", HUEY_SQLITE_PATH=str(tmp_path / "huey.db"))
    with app.app_context():
        upgrade()
        job = start_job(_db.session, Actor.system("tests"), "worker.selftest", {"steps": 3, "pause": 0.05})
        _db.session.commit()
        job_id = job.id
    consumer = job_queue.of(app).huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer._set_signal_handlers = lambda: None  # signals belong to the main thread only
    thread = threading.Thread(target=consumer.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with app.app_context():
                status = _db.session.get(Job, job_id).status
                _db.session.remove()
            if status in ("succeeded", "failed"):
                break
            time.sleep(0.1)
    finally:
        consumer.stop(graceful=True)
    assert status == "succeeded"


def test_a_job_of_thousands_of_steps_reports_a_few_times_and_always_its_last_step(db):
    job = start_job(db.session, Actor.system("tests"), "noop", total=1000)
    db.session.commit()
    ctx = JobContext(db.session, job)
    report = ctx.every(60)
    for done in range(1, 1001):
        report(done, f"step {done}")
    db.session.expire_all()
    stored = db.session.get(Job, job.id)
    assert stored.done == 1000 and stored.log.splitlines() == ["step 1", "step 1000"]


@pytest.fixture
def failing_kind(app, monkeypatch):
    """A kind whose handler writes a log line and an audit entry, then fails as `failure` says."""

    def install(failure: Exception):
        def handler(ctx):
            ctx.log("wrote before failing")
            record_audit(ctx.session, Actor.system("tests"), "test.written", "job", ctx.job.id)
            raise failure

        monkeypatch.setitem(job_queue.of(app).kinds, "test.fails", JobKind("test.fails", "Fails", handler))
        return start_job(_db.session, Actor.system("tests"), "test.fails")

    return install


def test_a_handler_that_raises_job_failed_keeps_its_work_and_its_message(db, failing_kind):
    job = failing_kind(JobFailed("the contract has no start date"))
    db.session.commit()
    job_queue.drain()
    db.session.refresh(job)
    assert job.status == "failed" and job.error == "the contract has no start date"
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="test.written")) is not None


def test_an_unexpected_error_rolls_back_what_the_handler_did_not_checkpoint(db, failing_kind):
    job = failing_kind(ValueError("bad value"))
    db.session.commit()
    job_queue.drain()
    db.session.refresh(job)
    assert job.status == "failed" and job.error == "ValueError: bad value"
    assert "wrote before failing" in job.log  # progress and log are checkpoints
    assert db.session.scalar(db.select(AuditEntry).filter_by(action="test.written")) is None
