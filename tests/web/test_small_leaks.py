"""Small leaks (issue 14, item 8): the database and instance/ files are the owner's only, X-Forwarded-For
is ignored unless TRUST_PROXY is set, and `make run` refuses an emulator port held by another program."""
import os
import socket
import stat
import subprocess
import sys

import pytest
from flask_migrate import upgrade

from app.config import ROOT, from_env
from app.models import AuditEntry
from tests.conftest import TEST_PASSWORD, make_app


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_instance_files_are_the_owners_only(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)  # the SQLite queue file is one of the files checked
    monkeypatch.setenv("HUEY_SQLITE_PATH", str(tmp_path / "instance" / "huey.db"))
    old_umask = os.umask(0o022)
    try:
        app = make_app(from_env({"INSTANCE_PATH": str(tmp_path / "instance")})["SQLALCHEMY_DATABASE_URI"],
                       INSTANCE_PATH=str(tmp_path / "instance"), HUEY_SQLITE_PATH=str(tmp_path / "instance" / "huey.db"))
        with app.app_context():
            upgrade()
    finally:
        os.umask(old_umask)
    instance = tmp_path / "instance"
    assert _mode(instance) == 0o700
    for name in ("billing.db", "secret_key", "huey.db"):
        assert _mode(instance / name) == 0o600, name
    for name in ("billing.db-wal", "billing.db-shm"):
        if (instance / name).exists():
            assert _mode(instance / name) & 0o077 == 0, name


def test_an_existing_world_readable_database_is_narrowed(tmp_path):
    database, wal = tmp_path / "old.db", tmp_path / "old.db-wal"
    for path in (database, wal):
        path.write_bytes(b"")
        path.chmod(0o644)
    make_app(f"sqlite:///{database}")
    assert _mode(database) == 0o600 and _mode(wal) == 0o600


def test_trust_proxy_is_off_unless_set(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("TRUST_PROXY", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    assert from_env({"BILLING_ENV": "production", "INSTANCE_PATH": str(tmp_path)})["TRUST_PROXY"] is False
    monkeypatch.setenv("TRUST_PROXY", "1")
    assert from_env({"BILLING_ENV": "production", "INSTANCE_PATH": str(tmp_path)})["TRUST_PROXY"] is True


def _sign_in_from(client, email, forwarded_for):
    return client.post("/login", data={"email": email, "password": TEST_PASSWORD},
                       headers={"X-Forwarded-For": forwarded_for}, environ_base={"REMOTE_ADDR": "10.0.0.7"})


def test_x_forwarded_for_is_ignored_by_default(client, db, make_user):
    user = make_user("cs")
    assert _sign_in_from(client, user.email, "203.0.113.9").status_code == 302
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.logged_in"))
    assert entry.note == "from 10.0.0.7"


def test_x_forwarded_for_is_used_with_trust_proxy(tmp_path):
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.users import create_user

    app = make_app(f"sqlite:///{tmp_path}/proxy.db", TRUST_PROXY=True, WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade()
        create_user(db.session, Actor.system("tests"), "proxied@staff.example", "cs", TEST_PASSWORD)
        db.session.commit()
        assert _sign_in_from(app.test_client(), "proxied@staff.example", "203.0.113.9").status_code == 302
        entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.logged_in"))
        assert entry.note == "from 203.0.113.9"
        db.session.remove()


def _port_check(port: int) -> subprocess.CompletedProcess:
    script = f"source scripts/run.sh && emulator_port_check {port}"
    return subprocess.run(["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHON": sys.executable})


def test_run_refuses_an_emulator_port_taken_by_another_program():
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        result = _port_check(port)
    assert result.returncode != 0
    lines = [line for line in (result.stdout + result.stderr).splitlines() if line.strip()]
    assert lines == [f"Error: port {port} is taken by another program, not the Stripe emulator; "
                     "stop it or set EMULATOR_PORT."]


def test_run_starts_its_emulator_on_a_free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = _port_check(port)
    assert result.returncode == 0 and result.stdout.strip() == "free"


@pytest.mark.usefixtures("stripe_emulator")
def test_run_uses_an_emulator_already_on_its_port(stripe_emulator_server):
    port = int(stripe_emulator_server.url.rsplit(":", 1)[1].strip("/"))
    result = _port_check(port)
    assert result.returncode == 0 and result.stdout.strip() == "emulator", result.stderr
