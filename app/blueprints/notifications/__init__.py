"""Notifications: each user's choices (/account/notifications), every event and who was told
(/notifications), and the "Who was told" fragment other pages load for their object."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.billing.notification_kinds import KINDS, kind_title
from app.errors import on_refusal
from app.extensions import db
from app.services.audit import Actor
from app.services.notifications import (
    preferences_of,
    recent_notifications,
    set_preferences,
    told_about,
)

bp = Blueprint("notifications", __name__)
bp.add_app_template_filter(kind_title, "notification_kind")
OBJECT_TYPES = ("annual_plan", "customer", "job", "usage_day", "webhook_event")


def _settings_page(refusal=None, status: int = 200):
    return render_template("notifications/settings.html", kinds=KINDS.values(),
                           choices=preferences_of(db.session, current_user),
                           email_on=bool(current_app.config.get("SMTP_HOST")),
                           slack_on=bool(current_app.config.get("SLACK_WEBHOOK_URL")),
                           error=refusal and str(refusal)), status


@bp.get("/account/notifications")
def settings():
    return _settings_page()


@bp.post("/account/notifications")
@on_refusal(lambda refusal: _settings_page(refusal, 422))
def update_settings():
    set_preferences(db.session, Actor.of(current_user), current_user.id, request.form.getlist("notify"))
    db.session.commit()
    flash("Notification choices saved.", "success")
    return redirect(url_for("notifications.settings"))


@bp.get("/notifications")
def index():
    return render_template("notifications/index.html", events=recent_notifications(db.session))


@bp.get("/notifications/told/<object_type>", defaults={"object_id": ""})
@bp.get("/notifications/told/<object_type>/<object_id>")
def told(object_type: str, object_id: str):
    """The fragment on an object's page; without an id, the latest of that type (the usage page's days)."""
    if object_type not in OBJECT_TYPES:
        abort(404)
    return render_template("notifications/_told.html", told=told_about(db.session, object_type, object_id or None))
