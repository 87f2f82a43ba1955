"""Admins create and revoke API tokens; a new token is shown once."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth import require
from app.errors import on_refusal
from app.extensions import db
from app.models import ApiToken
from app.models.api_token import SCOPES
from app.services.api_tokens import create_api_token, revoke_api_token
from app.services.audit import Actor

bp = Blueprint("api_tokens", __name__, url_prefix="/api-tokens")


def _page(error=None, new_token=None):
    tokens = db.session.scalars(db.select(ApiToken).order_by(ApiToken.id.desc())).all()
    return render_template("api_tokens/index.html", tokens=tokens, error=error, new_token=new_token, scopes=SCOPES)


def _chosen_scopes() -> list[str]:
    """The boxes ticked on the page (none ticked is refused); every scope from a form without the boxes."""
    return request.form.getlist("scope") if "scopes_shown" in request.form else list(SCOPES)


@bp.get("")
@require("api_tokens.manage")
def index():
    return _page()


@bp.post("")
@require("api_tokens.manage")
@on_refusal(lambda exc: _page(str(exc)))
def create():
    row, token = create_api_token(db.session, Actor.of(current_user), request.form.get("name", ""),
                                  _chosen_scopes(), request.form.get("instance"))
    db.session.commit()
    return _page(new_token=(row, token)), 201


@bp.post("/<int:token_id>/revoke")
@require("api_tokens.manage")
def revoke(token_id: int):
    revoke_api_token(db.session, Actor.of(current_user), token_id)
    db.session.commit()
    return redirect(url_for("api_tokens.index"))
