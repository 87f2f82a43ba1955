"""Usage in (reports, run summaries, metered events) and meter events out (one row per send)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow

SEND_STATUSES = ("pending", "sent", "error", "skipped")


class UsageReport(db.Model):
    """One organisation's usage on one usage day, as one instance reported it (`date` is the usage day)."""

    __tablename__ = "usage_reports"
    __table_args__ = (UniqueConstraint("organisation_id", "instance", "date", name="uq_usage_report_org_instance_date"),
                      Index("ix_usage_reports_date_instance", "date", "instance"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    instance: Mapped[str] = mapped_column(String(64))
    date: Mapped[date]
    usage: Mapped[dict] = mapped_column(JSON, default=dict)  # product key -> int
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    replaced_at: Mapped[datetime | None]


class UsageRun(db.Model):
    """An instance's own account of its nightly run: how many organisations it meant to send and sent."""

    __tablename__ = "usage_runs"
    __table_args__ = (UniqueConstraint("instance", "date", name="uq_usage_run_instance_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance: Mapped[str] = mapped_column(String(64))
    date: Mapped[date]
    total_orgs: Mapped[int] = mapped_column(default=0, server_default="0")
    orgs_sent: Mapped[int] = mapped_column(default=0, server_default="0")
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class UsageEvent(db.Model):
    """A metered event from an organisation that sends events instead of daily reports."""

    __tablename__ = "usage_events"
    __table_args__ = (Index("ix_usage_events_timestamp", "timestamp"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    organisation_id: Mapped[str] = mapped_column(String(64), index=True)
    event_name: Mapped[str] = mapped_column(String(100))
    value: Mapped[int] = mapped_column(BigInteger)
    timestamp: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class MeterEventSend(db.Model):
    """One meter event we mean to send (pending), sent, refused (error) or not owed (skipped).

    The identifier is deterministic (organisation, product, usage day, revision), so a re-run
    finds its row and never sends a second event for the same value.
    """

    __tablename__ = "meter_event_sends"
    __table_args__ = (Index("ix_meter_event_sends_day_status", "usage_day", "status"),
                      Index("ix_meter_event_sends_org_product_day", "organisation_id", "product_key", "usage_day"))

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(100), unique=True)
    organisation_id: Mapped[str] = mapped_column(String(64))
    customer_id: Mapped[int | None] = mapped_column(index=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64))
    product_key: Mapped[str] = mapped_column(String(64))
    event_name: Mapped[str] = mapped_column(String(100))
    usage_day: Mapped[date]
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    uncapped_value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    timestamp: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # unix seconds
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")
    via: Mapped[str] = mapped_column(String(4), default="v1", server_default="v1")
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
