"""What the usage monitor and `flask usage check` read: reports per instance per day, run summaries, gaps."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from app.billing.usage_gaps import Gap, gaps_for_day, missing_or_zero, trailing_median
from app.models import UsageReport, UsageRun
from app.services.usage_plan import EVENTS_INSTANCE


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
