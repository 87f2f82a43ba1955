"""Login and logout: a password, or the company's identity provider (single sign-on)."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired

from app import collaborators
from app.auth import public
from app.collaborators import oidc_provider
from app.errors import on_refusal
from app.extensions import db
from app.gateways.oidc import PendingSignIn
from app.refusals import NotAllowed
from app.services.logins import attempt_login, record_logout
from app.services.sso_logins import SsoPolicy, begin_provider_sign_in, sign_in_with_provider

bp = Blueprint("auth", __name__)
PENDING_SSO = "sso_sign_in"  # the browser session's key for a sign-in started at the provider


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])
    remember = BooleanField("Keep me signed in on this computer")


def _safe_next(target: str | None) -> str:
    """Only same-site paths, so a crafted link cannot bounce users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("annual_plans.index")


def _sso_policy() -> SsoPolicy:
    cfg = current_app.config
    return SsoPolicy(tuple(cfg["OIDC_ALLOWED_DOMAINS"]), dict(cfg["OIDC_GROUP_ROLES"]))


def _login_page(form=None, error: str | None = None):
    """The sign-in page: the provider's button when SSO is configured, the password form unless it is off."""
    provider = oidc_provider()
    return render_template("auth/login.html", form=form or LoginForm(), error=error,
                           sso_name=provider.settings.display_name if provider else None,
                           password_login=current_app.config["PASSWORD_LOGIN"],
                           next=request.args.get("next"))


def _refused_on_login_page(refusal, **_):
    return _login_page(error=str(refusal))


@bp.route("/login", methods=["GET", "POST"])
@public
@on_refusal(_refused_on_login_page)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.is_submitted() and not current_app.config["PASSWORD_LOGIN"]:
        raise NotAllowed("Password sign-in is switched off: sign in with your company account.")
    if not form.validate_on_submit():
        return _login_page(form), 422 if form.is_submitted() else 200
    result = attempt_login(db.session, form.email.data, form.password.data,
                           request.remote_addr or "unknown", collaborators.login_policy())
    db.session.commit()
    if result.user is None:
        return _login_page(form, result.message), 429 if result.throttled else 401
    login_user(result.user, remember=form.remember.data)
    return redirect(_safe_next(request.args.get("next")))


@bp.get("/login/sso")
@public
@on_refusal(_refused_on_login_page)
def sso_start():
    url, pending = begin_provider_sign_in(oidc_provider(), url_for("auth.sso_callback", _external=True))
    session[PENDING_SSO] = pending.as_dict() | {"next": _safe_next(request.args.get("next"))}
    return redirect(url)


@bp.get("/login/sso/callback")
@public
@on_refusal(_refused_on_login_page)
def sso_callback():
    saved = session.pop(PENDING_SSO, None)
    next_url = saved.get("next") if isinstance(saved, dict) else None
    user = sign_in_with_provider(db.session, oidc_provider(), PendingSignIn.from_saved(saved),
                                 request.args.to_dict(), _sso_policy())
    db.session.commit()
    login_user(user)
    return redirect(_safe_next(next_url))


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
