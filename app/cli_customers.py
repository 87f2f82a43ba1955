"""`flask customers ...` and `flask api-tokens ...`."""
from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app import wiring
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.models import Customer
from app.services.api_tokens import ApiTokenError, create_api_token, revoke_api_token
from app.services.audit import Actor
from app.services.customer_bulk_sync import sync_customers
from app.services.customer_sync import import_customers_from_stripe

CLI_ACTOR = Actor.system("cli")
customers_cli = AppGroup("customers", help="Customer records and their Stripe state.")
api_tokens_cli = AppGroup("api-tokens", help="Tokens for the billing and usage APIs.")


@customers_cli.command("import")
@click.option("--from-stripe", "from_stripe", is_flag=True, required=True,
              help="Create records for Stripe customers (matched by metadata organisation id or email).")
def import_customers(from_stripe):
    try:
        report = import_customers_from_stripe(db.session, wiring.stripe_gateway(), CLI_ACTOR)
    except StripeGatewayError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"Created {len(report.created)}, linked {len(report.linked)}, "
               f"already known {len(report.unchanged)}")


@customers_cli.command("sync")
@click.argument("ids", nargs=-1)
def sync(ids):
    """Sync the given customers (our ids or cus_ ids), or every customer with a Stripe id."""
    customer_ids = [_resolve(i) for i in ids] if ids else list(db.session.scalars(
        select(Customer.id).where(Customer.stripe_customer_id.is_not(None)).order_by(Customer.id)))
    result = sync_customers(db.session, wiring.stripe_gateway(), customer_ids, lambda done, line: click.echo(line),
                            wiring.catalog().product_key_metadata, CLI_ACTOR)
    db.session.commit()
    click.echo(f"Synced {result['synced']}, failed {result['failed']}")
    if result["failed"]:
        raise SystemExit(1)


def _resolve(raw: str) -> int:
    column = Customer.stripe_customer_id if raw.startswith("cus_") else Customer.id
    value = raw if raw.startswith("cus_") else (int(raw) if raw.isdigit() else None)
    found = db.session.scalar(select(Customer.id).where(column == value)) if value is not None else None
    if found is None:
        raise click.ClickException(f"no customer '{raw}'")
    return found


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
