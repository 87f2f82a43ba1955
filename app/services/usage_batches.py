"""An instance's batch of usage: checked item by item, stored with a result per item.

Good items are stored and bad ones answered with their field (422), unless the batch says
`atomic`, when one bad or conflicting item stores nothing. What the batch as a whole gets
wrong (not JSON, no list, too many items) is refused before anything is read.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.billing import usage_input as rules
from app.refusals import BadRequest
from app.services.audit import Actor


@dataclass(frozen=True)
class BatchOutcome:
    status: int  # 202 stored; 409 or 422 when some (or, atomic, all) items were refused
    body: dict


def ingest_batch(session, actor: Actor, body, key: str, limit: int, parse: Callable, store: Callable,
                 with_replace: bool = False, single: bool = False) -> BatchOutcome:
    """`parse(items) -> Parsed` checks; `store(session, actor, items[, replace]) -> {index: result}` writes."""
    if single and isinstance(body, dict) and key not in body:
        body = {key: [body]}  # one summary is a batch of one
    if body is None:
        raise BadRequest("the body is not valid JSON", field="body", kind="malformed_json")
    items = rules.batch_items(body, key, limit)
    atomic = rules.flag(body, "atomic")
    replace = rules.flag(body, "replace") if with_replace else False
    parsed = parse(items)
    errors = [e.as_json() | {"status": "error"} for e in parsed.errors]
    if errors and atomic:
        return BatchOutcome(422, {"error": "invalid_items", "message": "nothing was stored (atomic batch)",
                                  "stored": 0, "errors": errors})
    savepoint = session.begin_nested() if atomic else None
    results = store(session, actor, parsed.items, replace) if with_replace else store(session, actor, parsed.items)
    refused = [r for r in results.values() if r["status"] == "conflict"]
    if refused and savepoint is not None:
        savepoint.rollback()
        return BatchOutcome(409, {"error": "conflict", "message": "nothing was stored (atomic batch)", "stored": 0,
                                  "errors": refused})
    every = sorted(list(results.values()) + errors, key=lambda r: r["index"])
    stored = sum(r["status"] in ("created", "replaced", "updated") for r in every)
    if errors or refused:
        return BatchOutcome(409 if not errors else 422, {
            "error": "invalid_items", "stored": stored, "results": every, "errors": errors + refused,
            "message": f"{len(errors) + len(refused)} items refused; the rest were stored"})
    return BatchOutcome(202, {"stored": stored, "results": every})
