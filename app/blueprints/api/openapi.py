"""GET /api/openapi.json: the OpenAPI 3.1 description of the machine API and the two webhooks.

Token-free: it describes shapes, never data. tests/api/test_openapi.py keeps it true (every route
under /api and /webhooks is in it, the document validates) and runs Schemathesis against it.
"""
from __future__ import annotations

from flask import jsonify

from app.auth import public
from app.billing import usage_input as rules
from app.blueprints.api import bp


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str, **extra) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}, **extra}


def _obj(required: list[str], **properties) -> dict:
    return {"type": "object", "required": required, "properties": properties}


TEXT = {"type": "string", "minLength": 1}
MOMENT = {"oneOf": [{"type": "string", "format": "date-time"},
                    {"type": "integer", "minimum": 0, "maximum": 253402300799}],
          "description": "ISO-8601 (an offset or Z; naive is UTC) or unix seconds"}
USAGE_VALUE = {"type": "integer", "minimum": 0, "maximum": rules.MAX_USAGE_VALUE,
               "description": "Stripe refuses meter values of more than 15 digits"}
COUNT = {"type": "integer", "minimum": 0, "maximum": rules.MAX_COUNT}
FLAG = {"type": "boolean", "default": False}

SCHEMAS = {
    "Error": _obj(["error", "message"], error={"type": "string", "description": "a kind machines read"},
                  message={"type": "string"}, field={"type": "string", "description": "the input at fault"}),
    "ItemResult": _obj(["index", "status"], index={"type": "integer", "minimum": 0},
                       status={"enum": ["created", "unchanged", "replaced", "updated", "duplicate", "conflict",
                                        "error"]},
                       identifier={"type": "string"}, field={"type": "string"}, message={"type": "string"}),
    "Accepted": _obj(["stored", "results"], stored={"type": "integer", "minimum": 0},
                     results={"type": "array", "items": _ref("ItemResult")}),
    "ItemsRefused": _obj(["error", "message", "stored", "errors"], error={"enum": ["invalid_items", "conflict"]},
                         message={"type": "string"}, stored={"type": "integer", "minimum": 0},
                         errors={"type": "array", "items": _ref("ItemResult")},
                         results={"type": "array", "items": _ref("ItemResult")}),
    "Report": _obj(["organization_id", "instance", "date", "usage"],
                   organization_id={**TEXT, "maxLength": 64}, instance={**TEXT, "maxLength": 64},
                   date={"type": "string", "format": "date", "description": "the usage day; not in the future, "
                                                                             "not before Stripe's 35-day window"},
                   usage={"type": "object", "additionalProperties": USAGE_VALUE,
                          "description": "metered product key -> count"}),
    "ReportBatch": _obj(["reports"], reports={"type": "array", "maxItems": rules.MAX_REPORTS,
                                              "items": _ref("Report")},
                        atomic=FLAG, replace=FLAG),
    "RunSummary": _obj(["instance", "date", "total_orgs", "orgs_sent"], instance={**TEXT, "maxLength": 64},
                       date={"type": "string", "format": "date"}, total_orgs=COUNT, orgs_sent=COUNT,
                       started_at={"oneOf": [MOMENT, {"type": "null"}]},
                       finished_at={"oneOf": [MOMENT, {"type": "null"}]}),
    "RunBatch": _obj(["runs"], runs={"type": "array", "maxItems": rules.MAX_RUNS, "items": _ref("RunSummary")},
                     atomic=FLAG),
    "Event": _obj(["identifier", "organization_id", "event_name", "value", "timestamp"],
                  identifier={**TEXT, "maxLength": 100}, organization_id={**TEXT, "maxLength": 64},
                  event_name={**TEXT, "maxLength": 100}, value=USAGE_VALUE,
                  timestamp={**MOMENT, "description": "within Stripe's window: the past 35 days, 5 minutes ahead"}),
    "EventBatch": _obj(["events"], events={"type": "array", "maxItems": rules.MAX_EVENTS, "items": _ref("Event")},
                       atomic=FLAG),
    "BillingCustomer": _obj(
        ["organisation_id", "customer_id", "stripe_customer_id", "billing_configuration", "plans_map",
         "effective_plans", "available_features", "free_trial_until", "trial_active", "features_change_on",
         "billing_limits", "usage_caps"],
        organisation_id={"type": "string"}, customer_id={"type": "integer"},
        stripe_customer_id={"type": ["string", "null"]}, billing_configuration={"type": ["string", "null"]},
        plans_map={"type": "object", "additionalProperties": {"type": "string"}},
        effective_plans={"type": "object", "additionalProperties": {"type": "string"}},
        available_features={"type": "array", "items": {"type": "string"}},
        free_trial_until={"type": ["string", "null"], "format": "date"}, trial_active={"type": "boolean"},
        features_change_on={"type": ["string", "null"], "format": "date"},
        billing_limits={"type": "object", "additionalProperties": {"type": "integer"}},
        usage_caps={"type": "object", "additionalProperties": {"type": ["integer", "null"]}}),
    "WebhookError": _obj(["error"], error=_obj(["status", "title", "message"], status={"type": "integer"},
                                               title={"type": "string"}, message={"type": "string"})),
    "PandaDocNotification": {**_obj(["event"], event={"type": "string"}, data={"type": "object"}),
                             "description": "PandaDoc's notification, e.g. document_state_changed"},
    "PandaDocOutcome": _obj(["duplicate", "created_plan_ids", "existing_documents", "ignored"],
                            duplicate={"type": "boolean"},
                            created_plan_ids={"type": "array", "items": {"type": "integer"}},
                            existing_documents={"type": "array", "items": {"type": "string"}},
                            ignored={"type": "integer"}),
    "StripeEvent": _obj(["id", "type", "data"], id={"type": "string"}, type={"type": "string"},
                        data=_obj(["object"], object={"type": "object"})),
    "StripeOutcome": _obj(["result"], result={"enum": ["processed", "ignored", "duplicate", "failed"]}),
}

API_ERRORS = {
    "400": _json(_ref("Error"), "The body is not JSON, too deeply nested, or not the documented shape"),
    "401": _json(_ref("Error"), "No valid API token (Authorization: Bearer ...)"),
    "403": _json(_ref("Error"), "The token lacks the scope, or may not write for this instance"),
    "413": _json(_ref("Error"), "More items than one request may carry: split the batch"),
    "429": _json(_ref("Error"), "Too many requests for this token",
                 headers={"Retry-After": {"description": "seconds to wait", "schema": {"type": "integer"}}}),
}


def _ingest(summary: str, batch: str, *, single: str | None = None) -> dict:
    body = {"anyOf": [_ref(batch), _ref(single)]} if single else _ref(batch)  # with "runs" it is a batch
    return {"post": {
        "summary": summary, "tags": ["usage"],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {
            "202": _json(_ref("Accepted"), "Stored (committed) with a result per item"),
            "409": _json(_ref("ItemsRefused"), "Some items conflict with what is stored (all, when atomic)"),
            "422": _json(_ref("ItemsRefused"), "Some items are invalid, each named with its index and field; the "
                                               "rest were stored unless the batch is atomic"),
            **API_ERRORS}}}


def _webhook(summary: str, body: dict, outcome: str, signature: dict, refusals: dict, extra: dict) -> dict:
    return {"post": {
        "summary": summary, "tags": ["webhooks"], "security": [], "parameters": [signature],
        "requestBody": {"required": True, "content": {"application/json": {"schema": body}}},
        "responses": {"200": _json(_ref(outcome), "Stored and handled (or a duplicate)"),
                      **{code: _json(_ref("WebhookError"), text) for code, text in refusals.items()}, **extra}}}


PATHS = {
    "/api/openapi.json": {"get": {"summary": "This document", "tags": ["meta"], "security": [],
                                  "responses": {"200": {"description": "OpenAPI 3.1",
                                                        "content": {"application/json": {"schema": {}}}}}}},
    "/api/usage/reports": _ingest("Daily usage reports, one per organisation, instance and day", "ReportBatch"),
    "/api/usage/runs": _ingest("An instance's nightly run summary (one, or a batch)", "RunBatch",
                               single="RunSummary"),
    "/api/usage/events": _ingest("Metered usage events, unique on identifier", "EventBatch"),
    "/api/billing/customers/{organisation_id}": {"get": {
        "summary": "What an organisation is billed for: plans, features, limits", "tags": ["billing"],
        "parameters": [{"name": "organisation_id", "in": "path", "required": True,
                        "schema": {"type": "string", "minLength": 1}, "example": "org-1"}],
        "responses": {"200": _json(_ref("BillingCustomer"), "The customer billing this organisation"),
                      "404": _json(_ref("Error"), "No customer bills this organisation"),
                      "422": _json(_ref("Error"), "An organisation id no database can hold (a NUL)"),
                      **{k: v for k, v in API_ERRORS.items() if k != "413"}}}},
    "/webhooks/pandadoc": _webhook(
        "PandaDoc: a contract was completed", {"type": "array", "items": _ref("PandaDocNotification")},
        "PandaDocOutcome",
        {"name": "signature", "in": "query", "required": True, "schema": {"type": "string"},
         "description": "hex HMAC-SHA256 of the raw body with the shared key"},
        {"400": "Signed, but not a JSON array of notifications (kept as a failed delivery)",
         "401": "Bad or missing signature; nothing stored"}, {}),
    "/webhooks/stripe": _webhook(
        "Stripe: an event", _ref("StripeEvent"), "StripeOutcome",
        {"name": "Stripe-Signature", "in": "header", "required": True, "schema": {"type": "string"}},
        {"400": "Bad or missing signature, or not an event; nothing stored"},
        {"500": _json(_ref("StripeOutcome"), "Stored, but its handler failed (the error is on the stored "
                                             "event): Stripe retries")}),
}

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "Billing Console machine API", "version": "1",
             "description": "Usage in from the product's instances, billing state out, and the PandaDoc and "
                            "Stripe webhooks. Errors under /api are {error, message, field?}."},
    "servers": [{"url": "/"}],
    "security": [{"bearerToken": []}],
    "paths": PATHS,
    "components": {"schemas": SCHEMAS, "securitySchemes": {
        "bearerToken": {"type": "http", "scheme": "bearer",
                        "description": "an API token made on the API tokens page"}}},
}


@bp.get("/openapi.json")
@public  # describes shapes, never data
def openapi_document():
    return jsonify(DOCUMENT)
