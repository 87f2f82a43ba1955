"""Every route needs a login unless it is on this short, explicit list."""
import re

PUBLIC_ENDPOINTS = {"auth.login", "health.healthz", "static", "webhooks.pandadoc", "webhooks.stripe_events",
                    "api.billing_customer", "api.usage_reports", "api.usage_runs", "api.usage_events",
                    "api.openapi_document"}  # the API's description: shapes, never data
PUBLIC_ENDPOINTS |= {"auth.sso_start", "auth.sso_callback"}  # single sign-on happens before there is a session


def _sample_url(rule) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>",
                  lambda m: "1" if "id" in m.group(1) or m.group(0).startswith("<int:") else "x", rule.rule)


def test_only_allow_listed_views_are_public(app):
    public = {ep for ep, view in app.view_functions.items() if getattr(view, "is_public", False)}
    assert public | {"static"} == PUBLIC_ENDPOINTS


def test_every_other_route_sends_anonymous_users_to_login(app, client, nothing_written):
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            with nothing_written():
                response = client.raw.open(_sample_url(rule), method=method)
            assert response.status_code == 302, f"{method} {rule.rule} answered {response.status_code}"
            assert "/login" in response.headers["Location"], f"{method} {rule.rule}"
            checked += 1
    assert checked >= 10


def test_htmx_requests_get_401_with_a_redirect_header(client, nothing_written):
    with nothing_written():
        response = client.raw.get("/annual-plans", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].endswith("/login")


def test_unknown_route_is_a_404_page(client, login_as):
    login_as("viewer")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)
    assert "Annual plans" in response.get_data(as_text=True)  # in the app's layout
