"""The Webhooks page: every stored PandaDoc and Stripe delivery, and handling a failed one again.

Handling again runs the same handler the delivery met on arrival, on the stored body (its signature was
checked then). Only a failed delivery is handled again: one already processed or ignored is refused in
words, so a double click or a second person cannot act on it twice.
"""
from __future__ import annotations

from contextlib import suppress

from sqlalchemy import select

from app.billing.webhook_bodies import BodyRefused, stripe_event
from app.models import WebhookEvent
from app.refusals import BadRequest, Conflict, Invalid, NotFound
from app.services.audit import Actor, record_audit
from app.services.contract_webhooks import handle_pandadoc_event
from app.services.stripe_webhooks import receive_stripe_event

SOURCES = ("pandadoc", "stripe")
STATUSES = ("received", "processed", "ignored", "failed")


def webhook_events_query(source: str = "", status: str = ""):
    """Newest first, filtered by source and status; an unknown filter value is refused naming its field."""
    query = select(WebhookEvent).order_by(WebhookEvent.received_at.desc(), WebhookEvent.id.desc())
    for field, value, allowed in (("source", source, SOURCES), ("status", status, STATUSES)):
        if value and value not in allowed:
            raise Invalid(f"{field} must be one of {', '.join(allowed)}, not '{value}'", field=field)
        if value:
            query = query.where(getattr(WebhookEvent, field) == value)
    return query


def handle_webhook_again(session, gateway, actor: Actor, event_id: int) -> WebhookEvent:
    """Run a failed delivery's handler again; audited with the status and error before and after."""
    event = session.get(WebhookEvent, event_id)
    if event is None:
        raise NotFound(f"No webhook delivery {event_id}.")
    if event.status != "failed":
        raise Conflict(f"Delivery {event.delivery_id} was already handled ({event.status}): handling it again "
                       f"would change nothing, so it was not.")
    before = {"status": event.status, "error": event.error}
    delivery_id, source, raw = event.delivery_id, event.source, event.body.encode("utf-8")
    if source == "stripe":
        _handle_stripe_again(session, gateway, event, raw)
    else:
        with suppress(BadRequest):  # the body still cannot be read: the event stays failed, with why
            handle_pandadoc_event(session, event, raw)
    event = session.get(WebhookEvent, event_id)
    record_audit(session, actor, "webhook.handled_again", "webhook_event", event_id, before=before,
                 after={"status": event.status, "error": event.error},
                 note=f"{source} delivery {delivery_id}")
    return event


def _handle_stripe_again(session, gateway, event: WebhookEvent, raw: bytes) -> None:
    try:
        parsed = stripe_event(raw)
    except BodyRefused as exc:
        event.error = str(exc)
        return
    receive_stripe_event(session, gateway, parsed, raw)  # a failed handler rolls back and keeps its error on the event
