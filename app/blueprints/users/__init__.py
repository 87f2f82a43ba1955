"""Admins manage staff accounts and roles."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired

from app.auth import require
from app.errors import on_refusal
from app.extensions import db
from app.models import User
from app.permissions import ROLE_DESCRIPTIONS, ROLES
from app.refusals import Invalid
from app.services import users as user_service
from app.services.audit import Actor

bp = Blueprint("users", __name__, url_prefix="/users")


class UserForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    name = StringField("Name")
    role = SelectField("Role", choices=list(ROLES))
    password = PasswordField("Temporary password", validators=[DataRequired()])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(ROLES))


def _page(form, error=None):
    users = db.session.scalars(db.select(User).order_by(User.email)).all()
    return render_template("users/index.html", users=users, form=form, error=error,
                           role_descriptions=ROLE_DESCRIPTIONS, roles=ROLES)


@bp.get("")
@require("users.manage")
def index():
    return _page(UserForm())


@bp.post("")
@require("users.manage")
@on_refusal(lambda exc: _page(UserForm(), str(exc)))
def create():
    form = UserForm()
    if not form.validate_on_submit():
        raise Invalid("Fill in email, role and a temporary password.")
    user = user_service.create_user(db.session, Actor.of(current_user), form.email.data,
                                    form.role.data, form.password.data, form.name.data or "")
    db.session.commit()
    flash(f"Created {user.email} ({user.role}). Give them the temporary password in person.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/role")
@require("users.manage")
def update_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        raise Invalid("Choose a known role.", field="role")
    user = user_service.set_role(db.session, Actor.of(current_user), user_id, form.role.data)
    db.session.commit()
    flash(f"{user.email} is now {user.role}.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/active")
@require("users.manage")
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    user_service.set_active(db.session, Actor.of(current_user), user, not user.active)
    db.session.commit()
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("users.index"))
