"""The list, one customer's page and its read-only fragments, and the bulk sync."""
from __future__ import annotations

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.billing.customer_snapshot import item_for
from app.blueprints.customers import bp
from app.blueprints.customers.listing import page_of
from app.errors import on_refusal
from app.extensions import db
from app.htmx import render
from app.models import CONFIGURATIONS, Job
from app.services.audit import Actor
from app.services.configuration_report import configuration_page
from app.services.customer_bulk_sync import start_customer_sync
from app.services.customer_export import customer_json
from app.services.customer_page import customer_page, page_sections
from app.timeutil import utcnow

FRAGMENTS = ("features", "caps", "stripe", "upcoming", "audit", "configuration", "usage")


def page_context(customer_id: int, sections) -> dict:
    """The customer page's context for `sections`, with what its templates use to draw it."""
    context = customer_page(db.session, collaborators.stripe_gateway(), collaborators.catalog(), customer_id,
                            sections, utcnow().date())
    return {"item_for": item_for, "error": None, "notice": None, "form": {}} | context


@bp.get("")
def index():
    page = page_of(db.session, request.args, utcnow().date())
    return render("customers/index.html", "customers/_table.html", page=page, args=request.args,
                  configurations=CONFIGURATIONS, today=utcnow().date(), page_url=_page_url)


def _page_url(**changes) -> str:
    return url_for("customers.index", **{**request.args.to_dict(), **changes})


@bp.get("/configuration")
def configuration():
    """Customers whose Stripe setup does not match their billing configuration, as of their last sync."""
    return render_template("customers/configuration.html", **configuration_page(db.session, utcnow().date()))


@bp.get("/<int:customer_id>.json")
def show_json(customer_id: int):
    """The customer as scripts read it (the same JSON as `flask customers show ID --json`)."""
    return jsonify(customer_json(db.session, str(customer_id), utcnow().date()))


@bp.get("/<int:customer_id>")
def show(customer_id: int):
    return render_template("customers/show.html", **page_context(customer_id, page_sections()))


@bp.get("/<int:customer_id>/fragments/<name>")
def fragment(customer_id: int, name: str):
    if name not in FRAGMENTS:
        abort(404, description=f"no fragment '{name}'")
    return render_template(f"customers/_{name}.html", **page_context(customer_id, [name]))


@bp.post("/sync")
@require("customers.edit")
@on_refusal(lambda exc: render_template("customers/_sync_job.html", job=None, error=str(exc)))
def sync():
    """Selected ids, or every customer with a Stripe id: a background job with a progress bar."""
    job = start_customer_sync(db.session, Actor.of(current_user),
                              [int(i) for i in request.form.getlist("ids") if i.isdigit()],
                              everything=request.form.get("scope") == "all")
    db.session.commit()
    return render_template("customers/_sync_job.html", job=job, error=None)


@bp.get("/sync/<int:job_id>")
def sync_status(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.kind != "customers.sync":
        abort(404)
    return render_template("customers/_sync_job.html", job=job, error=None)
