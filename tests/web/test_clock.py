"""One clock with the emulator: under APP_CLOCK=emulator (or unset, with an emulator that answers) the
product's today follows the emulator's clock in the web app, the worker and the CLI; against real
Stripe, or under APP_CLOCK=system, it stays this machine's."""
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask_migrate import upgrade

from app.billing.usage_days import local_today
from app.collaborators import build_clock
from app.config import ConfigError
from app.extensions import db as _db
from app.models import Job
from app.services.audit import Actor
from app.services.jobs import start_job
from app.timeutil import CLOCK_EXTENSION, utcnow
from tests.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]
NOON = datetime(2027, 2, 1, 12, 0)  # a Monday in GMT: the usage zone's today is the UTC date
TRIAL_BADGE = '<span class="badge">on trial</span>'


def _unix(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _real_today() -> date:
    return datetime.now(UTC).date()


@pytest.fixture
def following(app, stripe_emulator):
    """The test app's clock as APP_CLOCK=emulator builds it (the suite's default is system)."""
    saved = app.extensions[CLOCK_EXTENSION]
    app.extensions[CLOCK_EXTENSION] = build_clock({**app.config, "APP_CLOCK": "emulator"})
    yield app.extensions[CLOCK_EXTENSION]
    app.extensions[CLOCK_EXTENSION] = saved


@pytest.fixture
def own_app(tmp_path, stripe_emulator):
    """An app on its own database and queue, configured as `make run` configures one: STRIPE_API_BASE
    the emulator's, APP_CLOCK unset unless given."""
    def build(**overrides):
        other = make_app(f"sqlite:///{tmp_path / 'clock.db'}", STRIPE_SECRET_KEY="sk_test_emulator",
                         STRIPE_API_BASE=stripe_emulator.url, HUEY_SQLITE_PATH=str(tmp_path / "huey.db"),
                         **{"APP_CLOCK": "", **overrides})
        with other.app_context():
            upgrade()
        return other

    return build


def test_the_usage_page_and_the_top_bar_follow_the_emulators_clock(client, login_as, following, stripe_emulator):
    login_as("viewer")
    stripe_emulator.set_time(_unix(NOON), frozen=True)
    following.refresh()
    page = client.get("/usage").get_data(as_text=True)
    assert "Yesterday's reports (2027-01-31)" in page
    assert "Stripe: emulator · clock 2027-02-01 12:00 UTC" in page


def test_a_trial_ends_when_the_emulators_clock_passes_it(client, login_as, make_customer, following, stripe_emulator):
    login_as("viewer")
    make_customer(name="Trialling", free_trial_until=_real_today() + timedelta(days=10))
    assert TRIAL_BADGE in client.get("/customers").get_data(as_text=True)
    stripe_emulator.advance(30 * 86_400)
    following.refresh()
    page = client.get("/customers").get_data(as_text=True)
    assert "Trialling" in page and TRIAL_BADGE not in page


def test_the_worker_runs_jobs_on_the_emulators_clock(own_app, stripe_emulator):
    """As `flask jobs worker` runs them: a Huey consumer thread, in an app with APP_CLOCK=emulator."""
    stripe_emulator.set_time(_unix(NOON))
    app = own_app(APP_CLOCK="emulator")
    with app.app_context():
        job_id = start_job(_db.session, Actor.system("tests"), "worker.selftest", {"steps": 1, "pause": 0}).id
        _db.session.commit()
    consumer = app.extensions["job_queue"].huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer._set_signal_handlers = lambda: None  # signals belong to the main thread only
    threading.Thread(target=consumer.run, daemon=True).start()
    try:
        job = _wait_for_job(app, job_id)
    finally:
        consumer.stop(graceful=True)
    assert job.status == "succeeded"
    assert job.created_at.date() == job.started_at.date() == job.finished_at.date() == NOON.date()


def _wait_for_job(app, job_id: int) -> Job:
    deadline = time.monotonic() + 20
    while True:
        with app.app_context():
            job = _db.session.get(Job, job_id)
            _db.session.expunge(job)
            _db.session.remove()
        if job.status in ("succeeded", "failed") or time.monotonic() > deadline:
            return job
        time.sleep(0.05)


def test_the_cli_today_moves_with_the_emulators_clock(own_app, stripe_emulator):
    """APP_CLOCK unset and an emulator that answers: the product follows it (the `make run` default)."""
    stripe_emulator.set_time(_unix(NOON))
    app = own_app()
    runner = app.test_cli_runner()
    assert "Usage day 2027-01-31 (reported on 2027-02-01)" in runner.invoke(args=["usage", "check"]).output
    _post(f"{stripe_emulator.url}/_emulator/clock", {"advance_seconds": 86_400})  # as the README's curl does
    app.extensions[CLOCK_EXTENSION].refresh()  # a new `flask` process reads it at start-up
    assert "Usage day 2027-02-01 (reported on 2027-02-02)" in runner.invoke(args=["usage", "check"]).output
    with app.app_context():  # config-check is a plain command: `flask` pushes the context for it
        shown = runner.invoke(args=["config-check"]).output
    assert f"emulator at {stripe_emulator.url}: 2027-02-02 12:" in shown


def _post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_under_app_clock_system_moving_the_emulator_moves_stripe_alone(app, client, login_as, db, stripe_emulator):
    login_as("viewer")
    stripe_emulator.set_time(_unix(NOON), frozen=True)
    page = client.get("/usage").get_data(as_text=True)
    london = local_today(datetime.now(UTC).replace(tzinfo=None), ZoneInfo("Europe/London"))
    assert f"Yesterday's reports ({london - timedelta(days=1)})" in page
    assert "· clock" not in page
    result = app.test_cli_runner().invoke(args=["config-check"])
    assert "APP_CLOCK" in result.output and "system (this machine's clock)" in result.output
    job = start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 1, "pause": 0})
    db.session.commit()
    app.extensions["job_queue"].drain()
    db.session.refresh(job)
    assert abs(job.started_at - datetime.now(UTC).replace(tzinfo=None)) < timedelta(minutes=1)


@pytest.mark.parametrize("key", ["sk_test_51NzRealLookingTestKeyAbc", "rk_live_51NzRealLookingLiveKeyAbc"])
def test_against_real_stripe_the_product_keeps_the_system_clock(tmp_path, stripe_emulator, key):
    stripe_emulator.set_time(_unix(NOON), frozen=True)
    real = make_app(f"sqlite:///{tmp_path / 'real.db'}", STRIPE_SECRET_KEY=key, STRIPE_API_BASE="", APP_CLOCK="")
    with real.app_context():
        assert real.extensions[CLOCK_EXTENSION].mode == "system"
        assert abs(utcnow() - datetime.now(UTC).replace(tzinfo=None)) < timedelta(seconds=5)


def test_unset_and_no_emulator_clock_answering_is_the_system_clock(tmp_path):
    quiet = make_app(f"sqlite:///{tmp_path / 'x.db'}", STRIPE_SECRET_KEY="sk_test_emulator",
                     STRIPE_API_BASE="http://127.0.0.1:9", APP_CLOCK="")  # discard port: nothing answers
    assert quiet.extensions[CLOCK_EXTENSION].mode == "system"


@pytest.mark.parametrize("settings, message", [
    ({"APP_CLOCK": "emulator", "STRIPE_API_BASE": ""}, "APP_CLOCK=emulator needs STRIPE_API_BASE"),
    ({"APP_CLOCK": "emulator", "STRIPE_API_BASE": "http://127.0.0.1:12111", "STRIPE_SECRET_KEY": "sk_live_x"},
     "live keys are real Stripe"),
    ({"APP_CLOCK": "stripe"}, "APP_CLOCK must be 'emulator' or 'system' (or unset), not 'stripe'"),
])
def test_impossible_clock_settings_refuse_to_start(tmp_path, settings, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", **{"STRIPE_SECRET_KEY": "sk_test_x", **settings})


def test_a_clock_setting_error_is_one_line_at_start_up(tmp_path):
    env = {**os.environ, "FLASK_APP": "wsgi", "APP_CLOCK": "emulator", "STRIPE_SECRET_KEY": "sk_test_x",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "INSTANCE_PATH": str(tmp_path)}
    env.pop("STRIPE_API_BASE", None)
    done = subprocess.run([sys.executable, "-m", "flask", "config-check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == ["Error: APP_CLOCK=emulator needs STRIPE_API_BASE (the Stripe emulator's URL); "
                                        "against real Stripe the product keeps the system clock"]
