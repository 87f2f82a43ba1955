"""The usage monitor: reports per instance per day as a chart, gaps flagged, and the re-run button."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, render_template, request
from flask_login import current_user

from app import collaborators
from app.auth import require
from app.billing.usage import UsageDayRefused, usage_day_of
from app.billing.usage_days import local_today
from app.billing.usage_gaps import rerun_date
from app.blueprints.usage.chart import chart_svg
from app.extensions import db
from app.htmx import render
from app.services.audit import Actor
from app.services.jobs import start_job
from app.services.usage_monitor import chart_series, check_usage_day, rerun_outcomes
from app.services.usage_send import clear_send_errors, usage_day_for
from app.timeutil import utcnow

bp = Blueprint("usage", __name__, url_prefix="/usage")


@bp.get("")
def index():
    today = local_today(utcnow(), collaborators.usage_zone())
    data = chart_series(db.session, today - timedelta(days=1))
    reruns = rerun_outcomes(db.session, sorted({g.day for g in data["gaps"]}))
    check = check_usage_day(db.session, today - timedelta(days=1))
    return render("usage/index.html", "usage/_monitor.html", chart=chart_svg(data), gaps=data["gaps"], check=check,
                  reruns=reruns, rerun_date=rerun_date(data["gaps"], reruns, today), error=None, job=None)


@bp.post("/rerun")
@require("usage.rerun")
def rerun():
    raw, orgs = request.form.get("date", ""), request.form.get("orgs", "").replace(",", " ").split()
    try:
        report_date = date.fromisoformat(raw)
        usage_day_for(report_date, collaborators.usage_zone())
    except ValueError as exc:
        message = str(exc) if isinstance(exc, UsageDayRefused) else f"'{raw}' is not a date as YYYY-MM-DD"
        return render_template("usage/_rerun.html", rerun_date=raw, orgs=" ".join(orgs), error=message, job=None), 422
    job = start_job(db.session, Actor.of(current_user), "usage.send_reports",
                    {"date": report_date.isoformat(), "org_ids": orgs})
    db.session.commit()
    return render_template("usage/_rerun.html", rerun_date=report_date, orgs=" ".join(orgs), error=None, job=job)


@bp.post("/clear-errors")
@require("usage.rerun")
def clear_errors():
    """Refused meter events of the chosen report date's usage day go back to pending for the re-run."""
    raw = request.form.get("date", "")
    try:
        report_date = date.fromisoformat(raw)
    except ValueError:
        return render_template("usage/_rerun.html", rerun_date=raw, orgs="", job=None,
                               error=f"'{raw}' is not a date as YYYY-MM-DD"), 422
    cleared = clear_send_errors(db.session, Actor.of(current_user), usage_day_of(report_date))
    db.session.commit()
    return render_template("usage/_rerun.html", rerun_date=report_date, orgs="", error=None, job=None,
                           notice=f"{cleared} errors cleared for usage day {usage_day_of(report_date)}; "
                                  f"re-run to send them")
