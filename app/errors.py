"""Error pages in the app's layout, fragments for htmx, JSON for machines."""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Changed by someone else",
    422: "Cannot be saved",
    429: "Too many requests",
    500: "Something went wrong",
}
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/healthz")


def wants_json() -> bool:
    return request.path.startswith(MACHINE_PREFIXES) or request.accept_mimetypes.best == "application/json"


def render_error(status: int, message: str):
    title = TITLES.get(status, "Error")
    if wants_json():
        return jsonify(error={"status": status, "title": title, "message": message}), status
    template = "errors/_fragment.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, status=status, title=title, message=message), status


def handle_http(exc: HTTPException):
    return render_error(exc.code or 500, exc.description or "")


def handle_csrf(exc: CSRFError):
    return render_error(400, f"The form's security token is missing or expired ({exc.description}). "
                             "Reload the page and try again; nothing was saved.")


def handle_unexpected(exc: Exception):
    from flask import current_app

    from app.extensions import db

    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return render_error(500, "The error was logged and nothing was saved. Try again, or tell an admin.")


def init_app(app) -> None:
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
