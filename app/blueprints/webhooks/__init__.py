"""Machine endpoints for PandaDoc and Stripe: signed, stored first, answered fast."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app import collaborators
from app.auth import public
from app.extensions import csrf, db
from app.gateways.stripe import StripeGatewayError
from app.services.contract_webhooks import (
    WebhookRejected,
    receive_pandadoc_webhook,
    signature_valid,
)
from app.services.stripe_webhooks import receive_stripe_event

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.post("/pandadoc")
@public
@csrf.exempt
def pandadoc():
    raw = request.get_data(cache=False)
    if not signature_valid(raw, request.args.get("signature"), current_app.config["PANDADOC_WEBHOOK_KEY"]):
        return jsonify(error={"status": 401, "message": "bad or missing signature"}), 401
    try:
        outcome = receive_pandadoc_webhook(db.session, raw, {k.lower(): v for k, v in request.headers.items()})
    except WebhookRejected as exc:
        db.session.commit()  # the failed delivery is kept for inspection
        return jsonify(error={"status": 400, "message": str(exc)}), 400
    db.session.commit()
    return jsonify(duplicate=outcome.duplicate, created_plan_ids=outcome.created_plan_ids,
                   existing_documents=outcome.existing_documents, ignored=outcome.ignored), 200


@bp.post("/stripe")
@public
@csrf.exempt
def stripe_events():
    raw = request.get_data(cache=False)
    secret = current_app.config["STRIPE_WEBHOOK_SECRET"]
    gateway = collaborators.stripe_gateway()
    try:
        event = gateway.construct_event(raw, request.headers.get("Stripe-Signature", ""), secret)
    except StripeGatewayError as exc:
        return jsonify(error={"status": 400, "message": str(exc)}), 400
    outcome = receive_stripe_event(db.session, gateway, event, raw)
    return jsonify(result=outcome), 500 if outcome == "failed" else 200
