"""Operator commands: useful output on success, one readable line and non-zero exit on refusal."""
import pytest

from app.models import User
from app.services.audit import Actor
from app.services.jobs import start_job


@pytest.fixture
def run(app, db):
    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(args=list(args), input=input)

    return invoke


def test_users_create_prompts_for_the_password(run, db):
    result = run("users", "create", "--email", "Ops@Staff.example", "--role", "finance",
                 input="a-long-password\na-long-password\n")
    assert result.exit_code == 0, result.output
    assert "Created user" in result.output and "ops@staff.example (finance)" in result.output
    user = db.session.scalar(db.select(User).where(User.email == "ops@staff.example"))
    assert user.check_password("a-long-password")


@pytest.mark.parametrize("args, message", [
    (["--email", "x@staff.example", "--role", "cs", "--password", "short"], "at least 10 characters"),
    (["--email", "nope", "--role", "cs", "--password", "long-enough-pass"], "is not an email address"),
])
def test_users_create_refusals(run, db, args, message):
    result = run("users", "create", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert len([line for line in result.output.splitlines() if line.strip()]) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def test_unknown_role_is_a_usage_error(run):
    result = run("users", "create", "--email", "x@staff.example", "--role", "boss", "--password", "long-enough-pass")
    assert result.exit_code == 2 and "'boss' is not one of" in result.output


def test_set_password_and_deactivate(run, make_user, db):
    user = make_user("cs")
    assert run("users", "set-password", "--email", user.email, "--password", "brand-new-pass").exit_code == 0
    assert run("users", "deactivate", "--email", user.email).exit_code == 0
    db.session.refresh(user)
    assert user.check_password("brand-new-pass") and not user.active
    result = run("users", "deactivate", "--email", "ghost@staff.example")
    assert result.exit_code == 1 and "No user with email ghost@staff.example" in result.output


def test_jobs_list(run, db):
    start_job(db.session, Actor.system("tests"), "worker.selftest", {"steps": 1})
    db.session.commit()
    result = run("jobs", "list")
    assert result.exit_code == 0 and "worker.selftest" in result.output and "queued" in result.output


def test_jobs_kinds_lists_each_kind_with_its_title_and_the_periodic_tasks(run):
    result = run("jobs", "kinds")
    assert result.exit_code == 0
    assert "annual_plans.load" in result.output and "Load from contract" in result.output
    assert "expire_prices_daily" in result.output and "daily at 04:10 UTC" in result.output


def test_config_check_masks_secrets(run, monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_abcdefghijklmnop")
    monkeypatch.setenv("OWN_EMAIL_DOMAINS", "ourco.example")
    result = run("config-check")
    assert result.exit_code == 0
    assert "sk_t…mnop" in result.output and "abcdefgh" not in result.output
    assert "ourco.example" in result.output
    assert "PANDADOC_API_KEY" in result.output and "(not set)" in result.output


def test_seed_demo_creates_an_admin_once(run, db):
    first = run("seed-demo")
    assert "Demo admin: admin@example.com / demo-password-123" in first.output
    assert "already has users" in run("seed-demo").output
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1
    # the daily checks ran once: Notifications lists the demo's usage gap, told once however often it is seeded
    from app.models import Notification

    gaps = db.session.scalars(db.select(Notification.subject).where(Notification.kind == "usage_gap")).all()
    assert len(gaps) == 1 and gaps[0].startswith("Usage gap: US sent no usage reports for ")
