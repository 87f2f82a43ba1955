"""Background jobs: the list, one job's self-refreshing status, and a worker self-test."""
from __future__ import annotations

import time

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from app.auth import require
from app.extensions import db
from app.htmx import render
from app.jobs import job_queue
from app.models import Job
from app.services.audit import Actor
from app.services.jobs import start_job

bp = Blueprint("jobs", __name__, url_prefix="/jobs")
QUEUE_NAMES = {"SqliteHuey": "Huey on SQLite", "RedisHuey": "Huey on Redis", "MemoryHuey": "Huey in memory"}


def _queue_name() -> str:
    kind = type(job_queue.huey).__name__
    return QUEUE_NAMES.get(kind, kind)


@bp.get("")
def index():
    recent = db.session.scalars(db.select(Job).order_by(Job.id.desc()).limit(100)).all()
    return render("jobs/index.html", "jobs/_table.html", jobs=recent,
                  heartbeat=job_queue.last_heartbeat(), backend=_queue_name(),
                  now_ts=time.time())


@bp.get("/<int:job_id>")
def show(job_id: int):
    job = db.get_or_404(Job, job_id)
    return render("jobs/show.html", "jobs/_status.html", job=job)


@bp.post("/selftest")
@require("jobs.run")
def selftest():
    job = start_job(db.session, Actor.of(current_user), "worker.selftest", {"steps": 5, "pause": 0.2}, total=5)
    db.session.commit()
    flash(f"Started worker self-test (job {job.id}).", "info")
    return redirect(url_for("jobs.show", job_id=job.id))


def status_fragment(job: Job) -> str:
    """For other pages that start a job and want its progress bar inline."""
    return render_template("jobs/_status.html", job=job)
