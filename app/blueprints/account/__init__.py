"""A signed-in user's own account: changing their password."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from wtforms import PasswordField

from app import collaborators
from app.errors import on_refusal
from app.extensions import db
from app.refusals import NotAllowed
from app.services.users import change_own_password

bp = Blueprint("account", __name__, url_prefix="/account")
PASSWORDS_OFF = "Password sign-in is switched off: you sign in with your company account, whose password is kept there."


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password")
    new_password = PasswordField("New password")
    confirm_password = PasswordField("New password again")


@bp.before_request
def _passwords_in_use():
    if not current_app.config["PASSWORD_LOGIN"]:
        raise NotAllowed(PASSWORDS_OFF)


def _page(refusal=None):
    return render_template("account/password.html", form=PasswordForm(), error=refusal and str(refusal))


@bp.get("/password")
def password():
    return _page()


@bp.post("/password")
@on_refusal(lambda refusal: _page(refusal))
def change_password():
    form = PasswordForm()  # CSRFProtect has checked the token; the service judges the passwords
    user = change_own_password(db.session, current_user.id, form.current_password.data or "",
                               form.new_password.data or "", form.confirm_password.data or "",
                               request.remote_addr or "unknown", collaborators.login_policy())
    db.session.commit()
    remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=remembered)  # this browser carries on; every other session has ended
    flash("Password changed. You are signed out everywhere else.", "success")
    return redirect(url_for("annual_plans.index"))
