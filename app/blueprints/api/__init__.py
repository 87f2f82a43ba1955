"""The billing API for the product's instances: bearer-token auth, JSON in and out, no session or CSRF."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request

from app import collaborators
from app.auth import public
from app.billing.usage_input import storable_text
from app.blueprints.api.ratelimit import rate_limited
from app.extensions import csrf, db
from app.refusals import Invalid
from app.services.api_tokens import authenticate, require_scope
from app.services.customer_billing import billing_for_organisation
from app.timeutil import utcnow

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)


def token_required(scope: str, limited: bool = False):
    """401 JSON unless `Authorization: Bearer <token>` names an active token; 403 unless it has `scope`;
    with `limited`, 429 once the token spent its bucket (counted in the commit that notes its use)."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            token = authenticate(db.session, header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else None)
            if token is None:
                return jsonify(error="unauthorized", message="a valid API token is required (Authorization: Bearer ...)"), 401
            require_scope(token, scope)  # refused before anything is written
            refused = rate_limited(db.session, token) if limited else None
            db.session.commit()  # the token's last use (and its bucket) is kept even when the request is then refused
            if refused is not None:
                return refused
            g.api_token = token
            return view(*args, **kwargs)

        return wrapped

    return decorator


@bp.get("/billing/customers/<organisation_id>")
@public  # machine endpoint: carries its own token auth
@token_required("billing:read")
def billing_customer(organisation_id: str):
    if not storable_text(organisation_id):
        raise Invalid("the organisation id holds a NUL character, which no organisation id has",
                      field="organisation_id")
    return jsonify(billing_for_organisation(db.session, collaborators.catalog(), organisation_id, utcnow().date()))


from app.blueprints.api import openapi, usage  # noqa: E402,F401  (register the routes)
