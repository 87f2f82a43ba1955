"""Every error under /api/ has the one flat shape machines read: {"error": kind, "message": ..., "field"?}."""
import pytest


@pytest.mark.parametrize("method, path, status, kind", [
    ("GET", "/api/nothing-here", 404, "not_found"),
    ("GET", "/api/usage/reports", 405, "method_not_allowed"),
    ("PUT", "/api/billing/customers/org-1", 405, "method_not_allowed"),
    ("GET", "/api/billing/customers/org-unknown", 404, "not_found"),
])
def test_http_errors_under_api_are_flat(db, call, method, path, status, kind):
    response = call(method, path)
    assert response.status_code == status
    body = response.get_json()
    assert body["error"] == kind and isinstance(body["message"], str) and set(body) <= {"error", "message", "field"}


def test_a_missing_token_is_flat(client):
    response = client.raw.post("/api/usage/events", json={"events": []})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("path", ["/api/billing/customers/org-%00", "/api/billing/customers/%00"])
def test_an_organisation_id_no_database_can_hold_is_a_422_naming_it(db, call, path):
    response = call("GET", path)
    assert response.status_code == 422 and response.get_json()["field"] == "organisation_id"
