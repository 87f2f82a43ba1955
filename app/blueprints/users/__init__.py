"""Admins manage staff accounts and roles."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired

from app.auth import require
from app.extensions import db
from app.models import User
from app.permissions import ROLE_DESCRIPTIONS, ROLES
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


def _page(form, status=200, error=None):
    users = db.session.scalars(db.select(User).order_by(User.email)).all()
    return render_template("users/index.html", users=users, form=form, error=error,
                           role_descriptions=ROLE_DESCRIPTIONS, roles=ROLES), status


@bp.get("")
@require("users.manage")
def index():
    return _page(UserForm())


@bp.post("")
@require("users.manage")
def create():
    form = UserForm()
    if not form.validate_on_submit():
        return _page(form, 422, "Fill in email, role and a temporary password.")
    try:
        user = user_service.create_user(db.session, Actor.of(current_user), form.email.data,
                                        form.role.data, form.password.data, form.name.data or "")
    except user_service.UserError as exc:
        db.session.rollback()
        return _page(form, 422, str(exc))
    db.session.commit()
    flash(f"Created {user.email} ({user.role}). Give them the temporary password in person.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/role")
@require("users.manage")
def update_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        abort(422, description="Choose a known role.")
    try:
        user = user_service.set_role(db.session, Actor.of(current_user), user_id, form.role.data)
    except user_service.UserError as exc:
        db.session.rollback()
        abort(422, description=str(exc))
    db.session.commit()
    flash(f"{user.email} is now {user.role}.", "success")
    return redirect(url_for("users.index"))


@bp.post("/<int:user_id>/active")
@require("users.manage")
def toggle_active(user_id: int):
    user = db.get_or_404(User, user_id)
    try:
        user_service.set_active(db.session, Actor.of(current_user), user, not user.active)
    except user_service.UserError as exc:
        db.session.rollback()
        abort(422, description=str(exc))
    db.session.commit()
    flash(f"{user.email} is now {'active' if user.active else 'deactivated'}.", "success")
    return redirect(url_for("users.index"))
