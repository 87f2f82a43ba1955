"""The credit discount editor: the percent on our record, and its coupon in Stripe, saved in place."""
from __future__ import annotations

from flask import request

from app import collaborators
from app.auth import require
from app.blueprints.customers import bp
from app.blueprints.customers.editors import editor_actor, form_version, refused, saved
from app.errors import on_refusal
from app.extensions import db
from app.services.credit_discount import set_credit_discount


@bp.post("/<int:customer_id>/discount")
@require("customers.edit")
@on_refusal(refused("discount"))
def update_discount(customer_id: int):
    result = set_credit_discount(db.session, collaborators.stripe_gateway(), editor_actor(), customer_id,
                                 request.form.get("percent"), form_version(), collaborators.catalog().product_key_metadata)
    return saved(customer_id, "discount", result.notice)
