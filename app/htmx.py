"""One URL serves the page or its fragment, depending on who asks."""
from __future__ import annotations

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """A fragment for htmx swaps; the full page for boosted navigation and plain loads."""
    return bool(request.headers.get("HX-Request")) and not request.headers.get("HX-Boosted")


def render(page_template: str, partial_template: str, status: int = 200, **context):
    template = partial_template if is_htmx() else page_template
    return make_response(render_template(template, **context), status)


def add_vary(response):
    """Caches must not serve a fragment where a page was asked for."""
    response.vary.add("HX-Request")
    return response


def init_app(app) -> None:
    app.after_request(add_vary)
