"""Recording the events people are told about (the outbox), reading who was told, and each user's choices.

Hooks in other services call `notify(...)` (or one of the small `notify_*` helpers) in their own
transaction: the event is stored with it, or not at all. The worker sends (notification_delivery.py).
An event is keyed by (kind, object, occurrence): recording it again changes nothing, so a re-run of
whatever found it never tells anyone twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.billing.notification_kinds import CHANNELS, KINDS, default_on, startup_credit_running_out
from app.formatting import money
from app.models import Notification, NotificationDelivery, NotificationPreference, User
from app.refusals import Invalid
from app.services.audit import Actor, record_audit

BODY_LIMIT = 4000
SENDERS = {"stripe": "Stripe", "pandadoc": "PandaDoc"}


def notify(session, kind: str, object_type: str, object_id, occurrence: str, subject: str,
           body: str = "") -> Notification:
    """Store the event once; the existing row when this occurrence was recorded before."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    key = (kind, object_type, str(object_id), occurrence)
    existing = _find(session, *key)
    if existing is not None:
        return existing
    event = Notification(kind=kind, object_type=object_type, object_id=str(object_id), occurrence=occurrence,
                         subject=subject[:255], body=body[:BODY_LIMIT])
    try:
        with session.begin_nested():  # another process recorded it between our read and this insert
            session.add(event)
    except IntegrityError:
        return _find(session, *key)
    return event


def _find(session, kind, object_type, object_id, occurrence) -> Notification | None:
    return session.scalar(select(Notification).where(
        Notification.kind == kind, Notification.object_type == object_type,
        Notification.object_id == object_id, Notification.occurrence == occurrence))


def object_path(object_type: str, object_id: str) -> str:
    """The page where a person sees the object a notification is about (and who was told)."""
    return {"annual_plan": f"/annual-plans/{object_id}", "customer": f"/customers/{object_id}",
            "job": f"/jobs/{object_id}", "usage_day": "/usage",
            "webhook_event": f"/webhooks#webhook-{object_id}"}.get(object_type, "/notifications")


def notify_failed_job(session, job) -> None:
    from app.jobs.kinds import title

    notify(session, "job_failed", "job", job.id, "failed", f"Job failed: {title(job.kind)} (job {job.id})",
           f"{job.error}\nParameters: {job.arguments or {}}")


def notify_failed_webhook(session, stored) -> None:
    notify(session, "webhook_failed", "webhook_event", stored.id, "failed",
           f"{SENDERS.get(stored.source, stored.source)} webhook {stored.delivery_id} could not be handled",
           f"{stored.event_type or 'delivery'}: {stored.error}")


def notify_usage_send_errors(session, result, audit_entry) -> None:
    """A send that ended with refused meter events or organisations it could not send (each send once)."""
    if not (result.errors or result.failed):
        return
    day = result.usage_day.isoformat()
    notify(session, "usage_send_errors", "usage_day", day, f"send:{audit_entry.id}",
           f"Usage send for {day} ended with errors: {result.summary}", "\n".join(result.failure_lines[:50]))


def notify_startup_credit_low(session, customer, remaining_cents: int, today) -> None:
    """Read by the daily startup-plans job; told once per grant."""
    why = startup_credit_running_out(customer.startup_credit_cents, remaining_cents,
                                     customer.startup_credit_expires_on, today)
    if why:
        notify(session, "startup_credit_low", "customer", customer.id, f"grant:{customer.startup_credit_grant_id}",
               f"Startup credit about to run out: {customer.name} ({why})",
               f"{money(remaining_cents)} of {money(customer.startup_credit_cents or 0)} left, expiring on "
               f"{customer.startup_credit_expires_on}. The plan becomes paid when it runs out.")


@dataclass(frozen=True)
class Told:
    kind: str
    subject: str
    channel: str
    recipient: str
    status: str
    error: str
    at: datetime | None  # when sent, or when last tried


def told_about(session, object_type: str, object_id=None) -> list[Told]:
    """Who was told about this object (every object of the type when None), newest first: each
    delivery, or the event alone when nobody was (yet) to be told."""
    query = select(Notification).where(Notification.object_type == object_type)
    if object_id is not None:
        query = query.where(Notification.object_id == str(object_id))
    events = session.scalars(query.options(selectinload(Notification.deliveries))
                             .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(20)).all()
    return [told for event in events for told in _rows(event)]


def _rows(event: Notification) -> list[Told]:
    if not event.deliveries:
        status = "waiting for the worker" if event.fanned_out_at is None else "nobody to tell"
        return [Told(event.kind, event.subject, "", "", status, "", event.created_at)]
    return [Told(event.kind, event.subject, d.channel, d.recipient, d.status, d.error, d.sent_at or d.updated_at)
            for d in event.deliveries]


def recent_notifications(session, limit: int = 200) -> list[Notification]:
    return list(session.scalars(select(Notification).options(selectinload(Notification.deliveries))
                                .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def preferences_of(session, user: User) -> dict[str, dict[str, bool]]:
    """kind -> channel -> on, the user's choices over their role's defaults."""
    chosen = {p.kind: p for p in session.scalars(select(NotificationPreference)
                                                 .where(NotificationPreference.user_id == user.id))}
    return {kind: _choice(chosen.get(kind), kind, user.role) for kind in KINDS}


def _choice(preference: NotificationPreference | None, kind: str, role: str) -> dict[str, bool]:
    if preference is None:
        return dict.fromkeys(CHANNELS, default_on(kind, role))
    return {"email": preference.email, "slack": preference.slack}


def set_preferences(session, actor: Actor, user_id: int, checked: list[str]) -> dict[str, dict[str, bool]]:
    """`checked` holds "kind:channel" for each box ticked; every kind is then stored as chosen."""
    wanted = set(checked)
    unknown = sorted(w for w in wanted if w.partition(":")[0] not in KINDS or w.partition(":")[2] not in CHANNELS)
    if unknown:
        raise Invalid(f"Notifications: unknown choice {unknown[0]!r}", field="notify")
    user = session.get(User, user_id)
    before = preferences_of(session, user)
    existing = {p.kind: p for p in session.scalars(select(NotificationPreference)
                                                   .where(NotificationPreference.user_id == user_id))}
    for kind in KINDS:
        row = existing.get(kind) or NotificationPreference(user_id=user_id, kind=kind)
        row.email, row.slack = f"{kind}:email" in wanted, f"{kind}:slack" in wanted
        session.add(row)
    session.flush()
    after = preferences_of(session, user)
    changed = [k for k in KINDS if before[k] != after[k]]
    if changed:
        record_audit(session, actor, "user.notifications_changed", "user", user_id,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return after


def recipients(session, kind: str) -> tuple[list[str], list[str]]:
    """(emails of active users who want this kind by email, those who want it on Slack)."""
    users = session.scalars(select(User).where(User.active.is_(True)).order_by(User.id)).all()
    chosen = {p.user_id: p for p in session.scalars(select(NotificationPreference)
                                                    .where(NotificationPreference.kind == kind))}
    emails, slack = [], []
    for user in users:
        choice = _choice(chosen.get(user.id), kind, user.role)
        if choice["email"]:
            emails.append(user.email)
        if choice["slack"]:
            slack.append(user.email)
    return emails, slack


def deliveries_due(session, now) -> list[int]:
    return list(session.scalars(select(NotificationDelivery.id).where(
        (NotificationDelivery.status == "pending")
        | ((NotificationDelivery.status == "failed") & (NotificationDelivery.next_attempt_at <= now)))
        .order_by(NotificationDelivery.id)))
