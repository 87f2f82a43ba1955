"""`flask customers ...`: customer records and their Stripe state."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from app import collaborators
from app.errors import CommandGroup
from app.extensions import db
from app.models import Customer
from app.services.audit import Actor
from app.services.configuration_report import configuration_page
from app.services.credit_discount import set_credit_discount
from app.services.customer_bulk_sync import sync_customers
from app.services.customer_export import customer_json, customers_json
from app.services.customer_sync import import_customers_from_stripe
from app.services.customers import customer_by_reference
from app.services.organisations import set_customer_organisations
from app.services.startup_plans import end_startup_plans
from app.timeutil import utcnow

CLI_ACTOR = Actor.system("cli")
customers_cli = CommandGroup("customers", help="Customer records and their Stripe state.")


@customers_cli.command("import")
@click.option("--from-stripe", "from_stripe", is_flag=True, required=True,
              help="Create records for Stripe customers (matched by metadata organisation id or email).")
def import_customers(from_stripe):
    report = import_customers_from_stripe(db.session, collaborators.stripe_gateway(), CLI_ACTOR)
    db.session.commit()
    click.echo(f"Created {len(report.created)}, linked {len(report.linked)}, "
               f"already known {len(report.unchanged)}")


@customers_cli.command("sync")
@click.argument("ids", nargs=-1)
def sync(ids):
    """Sync the given customers (our ids or cus_ ids), or every customer with a Stripe id."""
    customer_ids = [_resolve(i) for i in ids] if ids else list(db.session.scalars(
        select(Customer.id).where(Customer.stripe_customer_id.is_not(None)).order_by(Customer.id)))
    result = sync_customers(db.session, collaborators.stripe_gateway(), customer_ids, lambda done, line: click.echo(line),
                            collaborators.catalog().product_key_metadata, CLI_ACTOR)
    db.session.commit()
    click.echo(f"Synced {result['synced']}, failed {result['failed']}")
    if result["failed"]:
        raise SystemExit(1)


def _resolve(raw: str) -> int:
    return customer_by_reference(db.session, raw).id


@customers_cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Every customer as JSON, as GET /customers/<id>.json.")
def list_customers(as_json):
    """Every customer, by name: id, configuration, Stripe id, organisations, and how many checks fail."""
    rows = customers_json(db.session, utcnow().date())
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for row in rows:
        click.echo(f"{row['id']:>5}  {row['name'][:28]:<28} {row['configuration']:<21} "
                   f"{row['stripe_customer_id'] or '-':<20} {','.join(row['organization_ids']) or '-':<24} "
                   f"{len(row['checks'])} checks failing")


@customers_cli.command("show")
@click.argument("reference")
@click.option("--json", "as_json", is_flag=True, help="The same JSON as GET /customers/<id>.json.")
def show(reference, as_json):
    """One customer by our id, an organisation id or its cus_ id."""
    data = customer_json(db.session, reference, utcnow().date())
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if key != "checks":
            click.echo(f"{key:<24} {value}")
    for check in data["checks"]:
        click.echo(f"CHECK {check['rule']}: {check['message']}")


@customers_cli.command("end-startup-plans")
@click.option("--dry-run", is_flag=True, help="Say who would become paid; change nothing.")
def end_startup_plans_command(dry_run):
    """Customers whose startup credit is used up or expired become paid (the daily job does the same)."""
    lines = end_startup_plans(db.session, collaborators.stripe_gateway(), collaborators.catalog(), CLI_ACTOR,
                              utcnow().date(), dry_run=dry_run)
    db.session.commit()
    for line in lines:
        click.echo(line)
    click.echo(f"{len(lines)} startup plans checked")
    if any(": error: " in line for line in lines):
        raise SystemExit(1)


@customers_cli.command("set-organisations")
@click.argument("reference")
@click.argument("organisation_ids", nargs=-1)
def set_organisations(reference, organisation_ids):
    """The organisations a customer bills (our id, an organisation id or cus_ id), replacing its list;
    none removes them all."""
    customer = set_customer_organisations(db.session, CLI_ACTOR, _resolve(reference), list(organisation_ids), None)
    db.session.commit()
    click.echo(f"customer {customer.id} ({customer.name}): organisations "
               f"{', '.join(customer.organisation_ids) or 'none'}")


@customers_cli.command("set-discount")
@click.argument("reference")
@click.argument("percent")
def set_discount(reference, percent):
    """The contract's credit discount of a customer (our id, an organisation id or cus_ id), in percent;
    its coupon in Stripe follows. 0 removes it."""
    result = set_credit_discount(db.session, collaborators.stripe_gateway(), CLI_ACTOR, _resolve(reference), percent,
                                 None, collaborators.catalog().product_key_metadata)
    db.session.commit()
    click.echo(result.notice)


@customers_cli.command("check")
def check():
    """Customers whose usage is not billed, and configuration mismatches; exits 1 when there is any."""
    page = configuration_page(db.session, utcnow().date())
    for unbilled in page["unbilled"]:
        click.echo(f"NOT BILLED {unbilled.customer.name} (#{unbilled.customer.id}): {unbilled.reason}")
    for row in page["rows"]:
        click.echo(f"MISMATCH {row.customer.name} (#{row.customer.id}, {row.customer.billing_configuration}): "
                   + "; ".join(row.mismatches))
    click.echo(f"{len(page['unbilled'])} customers not billed, {len(page['rows'])} with configuration mismatches")
    if page["unbilled"] or page["rows"]:
        raise SystemExit(1)
