"""Headers every response carries, so a browser refuses what the app never does itself: inline or
injected script, framing, MIME sniffing, leaking full URLs to other sites."""
from __future__ import annotations

# Scripts and styles only from our own files (app/static): templates use data-* attributes that
# app.js acts on, and htmx runs with allowEval off (base.html's htmx-config). Browsers apply
# form-action to a form's redirects too: a sign-in form that POSTs and is redirected to an identity
# provider needs that provider's origin added there.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"


def add_security_headers(response, hsts: bool):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")  # frame-ancestors for older browsers
    if hsts:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def init_app(app) -> None:
    hsts = bool(app.config.get("HSTS"))
    app.after_request(lambda response: add_security_headers(response, hsts))
