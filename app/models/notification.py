"""The notifications outbox: one row per event (kind, object, occurrence) and one per channel and recipient told.

The event's unique key is what makes "at most once" hold: recording the same event again finds
the row. Deliveries are written before anything is sent, then carry their status and error.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow

DELIVERY_STATUSES = ("pending", "sending", "sent", "failed")


class Notification(db.Model):
    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("kind", "object_type", "object_id", "occurrence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    occurrence: Mapped[str] = mapped_column(String(120))  # which time this object had this event
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    fanned_out_at: Mapped[datetime | None]  # its deliveries were written (None: the worker has not yet)

    deliveries: Mapped[list[NotificationDelivery]] = relationship(
        back_populates="notification", order_by="NotificationDelivery.id", cascade="all, delete-orphan")


class NotificationDelivery(db.Model):
    __tablename__ = "notification_deliveries"
    __table_args__ = (UniqueConstraint("notification_id", "channel", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(20))  # email | slack
    recipient: Mapped[str] = mapped_column(String(254))  # an email address, or "slack" (the team's webhook)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)  # DELIVERY_STATUSES
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]  # a failed one is tried again from then
    sent_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    notification: Mapped[Notification] = relationship(back_populates="deliveries")


class NotificationPreference(db.Model):
    """A user's choice for one kind; no row means the role's default."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(default=False)
    slack: Mapped[bool] = mapped_column(default=False)
