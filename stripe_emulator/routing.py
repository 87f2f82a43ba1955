"""Route registry: resource modules declare endpoints with `@route`, the app matches requests.

Each route carries the stripe-python params class its requests are validated against, so the
schema is resolved once per route rather than per request.
"""

from __future__ import annotations

import importlib
import pkgutil
from urllib.parse import unquote

ROUTES = []
SECRET_KEY = "secret_key"


class Route:
    __slots__ = ("method", "path", "params", "handler", "auth", "api", "segments", "names")

    def __init__(self, method, path, params, handler, auth):
        self.method = method.upper()
        self.path = path
        self.params = params
        self.handler = handler
        self.auth = auth
        self.api = "v2" if path.startswith("/v2/") else "v1"
        self.segments = tuple(None if s.startswith("{") else s for s in path.split("/"))
        self.names = tuple(s[1:-1] for s in path.split("/") if s.startswith("{"))


def route(method, path, params=None, auth=SECRET_KEY):
    """Register `fn(ctx)` for `method path`; `{name}` segments land in `ctx.path`.

    `params` is the stripe-python params TypedDict (e.g. `CustomerCreateParams`); `auth` is
    `SECRET_KEY` (Bearer sk_test_...), or a callable `auth(ctx)` for endpoints such as the v2
    meter event stream that authenticate with a session token.
    """

    def register(fn):
        ROUTES.append(Route(method, path, params, fn, auth))
        return fn

    return register


class Ctx:
    """What a handler gets: validated `params`, `path` ids, the `state`, and request info."""

    __slots__ = ("emulator", "state", "method", "url", "path", "params", "expand", "headers",
                 "api_key", "request_id", "idempotency_key", "route")

    def __init__(self, emulator, method, url, headers, request_id):
        self.emulator = emulator
        self.state = emulator.state
        self.method = method
        self.url = url
        self.headers = headers
        self.request_id = request_id
        self.path = self.params = self.expand = self.api_key = None
        self.idempotency_key = self.route = None

    @property
    def now(self):
        return self.state.now()

    def emit_event(self, type, obj, previous_attributes=None):
        return self.state.emit_event(type, obj, previous_attributes)


class Router:
    def __init__(self, routes):
        self.static = {}
        self.dynamic = {}
        self.paths = set()
        for r in routes:
            if not r.names:
                self.static[(r.method, r.path)] = r
            else:
                self.dynamic.setdefault((r.method, len(r.segments)), []).append(r)
        for bucket in self.dynamic.values():
            bucket.sort(key=lambda r: -sum(s is not None for s in r.segments))

    def match(self, method, path):
        """`(route, path_params)`, or `(None, None)`."""
        found = self.static.get((method, path))
        if found is not None:
            return found, {}
        parts = path.split("/")
        for r in self.dynamic.get((method, len(parts)), ()):
            values = []
            for want, got in zip(r.segments, parts, strict=True):
                if want is None:
                    if not got:
                        break
                    values.append(unquote(got))
                elif want != got:
                    break
            else:
                return r, dict(zip(r.names, values, strict=True))
        return None, None


def load_resources():
    """Import every module in `stripe_emulator.resources` so their `@route`s register."""
    from . import resources

    for info in pkgutil.iter_modules(resources.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{resources.__name__}.{info.name}")
