"""Decode request parameters exactly as stripe-python encodes them.

v1 bodies and query strings are `a[b][0][c]=x` forms: they decode to nested dicts whose list
positions stay digit-keyed dicts until the schema says "array". v2 bodies are JSON.
"""

from __future__ import annotations

import hashlib
import json
from urllib.parse import unquote_plus

from . import errors


def decode_form(raw):
    """Nested dict from a urlencoded string; `[]` appends, `[n]` indexes."""
    out = {}
    if not raw:
        return out
    for key, value in _pairs(raw):
        if "[" not in key:
            _set(out, key, value, key)
            continue
        head, _, rest = key.partition("[")
        parts = rest[:-1].split("][") if rest.endswith("]") else [rest]
        node = out
        name = head
        for part in parts:
            child = node.get(name)
            if part == "":
                if child is None:
                    child = node[name] = []
                if not isinstance(child, list):
                    raise errors.invalid_value("array", child, key)
                node, name = None, None
                child.append(value)
                break
            if child is None:
                child = node[name] = {}
            elif not isinstance(child, dict):
                raise errors.invalid_value("object", child, key)
            node, name = child, part
        if node is not None:
            _set(node, name, value, key)
    return out


def _pairs(raw):
    """`parse_qsl(raw, keep_blank_values=True)`, skipping the unquoting most pairs don't need."""
    for pair in raw.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        if "%" in key or "+" in key:
            key = unquote_plus(key)
        if "%" in value or "+" in value:
            value = unquote_plus(value)
        yield key, value


def _set(node, name, value, key):
    if isinstance(node.get(name), dict):
        raise errors.invalid_value("object", value, key)
    node[name] = value


def decode_json(raw):
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise errors.invalid(f"Invalid JSON body: {exc}") from None
    if not isinstance(data, dict):
        raise errors.invalid("The request body must be a JSON object.")
    return data


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def fingerprint(params):
    """Idempotency fingerprint of decoded v1 params: a hash of their canonical JSON (key
    order and encoding differences do not count), 32 hex digits whatever the request size."""
    return hashlib.blake2b(_canonical(params).encode(), digest_size=16).hexdigest()


def digest(raw):
    """Fingerprint of a JSON body (v2): the SDK serialises the same params identically, so
    the body's own hash is canonical for it (and costs no re-encoding)."""
    return hashlib.blake2b(raw or b"", digest_size=16).hexdigest()
