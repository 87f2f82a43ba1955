"""A `flask usage send-reports` killed with SIGKILL midway, then run again: every meter event sent exactly once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app.extensions import db as _db
from app.models import MeterEventSend
from tests.conftest import make_app
from tests.factories import make_catalog, make_subscribed_customer, make_usage_reports
from tests.usage.helpers import emulator_meter_events, report_date_and_day

ROOT = Path(__file__).resolve().parents[2]
ORGS, PRODUCTS, KILL_AFTER = 20, ("product_analytics", "session_replay", "feature_flags"), 12


@pytest.fixture
def app_on_file(tmp_path, stripe_emulator, stripe_client):
    """A second app on its own SQLite file, with 20 subscribed organisations that reported yesterday."""
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    other = make_app(url, STRIPE_SECRET_KEY="sk_test_emulator", STRIPE_API_BASE=stripe_emulator.url)
    with other.test_request_context():
        report_date, day = report_date_and_day()
        upgrade()
        make_catalog(_db.session)
        for n in range(ORGS):
            org = f"org-{n:02d}"
            make_subscribed_customer(_db.session, stripe_client, org, PRODUCTS, started_days_ago=20, organisation_id=org)
            make_usage_reports(_db.session, org, {day: {p: 100 + n for p in PRODUCTS}})
        _db.session.remove()
        _db.engine.dispose()
    env = {**os.environ, "FLASK_APP": "wsgi", "DATABASE_URL": url, "STRIPE_SECRET_KEY": "sk_test_emulator",
           "STRIPE_API_BASE": stripe_emulator.url, "STRIPE_RATE_LIMIT": "0", "STRIPE_METER_EVENT_RATE": "15",
           "SECRET_KEY": "test-secret", "INSTANCE_PATH": str(tmp_path), "CONTRACT_SOURCE": "files"}
    return other, env, report_date


def _send_reports(env, report_date) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "usage", "send-reports", "--date", report_date.isoformat()],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_after(proc, stripe_emulator, n: int) -> int:
    deadline = time.monotonic() + 60
    while len(emulator_meter_events(stripe_emulator)) < n:
        assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read() if proc.poll() else "timeout"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    return proc.wait(10)


def test_a_run_killed_midway_then_rerun_sends_every_event_exactly_once(app_on_file, stripe_emulator):
    other, env, report_date = app_on_file
    killed = _send_reports(env, report_date)
    assert _kill_after(killed, stripe_emulator, KILL_AFTER) == -signal.SIGKILL
    assert KILL_AFTER <= len(emulator_meter_events(stripe_emulator)) < ORGS * len(PRODUCTS)
    again = _send_reports(env, report_date)
    output, _ = again.communicate(timeout=60)
    assert again.returncode == 0, output
    events = emulator_meter_events(stripe_emulator)
    identifiers = [e[0] for e in events]
    assert len(identifiers) == len(set(identifiers)) == ORGS * len(PRODUCTS)
    assert len({(e[1], e[2], e[4]) for e in events}) == ORGS * len(PRODUCTS)
    with other.app_context():
        statuses = _db.session.scalars(_db.select(MeterEventSend.status)).all()
        _db.session.remove()
        _db.engine.dispose()
    assert statuses == ["sent"] * ORGS * len(PRODUCTS)
