"""`flask ...` commands for operators; each refusal is one readable line and a non-zero exit."""
from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup

from app import config as app_config
from app.extensions import db
from app.permissions import ROLES
from app.services import users as user_service
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "demo-password-123"

users_cli = AppGroup("users", help="Manage staff accounts.")
jobs_cli = AppGroup("jobs", help="Background jobs and the worker.")


def _commit_or_fail(action):
    """Run a service call; a refusal rolls back and becomes `Error: <message>`."""
    try:
        result = action()
    except (user_service.UserError, ValueError) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    return result


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default="")
@click.password_option(help="Prompted when not given.")
def users_create(email, role, name, password):
    user = _commit_or_fail(lambda: user_service.create_user(db.session, CLI_ACTOR, email, role, password, name))
    click.echo(f"Created user {user.id}: {user.email} ({user.role})")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option(help="Prompted when not given.")
def users_set_password(email, password):
    user = _commit_or_fail(lambda: user_service.set_password(db.session, CLI_ACTOR, email, password))
    click.echo(f"Password changed for {user.email}")


@users_cli.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email):
    def action():
        return user_service.set_active(db.session, CLI_ACTOR, user_service.find_user(db.session, email), False)

    user = _commit_or_fail(action)
    click.echo(f"Deactivated {user.email}; they can no longer sign in")


@users_cli.command("list")
def users_list():
    from app.models import User

    for user in db.session.scalars(db.select(User).order_by(User.email)):
        click.echo(f"{user.id:>4}  {user.email:<40} {user.role:<8} {'active' if user.active else 'deactivated'}")


@jobs_cli.command("list")
@click.option("--limit", default=20, show_default=True)
def jobs_list(limit):
    from app.models import Job

    for job in db.session.scalars(db.select(Job).order_by(Job.id.desc()).limit(limit)):
        click.echo(f"{job.id:>5}  {job.kind:<24} {job.status:<10} {job.done}/{job.total}  "
                   f"{job.created_at:%Y-%m-%d %H:%M}  {job.error.splitlines()[0] if job.error else ''}")


@jobs_cli.command("worker")
@click.option("--workers", default=2, show_default=True, help="Worker threads.")
def jobs_worker(workers):
    """Consume the queue and run periodic tasks until interrupted."""
    from app import jobs

    click.echo(f"Job worker: {type(jobs.huey).__name__}, {workers} threads")
    jobs.huey.create_consumer(workers=workers, worker_type="thread", periodic=True).run()


@jobs_cli.command("run-pending")
def jobs_run_pending():
    """Run whatever is queued in this process, then stop (for a machine without a worker)."""
    from app import jobs

    click.echo(f"Ran {jobs.drain()} queued tasks")


@click.command("config-check")
def config_check():
    """What is set (secrets masked) and what is missing."""
    for name, shown in app_config.describe(current_app.config):
        click.echo(f"{name:<24} {shown}")
    click.echo(f"{'(database in use)':<24} {db.engine.dialect.name}")
    missing = [n for n, shown in app_config.describe(current_app.config) if shown == "(not set)"]
    if missing:
        click.echo(f"Missing: {', '.join(missing)} (defaults apply; see README 'Configuration')")


@click.command("seed-demo")
def seed_demo():
    """On an empty database: a demo admin and demo data. Does nothing on a used one."""
    from app.models import User

    if db.session.scalar(db.select(User.id).limit(1)) is not None:
        click.echo("Database already has users; demo seed skipped")
        return
    password = os.environ.get("DEMO_ADMIN_PASSWORD", DEMO_ADMIN_PASSWORD)
    user_service.create_user(db.session, CLI_ACTOR, DEMO_ADMIN_EMAIL, "admin", password, "Demo Admin")
    db.session.commit()
    click.echo(f"Demo admin: {DEMO_ADMIN_EMAIL} / {password}")
    from app.demo import seed_demo_data

    for line in seed_demo_data(db.session):
        click.echo(line)


def init_app(app) -> None:
    from app.cli_annual_plans import annual_plans_cli
    from app.cli_catalog import catalog_cli
    from app.cli_customers import api_tokens_cli, customers_cli

    for command in (users_cli, jobs_cli, config_check, seed_demo, annual_plans_cli, catalog_cli, customers_cli,
                    api_tokens_cli):
        app.cli.add_command(command)
    from app.cli_usage import usage_cli

    app.cli.add_command(usage_cli)
