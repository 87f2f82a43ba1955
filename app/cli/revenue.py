"""`flask revenue ...`: take a month's MRR snapshot, show it, and fail while any customer is unresolved."""
from __future__ import annotations

import json

import click

from app import collaborators
from app.errors import CommandGroup
from app.extensions import db
from app.formatting import money, plural
from app.services.audit import Actor
from app.services.revenue_report import month_report
from app.services.revenue_snapshot import parse_month_or_refuse, snapshot_month
from app.timeutil import utcnow

CLI_ACTOR = Actor.system("cli")
revenue_cli = CommandGroup("revenue", help="Monthly recurring revenue by billing configuration.")
MONTH = click.option("--month", required=True, help="The calendar month, YYYY-MM (this month or earlier).")


@revenue_cli.command("snapshot")
@MONTH
def snapshot(month):
    """Read Stripe and store every customer's MRR for the month (safe to run again)."""
    result = snapshot_month(db.session, collaborators.stripe_gateway(), collaborators.catalog(),
                            parse_month_or_refuse(month, utcnow().date()), CLI_ACTOR)
    db.session.commit()
    click.echo(f"{result.month:%Y-%m}: MRR {money(result.total_mrr_cents)} over {plural(result.customers, 'customer')}, "
               f"{result.unresolved} unresolved, {result.changed} changed since the last snapshot "
               f"({plural(result.invoices_read, 'invoice')} read in {plural(result.stripe_calls, 'Stripe call')})")


@revenue_cli.command("show")
@MONTH
@click.option("--json", "as_json", is_flag=True, help="As GET /revenue/<YYYY-MM>.json answers.")
def show(month, as_json):
    report = month_report(db.session, parse_month_or_refuse(month, utcnow().date()))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(f"{report['month']}: MRR {money(report['total_mrr_cents'])} (snapshot {report['computed_at']})")
    for name, cents in report["by_configuration"].items():
        click.echo(f"  {name:<22} {money(cents):>16}")
    click.echo("  movements: " + ", ".join(f"{k} {money(v)}" for k, v in report["movements"].items()))
    for row in report["unresolved"]:
        click.echo(f"  UNRESOLVED #{row['customer_id']} {row['name']}: {row['reason']}")


@revenue_cli.command("check")
@MONTH
def check(month):
    """Exit 1 while any customer's MRR for the month cannot be counted, listing why."""
    report = month_report(db.session, parse_month_or_refuse(month, utcnow().date()))
    for row in report["unresolved"]:
        click.echo(f"#{row['customer_id']} {row['name']} ({row['configuration']}): {row['reason']}")
    if report["unresolved"]:
        click.echo(f"{plural(len(report['unresolved']), 'customer')} unresolved for {report['month']}", err=True)
        raise SystemExit(1)
    click.echo(f"{report['month']}: every customer counted")
