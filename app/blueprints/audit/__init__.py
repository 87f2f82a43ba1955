"""The audit log: who changed what, filterable, newest first."""
from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import Blueprint, abort, request

from app.auth import require
from app.extensions import db
from app.htmx import render
from app.models import AuditEntry
from app.paging import page_arg, paginate_clamped

bp = Blueprint("audit", __name__, url_prefix="/audit")
PER_PAGE = 50


def _parse_day(value: str, name: str):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date() if value else None
    except ValueError:
        abort(422, description=f"{name} must be a date like 2027-02-01, not '{value}'.")


def _filtered(args):
    query = db.select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if args.get("object_type"):
        query = query.where(AuditEntry.object_type == args["object_type"])
    if args.get("object_id"):
        query = query.where(AuditEntry.object_id == args["object_id"])
    if args.get("actor"):
        query = query.where(AuditEntry.actor_label.contains(args["actor"].strip().lower()))
    start, end = _parse_day(args.get("since", ""), "From"), _parse_day(args.get("until", ""), "To")
    if start:
        query = query.where(AuditEntry.at >= datetime.combine(start, time.min))
    if end:
        query = query.where(AuditEntry.at < datetime.combine(end + timedelta(days=1), time.min))
    return query


@bp.get("")
@require("audit.view")
def index():
    page = paginate_clamped(db, _filtered(request.args), page_arg(request.args.get("page")), PER_PAGE)
    object_types = db.session.scalars(db.select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)).all()
    return render("audit/index.html", "audit/_table.html", page=page, args=request.args,
                  object_types=object_types)
