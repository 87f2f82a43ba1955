"""POST /api/usage/reports, /runs, /events: store first (202 once committed), per-item results."""
from __future__ import annotations

import orjson
from flask import current_app, g, jsonify, request

from app import collaborators
from app.auth import public
from app.billing import usage_input as rules
from app.billing.usage_days import local_today
from app.blueprints.api import bp, token_required
from app.extensions import db
from app.refusals import BadRequest
from app.services.api_tokens import for_own_instance
from app.services.audit import Actor
from app.services.usage_batches import ingest_batch
from app.services.usage_ingest import store_usage_events, store_usage_reports, store_usage_runs
from app.timeutil import utcnow


def _ingest(key: str, limit: int, parse, store, with_replace: bool = False, single: bool = False):
    outcome = ingest_batch(db.session, Actor(label=f"api_token:{g.api_token.name}"), _json_body(), key, limit,
                           for_own_instance(g.api_token, key, parse), store, with_replace, single)
    db.session.commit()
    return _json(outcome.body, outcome.status)


def _json_body():
    """`request.get_json(silent=True)` at orjson's speed (a batch holds 1,000 items). orjson reads a number past
    64 bits as a float, refused like any non-whole number. What orjson refuses (NaN, a byte-order mark, UTF-16,
    lone surrogates, nesting past 1,024 levels), json still tries; what overflows its recursion is a 400."""
    if not request.is_json:
        return None
    try:
        return orjson.loads(request.get_data())
    except orjson.JSONDecodeError:
        pass
    try:
        return request.get_json(silent=True)
    except RecursionError:
        raise BadRequest("the body is nested too deeply to read", field="body", kind="malformed_json") from None


def _json(payload: dict, status: int):
    """What `jsonify` sends (sorted keys, compact, newline), at orjson's speed for 1,000 per-item results."""
    try:
        body = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE)
    except orjson.JSONEncodeError:  # a lone surrogate echoed back from a body only the json module read
        return jsonify(payload), status
    return current_app.response_class(body, status=status, mimetype="application/json")


@bp.post("/usage/reports")
@public  # machine endpoint: carries its own token auth
@token_required("usage:write", limited=True)
def usage_reports():
    products = {p.key for p in collaborators.catalog().products.values() if p.metered}
    return _ingest("reports", rules.MAX_REPORTS,
                   lambda items: rules.parse_reports(items, products, utcnow(), collaborators.usage_zone()),
                   store_usage_reports, with_replace=True)


@bp.post("/usage/runs")
@public  # machine endpoint: carries its own token auth
@token_required("usage:write", limited=True)
def usage_runs():
    return _ingest("runs", rules.MAX_RUNS,
                   lambda items: rules.parse_runs(items, local_today(utcnow(), collaborators.usage_zone())),
                   store_usage_runs, single=True)


@bp.post("/usage/events")
@public  # machine endpoint: carries its own token auth
@token_required("usage:write", limited=True)
def usage_events():
    catalog = collaborators.catalog()
    names = {p.meter_event for p in catalog.products.values() if p.metered}
    names |= {p.key for p in catalog.products.values() if p.metered}
    return _ingest("events", rules.MAX_EVENTS, lambda items: rules.parse_events(items, names, utcnow()),
                   store_usage_events)
