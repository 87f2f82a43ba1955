"""Many workers, one truth (issue 14, item 12): two worker processes on Redis against PostgreSQL take the same
day's send started twice at once, and a bulk customer sync delivered twice; Stripe sees every meter event once
and every customer is written once.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from app.config import normalise_db_url
from app.extensions import db as _db
from app.jobs import job_queue
from app.models import AuditEntry, Customer, Job
from app.services.audit import Actor
from app.services.jobs import start_job
from tests.conftest import DATABASE_URL, make_app
from tests.factories import make_catalog, make_subscribed_customer, make_usage_reports
from tests.usage.helpers import emulator_meter_events, report_date_and_day

ROOT = Path(__file__).resolve().parents[2]
ORGS, PRODUCTS = 12, ("product_analytics", "session_replay", "feature_flags")
REDIS_URL = os.environ.get("REDIS_URL", "")
ON_POSTGRES_AND_REDIS = DATABASE_URL.startswith("postgres") and REDIS_URL.startswith("redis")

pytestmark = [pytest.mark.postgres_redis,
              pytest.mark.skipif(not ON_POSTGRES_AND_REDIS, reason="needs TEST_DATABASE_URL on PostgreSQL and REDIS_URL")]


@pytest.fixture
def own_database():
    """A PostgreSQL database of its own beside the suite's (the workers must see committed rows), dropped after."""
    server = create_engine(normalise_db_url(DATABASE_URL), isolation_level="AUTOCOMMIT")
    name = f"many_workers_{uuid.uuid4().hex[:8]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = normalise_db_url(DATABASE_URL).rsplit("/", 1)[0] + f"/{name}"
    yield url
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


@pytest.fixture
def stripe_requests(stripe_emulator, monkeypatch):
    """Every request the emulator answered: (method, path, form body, status); an idempotent replay
    (Stripe answering a repeated key with what it answered first) has status "replayed": nothing was done."""
    seen, handle = [], stripe_emulator.emulator.handle

    def recording(method, target, headers, body=b""):
        response = handle(method, target, headers, body)
        status = response[0] if isinstance(response, tuple) else None
        if status is not None and ("Idempotent-Replayed", "true") in response[1]:
            status = "replayed"
        seen.append((method, target.split("?")[0], parse_qs(body.decode(errors="replace")), status))
        return response

    monkeypatch.setattr(stripe_emulator.emulator, "handle", recording)
    return seen


@pytest.fixture
def billing_on_postgres(own_database, stripe_emulator, stripe_client):
    """Twelve subscribed organisations that reported yesterday, in a database and queue the workers share."""
    name = f"many-workers-{uuid.uuid4().hex[:8]}"
    settings = {"STRIPE_SECRET_KEY": "sk_test_emulator", "STRIPE_API_BASE": stripe_emulator.url,
                "REDIS_URL": REDIS_URL, "HUEY_NAME": name}
    other = make_app(own_database, **settings)
    with other.test_request_context():
        upgrade()
        make_catalog(_db.session)
        report_date, day = report_date_and_day()
        for n in range(ORGS):
            org = f"org-{n:02d}"
            make_subscribed_customer(_db.session, stripe_client, org, PRODUCTS, started_days_ago=20, organisation_id=org)
            make_usage_reports(_db.session, org, {day: {p: 100 + n for p in PRODUCTS}})
        _db.session.remove()
    env = {**os.environ, **{k: str(v) for k, v in settings.items()}, "FLASK_APP": "wsgi",
           "DATABASE_URL": own_database, "STRIPE_RATE_LIMIT": "0", "SECRET_KEY": "test-secret",
           "APP_CLOCK": "system", "CONTRACT_SOURCE": "files", "INSTANCE_PATH": str(ROOT / "instance")}
    yield other, env, report_date
    with other.app_context():
        job_queue.huey.flush()
        _db.session.remove()
        _db.engine.dispose()


def _workers(env) -> list[subprocess.Popen]:
    """Two workers as the README deploys them: one runs the periodic tasks, the other only jobs."""
    return [subprocess.Popen([sys.executable, "-m", "flask", "jobs", "worker", "--workers", "2", *extra], cwd=ROOT,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            for extra in ([], ["--no-periodic"])]


def _wait_until_finished(app, job_ids, workers) -> list[Job]:
    deadline = time.monotonic() + 180
    while True:
        with app.app_context():
            jobs = _db.session.scalars(_db.select(Job).where(Job.id.in_(job_ids)).order_by(Job.id)).all()
            _db.session.expunge_all()
            _db.session.remove()
        if all(job.finished for job in jobs):
            return jobs
        stopped = [w for w in workers if w.poll() is not None]
        if stopped or time.monotonic() > deadline:
            pytest.fail(f"jobs not finished: {[(j.kind, j.status, j.log) for j in jobs]} "
                        f"{[w.stdout.read() for w in stopped]}")
        time.sleep(0.2)


def test_two_workers_send_each_meter_event_once_and_write_each_customer_once(billing_on_postgres, stripe_emulator,
                                                                              stripe_requests):
    other, env, report_date = billing_on_postgres
    with other.app_context():
        actor = Actor.system("tests")
        sends = [start_job(_db.session, actor, "usage.send_reports", {"date": report_date.isoformat()}) for _ in "ab"]
        sync = start_job(_db.session, actor, "customers.sync", {"all": True})
        _db.session.commit()
        job_queue.enqueue(sync.id)  # the same sync delivered twice
        job_ids = [sends[0].id, sends[1].id, sync.id]
        customers = _db.session.scalars(_db.select(Customer.id)).all()
        _db.session.remove()
    workers = _workers(env)
    try:
        jobs = _wait_until_finished(other, job_ids, workers)
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            worker.wait(30)
    assert [job.status for job in jobs if job.kind == "customers.sync"] == ["succeeded"]
    assert "succeeded" in {job.status for job in jobs if job.kind == "usage.send_reports"}
    sent = Counter(body["identifier"][0] for method, path, body, status in stripe_requests
                   if method == "POST" and path == "/v1/billing/meter_events" and status == 200)
    assert len(sent) == ORGS * len(PRODUCTS) and set(sent.values()) == {1}
    assert sorted(sent) == sorted(e[0] for e in emulator_meter_events(stripe_emulator))
    customer_writes = [path for method, path, _, status in stripe_requests
                       if method == "POST" and path.startswith("/v1/customers") and status == 200]
    assert len(customer_writes) == len(set(customer_writes))
    with other.app_context():
        synced = Counter(_db.session.scalars(_db.select(AuditEntry.object_id)
                                             .where(AuditEntry.action == "customer.synced")).all())
        _db.session.remove()
    assert synced == Counter({str(customer_id): 1 for customer_id in customers})
