"""Every refusal and error becomes a response here, and only here.

A service raises a refusal (app/refusals.py); the request's transaction is rolled back, then:
- a machine (`/api/`, `/webhooks/` but the Webhooks page's buttons, `/healthz`, or JSON asked for) gets JSON with the status;
- a view that shows refusals in place (`@on_refusal`) re-renders its cell, row, form or page
  with the message, under the refusal's status (409, 422, 502...);
- anything else gets the error page in the layout, or its fragment for htmx;
- a `flask` command of a `CommandGroup` prints one `Error: <message>` line and exits 1.
"""
from __future__ import annotations

from collections.abc import Callable

import click
from flask import current_app, jsonify, make_response, render_template, request
from flask.cli import AppGroup, ScriptInfo
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import db
from app.refusals import NotFound, Refusal

TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Changed by someone else",
    413: "Too large",
    422: "Cannot be saved",
    429: "Too many requests",
    500: "Something went wrong",
    502: "Stripe or PandaDoc did not answer as expected",
}
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/healthz")
PEOPLE_PREFIXES = ("/webhooks/deliveries/",)  # the Webhooks page's buttons: signed-in people, answered in HTML
API_KINDS = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
             409: "conflict", 413: "too_large", 415: "unsupported_media_type", 422: "invalid", 429: "rate_limited",
             500: "server_error"}  # the `error` value of /api/ answers, as app/blueprints/api/openapi.py documents


def wants_json() -> bool:
    return ((request.path.startswith(MACHINE_PREFIXES) and not request.path.startswith(PEOPLE_PREFIXES))
            or request.path.endswith(".json")
            or request.accept_mimetypes.best == "application/json")


def render_error(status: int, message: str):
    title = TITLES.get(status, "Error")
    if status == 422 and request.method in ("GET", "HEAD"):
        title = "Cannot be shown"  # a page asked for too early ("this row has no invoice to review yet")
    if request.path.startswith("/api/"):  # the flat shape of the machine API, as refusals have
        return jsonify(error=API_KINDS.get(status, "error"), message=message or title), status
    if wants_json():
        return jsonify(error={"status": status, "title": title, "message": message}), status
    template = "errors/_fragment.html" if request.headers.get("HX-Request") else "errors/page.html"
    return render_template(template, status=status, title=title, message=message), status


def on_refusal(render: Callable[..., object]):
    """Refusals of this view are shown in place: `render(refusal, **view_args)` makes the body.

    Not-found is never rendered in place (there is nothing to draw it in)."""

    def decorator(view):
        view.render_refusal = render  # functools.wraps in outer decorators copies it along
        return view

    return decorator


def handle_refusal(exc: Refusal):
    db.session.rollback()
    if request.path.startswith("/api/"):
        body = {"error": exc.kind, "message": str(exc)} | ({"field": exc.field} if exc.field else {})
        return jsonify(body), exc.status
    render = getattr(current_app.view_functions.get(request.endpoint), "render_refusal", None)
    if render is None or wants_json() or isinstance(exc, NotFound):
        return render_error(exc.status, str(exc))
    try:
        response = make_response(render(exc, **(request.view_args or {})))
    except Refusal as again:  # drawing the page needed what just failed (Stripe down twice)
        db.session.rollback()
        return render_error(again.status, str(again))
    response.status_code = exc.status
    return response


def handle_http(exc: HTTPException):
    return render_error(exc.code or 500, exc.description or "")


def handle_csrf(exc: CSRFError):
    return render_error(400, f"The form's security token is missing or expired ({exc.description}). "
                             "Reload the page and try again; nothing was saved.")


def handle_unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return render_error(500, "The error was logged and nothing was saved. Try again, or tell an admin.")


class CommandGroup(AppGroup):
    """A `flask` command group whose refusals end as `Error: <message>`, exit 1, nothing written."""

    def invoke(self, ctx):
        if not current_app:  # the refusal's rollback needs the app after the command's own context closed
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        try:
            return super().invoke(ctx)
        except Refusal as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None


def init_app(app) -> None:
    app.register_error_handler(Refusal, handle_refusal)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(InternalServerError, handle_unexpected)
    if not app.testing:
        app.register_error_handler(Exception, handle_unexpected)
