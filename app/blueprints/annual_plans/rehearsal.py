"""Rehearse on a row's page: the button starts the job, the section polls it and then shows the result."""
from __future__ import annotations

from flask import render_template, request

from app import collaborators
from app.auth import require
from app.billing.plan_fields import dollars
from app.blueprints.annual_plans import bp
from app.blueprints.annual_plans.helpers import actor
from app.errors import on_refusal
from app.extensions import db
from app.services.plan_values import get_plan
from app.services.rehearsal_runs import last_rehearsal, rehearsal_job, start_rehearsal


def rehearsal_section(plan_id: int, job=None, error: str | None = None, status: int = 200):
    return render_template("annual_plans/_rehearsal.html", plan=get_plan(db.session, plan_id), job=job, error=error,
                           rehearsal=last_rehearsal(db.session, plan_id), dollars=dollars), status


@bp.post("/<int:plan_id>/rehearse")
@require("stripe.write")
@on_refusal(lambda exc, plan_id: rehearsal_section(plan_id, error=str(exc), status=exc.status))
def rehearse(plan_id: int):
    job = start_rehearsal(db.session, actor(), plan_id, collaborators.rehearsal_options()["api_key"])
    db.session.commit()
    return rehearsal_section(plan_id, job)


@bp.get("/<int:plan_id>/rehearsal")
def rehearsal(plan_id: int):
    return rehearsal_section(plan_id, rehearsal_job(db.session, plan_id, request.args.get("job", type=int)))
