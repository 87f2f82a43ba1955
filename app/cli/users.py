"""`flask users ...`: staff accounts."""
from __future__ import annotations

import click

from app.errors import CommandGroup
from app.extensions import db
from app.permissions import ROLES
from app.services import users as user_service
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
users_cli = CommandGroup("users", help="Manage staff accounts.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--name", default="")
@click.password_option(help="Prompted when not given.")
def users_create(email, role, name, password):
    user = user_service.create_user(db.session, CLI_ACTOR, email, role, password, name)
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({user.role})")


@users_cli.command("set-password")
@click.option("--email", required=True)
@click.password_option(help="Prompted when not given.")
def users_set_password(email, password):
    user = user_service.set_password(db.session, CLI_ACTOR, email, password)
    db.session.commit()
    click.echo(f"Password changed for {user.email}")


@users_cli.command("deactivate")
@click.option("--email", required=True)
def users_deactivate(email):
    user = user_service.set_active(db.session, CLI_ACTOR, user_service.find_user(db.session, email), False)
    db.session.commit()
    click.echo(f"Deactivated {user.email}; they can no longer sign in")


@users_cli.command("list")
def users_list():
    from app.models import User

    for user in db.session.scalars(db.select(User).order_by(User.email)):
        click.echo(f"{user.id:>4}  {user.email:<40} {user.role:<8} {'active' if user.active else 'deactivated'}")
