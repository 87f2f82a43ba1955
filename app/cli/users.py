"""`flask users ...`: staff accounts."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.permissions import ROLES
from app.services import users as user_service
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
users_cli = AppGroup("users", help="Manage staff accounts.")


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
