"""Start a startup plan from the customer page: the Stripe calls first, then the confirmed run."""
from __future__ import annotations

from flask import request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.blueprints.customers import bp
from app.blueprints.customers.editors import refused, saved, section
from app.errors import on_refusal
from app.extensions import db
from app.services.audit import Actor
from app.services.startup_plans import plan_startup, start_startup_plan
from app.timeutil import utcnow


def _form() -> tuple[str, str]:
    return request.form.get("credit", ""), request.form.get("expires_on", "")


@bp.post("/<int:customer_id>/startup/preview")
@require("stripe.write")
@on_refusal(refused("startup"))
def preview_startup(customer_id: int):
    preview = plan_startup(db.session, collaborators.stripe_gateway(), collaborators.catalog(), customer_id,
                           *_form(), utcnow().date())
    return section(customer_id, "startup", False, preview=preview)


@bp.post("/<int:customer_id>/startup")
@require("stripe.write")
@on_refusal(refused("startup"))
def start_startup(customer_id: int):
    start_startup_plan(db.session, collaborators.stripe_gateway(), collaborators.catalog(), Actor.of(current_user),
                       customer_id, *_form(), request.form.get("fingerprint", ""), utcnow().date())
    return saved(customer_id, "startup", "Startup plan started: the credit is in Stripe.")
