"""The billing API for the product's instances: bearer-token auth, JSON in and out, no session or CSRF."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from app import collaborators
from app.auth import public
from app.billing.usage_input import storable_text
from app.extensions import csrf, db
from app.refusals import Invalid
from app.services.api_tokens import authenticate
from app.services.customer_billing import billing_for_organisation
from app.timeutil import utcnow

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


def token_required(view):
    """401 JSON unless `Authorization: Bearer <token>` names an active token."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        token = authenticate(db.session, header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None)
        if token is None:
            return jsonify(error="unauthorized", message="a valid API token is required (Authorization: Bearer ...)"), 401
        db.session.commit()  # the token's last use is kept even when the request is then refused
        g.api_token = token
        return view(*args, **kwargs)

    return wrapped


@bp.get("/billing/customers/<organisation_id>")
@public  # machine endpoint: carries its own token auth
@token_required
def billing_customer(organisation_id: str):
    if not storable_text(organisation_id):
        raise Invalid("the organisation id holds a NUL character, which no organisation id has",
                      field="organisation_id")
    return jsonify(billing_for_organisation(db.session, collaborators.catalog(), organisation_id, utcnow().date()))


from app.blueprints.api import openapi, usage  # noqa: E402,F401  (register the routes)
