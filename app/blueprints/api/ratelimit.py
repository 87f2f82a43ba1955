"""Per-token request limits for the machine API, counted where every process sees them (services/rate_buckets.py)."""
from __future__ import annotations

import math

from flask import current_app, jsonify

from app.billing.token_bucket import BucketRule
from app.services.rate_buckets import BucketStore, bucket_store

EXTENSION = "usage_api_buckets"


def _store() -> BucketStore:
    if EXTENSION not in current_app.extensions:
        current_app.extensions[EXTENSION] = bucket_store(current_app.config)
    return current_app.extensions[EXTENSION]


def rate_limited(session, token):
    """None when `token` may make this request (and it is counted), else the 429 to answer."""
    rule = BucketRule(float(current_app.config.get("USAGE_API_RATE", 50)), int(current_app.config.get("USAGE_API_BURST", 100)))
    if rule.unlimited:
        return None
    taken = _store().take(session, f"api-token:{token.token_hash[:32]}", rule)
    if taken.allowed:
        return None
    response = jsonify(error="rate_limited", message="too many requests for this API token; retry after the delay")
    response.headers["Retry-After"] = str(max(1, math.ceil(taken.wait)))
    return response, 429
