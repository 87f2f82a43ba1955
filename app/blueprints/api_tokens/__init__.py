"""Admins create and revoke API tokens; a new token is shown once."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import require
from app.extensions import db
from app.models import ApiToken
from app.services.api_tokens import ApiTokenError, create_api_token, revoke_api_token
from app.services.audit import Actor

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")


def _page(status=200, error=None, new_token=None):
    tokens = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render_template("api_tokens/index.html", tokens=tokens, error=error, new_token=new_token), status


@bp.get("")
@require("api_tokens.manage")
def index():
    return _page()


@bp.post("")
@require("api_tokens.manage")
def create():
    try:
        row, token = create_api_token(db.session, Actor.of(current_user), request.form.get("name", ""))
    except ApiTokenError as exc:
        db.session.rollback()
        return _page(422, str(exc))
    db.session.commit()
    return _page(201, new_token=(row, token))


@bp.post("/<int:token_id>/revoke")
@require("api_tokens.manage")
def revoke(token_id: int):
    try:
        revoke_api_token(db.session, Actor.of(current_user), token_id)
    except ApiTokenError as exc:
        db.session.rollback()
        return _page(404, str(exc))
    db.session.commit()
    return redirect(url_for("api_tokens.index"))
