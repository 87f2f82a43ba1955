"""The usage monitor: reports per instance per day as a chart, gaps flagged, and the re-run button."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.billing.usage_days import local_today
from app.blueprints.usage.chart import chart_data
from app.errors import on_refusal
from app.extensions import db
from app.formatting import plural
from app.htmx import render
from app.services.audit import Actor
from app.services.usage_monitor import monitor_page
from app.services.usage_reruns import clear_refused_sends, start_usage_rerun
from app.timeutil import utcnow

bp = Blueprint("usage", __name__, url_prefix="/usage")


def _orgs() -> list[str]:
    return request.form.get("orgs", "").replace(",", " ").split()


def _rerun_refused(exc):
    return render_template("usage/_rerun.html", rerun_date=request.form.get("date", ""), orgs=" ".join(_orgs()),
                           error=str(exc), job=None)


@bp.get("")
def index():
    page = monitor_page(db.session, local_today(utcnow(), collaborators.usage_zone()))
    return render("usage/index.html", "usage/_monitor.html", chart=chart_data(page["series"]), gaps=page["gaps"],
                  check=page["check"], reruns=page["reruns"], rerun_date=page["rerun_date"], unsent=page["unsent"],
                  failures=page["failures"], timedelta=timedelta, error=None, job=None)


@bp.post("/rerun")
@require("usage.rerun")
@on_refusal(_rerun_refused)
def rerun():
    report_date, job = start_usage_rerun(db.session, Actor.of(current_user), collaborators.usage_zone(),
                                         request.form.get("date", ""), _orgs())
    db.session.commit()
    return render_template("usage/_rerun.html", rerun_date=report_date, orgs=" ".join(_orgs()), error=None, job=job)


@bp.post("/clear-errors")
@require("usage.rerun")
@on_refusal(_rerun_refused)
def clear_errors():
    """Refused meter events of the chosen report date's usage day go back to pending for the re-run."""
    report_date, usage_day, cleared = clear_refused_sends(db.session, Actor.of(current_user),
                                                          request.form.get("date", ""))
    db.session.commit()
    return render_template("usage/_rerun.html", rerun_date=report_date, orgs="", error=None, job=None,
                           notice=f"{plural(cleared, 'error')} cleared for usage day {usage_day}; re-run to send them")
