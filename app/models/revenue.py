"""A month's revenue snapshot: one row per customer with its MRR, per-product MRR, rule and inputs."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class RevenueMonth(db.Model):
    """The last snapshot of a calendar month (named by its first day) and what it read."""

    __tablename__ = "revenue_months"

    month: Mapped[date] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    total_mrr_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    customers: Mapped[int] = mapped_column(default=0)
    unresolved: Mapped[int] = mapped_column(default=0)
    invoices_read: Mapped[int] = mapped_column(default=0)
    stripe_calls: Mapped[int] = mapped_column(default=0)
    fingerprint: Mapped[str] = mapped_column(String(64), default="")  # of every input: unchanged means same rows
    by_product: Mapped[dict] = mapped_column(JSON, default=dict)  # product key -> cents, over counted customers
    by_configuration: Mapped[dict] = mapped_column(JSON, default=dict)  # configuration -> cents
    movements: Mapped[dict | None] = mapped_column(JSON)  # from the month before; None when it has no snapshot


class RevenueLine(db.Model):
    """One customer's MRR for one month, or why it could not be counted (`mrr_cents` None)."""

    __tablename__ = "revenue_lines"
    __table_args__ = (UniqueConstraint("month", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    configuration: Mapped[str] = mapped_column(String(30))
    mrr_cents: Mapped[int | None] = mapped_column(BigInteger)
    product_cents: Mapped[dict] = mapped_column(JSON, default=dict)
    rule: Mapped[str] = mapped_column(String(30), default="")
    inputs: Mapped[dict] = mapped_column(JSON, default=dict)
    arithmetic: Mapped[list] = mapped_column(JSON, default=list)
    unresolved_reason: Mapped[str] = mapped_column(Text, default="")
    digest: Mapped[str] = mapped_column(String(64), default="", server_default="")  # of the values above, as written
