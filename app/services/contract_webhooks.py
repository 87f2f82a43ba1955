"""PandaDoc's contract-completed webhook: verify, store, create rows, queue their loading."""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.billing.webhook_bodies import BodyRefused, strict_json
from app.models import AnnualPlan, WebhookEvent
from app.refusals import BadRequest, Unauthenticated
from app.services.audit import Actor, record_audit
from app.services.jobs import start_job
from app.services.notifications import notify_failed_webhook
from app.timeutil import utcnow
from app.unit_of_work import checkpoint

WEBHOOK_ACTOR = Actor.system("pandadoc-webhook")
KEPT_HEADERS = ("content-type", "user-agent", "x-pandadoc-webhook-event-id")


@dataclass
class WebhookOutcome:
    duplicate: bool = False
    created_plan_ids: list[int] = field(default_factory=list)
    existing_documents: list[str] = field(default_factory=list)
    ignored: int = 0


def signature_valid(raw_body: bytes, signature: str | None, key: str) -> bool:
    """Hex HMAC-SHA256 of the raw bytes with the shared key, compared in constant time."""
    if not key or not signature or not signature.isascii():  # compare_digest refuses non-ASCII text
        return False
    expected = hmac.new(key.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())


def receive_pandadoc_webhook(session, raw_body: bytes, signature: str | None, key: str,
                             headers: dict) -> WebhookOutcome:
    """Check the signature, store (deduplicated per delivery), then act; a bad body is kept as failed.

    A bad or missing signature is refused before anything is stored. `headers` has lower-case names.
    """
    if not signature_valid(raw_body, signature, key):
        raise Unauthenticated("bad or missing signature")
    delivery_id = headers.get("x-pandadoc-webhook-event-id") or "sha256:" + hashlib.sha256(raw_body).hexdigest()
    if session.scalar(select(WebhookEvent.id).where(
            WebhookEvent.source == "pandadoc", WebhookEvent.delivery_id == delivery_id)):
        return WebhookOutcome(duplicate=True)
    event = WebhookEvent(source="pandadoc", delivery_id=delivery_id, verified=True,
                         body=raw_body.decode("utf-8", "replace"),
                         headers={k: v for k, v in headers.items() if k in KEPT_HEADERS})
    session.add(event)
    session.flush()
    try:
        return handle_pandadoc_event(session, event, raw_body)
    except BadRequest:
        checkpoint(session, "webhook_stored")  # kept for inspection although the delivery is refused
        raise


def handle_pandadoc_event(session, event: WebhookEvent, raw_body: bytes) -> WebhookOutcome:
    """Act on a stored delivery (on arrival, or when a person handles a failed one again); a body that
    cannot be read leaves the event failed with why, and is refused."""
    try:
        notifications = _notifications(raw_body)
    except BadRequest as exc:
        event.status, event.error = "failed", str(exc)
        notify_failed_webhook(session, event)
        raise
    outcome = WebhookOutcome()
    for note in notifications:
        _handle(session, note, event, outcome)
    event.status = "processed" if outcome.created_plan_ids or outcome.existing_documents else "ignored"
    event.event_type = ",".join(sorted({n.get("event", "") for n in notifications}))
    event.error, event.processed_at = "", utcnow()
    return outcome


def _notifications(raw_body: bytes) -> list[dict]:
    try:
        body = strict_json(raw_body)
    except BodyRefused as exc:
        raise BadRequest(str(exc), field="body") from exc
    if not isinstance(body, list) or not all(isinstance(n, dict) and "event" in n for n in body):
        raise BadRequest("body must be a JSON array of notifications, each with an 'event'")
    return body


def _is_completion(note: dict) -> bool:
    data = note.get("data") or {}
    return note.get("event") == "document_state_changed" and data.get("status") == "document.completed"


def _handle(session, note: dict, event: WebhookEvent, outcome: WebhookOutcome) -> None:
    data = note.get("data") or {}
    document_id = data.get("id")
    if not _is_completion(note) or not document_id:
        outcome.ignored += 1
        return
    plan = create_plan_for_document(session, document_id, data.get("name", ""), WEBHOOK_ACTOR,
                                    note=f"webhook delivery {event.delivery_id}")
    if plan is None:
        outcome.existing_documents.append(document_id)
    else:
        outcome.created_plan_ids.append(plan.id)


def create_plan_for_document(session, document_id: str, name: str, actor: Actor, note: str = "",
                             load: bool = True) -> AnnualPlan | None:
    """One row per document, even when two deliveries race; None when the row exists."""
    if session.scalar(select(AnnualPlan.id).where(AnnualPlan.document_id == document_id)):
        return None
    try:
        with session.begin_nested():
            plan = AnnualPlan(document_id=document_id, name=name or "", stage="received")
            session.add(plan)
    except IntegrityError:
        return None
    record_audit(session, actor, "annual_plan.received", "annual_plan", plan.id,
                 after={"document_id": document_id, "name": name}, note=note)
    if load:
        start_job(session, actor, "annual_plans.load", {"plan_id": plan.id})
    return plan
