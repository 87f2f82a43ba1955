"""Login and logout."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from app.auth import public
from app.extensions import db
from app.services.logins import LoginPolicy, attempt_login, record_logout

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this computer")


def _policy() -> LoginPolicy:
    cfg = current_app.config
    return LoginPolicy(cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"], cfg["LOGIN_MAX_FAILURES_PER_IP"],
                       timedelta(minutes=cfg["LOGIN_THROTTLE_MINUTES"]))


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("annual_plans.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    result = attempt_login(db.session, form.email.data, form.password.data,
                           request.remote_addr or "unknown", _policy())
    db.session.commit()
    if result.user is None:
        return render_template("auth/login.html", form=form, error=result.message), 429 if result.throttled else 401
    login_user(result.user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


@bp.route("/logout", methods=["POST"])
def logout():
    record_logout(db.session, current_user)
    db.session.commit()
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home():
    return redirect(url_for("annual_plans.index"))
