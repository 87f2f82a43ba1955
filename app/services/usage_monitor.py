"""What the usage monitor and `flask usage check` read: reports per instance per day, run summaries, gaps."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.billing.usage_gaps import (
    Gap,
    Rerun,
    SendRun,
    gaps_for_day,
    grouped_reasons,
    latest_rerun,
    missing_or_zero,
    trailing_median,
)
from app.models import AuditEntry, MeterEventSend, UsageReport, UsageRun
from app.services.usage_event_reports import EVENTS_INSTANCE
from app.services.usage_send import NIGHTLY_ACTOR


@dataclass(frozen=True)
class DayCheck:
    day: date
    gaps: list[Gap]
    missing: dict[str, list[str]]  # instance -> organisations whose report is missing
    zero: dict[str, list[str]]  # instance -> organisations that had nothing to report (per the run summary)


def report_counts(session, since: date, until: date) -> dict[str, dict[date, int]]:
    counts: dict[str, dict[date, int]] = defaultdict(dict)
    for instance, day, n in session.execute(
            select(UsageReport.instance, UsageReport.date, func.count())
            .where(UsageReport.date >= since, UsageReport.date <= until, UsageReport.instance != EVENTS_INSTANCE)
            .group_by(UsageReport.instance, UsageReport.date)):
        counts[instance][day] = n
    return dict(counts)


def run_summaries(session, since: date, until: date) -> dict[str, dict[date, UsageRun]]:
    runs: dict[str, dict[date, UsageRun]] = defaultdict(dict)
    for run in session.scalars(select(UsageRun).where(UsageRun.date >= since, UsageRun.date <= until)):
        runs[run.instance][run.date] = run
    return dict(runs)


def check_usage_day(session, day: date) -> DayCheck:
    counts = report_counts(session, day - timedelta(days=8), day)
    runs = run_summaries(session, day - timedelta(days=1), day)
    sent = {i: {d: r.orgs_sent for d, r in per.items()} for i, per in runs.items()}
    missing, zero = {}, {}
    for instance in sorted(counts.keys() | runs.keys()):
        before, now = _orgs(session, instance, day - timedelta(days=1)), _orgs(session, instance, day)
        run = runs.get(instance, {}).get(day)
        gone, none = missing_or_zero(before, now, run.total_orgs if run else None, len(now))
        if gone:
            missing[instance] = gone
        if none:
            zero[instance] = none
    return DayCheck(day, gaps_for_day(day, counts, sent), missing, zero)


def _orgs(session, instance: str, day: date) -> set[str]:
    return set(session.scalars(select(UsageReport.organisation_id).where(
        UsageReport.instance == instance, UsageReport.date == day)))


def chart_series(session, until: date, days: int = 60) -> dict:
    """For the chart: per instance, each day's count, its run summary and trailing median; and the flagged days."""
    since = until - timedelta(days=days - 1)
    counts = report_counts(session, since - timedelta(days=8), until)
    runs = run_summaries(session, since, until)
    sent = {i: {d: r.orgs_sent for d, r in per.items()} for i, per in runs.items()}
    dates = [since + timedelta(days=n) for n in range(days)]
    series = {instance: [{"day": d, "count": counts.get(instance, {}).get(d, 0),
                          "run": sent.get(instance, {}).get(d),
                          "median": trailing_median(counts.get(instance, {}), d)} for d in dates]
              for instance in sorted(counts.keys() | runs.keys())}
    gaps = [g for d in dates for g in gaps_for_day(d, counts, sent)]
    return {"dates": dates, "series": series, "gaps": gaps}


def rerun_outcomes(session, days: list[date]) -> dict[date, Rerun]:
    """For each of `days` someone re-ran: the latest re-run's result (its `usage.sent` audit entry)
    and how many of the day's meter events are pending or refused now."""
    if not days:
        return {}
    by_key = {d.isoformat(): d for d in days}
    entries = session.scalars(select(AuditEntry).where(
        AuditEntry.action == "usage.sent", AuditEntry.object_type == "usage_day",
        AuditEntry.object_id.in_(by_key))).all()
    starters = _job_starters(session, entries)
    runs: dict[date, list[SendRun]] = defaultdict(list)
    for entry in entries:
        after, label = entry.after or {}, entry.actor_label
        started_by = starters.get(label.removeprefix("job:"), label) if label.startswith("job:") else label
        errors = int(after.get("errors", 0)) + len(after.get("failed") or {})  # an organisation it could not plan is one
        runs[by_key[entry.object_id]].append(SendRun(entry.at, int(after.get("sent", 0)), errors,
                                                     nightly=started_by == NIGHTLY_ACTOR.label))
    unsent: dict[tuple[date, str], int] = {(day, status): n for day, status, n in session.execute(
        select(MeterEventSend.usage_day, MeterEventSend.status, func.count())
        .where(MeterEventSend.usage_day.in_(days), MeterEventSend.status.in_(("pending", "error")))
        .group_by(MeterEventSend.usage_day, MeterEventSend.status))}
    found = {day: latest_rerun(runs[day], unsent.get((day, "pending"), 0), unsent.get((day, "error"), 0))
             for day in days}
    return {day: rerun for day, rerun in found.items() if rerun is not None}


def _job_starters(session, entries: list[AuditEntry]) -> dict[str, str]:
    """Job id -> who started it, for sends a job ran (their audit entries say only `job:<id>`)."""
    ids = {e.actor_label.removeprefix("job:") for e in entries if e.actor_label.startswith("job:")}
    if not ids:
        return {}
    return dict(session.execute(select(AuditEntry.object_id, AuditEntry.actor_label).where(
        AuditEntry.action == "job.started", AuditEntry.object_type == "job", AuditEntry.object_id.in_(ids))).all())


@dataclass(frozen=True)
class Unsent:
    day: date
    organisation_id: str
    reason: str


def _plan_failures(session, since: date, until: date) -> dict[date, dict[str, str]]:
    """Per usage day, the organisations the latest run covering them could not plan, with why (its audit entry)."""
    failed: dict[date, dict[str, str]] = defaultdict(dict)
    for entry in session.scalars(select(AuditEntry).where(
            AuditEntry.action == "usage.sent", AuditEntry.object_type == "usage_day",
            AuditEntry.object_id >= since.isoformat(), AuditEntry.object_id <= until.isoformat())
            .order_by(AuditEntry.at, AuditEntry.id)):
        after, day = entry.after or {}, date.fromisoformat(entry.object_id)
        covered = after.get("organisations", "all")
        failed[day] = {} if covered == "all" else {o: why for o, why in failed[day].items() if o not in covered}
        failed[day].update(after.get("failed") or {})
    return failed


def unsent_organisations(session, since: date, until: date) -> list[Unsent]:
    """Organisations whose usage of a day did not go out, with why: those the latest run covering them
    could not plan, and those with meter events Stripe refused."""
    failed = _plan_failures(session, since, until)
    for day, org, reason in session.execute(
            select(MeterEventSend.usage_day, MeterEventSend.organisation_id, func.min(MeterEventSend.error))
            .where(MeterEventSend.usage_day >= since, MeterEventSend.usage_day <= until, MeterEventSend.status == "error")
            .group_by(MeterEventSend.usage_day, MeterEventSend.organisation_id)):
        failed[day].setdefault(org, reason)
    return [Unsent(day, org, why) for day in sorted(failed, reverse=True) for org, why in sorted(failed[day].items())]


def send_failures(session, since: date, until: date) -> dict[date, list[str]]:
    """Per usage day, newest first, why its sends failed: refused events grouped by Stripe's message, then
    organisations that could not be planned grouped by why."""
    refused: dict[date, dict[str, int]] = defaultdict(dict)
    for day, error, n in session.execute(
            select(MeterEventSend.usage_day, MeterEventSend.error, func.count())
            .where(MeterEventSend.usage_day >= since, MeterEventSend.usage_day <= until, MeterEventSend.status == "error")
            .group_by(MeterEventSend.usage_day, MeterEventSend.error)):
        refused[day][error] = n
    planned = _plan_failures(session, since, until)
    days = sorted({d for d, v in refused.items() if v} | {d for d, v in planned.items() if v}, reverse=True)
    return {day: grouped_reasons(refused.get(day, {}), "event", "events")
            + grouped_reasons(Counter(planned.get(day, {}).values()), "organisation", "organisations") for day in days}


def monitor_page(session, today: date) -> dict:
    """The Usage page: sixty days of reports per instance, yesterday's gaps and check, how re-runs went,
    and the last week's organisations whose usage did not go out."""
    from app.billing.usage_gaps import rerun_date

    data = chart_series(session, today - timedelta(days=1))
    reruns = rerun_outcomes(session, sorted({g.day for g in data["gaps"]}))
    return {"series": data, "gaps": data["gaps"], "reruns": reruns, "check": check_usage_day(session, today - timedelta(days=1)),
            "rerun_date": rerun_date(data["gaps"], reruns, today),
            "unsent": unsent_organisations(session, today - timedelta(days=8), today - timedelta(days=1)),
            "failures": send_failures(session, today - timedelta(days=8), today - timedelta(days=1))}
