"""`flask api-tokens ...`: tokens for the billing and usage APIs, shown once."""
from __future__ import annotations

import click

from app.errors import CommandGroup
from app.extensions import db
from app.services.api_tokens import create_api_token, revoke_api_token
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
api_tokens_cli = CommandGroup("api-tokens", help="Tokens for the billing and usage APIs.")


@api_tokens_cli.command("create")
@click.option("--name", required=True)
def create_token(name):
    """Prints the token once: it is stored only as a hash."""
    row, token = create_api_token(db.session, CLI_ACTOR, name)
    db.session.commit()
    click.echo(f"API token {row.id} '{row.name}' (shown once, store it now):")
    click.echo(token)


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    row = revoke_api_token(db.session, CLI_ACTOR, token_id)
    db.session.commit()
    click.echo(f"Revoked API token {row.id} '{row.name}'")
