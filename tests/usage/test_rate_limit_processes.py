"""1,000 requests with one token from two processes: the bucket holds across them (issue 14, item 6).

Before, each process had its own bucket, so two processes accepted about twice what one token may send.
"""
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import delete

from app.config import normalise_db_url
from app.extensions import db as _db
from app.models import ApiToken, RateBucket
from tests.conftest import DATABASE_URL, make_app
from tests.factories import make_api_token
from tests.usage.rate_client import BURST, RATE

ROOT = Path(__file__).resolve().parents[2]
REQUESTS, PROCESSES = 1000, 2
SLACK = 3  # a request in flight at either end of the measured span

STORES = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture
def shared_database(tmp_path, app):
    """The suite's PostgreSQL when it runs on one (a token committed, then removed), else a SQLite file."""
    if DATABASE_URL.startswith("postgres"):
        url, other = normalise_db_url(DATABASE_URL), app
    else:
        url = f"sqlite:///{tmp_path / 'rate.db'}"
        other = make_app(url)
        with other.app_context():
            upgrade()
    with other.app_context():
        token = make_api_token(_db.session, name=f"rate-{uuid.uuid4().hex[:6]}")
        _db.session.remove()
    yield url, token
    with other.app_context():
        row = _db.session.query(ApiToken).filter_by(prefix=token[:10]).one()
        _db.session.execute(delete(RateBucket).where(RateBucket.key == f"api-token:{row.token_hash[:32]}"))
        _db.session.delete(row)
        _db.session.commit()
        _db.session.remove()


@pytest.mark.parametrize("store", STORES)
def test_two_processes_together_accept_no_more_than_one_bucket_allows(shared_database, tmp_path, store):
    url, token = shared_database
    start = time.time() + 3  # both start sending together, after importing the app
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path), "HUEY_SQLITE_PATH": str(tmp_path / "huey.db"),
           "HUEY_NAME": f"rate-{uuid.uuid4().hex[:8]}"}
    procs = [subprocess.Popen([sys.executable, "-m", "tests.usage.rate_client", url, token, str(REQUESTS // PROCESSES),
                               str(start), store], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(PROCESSES)]
    outputs = [proc.communicate(timeout=300) for proc in procs]
    assert all(proc.returncode == 0 for proc in procs), outputs
    results = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    elapsed = max(r["last"] for r in results) - min(r["first"] for r in results)
    accepted = sum(r["accepted"] for r in results)
    assert all(r["other"] == [] for r in results), results
    assert sum(r["accepted"] + r["limited"] for r in results) == REQUESTS
    assert BURST <= accepted <= BURST + RATE * elapsed + SLACK, (accepted, elapsed, results)
