"""A real OpenID provider on loopback, and the app configured to sign in through it."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.oidc_provider import CLIENT_SECRET, HONEST_CLIENT, sign_in_at_provider, start_provider

CALLBACK = "http://localhost/login/sso/callback"  # what url_for builds under Flask's test client
GROUP_ROLES = {"billing-admins": "admin", "finance": "finance", "cs": "cs"}


@pytest.fixture(scope="session")
def oidc_server(tmp_path_factory):
    running = start_provider(tmp_path_factory.mktemp("oidc"), [CALLBACK])
    yield running
    running.stop()


@pytest.fixture
def sso(app, client, oidc_server, monkeypatch):
    """The app's SSO settings for this test (honest client); `sso.sign_in(email)` runs the whole flow."""
    settings = {"OIDC_ISSUER": oidc_server.issuer, "OIDC_CLIENT_ID": HONEST_CLIENT,
                "OIDC_CLIENT_SECRET": CLIENT_SECRET, "OIDC_ALLOWED_DOMAINS": ["seller.example"],
                "OIDC_GROUP_ROLES": GROUP_ROLES, "OIDC_GROUPS_CLAIM": "groups",
                "OIDC_SCOPES": "openid email groups", "OIDC_PROVIDER_NAME": "Test IdP", "PASSWORD_LOGIN": True}
    for name, value in settings.items():
        monkeypatch.setitem(app.config, name, value)
    oidc_server.reset_accounts()
    return SsoDriver(app, client, oidc_server, monkeypatch)


class SsoDriver:
    def __init__(self, app, client, server, monkeypatch):
        self.app, self.client, self.server, self.monkeypatch = app, client, server, monkeypatch

    def use_client(self, client_id: str) -> None:
        self.monkeypatch.setitem(self.app.config, "OIDC_CLIENT_ID", client_id)

    def start(self, client=None, next_url: str | None = None) -> str:
        """Presses "Sign in with ..."; returns the provider's authorization URL."""
        response = (client or self.client).get("/login/sso", query_string={"next": next_url} if next_url else None)
        assert response.status_code == 302, response.get_data(as_text=True)
        return response.headers["Location"]

    def at_provider(self, authorize_url: str, email: str) -> str:
        """The provider's redirect back to us, as a path with its query."""
        back = urlsplit(sign_in_at_provider(authorize_url, email, CALLBACK))
        return f"{back.path}?{back.query}"

    def sign_in(self, email: str, client=None):
        client = client or self.client
        return client.get(self.at_provider(self.start(client), email))
