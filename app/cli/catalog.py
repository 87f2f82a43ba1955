"""`flask catalog ...`: the Stripe catalog that config/billing.toml describes."""
from __future__ import annotations

import click

from app import collaborators
from app.errors import CommandGroup
from app.extensions import db
from app.services.catalog import bootstrap_catalog

catalog_cli = CommandGroup("catalog", help="Products, meters and prices in Stripe.")


@catalog_cli.command("bootstrap")
def bootstrap():
    """Find or create every product, meter, Standard and Free price; safe to run again."""
    for line in bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog()):
        click.echo(line)
    db.session.commit()


@catalog_cli.command("check")
def check():
    """Stripe's products and prices against our rules; exits 1 when any is broken."""
    from app.services.catalog_report import read_catalog

    report = read_catalog(collaborators.stripe_gateway(), collaborators.catalog())
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

    lines = expire_prices(db.session, collaborators.stripe_gateway(), collaborators.catalog(), utcnow(), dry_run=dry_run)
    db.session.commit()
    for line in lines:
        click.echo(line)
