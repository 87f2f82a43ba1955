"""Re-running a usage day from the monitor: the report date checked, a send job started, refused sends cleared."""
from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from app.billing.usage import usage_day_of
from app.models import Job
from app.refusals import Invalid
from app.services.audit import Actor
from app.services.jobs import start_job
from app.services.usage_send import clear_send_errors, usage_day_for


def report_date_of(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise Invalid(f"'{raw}' is not a date as YYYY-MM-DD", field="date") from None


def start_usage_rerun(session, actor: Actor, zone: ZoneInfo, raw_date: str,
                      org_ids: list[str]) -> tuple[date, Job]:
    """A `usage.send_reports` job for the report date, refused for a day Stripe would refuse."""
    report_date = report_date_of(raw_date)
    usage_day_for(report_date, zone)
    return report_date, start_job(session, actor, "usage.send_reports",
                                  {"date": report_date.isoformat(), "org_ids": org_ids})


def clear_refused_sends(session, actor: Actor, raw_date: str) -> tuple[date, date, int]:
    """Refused meter events of the report date's usage day go back to pending for the re-run:
    (report date, usage day, how many)."""
    report_date = report_date_of(raw_date)
    usage_day = usage_day_of(report_date)
    return report_date, usage_day, clear_send_errors(session, actor, usage_day)
