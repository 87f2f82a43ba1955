"""Login requirement for every route, role checks, and the machine-endpoint allow-list."""
from __future__ import annotations

import re
from functools import wraps

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from app.extensions import db, login_manager
from app.permissions import allowed


def public(view):
    """Mark a view reachable without a login (login page, health, machine endpoints)."""
    view.is_public = True
    return view


def require(permission: str):
    """403 unless the current user's role grants `permission`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not allowed(current_user.role, permission):
                abort(403, description=f"Your role ({current_user.role}) cannot {permission}.")
            return view(*args, **kwargs)

        wrapped.permission = permission
        return wrapped

    return decorator


def can(permission: str) -> bool:
    """For templates: show a control only to those who may use it."""
    return current_user.is_authenticated and allowed(current_user.role, permission)


def is_public_endpoint(endpoint: str | None) -> bool:
    if endpoint is None:
        return True  # no route matched: let the 404 handler answer
    if endpoint == "static":
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "is_public", False))


def require_login():
    """before_request: everything needs a session unless explicitly public."""
    if is_public_endpoint(request.endpoint) or current_user.is_authenticated:
        return None
    if request.headers.get("HX-Request"):
        return "", 401, {"HX-Redirect": url_for("auth.login")}
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


_SESSION_ID = re.compile(r"([0-9]{1,18}):([0-9]{1,18})")


def parse_session_id(value: str) -> tuple[int, int] | None:
    """Cookies carry "<user id>:<session generation>" (User.get_id); anything else is no session."""
    match = _SESSION_ID.fullmatch(value or "")
    return (int(match[1]), int(match[2])) if match else None


@login_manager.user_loader
def load_user(session_id: str):
    """Checked on every request: a cookie minted before the user's sessions were ended is refused."""
    from app.models import User

    parsed = parse_session_id(session_id)
    if parsed is None:
        return None
    user = db.session.get(User, parsed[0])
    if user is None or not user.active or user.session_generation != parsed[1]:
        return None
    return user


def init_app(app) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    app.before_request(require_login)
    app.jinja_env.globals["can"] = can
