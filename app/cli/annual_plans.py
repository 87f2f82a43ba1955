"""`flask annual-plans ...`: scripted fixes and replays, with the grid's validation and versions."""
from __future__ import annotations

import json

import click
from sqlalchemy import select

from app import collaborators
from app.errors import CommandGroup
from app.extensions import db
from app.gateways.contracts import read_details_file
from app.models import AnnualPlan
from app.services.audit import Actor
from app.services.contract_loading import load_plan
from app.services.contract_webhooks import create_plan_for_document
from app.services.plan_editing import confirm_warning, update_field
from app.services.plan_export import plan_as_dict
from app.services.plan_values import get_plan

CLI_ACTOR = Actor.system("cli")
annual_plans_cli = CommandGroup("annual-plans", help="The Annual Plan Table from the command line.")


class _OneDocument:
    """A contract source that serves one details file (import-contract)."""

    def __init__(self, details: dict):
        self.details = details

    def fetch_details(self, document_id: str) -> dict:
        return self.details


def _load(plan_id: int, source) -> None:
    result = load_plan(db.session, CLI_ACTOR, plan_id, source, collaborators.contract_mapping(), collaborators.own_email_domains())
    db.session.commit()  # the row keeps the reason it could not be loaded
    if result.error:
        raise click.ClickException(f"row {plan_id}: {result.error}")
    plan = result.plan
    click.echo(f"row {plan.id}: {plan.stage}, {len(plan.open_warnings)} open warnings"
               + (f", {len(result.conflicts)} edited fields differ from the contract (see the row's page)"
                  if result.conflicts else ""))


@annual_plans_cli.command("list")
def list_plans():
    for plan in db.session.scalars(select(AnnualPlan).order_by(AnnualPlan.id)):
        click.echo(f"{plan.id:>5}  {plan.stage:<10} {(plan.company or '-'):<28} {plan.document_id:<26} "
                   f"warnings={len(plan.open_warnings)} v{plan.version}")


@annual_plans_cli.command("show")
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="The same JSON as GET /annual-plans/<id>.json")
def show(plan_id, as_json):
    data = plan_as_dict(get_plan(db.session, plan_id))
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    for key, value in data.items():
        if key not in ("lines", "warnings"):
            click.echo(f"{key:<26} {value}")
    for line in data["lines"]:
        click.echo(f"line {line['product_key']:<20} " + " ".join(f"{k}={v}" for k, v in line.items() if k != "product_key"))
    for warning in data["warnings"]:
        click.echo(f"WARNING {warning['field']}: {warning['message']}")


@annual_plans_cli.command("set")
@click.argument("plan_id", type=int)
@click.argument("field")
@click.argument("value")
@click.option("--version", type=int, help="Refuse if the row is no longer at this version.")
def set_field(plan_id, field, value, version):
    """FIELD as in the JSON: company, start_date, line.<product>.upfront_amount_cents (cents), ..."""
    plan = update_field(db.session, CLI_ACTOR, plan_id, field, value, version, money_in="cents")
    db.session.commit()
    click.echo(f"row {plan.id}: {field} set; stage {plan.stage}, version {plan.version}")


@annual_plans_cli.command("confirm-warning")
@click.argument("plan_id", type=int)
@click.argument("field")
def confirm(plan_id, field):
    plan = confirm_warning(db.session, CLI_ACTOR, plan_id, field)
    db.session.commit()
    click.echo(f"row {plan.id}: warning on {field} confirmed; {len(plan.open_warnings)} open, stage {plan.stage}")


@annual_plans_cli.command("load")
@click.argument("plan_id", type=int)
def load(plan_id):
    """Load from contract again (what the row's button does)."""
    _load(plan_id, collaborators.contract_source())


@annual_plans_cli.command("import-contract")
@click.argument("path", type=click.Path(dir_okay=False))
def import_contract(path):
    """Create (or re-load) the row for a details JSON file: replays a missed webhook."""
    details = read_details_file(path)
    plan = create_plan_for_document(db.session, details["id"], details.get("name", ""), CLI_ACTOR,
                                    note=f"imported from {path}", load=False)
    plan_id = plan.id if plan else db.session.scalar(
        select(AnnualPlan.id).where(AnnualPlan.document_id == details["id"]))
    db.session.commit()
    _load(plan_id, _OneDocument(details))
    click.echo(plan_id)


def _run_action(plan_id: int, action: str) -> None:
    from app.services.plan_actions import run_action

    plan = run_action(db.session, collaborators.stripe_gateway(), collaborators.catalog(), CLI_ACTOR, plan_id, action)
    db.session.commit()
    ids = {"create_subscription": f"invoice {plan.invoice_id}", "amortize": f"invoice {plan.invoice_id} metadata",
           "schedule": f"schedule {plan.subscription_schedule_id}", "send_invoice": f"invoice {plan.invoice_id} sent"}
    click.echo(f"row {plan.id}: {plan.stage}; {ids[action]}")


@annual_plans_cli.command("create-subscription")
@click.argument("plan_id", type=int)
def create_subscription(plan_id):
    """Create Annual Subscription: custom prices, the draft invoice and its up-front lines."""
    _run_action(plan_id, "create_subscription")


@annual_plans_cli.command("amortize")
@click.argument("plan_id", type=int)
def amortize(plan_id):
    """Amortize Invoice: revenue-tracking metadata and line periods."""
    _run_action(plan_id, "amortize")


@annual_plans_cli.command("schedule")
@click.argument("plan_id", type=int)
def schedule(plan_id):
    """Schedule Subscription: the subscription schedule for the whole term."""
    _run_action(plan_id, "schedule")


@annual_plans_cli.command("send-invoice")
@click.argument("plan_id", type=int)
def send_invoice(plan_id):
    """Finalize and send the reviewed up-front invoice (every review check must pass)."""
    _run_action(plan_id, "send_invoice")


@annual_plans_cli.command("draft-renewals")
@click.option("--dry-run", is_flag=True, help="List the years that would be drafted; write nothing.")
@click.option("--row", "plan_id", type=int, help="Only this row (refused if it may not renew).")
def draft_renewals_command(dry_run, plan_id):
    """Draft each later contract year's invoice RENEWAL_LEAD_DAYS before its anniversary (what the daily job does)."""
    from flask import current_app

    from app.services.renewals import draft_renewals
    from app.timeutil import utcnow

    outcomes = draft_renewals(db.session, collaborators.stripe_gateway(), collaborators.catalog(), CLI_ACTOR,
                              utcnow().date(), current_app.config["RENEWAL_LEAD_DAYS"], dry_run, plan_id)
    db.session.commit()
    for outcome in outcomes:
        click.echo(f"row {outcome.plan_id} year {outcome.year}: {outcome.result}; {outcome.detail}")
    click.echo(f"{sum(o.result == 'drafted' for o in outcomes)} drafted, "
               f"{sum(o.result == 'failed' for o in outcomes)} failed" + (" (dry run)" if dry_run else ""))
    if any(o.result == "failed" for o in outcomes):
        raise SystemExit(1)


@annual_plans_cli.command("set-period-amount")
@click.argument("plan_id", type=int)
@click.argument("year", type=int)
@click.argument("cents", type=int)
def set_period_amount_command(plan_id, year, cents):
    """The amount (cents) of a pro-rata last period the contract does not state."""
    from app.services.renewal_review import set_period_amount

    set_period_amount(db.session, CLI_ACTOR, plan_id, year, cents)
    db.session.commit()
    click.echo(f"row {plan_id}: year {year} is {cents} cents")


@annual_plans_cli.command("rehearse")
@click.argument("plan_id", type=int)
@click.option("--usage", "usage_file", type=click.File("r"), help='JSON {"product_key": {"YYYY-MM": quantity}}; '
              "default: each product's included annual volume, a twelfth a month")
@click.option("--json", "as_json", is_flag=True, help="The result as JSON (row_id, months, credits_run_out, findings)")
def rehearse_command(plan_id, usage_file, as_json):
    """Play the row's whole term on a Stripe test clock and show every invoice it produces."""
    from app.billing.rehearsal_report import report_lines
    from app.billing.rehearsal_usage import UsageFileError, parse_usage_file
    from app.refusals import Invalid
    from app.services.rehearsal import rehearse_plan

    try:
        usage = parse_usage_file(usage_file.read()) if usage_file else None
    except UsageFileError as exc:
        raise Invalid(str(exc), field="usage") from exc
    report = rehearse_plan(db.session, collaborators.stripe_gateway(), collaborators.meter_gateway(),
                           collaborators.catalog(), CLI_ACTOR, plan_id, usage=usage, **collaborators.rehearsal_options())
    db.session.commit()
    click.echo(json.dumps(report, indent=2) if as_json else "\n".join(report_lines(report)))
