"""`flask api-tokens ...`: tokens for the billing and usage APIs, shown once."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db
from app.services.api_tokens import ApiTokenError, create_api_token, revoke_api_token
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
api_tokens_cli = AppGroup("api-tokens", help="Tokens for the billing and usage APIs.")


@api_tokens_cli.command("create")
@click.option("--name", required=True)
def create_token(name):
    """Prints the token once: it is stored only as a hash."""
    try:
        row, token = create_api_token(db.session, CLI_ACTOR, name)
    except ApiTokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"API token {row.id} '{row.name}' (shown once, store it now):")
    click.echo(token)


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    try:
        row = revoke_api_token(db.session, CLI_ACTOR, token_id)
    except ApiTokenError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Revoked API token {row.id} '{row.name}'")
