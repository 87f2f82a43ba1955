"""`flask usage ...`: send a usage day to Stripe, check for gaps, reconcile with Stripe."""
from __future__ import annotations

from datetime import date

import click

from app import collaborators
from app.billing.usage import usage_day_of
from app.billing.usage_days import local_today
from app.errors import CommandGroup
from app.extensions import db
from app.formatting import plural
from app.services.audit import Actor
from app.services.jobs import start_job
from app.timeutil import utcnow

CLI_ACTOR = Actor.system("cli")
usage_cli = CommandGroup("usage", help="Usage reports and Stripe meter events.")
DATE_HELP = ("The report date: usage for day D is reported on D+1, so a gap on May 11 "
             "is re-run with --date of May 12.")


class _AsyncFlag(click.ParamType):
    name = "async"

    def convert(self, value, param, ctx):
        return str(value).strip().lower() in ("1", "true", "yes", "on", "")


def _report_date(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else local_today(utcnow(), collaborators.usage_zone())
    except ValueError:
        raise click.BadParameter(f"'{raw}' is not a date as YYYY-MM-DD", param_hint="--date") from None


@usage_cli.command("send-reports")
@click.option("--date", "raw_date", required=True, help=DATE_HELP)
@click.option("--async", "run_async", type=_AsyncFlag(), is_flag=False, flag_value="1", default="0",
              help="Enqueue a job and return (also accepts `--async 1`).")
@click.option("--org", "orgs", multiple=True, help="Only these organisation ids (repeatable).")
@click.option("--dry-run", is_flag=True, help="Show what would be sent; send and record nothing.")
def send_reports(raw_date, run_async, orgs, dry_run):
    """Send one usage day's meter events to Stripe (safe to re-run: nothing is sent twice)."""
    from app.services.usage_send import send_usage_reports, usage_day_for

    report_date = _report_date(raw_date)
    usage_day = usage_day_for(report_date, collaborators.usage_zone())
    click.echo(f"Report date {report_date}: sending usage for {usage_day}")
    if run_async and not dry_run:
        job = start_job(db.session, CLI_ACTOR, "usage.send_reports",
                        {"date": report_date.isoformat(), "org_ids": list(orgs)})
        db.session.commit()
        click.echo(f"Job {job.id} queued (see the Jobs page)")
        click.echo("Done!")
        return
    result = send_usage_reports(db.session, collaborators.meter_gateway(), collaborators.catalog(),
                                collaborators.usage_zone(), CLI_ACTOR, report_date, list(orgs) or None,
                                dry_run=dry_run, **collaborators.usage_send_options(),
                                progress=lambda done, total, line: click.echo(line))
    db.session.commit()
    if dry_run:
        for line in result.failure_lines:
            click.echo(line)
    click.echo(result.summary)
    for reason in result.reasons:
        click.echo(f"  {reason}")
    if result.errors or result.failed:
        raise SystemExit(1)


@usage_cli.command("clear-errors")
@click.option("--date", "raw_date", required=True, help=DATE_HELP)
def clear_errors(raw_date):
    """Put a usage day's refused meter events back to pending, for the next run or a re-run to retry."""
    from app.services.usage_send import clear_send_errors

    report_date = _report_date(raw_date)
    usage_day = usage_day_of(report_date)
    cleared = clear_send_errors(db.session, CLI_ACTOR, usage_day)
    db.session.commit()
    click.echo(f"Usage day {usage_day}: {plural(cleared, 'error')} cleared; re-run with "
               f"flask usage send-reports --date {report_date}")


@usage_cli.command("check")
@click.option("--date", "raw_date", help="The report date (default today); checks the usage day before it.")
def check(raw_date):
    """Exit non-zero when the usage day has a gap (for a cron alert)."""
    from app.services.usage_monitor import check_usage_day

    report_date = _report_date(raw_date)
    result = check_usage_day(db.session, usage_day_of(report_date))
    click.echo(f"Usage day {result.day} (reported on {report_date})")
    for gap in result.gaps:
        click.echo(f"GAP: {gap.message}; the {gap.instance} instance re-sends its reports: {gap.resend_command}; "
                   f"then re-run here: flask usage send-reports --date {gap.rerun_date}")
    for instance, orgs in result.missing.items():
        click.echo(f"MISSING ({instance}): {len(orgs)} organisations had usage the day before and no report: "
                   f"{', '.join(orgs[:20])}")
    for instance, orgs in result.zero.items():
        click.echo(f"zero usage ({instance}): {len(orgs)} organisations (the run summary accounts for them)")
    if result.gaps or result.missing:
        raise SystemExit(1)
    click.echo("No gaps")


@usage_cli.command("reconcile")
@click.option("--date", "raw_date", help="The report date (default today); reconciles the usage day before it.")
def reconcile(raw_date):
    """Our sent totals against Stripe's meter event summaries; non-zero exit on a mismatch."""
    from app.services.usage_reconcile import reconcile_usage_day

    report_date = _report_date(raw_date)
    rows = reconcile_usage_day(db.session, collaborators.stripe_gateway(), collaborators.catalog(),
                               collaborators.usage_zone(), usage_day_of(report_date))
    mismatches = [r for r in rows if not r.matches]
    for row in mismatches:
        click.echo(f"MISMATCH {row.organisation_id} {row.product_key}: we sent {row.ours}, Stripe has {row.stripe}")
    click.echo(f"{len(rows)} checked, {len(mismatches)} mismatches")
    if mismatches:
        raise SystemExit(1)
