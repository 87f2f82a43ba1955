"""The list, one customer's page and its read-only fragments, and the bulk sync."""
from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_login import current_user

from app.auth import require
from app.blueprints.customers import bp
from app.blueprints.customers.context import fragment_context, show_context
from app.blueprints.customers.listing import page_of
from app.extensions import db
from app.htmx import render
from app.models import CONFIGURATIONS, Customer, Job
from app.services.audit import Actor
from app.services.configuration_report import configuration_report
from app.services.jobs import start_job
from app.timeutil import utcnow

FRAGMENTS = ("features", "caps", "stripe", "upcoming", "audit", "configuration", "usage")


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
    return render_template("customers/configuration.html", rows=configuration_report(db.session))


@bp.get("/<int:customer_id>")
def show(customer_id: int):
    return render_template("customers/show.html", **show_context(db.get_or_404(Customer, customer_id)))


@bp.get("/<int:customer_id>/fragments/<name>")
def fragment(customer_id: int, name: str):
    if name not in FRAGMENTS:
        abort(404, description=f"no fragment '{name}'")
    customer = db.get_or_404(Customer, customer_id)
    return render_template(f"customers/_{name}.html", **fragment_context(customer, name))


@bp.post("/sync")
@require("customers.edit")
def sync():
    """Selected ids, or every customer with a Stripe id: a background job with a progress bar."""
    everything = request.form.get("scope") == "all"
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()]
    if not everything and not ids:
        return render_template("customers/_sync_job.html", job=None,
                               error="Tick at least one customer, or use Sync all."), 422
    arguments = {"all": True} if everything else {"customer_ids": ids}
    job = start_job(db.session, Actor.of(current_user), "customers.sync", arguments, total=len(ids))
    db.session.commit()
    return render_template("customers/_sync_job.html", job=job, error=None)


@bp.get("/sync/<int:job_id>")
def sync_status(job_id: int):
    job = db.get_or_404(Job, job_id)
    if job.kind != "customers.sync":
        abort(404)
    return render_template("customers/_sync_job.html", job=job, error=None)
