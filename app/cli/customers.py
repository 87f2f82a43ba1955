"""`flask customers ...`: customer records and their Stripe state."""
from __future__ import annotations

import click
from sqlalchemy import select

from app import collaborators
from app.errors import CommandGroup
from app.extensions import db
from app.models import Customer
from app.refusals import NotFound
from app.services.audit import Actor
from app.services.customer_bulk_sync import sync_customers
from app.services.customer_sync import import_customers_from_stripe

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
    column = Customer.stripe_customer_id if raw.startswith("cus_") else Customer.id
    value = raw if raw.startswith("cus_") else (int(raw) if raw.isdigit() else None)
    found = db.session.scalar(select(Customer.id).where(column == value)) if value is not None else None
    if found is None:
        raise NotFound(f"no customer '{raw}'")
    return found
