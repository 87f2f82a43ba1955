"""Reading a signed webhook body: strict JSON of a bounded depth, and the shape each sender documents.

A valid signature says who sent the bytes, not that they are what the sender documents: NaN,
Infinity or a body nested a thousand deep must be refused in words, not fail deep inside a handler.
"""
from __future__ import annotations

import json
import re

MAX_DEPTH = 64  # Stripe's events and PandaDoc's notifications are a dozen levels at most
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")


class BodyRefused(ValueError):
    """The body is not what the sender documents; the message says what is wrong."""


def strict_json(raw: bytes):
    """The parsed body, or BodyRefused: not UTF-8, not JSON, NaN/Infinity, or deeper than MAX_DEPTH."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused("the body is not UTF-8 text") from exc
    if _depth(text) > MAX_DEPTH:
        raise BodyRefused(f"the body is nested deeper than {MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except BodyRefused:
        raise
    except ValueError as exc:
        raise BodyRefused(f"the body is not JSON: {exc}") from exc


def stripe_event(raw: bytes) -> dict:
    """A Stripe event as its handlers read it: an object with a string `id` and `type` and an object `data.object`."""
    event = strict_json(raw)
    if not isinstance(event, dict):
        raise BodyRefused("a Stripe event must be a JSON object")
    for name in ("id", "type"):
        if not isinstance(event.get(name), str) or not event[name]:
            raise BodyRefused(f"a Stripe event needs a string '{name}'")
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("object"), dict):
        raise BodyRefused("a Stripe event needs an object at data.object")
    return event


def _no_constant(name: str):
    raise BodyRefused(f"{name} is not a JSON number: the body must be strict JSON")


def _depth(text: str) -> int:
    """The deepest nesting of arrays and objects, strings skipped (json's own limit is a RecursionError)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest
