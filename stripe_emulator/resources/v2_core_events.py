"""`/v2/core/events`: thin v2 events (meter error reports), which v1 webhooks never carry.

They are stored in their own `v2.core.event` collection, not through `emit_event`, because
Stripe sends them to event destinations rather than to `/v1/webhook_endpoints`.
"""

from datetime import UTC, datetime

from stripe.params.v2.core import EventListParams, EventRetrieveParams

from .. import errors
from ..routing import route

KIND = "v2.core.event"
RETENTION_SECONDS = 30 * 24 * 3600


def iso(unix):
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _unix(text, param):
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise errors.invalid(f"Invalid timestamp: {text!r}", param=param) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def record_v2_event(state, type, data, related=None):
    """Store a v2 event; `related` is `(object type, id, url)`."""
    ctx = getattr(state.context, "request", None)
    event = {
        "id": state.new_id("evt"), "object": KIND, "context": None, "created": iso(state.now()),
        "data": data, "livemode": False,
        "reason": {"type": "request", "request": {"id": ctx[0], "idempotency_key": ctx[1]}}
        if ctx else None,
        "related_object": None if related is None else
        {"type": related[0], "id": related[1], "url": related[2]},
        "type": type, "_created": state.now(),
    }
    state.insert(event)
    return event


@route("GET", "/v2/core/events/{id}", params=EventRetrieveParams)
def retrieve(ctx):
    return ctx.state.get(KIND, ctx.path["id"], label="event")


@route("GET", "/v2/core/events", params=EventListParams)
def list_events(ctx):
    p = ctx.params
    cutoff = ctx.now - RETENTION_SECONDS
    items = [e for e in ctx.state.collection(KIND).values() if e["_created"] >= cutoff]
    if "object_id" in p:
        items = [e for e in items
                 if e["related_object"] and e["related_object"]["id"] == p["object_id"]]
    if "types" in p:
        wanted = set(p["types"])
        items = [e for e in items if e["type"] in wanted]
    tests = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}
    for op, text in (p.get("created") or {}).items():
        bound = _unix(text, f"created[{op}]")
        items = [e for e in items if tests[op](e["_created"], bound)]
    limit = p.get("limit", 20)
    if not 1 <= limit <= 100:
        raise errors.invalid("Invalid limit: must be between 1 and 100", param="limit")
    return {"data": list(reversed(items))[:limit], "next_page_url": None,
            "previous_page_url": None}
