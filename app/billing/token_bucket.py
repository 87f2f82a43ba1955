"""The token bucket's arithmetic, without storage: every store (Redis, the database) applies this rule.

A bucket holds up to `burst` requests and refills at `per_second`; a request takes one. A refused
request changes nothing, so a store writes only when one is allowed. (Requests per second are a
rate, not money: floats are fine here.)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BucketRule:
    per_second: float
    burst: int

    @property
    def unlimited(self) -> bool:
        return self.per_second <= 0


@dataclass(frozen=True)
class Taken:
    allowed: bool
    tokens: float | None  # what the bucket holds after this request, when the store says
    wait: float  # seconds until one request would be allowed (0 when allowed)


def take(rule: BucketRule, tokens: float | None, updated: float | None, now: float) -> Taken:
    """One request at `now` against a bucket last written at `updated` holding `tokens` (None: new, full).
    A clock behind `updated` (another host's) refills nothing rather than draining."""
    if tokens is None or updated is None:
        tokens, updated = float(rule.burst), now
    tokens = min(float(rule.burst), tokens + max(0.0, now - updated) * rule.per_second)
    if tokens < 1:
        return Taken(False, tokens, (1 - tokens) / rule.per_second)
    return Taken(True, tokens - 1, 0.0)
