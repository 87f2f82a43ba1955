"""`flask catalog ...`: the Stripe catalog that config/billing.toml describes."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import wiring
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.services.catalog import bootstrap_catalog

catalog_cli = AppGroup("catalog", help="Products, meters and prices in Stripe.")


@catalog_cli.command("bootstrap")
def bootstrap():
    """Find or create every product, meter, Standard and Free price; safe to run again."""
    try:
        for line in bootstrap_catalog(db.session, wiring.stripe_gateway(), wiring.catalog()):
            click.echo(line)
    except StripeGatewayError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
