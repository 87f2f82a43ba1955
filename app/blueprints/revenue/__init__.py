"""Revenue: MRR by month, product and configuration, each customer's figure with the rule behind it."""
from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from flask_login import current_user

from app.auth import require
from app.errors import on_refusal
from app.extensions import db
from app.htmx import render
from app.models import CONFIGURATIONS
from app.services.audit import Actor
from app.services.revenue_report import month_report, revenue_csv, revenue_page, revenue_why
from app.services.revenue_snapshot import parse_month_or_refuse, start_revenue_snapshot
from app.timeutil import utcnow

bp = Blueprint("revenue", __name__, url_prefix="/revenue")


def _today():
    return utcnow().date()


def _page(error=None):
    page = revenue_page(db.session, request.args.get("month") if error is None else None, _today(),
                        request.args.get("q", ""), request.args.get("configuration", ""),
                        request.args.get("sort", "-mrr"), request.args.get("page", "1"))
    return render("revenue/index.html", "revenue/_month.html", page=page, page_url=_page_url,
                  configurations=CONFIGURATIONS, error=error, job=None)


def _page_url(**changes) -> str:
    return url_for("revenue.index", **{**request.args.to_dict(), **changes})


@bp.get("")
@on_refusal(lambda exc: _page(error=str(exc)))
def index():
    return _page()


@bp.get("/<month>.json")
def month_json(month):
    return jsonify(month_report(db.session, parse_month_or_refuse(month, _today())))


@bp.get("/<month>.csv")
def month_csv(month):
    report = month_report(db.session, parse_month_or_refuse(month, _today()))
    return Response(revenue_csv(report), mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=revenue-{report['month']}.csv"})


@bp.get("/<month>/customers/<int:customer_id>")
def why(month, customer_id):
    return render("revenue/why.html", "revenue/_why.html",
                  why=revenue_why(db.session, parse_month_or_refuse(month, _today()), customer_id))


def _snapshot_refused(exc):
    return render_template("revenue/_snapshot.html", month_text=request.form.get("month", ""), job=None,
                           error=str(exc))


@bp.post("/snapshot")
@require("jobs.run")
@on_refusal(_snapshot_refused)
def snapshot():
    job = start_revenue_snapshot(db.session, Actor.of(current_user), request.form.get("month", ""), _today())
    db.session.commit()
    return render_template("revenue/_snapshot.html", month_text=job.arguments["month"], job=job, error=None)
