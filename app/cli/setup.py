"""`flask config-check` and `flask seed-demo`: what is configured, and demo data on an empty database."""
from __future__ import annotations

import os

import click
from flask import current_app

from app import collaborators
from app import config as app_config
from app.extensions import db
from app.services import users as user_service
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
DEMO_ADMIN_EMAIL = "admin@example.com"
DEMO_ADMIN_PASSWORD = "demo-password-123"


@click.command("config-check")
def config_check():
    """What is set (secrets masked) and what is missing."""
    for name, shown in app_config.describe(current_app.config):
        click.echo(f"{name:<24} {shown}")
    click.echo(f"{'(database in use)':<24} {db.engine.dialect.name}")
    click.echo(f"{'(clock in use)':<24} {collaborators.app_clock().describe()}")
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
