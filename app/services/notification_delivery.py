"""The worker's side of the outbox: write each event's deliveries, then send each one at most once.

Commits per delivery on purpose (the `notification_sent` checkpoint): a delivery is claimed
(pending or failed -> sending) and committed before the server is called, and its result is
committed right after. So a re-run, a second worker or a crash in between never sends it twice;
one that was claimed and never finished stays "sending" for a person to see. A failed one is
tried again later, with its reason kept; one channel or recipient failing leaves the others alone.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from app.gateways.notify import DeliveryFailed
from app.models import Notification, NotificationDelivery
from app.services.notifications import deliveries_due, object_path, recipients
from app.unit_of_work import checkpoint

SLACK_RECIPIENT = "slack"
RETRY_AFTER = timedelta(minutes=5)  # doubled each attempt
MAX_ATTEMPTS = 8
NOT_CONFIGURED = {"email": "SMTP_HOST is not set", "slack": "SLACK_WEBHOOK_URL is not set"}


@dataclass
class DeliveryRun:
    fanned_out: int = 0
    sent: int = 0
    failed: int = 0


def fan_out(session, channels: dict, now) -> int:
    """Each new event's deliveries, by the users' choices and the channels configured now."""
    events = session.scalars(select(Notification).where(Notification.fanned_out_at.is_(None))
                             .order_by(Notification.id)).all()
    for event in events:
        emails, slack_followers = recipients(session, event.kind)
        if "email" in channels:
            for email in emails:
                event.deliveries.append(NotificationDelivery(channel="email", recipient=email, updated_at=now))
        if "slack" in channels and slack_followers:
            event.deliveries.append(NotificationDelivery(channel="slack", recipient=SLACK_RECIPIENT, updated_at=now))
        event.fanned_out_at = now
    if events:
        checkpoint(session, "notification_sent")  # the deliveries exist before any is sent
    return len(events)


def deliver_notifications(session, channels: dict, now, public_url: str = "") -> DeliveryRun:
    """`public_url` (PUBLIC_URL) lets each message link to its object's page; without it, the object is named."""
    run = DeliveryRun(fanned_out=fan_out(session, channels, now))
    for delivery_id in deliveries_due(session, now):
        if not _claim(session, delivery_id, now):
            continue  # another worker has it, or it was sent meanwhile
        if _send(session, channels, session.get(NotificationDelivery, delivery_id), now, public_url):
            run.sent += 1
        else:
            run.failed += 1
        checkpoint(session, "notification_sent")
    return run


def _claim(session, delivery_id: int, now) -> bool:
    claimed = session.execute(update(NotificationDelivery).where(
        NotificationDelivery.id == delivery_id, NotificationDelivery.status.in_(("pending", "failed")))
        .values(status="sending", attempts=NotificationDelivery.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False))
    checkpoint(session, "notification_sent")
    return claimed.rowcount == 1


def _send(session, channels: dict, delivery: NotificationDelivery, now, public_url: str) -> bool:
    session.refresh(delivery)
    event = delivery.notification
    channel = channels.get(delivery.channel)
    try:
        if channel is None:
            raise DeliveryFailed(NOT_CONFIGURED.get(delivery.channel, f"no channel {delivery.channel}"))
        channel.send(delivery.recipient, event.subject, _body(session, event, delivery, public_url))
    except DeliveryFailed as exc:
        delivery.status, delivery.error, delivery.updated_at = "failed", str(exc), now
        delivery.next_attempt_at = (now + RETRY_AFTER * 2 ** (delivery.attempts - 1)
                                    if delivery.attempts < MAX_ATTEMPTS else None)
        if delivery.next_attempt_at is None:
            delivery.error += f" (gave up after {delivery.attempts} attempts)"
        return False
    delivery.status, delivery.error, delivery.sent_at, delivery.updated_at = "sent", "", now, now
    delivery.next_attempt_at = None
    return True


def _body(session, event: Notification, delivery: NotificationDelivery, public_url: str) -> str:
    lines = [event.body] if event.body else []
    lines.append(f"Object: {event.object_type} {event.object_id}")
    if public_url:
        lines.append(f"Open it: {public_url}{object_path(event.object_type, event.object_id)}")
    if delivery.channel == "slack":
        lines.append("Following this on Slack: " + ", ".join(recipients(session, event.kind)[1]))
    return "\n".join(lines)
