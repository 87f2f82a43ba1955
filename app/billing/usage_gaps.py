"""Gap rules for the usage monitor and `flask usage check`: no I/O, ints and Decimal only.

A usage day is flagged for an instance with zero reports, fewer reports than its own run
summary says it sent, or under 90% of its trailing 7-day median. A flagged day stays flagged
(the reports are still missing); what a re-run of it achieved is told alongside.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

MEDIAN_DAYS = 7
MEDIAN_SHARE = Decimal("0.9")
# What the instance that missed its reports runs to send them again (the handbook's command); the
# product accepts them late, inside Stripe's 35-day meter window.
INSTANCE_RESEND_COMMAND = "python manage.py send_usage_report --date {date} --async 1"


@dataclass(frozen=True)
class Gap:
    day: date  # the usage day; re-run with day + 1
    instance: str
    kind: str  # zero | below_run | below_median
    message: str

    @property
    def rerun_date(self) -> date:
        return self.day + timedelta(days=1)

    @property
    def resend_command(self) -> str:
        """Run on the instance itself: its reports for `day` are missing, so only it can send them."""
        return INSTANCE_RESEND_COMMAND.format(date=self.rerun_date)


def median(values: list[int]) -> Decimal | None:
    if not values:
        return None
    ordered, middle = sorted(values), len(values) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return (Decimal(ordered[middle - 1]) + Decimal(ordered[middle])) / 2


def trailing_median(counts: dict[date, int], day: date) -> Decimal | None:
    """The median of the 7 days before `day` that the instance reported at all."""
    before = [counts[d] for d in (day - timedelta(days=n) for n in range(1, MEDIAN_DAYS + 1)) if counts.get(d)]
    return median(before)


def gaps_for_day(day: date, counts: dict[str, dict[date, int]], runs: dict[str, dict[date, int]]) -> list[Gap]:
    """counts: instance -> day -> reports received; runs: instance -> day -> orgs_sent by its run summary."""
    found: list[Gap] = []
    for instance in sorted(counts.keys() | runs.keys()):
        received = counts.get(instance, {}).get(day, 0)
        said = runs.get(instance, {}).get(day)
        usual = trailing_median(counts.get(instance, {}), day)
        if received == 0 and (said or usual):
            found.append(Gap(day, instance, "zero", f"{instance} sent no usage reports for {day}"))
        elif said is not None and received < said:
            found.append(Gap(day, instance, "below_run",
                             f"{instance}: {received} reports for {day}, but its run summary says {said} were sent"))
        elif usual is not None and Decimal(received) < usual * MEDIAN_SHARE:
            found.append(Gap(day, instance, "below_median",
                             f"{instance}: {received} reports for {day}, under 90% of its 7-day median ({usual})"))
    return found


def missing_or_zero(yesterday_orgs: set[str], today_orgs: set[str], run_total: int | None,
                    received: int) -> tuple[list[str], list[str]]:
    """Organisations with a report the day before and none now: (missing, zero usage).

    The run summary tells them apart: when the instance says it meant to send exactly what we
    received, the others had nothing to report; otherwise their reports are missing.
    """
    absent = sorted(yesterday_orgs - today_orgs)
    if run_total is not None and run_total == received:
        return [], absent
    return absent, []


@dataclass(frozen=True)
class SendRun:
    """One recorded send of a usage day: when it ended, what it sent and had refused, and whether it was the nightly."""
    at: datetime  # UTC
    sent: int
    errors: int
    nightly: bool = False


@dataclass(frozen=True)
class Rerun:
    """The latest re-run of a usage day, and how many of the day's meter events are still unsent now."""
    at: datetime
    sent: int
    errors: int
    pending: int

    @property
    def settled(self) -> bool:
        return self.errors == 0 and self.pending == 0

    @property
    def summary(self) -> str:
        text = f"re-run {self.at:%Y-%m-%d %H:%M} UTC: {self.sent} sent, {self.errors} errors"
        return text + (f", {self.pending} still pending" if self.pending else "")


def latest_rerun(runs: list[SendRun], pending: int, refused: int) -> Rerun | None:
    """None until someone re-ran the day: the nightly send is the run that left the gap, not a re-run.

    `pending` and `refused` count the day's meter events not sent as things stand, so errors a
    later run left (or an older run's that were never cleared) keep the day alarming.
    """
    reruns = [r for r in runs if not r.nightly]
    if not reruns:
        return None
    last = max(reruns, key=lambda r: r.at)
    return Rerun(last.at, last.sent, max(last.errors, refused), pending)


def rerun_date(gaps: list[Gap], reruns: dict[date, Rerun], today: date) -> date:
    """The date the Re-run form offers: the latest gap not settled by a re-run, else the latest gap."""
    open_gaps = [g for g in gaps if not (g.day in reruns and reruns[g.day].settled)]
    return (open_gaps or gaps)[-1].rerun_date if gaps else today


def grouped_reasons(counts: Counter | dict[str, int], singular: str, plural: str) -> list[str]:
    """Failures grouped by their message, most frequent first: "12 events: timestamp must be within ..."."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [f"{n} {singular if n == 1 else plural}: {message or 'no reason recorded'}" for message, n in ordered]
