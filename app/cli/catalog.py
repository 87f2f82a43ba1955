"""`flask catalog ...`: the Stripe catalog that config/billing.toml describes."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app import collaborators
from app.extensions import db
from app.gateways.stripe import StripeGatewayError
from app.services.catalog import bootstrap_catalog

catalog_cli = AppGroup("catalog", help="Products, meters and prices in Stripe.")


@catalog_cli.command("bootstrap")
def bootstrap():
    """Find or create every product, meter, Standard and Free price; safe to run again."""
    try:
        for line in bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog()):
            click.echo(line)
    except StripeGatewayError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None


@catalog_cli.command("check")
def check():
    """Stripe's products and prices against our rules; exits 1 when any is broken."""
    from app.services.catalog_report import read_catalog

    try:
        report = read_catalog(collaborators.stripe_gateway(), collaborators.catalog())
    except StripeGatewayError as exc:
        raise click.ClickException(str(exc)) from None
    for line in report.lines():
        click.echo(line)
    if report.violations:
        raise SystemExit(1)


@catalog_cli.command("expire-prices")
@click.option("--dry-run", is_flag=True, help="Say what would move, change nothing.")
def expire_prices_command(dry_run):
    """Move subscriptions off `valid_days` prices that ran out (the daily job does the same)."""
    from app.services.price_transitions import expire_prices
    from app.timeutil import utcnow

    try:
        lines = expire_prices(db.session, collaborators.stripe_gateway(), collaborators.catalog(), utcnow(), dry_run=dry_run)
    except StripeGatewayError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    for line in lines:
        click.echo(line)
