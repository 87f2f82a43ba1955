"""Webhook endpoints: where `webhook_delivery` POSTs signed events.

The signing `secret` (`whsec_...`) is returned only by create, as on Stripe; it is stored as
the private `_secret`.
"""

from urllib.parse import urlsplit

from stripe.params import (
    WebhookEndpointCreateParams,
    WebhookEndpointDeleteParams,
    WebhookEndpointListParams,
    WebhookEndpointRetrieveParams,
    WebhookEndpointUpdateParams,
)

from .. import errors, helpers
from ..render import render
from ..routing import route
from ..state import random_token

KIND = "webhook_endpoint"
LABEL = "webhook endpoint"
MAX_ENDPOINTS = 16


def _url(value, param="url"):
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise errors.invalid(f"Invalid URL: {value}. URLs must begin with http:// or "
                             "https://.", param=param)
    return value


def _events(values, param="enabled_events"):
    if not values:
        raise errors.missing_param(param)
    if "*" in values and len(values) > 1:
        raise errors.invalid("`*` cannot be combined with other event types.", param=param)
    return list(dict.fromkeys(values))


@route("POST", "/v1/webhook_endpoints", params=WebhookEndpointCreateParams)
def create(ctx):
    p = ctx.params
    if len(ctx.state.collection(KIND)) >= MAX_ENDPOINTS:
        raise errors.invalid(f"You have reached the maximum of {MAX_ENDPOINTS} test webhook "
                             "endpoints on this account.", param="url")
    endpoint = helpers.new_object(
        ctx, KIND, "we", api_version=p.get("api_version"), application=None,
        description=p.get("description") or None, enabled_events=_events(p["enabled_events"]),
        metadata=helpers.merge_metadata({}, p.get("metadata")), status="enabled",
        url=_url(p["url"]), _secret="whsec_" + random_token(32))
    ctx.state.insert(endpoint)
    return dict(render(ctx.state, endpoint), secret=endpoint["_secret"])


def _get(ctx):
    return ctx.state.get(KIND, ctx.path["webhook_endpoint"], param="webhook_endpoint",
                         label=LABEL)


@route("GET", "/v1/webhook_endpoints/{webhook_endpoint}", params=WebhookEndpointRetrieveParams)
def retrieve(ctx):
    return _get(ctx)


@route("POST", "/v1/webhook_endpoints/{webhook_endpoint}", params=WebhookEndpointUpdateParams)
def update(ctx):
    endpoint, p = _get(ctx), ctx.params
    url = _url(p["url"]) if "url" in p else endpoint["url"]
    events = _events(p["enabled_events"]) if "enabled_events" in p else None
    endpoint["url"] = url
    if events is not None:
        endpoint["enabled_events"] = events
    if "description" in p:
        endpoint["description"] = p["description"] or None
    if "disabled" in p:
        endpoint["status"] = "disabled" if p["disabled"] else "enabled"
    endpoint["metadata"] = helpers.merge_metadata(endpoint["metadata"], p.get("metadata"))
    ctx.state.touch()
    return endpoint


@route("DELETE", "/v1/webhook_endpoints/{webhook_endpoint}", params=WebhookEndpointDeleteParams)
def delete(ctx):
    endpoint = _get(ctx)
    ctx.state.remove(KIND, endpoint["id"])
    return helpers.deleted(endpoint)


@route("GET", "/v1/webhook_endpoints", params=WebhookEndpointListParams)
def list_endpoints(ctx):
    return helpers.list_object(ctx, list(ctx.state.collection(KIND).values()), label=LABEL)


def matching(state, event_type):
    """`[(endpoint_id, url, secret)]` of enabled endpoints that want `event_type`."""
    out = []
    for endpoint in state.objects.get(KIND, {}).values():
        wanted = endpoint["enabled_events"]
        if endpoint["status"] == "enabled" and ("*" in wanted or event_type in wanted):
            out.append((endpoint["id"], endpoint["url"], endpoint["_secret"]))
    return out
