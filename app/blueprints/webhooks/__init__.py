"""Machine endpoints for PandaDoc and Stripe (signed, stored first, answered fast), and the Webhooks page
people read them on: signed in, and handling a failed delivery again needs `webhooks.handle`."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import public, require
from app.errors import on_refusal
from app.extensions import csrf, db
from app.htmx import render
from app.models import WebhookEvent
from app.paging import page_arg, paginate_clamped
from app.services.audit import Actor
from app.services.contract_webhooks import receive_pandadoc_webhook
from app.services.stripe_webhooks import receive_stripe_webhook
from app.services.webhook_events import (
    SOURCES,
    STATUSES,
    handle_webhook_again,
    webhook_events_query,
)

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
PER_PAGE = 50


@bp.get("")
def index():
    query = webhook_events_query(request.args.get("source", ""), request.args.get("status", ""))
    page = paginate_clamped(db, query, page_arg(request.args.get("page")), PER_PAGE)
    return render("webhooks/index.html", "webhooks/_table.html", page=page, args=request.args,
                  sources=SOURCES, statuses=STATUSES)


def _row_refused(exc, event_id: int):
    return render_template("webhooks/_row.html", event=db.session.get(WebhookEvent, event_id), message=str(exc),
                           refused=True)


@bp.post("/deliveries/<int:event_id>/handle-again")
@require("webhooks.handle")
@on_refusal(_row_refused)
def handle_again(event_id: int):
    event = handle_webhook_again(db.session, collaborators.stripe_gateway(), Actor.of(current_user), event_id)
    db.session.commit()
    message = "Handled again: " + (event.status if event.status != "failed" else f"failed again — {event.error}")
    return render_template("webhooks/_row.html", event=event, message=message, refused=event.status == "failed")


@bp.post("/pandadoc")
@public
@csrf.exempt
def pandadoc():
    outcome = receive_pandadoc_webhook(db.session, request.get_data(cache=False), request.args.get("signature"),
                                       current_app.config["PANDADOC_WEBHOOK_KEY"],
                                       {k.lower(): v for k, v in request.headers.items()})
    db.session.commit()
    return jsonify(duplicate=outcome.duplicate, created_plan_ids=outcome.created_plan_ids,
                   existing_documents=outcome.existing_documents, ignored=outcome.ignored), 200


@bp.post("/stripe")
@public
@csrf.exempt
def stripe_events():
    outcome = receive_stripe_webhook(db.session, collaborators.stripe_gateway(), request.get_data(cache=False),
                                     request.headers.get("Stripe-Signature", ""),
                                     current_app.config["STRIPE_WEBHOOK_SECRET"])
    db.session.commit()  # a failed handler's error is kept on the stored event, for Stripe's retry
    return jsonify(result=outcome), 500 if outcome == "failed" else 200
