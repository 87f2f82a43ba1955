"""Sending a usage day's meter events to Stripe, each recorded pending -> sent | error.

Commits on purpose (like stripe_writes): planned rows are durable before the first call,
and results are committed every few sends, so a killed run loses nothing but a retry.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from app.billing import usage as rules
from app.gateways.stripe import StripeGatewayError
from app.models import MeterEventSend
from app.services.audit import Actor, record_audit
from app.services.usage_plan import aggregate_usage_events, plan_meter_events
from app.services.usage_time import day_bounds, today_local
from app.timeutil import utcnow

COMMIT_EVERY = 100
STREAM_BATCH = 100


@dataclass
class SendResult:
    usage_day: date
    sent: int = 0
    errors: int = 0
    skipped: int = 0
    planned: int = 0
    via: str = "v1"
    dry_run: bool = False
    lines: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        verb = "would be sent" if self.dry_run else "sent"
        return f"{self.sent if not self.dry_run else self.planned} reports {verb}, {self.skipped} skipped, {self.errors} errors"


def usage_day_for(report_date: date) -> date:
    """The usage day a report date stands for, or UsageDayRefused saying why not and what instead."""
    return rules.check_report_date(report_date, today_local(), day_bounds(rules.usage_day_of(report_date))[1], utcnow())


def send_usage_reports(session, gateway, catalog, actor: Actor, report_date: date, org_ids: list[str] | None = None,
                       dry_run: bool = False, stream_threshold: int = 1000,
                       progress: Callable[[int, int, str], None] | None = None) -> SendResult:
    usage_day = usage_day_for(report_date)
    result = SendResult(usage_day, dry_run=dry_run)
    aggregate_usage_events(session, catalog, usage_day)
    owed = plan_meter_events(session, gateway, catalog, usage_day, org_ids)
    result.planned = len(owed)
    result.skipped = _count(session, usage_day, "skipped", org_ids)
    if dry_run:
        session.rollback()
        return result
    session.commit()  # every owed row is durable before the first call
    report = progress or (lambda done, total, line: None)
    report(0, len(owed), f"usage day {usage_day}: {len(owed)} meter events to send")
    result.via = "v2" if len(owed) > stream_threshold else "v1"
    (_send_stream if result.via == "v2" else _send_each)(session, gateway, owed, report)
    session.commit()
    result.sent = sum(r.status == "sent" for r in owed)
    result.errors = sum(r.status == "error" for r in owed)
    record_audit(session, actor, "usage.sent", "usage_day", usage_day.isoformat(),
                 after={"report_date": report_date, "sent": result.sent, "errors": result.errors,
                        "skipped": result.skipped, "via": result.via, "organisations": org_ids or "all"})
    session.commit()
    return result


def _count(session, usage_day, status, org_ids) -> int:
    query = select(func.count()).select_from(MeterEventSend).where(
        MeterEventSend.usage_day == usage_day, MeterEventSend.status == status)
    if org_ids:
        query = query.where(MeterEventSend.organisation_id.in_(org_ids))
    return session.scalar(query)


def _params(row: MeterEventSend) -> dict:
    return {"event_name": row.event_name, "identifier": row.identifier, "timestamp": row.timestamp,
            "payload": {"stripe_customer_id": row.stripe_customer_id, "value": str(row.value)}}


def _send_each(session, gateway, rows: list[MeterEventSend], report) -> None:
    """v1, one call at a time: never two concurrent calls for a customer and meter."""
    for done, row in enumerate(rows, 1):
        row.attempts, row.via = row.attempts + 1, "v1"
        try:
            gateway.create_meter_event(_params(row), key=row.identifier)
            _mark_sent(row)
        except StripeGatewayError as exc:
            if exc.param == "identifier" and "already exists" in str(exc):
                _mark_sent(row)  # Stripe has it from an attempt whose answer we lost
            else:
                row.status, row.error = "error", str(exc)
        if done % COMMIT_EVERY == 0 or done == len(rows):
            session.commit()
            report(done, len(rows), f"{done} of {len(rows)} sent")


def _send_stream(session, gateway, rows: list[MeterEventSend], report) -> None:
    """v2: 100 events a call on a 15-minute session, renewed when it expires."""
    token = gateway.meter_event_session()
    for start in range(0, len(rows), STREAM_BATCH):
        chunk = rows[start:start + STREAM_BATCH]
        events = [_stream_event(r) for r in chunk]
        try:
            try:
                gateway.stream_meter_events(token, events)
            except StripeGatewayError as exc:
                if exc.code != "temporary_session_expired" and exc.http_status != 401:
                    raise
                token = gateway.meter_event_session()
                gateway.stream_meter_events(token, events)
            for row in chunk:
                row.attempts, row.via = row.attempts + 1, "v2"
                _mark_sent(row)
        except StripeGatewayError as exc:
            for row in chunk:
                row.attempts, row.via, row.status, row.error = row.attempts + 1, "v2", "error", str(exc)
        if (start // STREAM_BATCH) % 10 == 9 or start + STREAM_BATCH >= len(rows):
            session.commit()
            report(min(start + STREAM_BATCH, len(rows)), len(rows), f"{min(start + STREAM_BATCH, len(rows))} of {len(rows)} streamed")


def _stream_event(row: MeterEventSend) -> dict:
    moment = datetime.fromtimestamp(row.timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {"event_name": row.event_name, "identifier": row.identifier, "timestamp": moment,
            "payload": {"stripe_customer_id": row.stripe_customer_id, "value": str(row.value)}}


def _mark_sent(row: MeterEventSend) -> None:
    row.status, row.error, row.sent_at = "sent", "", utcnow()


def clear_send_errors(session, actor: Actor, usage_day: date) -> int:
    """An operator clears a day's errors: the rows go back to pending for the next run."""
    rows = session.scalars(select(MeterEventSend).where(MeterEventSend.usage_day == usage_day,
                                                        MeterEventSend.status == "error")).all()
    for row in rows:
        row.status = "pending"
    session.flush()
    record_audit(session, actor, "usage.errors_cleared", "usage_day", usage_day.isoformat(), after={"rows": len(rows)})
    return len(rows)
