"""Sending a usage day's meter events to Stripe, each recorded pending -> sent | error.

Commits mid-run on purpose, through the `usage_send_batch` checkpoint: the day is planned in
batches of organisations; each batch's rows are committed before any of them is sent, and results
are committed as they come, so a killed run loses nothing but a retry. The run's audit entry is
only flushed: the CLI command or job commits it. Sends run on a few threads while the next batch
is planned; only this thread touches the database.
"""
from __future__ import annotations

import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.billing import usage as rules
from app.billing import usage_gaps as rules_gaps
from app.billing.usage_days import day_bounds, local_today
from app.formatting import plural
from app.gateways.stripe import StripeGatewayError
from app.models import MeterEventSend
from app.services.audit import Actor, record_audit
from app.services.notifications import notify_usage_send_errors
from app.services.usage_event_reports import aggregate_usage_events
from app.services.usage_period_totals import reporting_orgs
from app.services.usage_send_plan import OwedEvent, concurrent_send, failure_reason, plan_apart
from app.timeutil import utcnow
from app.unit_of_work import checkpoint

NIGHTLY_ACTOR = Actor.system("nightly-usage")  # starts the nightly job; the monitor tells its runs from re-runs
PLAN_BATCH = 2500  # organisations planned (and committed) before their events go out
FIRST_BATCH = 500  # smaller, so sending starts sooner
COMMIT_EVERY = 1000  # results written per commit
STREAM_BATCH = 100  # events per v2 call, Stripe's maximum


@dataclass
class SendResult:
    usage_day: date
    sent: int = 0
    errors: int = 0
    skipped: int = 0
    planned: int = 0
    via: str = "v1"
    dry_run: bool = False
    failed: dict[str, str] = field(default_factory=dict)  # organisation -> why none of its usage went out
    reasons: list[str] = field(default_factory=list)  # why sends failed, grouped by Stripe's (or our) message

    @property
    def summary(self) -> str:
        verb = "would be sent" if self.dry_run else "sent"
        line = f"{self.sent if not self.dry_run else self.planned} reports {verb}, {self.skipped} skipped, {self.errors} errors"
        return line + (f", {plural(len(self.failed), 'organisation')} not sent" if self.failed else "")

    @property
    def failure_lines(self) -> list[str]:
        return [f"{org}: not sent: {why}" for org, why in sorted(self.failed.items())]


def usage_day_for(report_date: date, zone: ZoneInfo) -> date:
    """The usage day a report date stands for, or UsageDayRefused saying why not and what instead."""
    now = utcnow()
    day_end = day_bounds(rules.usage_day_of(report_date), zone)[1]
    return rules.check_report_date(report_date, local_today(now, zone), day_end, now)


def send_usage_reports(session, gateway, catalog, zone: ZoneInfo, actor: Actor, report_date: date,
                       org_ids: list[str] | None = None, dry_run: bool = False, stream_threshold: int = 1000, threads: int = 8,
                       progress: Callable[[int, int, str], None] | None = None) -> SendResult:
    """v2 stream when the day could owe more than `stream_threshold` events, else v1."""
    usage_day = usage_day_for(report_date, zone)
    result = SendResult(usage_day, dry_run=dry_run)
    aggregate_usage_events(session, catalog, zone, usage_day)
    orgs = reporting_orgs(session, usage_day, org_ids)
    batches = [orgs[start:start + PLAN_BATCH] for start in range(FIRST_BATCH, len(orgs), PLAN_BATCH)]
    batches = ([orgs[:FIRST_BATCH]] if orgs else []) + batches
    if dry_run:
        for batch in batches:
            planned = plan_apart(session, gateway, catalog, zone, usage_day, batch)
            result.planned, result.failed = result.planned + len(planned.owed), result.failed | planned.failed
        result.skipped = _count(session, usage_day, "skipped", org_ids)
        session.rollback()
        return result
    report = progress or (lambda done, total, line: None)
    metered = sum(p.metered for p in catalog.products.values())
    result.via = "v2" if len(orgs) * metered > stream_threshold else "v1"
    report(0, 0, f"usage day {usage_day}: {len(orgs)} organisations to plan in {len(batches)} batches, via {result.via}")
    sender = (_Stream if result.via == "v2" else _Lanes)(session, gateway, threads, report)
    try:
        for batch in batches:
            planned = plan_apart(session, gateway, catalog, zone, usage_day, batch)
            result.failed |= planned.failed
            sender.record(block=False)
            try:
                checkpoint(session, "usage_send_batch")  # this batch's rows are durable before the first is sent
            except IntegrityError as exc:
                raise concurrent_send(usage_day) from exc
            sender.submit(planned.owed)
        sender.record(block=True)
    finally:
        sender.close()
    result.planned, result.sent, result.errors = sender.submitted, sender.sent_count, sender.error_count
    result.skipped = _count(session, usage_day, "skipped", org_ids)
    result.reasons = failure_reasons(session, usage_day, result.failed, org_ids)
    for line in result.failure_lines:
        report(sender.recorded, sender.submitted, line)
    entry = record_audit(session, actor, "usage.sent", "usage_day", usage_day.isoformat(),
                         after={"report_date": report_date, "sent": result.sent, "errors": result.errors,
                                "skipped": result.skipped, "via": result.via, "organisations": org_ids or "all",
                                "failed": result.failed})
    notify_usage_send_errors(session, result, entry)
    return result


def failure_reasons(session, usage_day: date, failed: dict[str, str], org_ids: list[str] | None = None) -> list[str]:
    """The day's refused meter events grouped by Stripe's message, then the organisations that could not be
    planned grouped by why: what a person reads instead of a bare count of errors."""
    query = (select(MeterEventSend.error, func.count()).where(MeterEventSend.usage_day == usage_day,
                                                              MeterEventSend.status == "error")
             .group_by(MeterEventSend.error))
    if org_ids:
        query = query.where(MeterEventSend.organisation_id.in_(org_ids))
    refused = dict(session.execute(query).all())
    return (rules_gaps.grouped_reasons(refused, "event", "events")
            + rules_gaps.grouped_reasons(Counter(failed.values()), "organisation", "organisations"))


def _count(session, usage_day, status, org_ids) -> int:
    query = select(func.count()).select_from(MeterEventSend).where(
        MeterEventSend.usage_day == usage_day, MeterEventSend.status == status)
    if org_ids:
        query = query.where(MeterEventSend.organisation_id.in_(org_ids))
    return session.scalar(query)


class _Sender:
    """Calls on a thread pool; results (identifier, None or Stripe's message) written in bulk from
    the calling thread: one UPDATE for the sent, one per distinct error message."""

    via = ""

    def __init__(self, session, gateway, threads: int, report):
        self.session, self.gateway, self.report = session, gateway, report
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads))
        self.futures: deque[Future] = deque()
        self.sent: list[str] = []
        self.failed: dict[str, list[str]] = defaultdict(list)
        self.submitted = self.recorded = self.sent_count = self.error_count = 0

    def submit(self, events: list[OwedEvent]) -> None:
        self.submitted += len(events)
        self.futures.extend(self.pool.submit(self._call, group) for group in self._groups(events))

    def record(self, block: bool) -> None:
        """Write what has come back (all of it when `block`), committing every COMMIT_EVERY results."""
        while self.futures and (block or self.futures[0].done()):
            for identifier, error in self.futures.popleft().result():
                if error is None:
                    self.sent.append(identifier)
                else:
                    self.failed[error].append(identifier)
            if self._unwritten() >= COMMIT_EVERY or (block and not self.futures):
                self._write_results()
                checkpoint(self.session, "usage_send_batch")
                self.report(self.recorded, self.submitted, self.progress_line())
        self._write_results()

    def progress_line(self) -> str:
        """Says sent only of what Stripe took; refused events are counted apart."""
        verb = "streamed" if self.via == "v2" else "sent"
        line = f"{self.sent_count} of {self.submitted} {verb}"
        return line + (f", {self.error_count} refused" if self.error_count else "")

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def _unwritten(self) -> int:
        return len(self.sent) + sum(map(len, self.failed.values()))

    def _write_results(self) -> None:
        self.recorded += self._unwritten()
        self.sent_count += len(self.sent)
        self.error_count += self._unwritten() - len(self.sent)
        self._update(self.sent, status="sent", error="", sent_at=utcnow())
        for message, identifiers in self.failed.items():
            self._update(identifiers, status="error", error=message)
        self.sent, self.failed = [], defaultdict(list)

    def _update(self, identifiers: list[str], **values) -> None:
        for start in range(0, len(identifiers), 500):
            self.session.execute(
                update(MeterEventSend).where(MeterEventSend.identifier.in_(identifiers[start:start + 500]))
                .values(attempts=MeterEventSend.attempts + 1, via=self.via, **values)
                .execution_options(synchronize_session=False))


class _Lanes(_Sender):
    """v1, one event a call. Stripe allows one concurrent call per customer and meter, so each
    customer and meter's events go in order on one thread, and a batch waits for the one before."""

    via = "v1"

    def submit(self, events: list[OwedEvent]) -> None:
        self.record(block=True)
        super().submit(events)

    def _groups(self, events: list[OwedEvent]) -> list[list[OwedEvent]]:
        lanes: dict[tuple[str, str], list[OwedEvent]] = defaultdict(list)
        for event in events:
            lanes[(event.stripe_customer_id, event.event_name)].append(event)
        return list(lanes.values())

    def _call(self, lane: list[OwedEvent]) -> list[tuple[str, str | None]]:
        return [(event.identifier, self._send_one(event)) for event in lane]

    def _send_one(self, event: OwedEvent) -> str | None:
        try:
            self.gateway.create_meter_event(_params(event), key=event.identifier)
        except StripeGatewayError as exc:
            if exc.param == "identifier" and "already exists" in str(exc):
                return None  # Stripe has it from an attempt whose answer we lost
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - one event that cannot be sent fails alone, with its reason
            return failure_reason(exc)
        return None


class _Stream(_Sender):
    """v2: 100 events a call on a 15-minute session token, renewed once when it expires."""

    via = "v2"

    def __init__(self, *args):
        super().__init__(*args)
        self.token, self._lock = None, threading.Lock()

    def submit(self, events: list[OwedEvent]) -> None:
        if events and self.token is None:
            self.token = self.gateway.meter_event_session()
        super().submit(events)

    def _groups(self, events: list[OwedEvent]) -> list[list[OwedEvent]]:
        return [events[start:start + STREAM_BATCH] for start in range(0, len(events), STREAM_BATCH)]

    def _call(self, chunk: list[OwedEvent]) -> list[tuple[str, str | None]]:
        """The whole chunk is taken or refused (then retried on the next run)."""
        error = None
        try:
            payload = [_stream_event(e) for e in chunk]
            token = self.token
            try:
                self.gateway.stream_meter_events(token, payload)
            except StripeGatewayError as exc:
                if exc.code != "temporary_session_expired" and exc.http_status != 401:
                    raise
                self.gateway.stream_meter_events(self._renew(token), payload)
        except StripeGatewayError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - this chunk fails alone, with its reason
            error = failure_reason(exc)
        return [(event.identifier, error) for event in chunk]

    def _renew(self, expired: str) -> str:
        with self._lock:
            if self.token == expired:
                self.token = self.gateway.meter_event_session()
            return self.token


def _params(event: OwedEvent) -> dict:
    return {"event_name": event.event_name, "identifier": event.identifier, "timestamp": event.timestamp,
            "payload": {"stripe_customer_id": event.stripe_customer_id, "value": str(event.value)}}


def _stream_event(event: OwedEvent) -> dict:
    return {"event_name": event.event_name, "identifier": event.identifier, "timestamp": _iso(event.timestamp),
            "payload": {"stripe_customer_id": event.stripe_customer_id, "value": str(event.value)}}


@lru_cache(maxsize=256)
def _iso(unix: int) -> str:
    """A day's events share a handful of timestamps (the day's last minute, one per revision)."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def clear_send_errors(session, actor: Actor, usage_day: date) -> int:
    """An operator clears a day's errors: the rows go back to pending for the next run."""
    rows = session.scalars(select(MeterEventSend).where(MeterEventSend.usage_day == usage_day,
                                                        MeterEventSend.status == "error")).all()
    for row in rows:
        row.status = "pending"
    session.flush()
    record_audit(session, actor, "usage.errors_cleared", "usage_day", usage_day.isoformat(), after={"rows": len(rows)})
    return len(rows)
