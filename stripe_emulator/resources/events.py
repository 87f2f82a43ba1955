"""`/v1/events`: every `emit_event` lands here (listing covers the last 30 days, like Stripe)."""

from stripe.params import EventListParams, EventRetrieveParams

from .. import helpers
from ..routing import route

KIND = "event"
RETENTION_SECONDS = 30 * 24 * 3600


@route("GET", "/v1/events/{id}", params=EventRetrieveParams)
def retrieve(ctx):
    return ctx.state.get(KIND, ctx.path["id"])


@route("GET", "/v1/events", params=EventListParams)
def list_events(ctx):
    p = ctx.params
    cutoff = ctx.now - RETENTION_SECONDS
    items = [e for e in ctx.state.collection(KIND).values() if e["created"] >= cutoff]
    if "type" in p:
        items = _by_type(items, p["type"])
    if "types" in p:
        wanted = set(p["types"])
        items = [e for e in items if e["type"] in wanted]
    if "delivery_success" in p:
        items = [e for e in items if (e["pending_webhooks"] == 0) == p["delivery_success"]]
    items = helpers.filter_created(items, p.get("created"))
    return helpers.list_object(ctx, items, label=KIND)


def _by_type(items, pattern):
    """`type` accepts one `*` wildcard, e.g. `invoice.*`."""
    if "*" not in pattern:
        return [e for e in items if e["type"] == pattern]
    head, _, tail = pattern.partition("*")
    return [e for e in items if e["type"].startswith(head) and e["type"].endswith(tail)]

