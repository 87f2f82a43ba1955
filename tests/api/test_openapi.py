"""The OpenAPI document is served without a token, is valid OpenAPI 3.1, and names every machine route."""
import re

from openapi_spec_validator import validate

MACHINE_PREFIXES = ("/api/", "/webhooks/")
PEOPLE_PREFIXES = ("/webhooks/deliveries/",)  # the Webhooks page's buttons, for signed-in people


def _documented(document: dict) -> dict[str, set[str]]:
    return {path: {m.upper() for m in item if m in ("get", "post", "put", "patch", "delete")}
            for path, item in document["paths"].items()}


def _routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(MACHINE_PREFIXES) and not rule.rule.startswith(PEOPLE_PREFIXES):
            path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            routes.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_the_document_is_served_without_a_token_and_is_valid_openapi_3_1(client):
    response = client.raw.get("/api/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.1")
    validate(response.get_json())


def test_every_route_under_api_and_webhooks_is_documented_with_its_methods(app, client):
    document = client.raw.get("/api/openapi.json").get_json()
    assert _documented(document) == _routes(app)


def test_every_token_operation_documents_the_token_scope_and_rate_refusals(client):
    document = client.raw.get("/api/openapi.json").get_json()
    assert document["security"] == [{"bearerToken": []}]
    for path, item in document["paths"].items():
        for operation in item.values():
            if path.startswith(("/api/usage/", "/api/billing/")):
                assert "security" not in operation and {"401", "403", "429"} <= set(operation["responses"]), path
                error = operation["responses"]["401"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/Error"}
            else:
                assert operation["security"] == [], path
