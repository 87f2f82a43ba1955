"""A person signs in through the company's identity provider (oidc-provider on loopback) in Chromium."""
from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

from tests.oidc_provider import CLIENT_SECRET, HONEST_CLIENT, free_port, start_provider


@pytest.fixture(scope="module")
def sso_server(tmp_path_factory, stripe_emulator_server):
    """The app configured for single sign-on, and the provider it trusts, both on loopback."""
    from flask_migrate import upgrade

    from tests.conftest import make_app

    workdir = tmp_path_factory.mktemp("sso-browser")
    provider_port = free_port()
    app = make_app(f"sqlite:///{workdir / 'sso.db'}", TESTING=False, STRIPE_SECRET_KEY="sk_test_emulator",
                   STRIPE_API_BASE=stripe_emulator_server.url, HUEY_NAME=f"{os.environ['HUEY_NAME']}-sso",
                   OIDC_ISSUER=f"http://127.0.0.1:{provider_port}", OIDC_CLIENT_ID=HONEST_CLIENT,
                   OIDC_CLIENT_SECRET=CLIENT_SECRET, OIDC_ALLOWED_DOMAINS=["seller.example"],
                   OIDC_GROUP_ROLES={"billing-admins": "admin", "finance": "finance"},
                   OIDC_SCOPES="openid email groups", OIDC_PROVIDER_NAME="Seller SSO")
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    provider = start_provider(workdir, [f"{url}/login/sso/callback"], port=provider_port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    provider.stop()


def test_signing_in_through_the_provider_lands_on_the_app_with_the_mapped_role(browser, sso_server):
    context = browser.new_context(base_url=sso_server)
    page = context.new_page()
    page.goto("/login")
    page.click("text=Sign in with Seller SSO")
    page.wait_for_url("**/interaction/**")
    page.fill("input[name=login]", "fin@seller.example")
    page.fill("input[name=password]", "any password")
    page.click("button[type=submit]")
    page.wait_for_url("**/annual-plans")
    header = page.locator("header").inner_text()
    assert "fin@seller.example" in header and "finance" in header
    context.close()
