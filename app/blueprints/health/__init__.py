"""Liveness for load balancers and monitors: the database and the job queue."""
from __future__ import annotations

import time

from flask import Blueprint, jsonify
from sqlalchemy import text

from app.auth import public
from app.extensions import db
from app.jobs import job_queue

bp = Blueprint("health", __name__)


def _check_database() -> dict:
    try:
        db.session.execute(text("SELECT 1"))
        return {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # noqa: BLE001 - any failure means "down"
        db.session.rollback()
        return {"ok": False, "error": str(exc).splitlines()[0]}


def _check_queue() -> dict:
    queue = job_queue.of()
    try:
        pending = queue.huey.pending_count()
        beat = queue.last_heartbeat()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "error": str(exc).splitlines()[0]}
    age = None if beat is None else round(time.time() - beat)
    return {"ok": True, "backend": type(queue.huey).__name__, "pending": pending,
            "worker_last_seen_seconds_ago": age}


@bp.route("/healthz")
@public
def healthz():
    database, queue = _check_database(), _check_queue()
    ok = database["ok"] and queue["ok"]
    return jsonify(status="ok" if ok else "down", database=database, queue=queue), 200 if ok else 503
