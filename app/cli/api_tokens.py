"""`flask api-tokens ...`: tokens for the billing and usage APIs, shown once."""
from __future__ import annotations

import click

from app.errors import CommandGroup
from app.extensions import db
from app.models.api_token import SCOPES
from app.services.api_tokens import create_api_token, revoke_api_token
from app.services.audit import Actor

CLI_ACTOR = Actor.system("cli")
api_tokens_cli = CommandGroup("api-tokens", help="Tokens for the billing and usage APIs.")


@api_tokens_cli.command("create")
@click.option("--name", required=True)
@click.option("--scope", "scopes", multiple=True, help=f"Repeatable; default: all ({', '.join(SCOPES)}).")
@click.option("--instance", default=None, help="The only instance whose usage it may write (e.g. US); default: any.")
def create_token(name, scopes, instance):
    """Prints the token once: it is stored only as a hash."""
    row, token = create_api_token(db.session, CLI_ACTOR, name, scopes or SCOPES, instance)
    db.session.commit()
    click.echo(f"API token {row.id} '{row.name}' ({', '.join(row.scopes)}; instance {row.instance or 'any'}) "
               "(shown once, store it now):")
    click.echo(token)


@api_tokens_cli.command("revoke")
@click.argument("token_id", type=int)
def revoke_token(token_id):
    row = revoke_api_token(db.session, CLI_ACTOR, token_id)
    db.session.commit()
    click.echo(f"Revoked API token {row.id} '{row.name}'")
