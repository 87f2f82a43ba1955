"""Machine endpoints for PandaDoc and Stripe: signed, stored first, answered fast."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from app import collaborators
from app.auth import public
from app.extensions import csrf, db
from app.services.contract_webhooks import receive_pandadoc_webhook
from app.services.stripe_webhooks import receive_stripe_webhook

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


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
