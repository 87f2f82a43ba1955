"""Single sign-on against a real OpenID provider (oidc-provider on loopback)."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from app.models import AuditEntry, LoginFailure, User
from tests.conftest import TEST_PASSWORD, CsrfClient


def _user(db, email):
    return db.session.scalar(select(User).where(User.email == email))


def _signed_in(client) -> bool:
    return client.get("/annual-plans").status_code == 200


def test_login_page_offers_the_provider_beside_the_password_form(client, sso):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in page
    assert 'name="password"' in page


def test_the_provider_is_asked_for_a_code_with_pkce_state_and_nonce(client, sso):
    query = parse_qs(urlsplit(sso.start()).query)
    assert query["response_type"] == ["code"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert query["state"][0] and query["nonce"][0]
    assert query["redirect_uri"] == ["http://localhost/login/sso/callback"]


def test_first_sign_in_creates_the_user_with_the_mapped_role(client, sso, db):
    response = sso.sign_in("fin@seller.example")
    assert response.status_code == 302 and response.headers["Location"].endswith("/annual-plans")
    page = client.get("/annual-plans").get_data(as_text=True)
    assert "fin@seller.example" in page and ">finance<" in page
    user = _user(db, "fin@seller.example")
    assert user.role == "finance" and user.active
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.logged_in"))
    assert entry.actor_label == "fin@seller.example"
    assert entry.after == {"provider": sso.server.issuer, "role": "finance", "groups": ["everyone", "finance"]}
    assert "via Test IdP as finance" in entry.note


def test_sign_in_returns_to_the_page_asked_for(client, sso):
    authorize = sso.start(next_url="/customers")
    response = client.get(sso.at_provider(authorize, "ada@seller.example"))
    assert response.headers["Location"].endswith("/customers")


def test_existing_user_gets_the_role_their_groups_map_to(client, sso, db, make_user):
    user = make_user("viewer", email="cora@seller.example")
    assert sso.sign_in("cora@seller.example").status_code == 302
    assert _user(db, "cora@seller.example").role == "cs"
    change = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.role_changed"))
    assert change.object_id == str(user.id) and change.actor_label == "system:sso"
    assert change.before == {"role": "viewer"} and change.after == {"role": "cs"}


def test_user_removed_from_every_mapped_group_is_refused_at_next_sign_in(client, sso, db):
    assert sso.sign_in("ada@seller.example").status_code == 302
    client.post("/logout")
    sso.server.set_groups("ada@seller.example", ["everyone"])
    response = sso.sign_in("ada@seller.example")
    assert response.status_code == 403
    assert "ada@seller.example is in none of the groups that give access" in response.get_data(as_text=True)
    assert not _signed_in(client)
    assert _user(db, "ada@seller.example").role == "admin"  # refused, not changed: re-adding them lets them in


@pytest.mark.parametrize("email, message", [
    ("eve@elsewhere.example", "only accounts at seller.example may use the Billing Console"),
    ("nogroup@seller.example", "is in none of the groups that give access"),
])
def test_refused_sign_ins_create_nobody(client, sso, db, nothing_written, email, message):
    authorize = sso.start()
    callback = sso.at_provider(authorize, email)
    with nothing_written():
        response = client.get(callback)
    assert response.status_code == 403
    body = response.get_data(as_text=True)
    assert message in body and 'role="alert"' in body and "Traceback" not in body
    assert '<form method="post" action="/login"' in body  # the password form posts to /login, not the callback
    assert not _signed_in(client)


def test_deactivated_user_is_refused(client, sso, db, make_user):
    user = make_user("finance", email="fin@seller.example")
    user.active = False
    db.session.commit()
    response = sso.sign_in("fin@seller.example")
    assert response.status_code == 403
    assert "fin@seller.example is deactivated" in response.get_data(as_text=True)
    assert not _signed_in(client)


@pytest.mark.parametrize("client_id, message", [
    ("wrong-audience", "was issued for another application"),
    ("wrong-issuer", "came from a different issuer"),
    ("expired", "has expired"),
    ("wrong-nonce", "does not belong to this sign-in"),
])
def test_an_id_token_that_fails_a_check_is_refused(client, sso, db, nothing_written, client_id, message):
    """The provider's token endpoint answers with a token signed by its own key but changed in one claim."""
    sso.use_client(client_id)
    callback = sso.at_provider(sso.start(), "ada@seller.example")
    with nothing_written():
        response = client.get(callback)
    assert response.status_code == 401
    assert message in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_an_answer_for_a_sign_in_started_in_another_browser_is_refused(app, client, sso, db, nothing_written):
    """Login CSRF: the attacker's own code, delivered to the victim's browser, must not sign them in."""
    attacker = CsrfClient(app, app.test_client())
    callback = sso.at_provider(sso.start(attacker), "eve@elsewhere.example")
    sso.start(client)
    with nothing_written():
        response = client.get(callback)
    assert response.status_code == 401
    assert "does not match a sign-in started in this browser (state)" in response.get_data(as_text=True)


def test_an_answer_with_no_sign_in_started_is_refused(client, sso, nothing_written):
    with nothing_written():
        response = client.get("/login/sso/callback?code=abc&state=xyz")
    assert response.status_code == 401
    assert "(state)" in response.get_data(as_text=True)


def test_an_answer_is_used_once(client, sso):
    callback = sso.at_provider(sso.start(), "ada@seller.example")
    assert client.get(callback).status_code == 302
    client.post("/logout")
    assert client.get(callback).status_code == 401


def test_the_provider_refusing_is_shown_on_the_login_page(client, sso):
    state = parse_qs(urlsplit(sso.start()).query)["state"][0]
    response = client.get("/login/sso/callback", query_string={
        "state": state, "error": "access_denied", "error_description": "End-User aborted interaction"})
    assert response.status_code == 401
    assert "The identity provider refused the sign-in: End-User aborted interaction." in response.get_data(as_text=True)


def test_a_discovery_document_for_another_issuer_is_refused(app, client, sso, monkeypatch):
    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://localhost:{sso.server.port}")
    response = client.get("/login/sso")
    assert response.status_code == 401
    assert "came from a different issuer than the one configured" in response.get_data(as_text=True)


def test_a_provider_that_does_not_answer_is_a_clear_502(app, client, sso, monkeypatch):
    from tests.oidc_provider import free_port

    monkeypatch.setitem(app.config, "OIDC_ISSUER", f"http://127.0.0.1:{free_port()}")
    response = client.get("/login/sso")
    assert response.status_code == 502
    assert "did not answer as expected" in response.get_data(as_text=True)


def test_password_login_off_hides_the_form_and_refuses_password_posts(app, client, sso, db, make_user,
                                                                      nothing_written, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_LOGIN", False)
    user = make_user("admin")
    with nothing_written():
        response = client.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 403
    assert "Password sign-in is switched off" in response.get_data(as_text=True)
    assert db.session.scalar(select(LoginFailure)) is None
    assert not _signed_in(client)
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in page and 'name="password"' not in page


def test_a_code_the_provider_does_not_know_is_refused(client, sso, nothing_written):
    state = parse_qs(urlsplit(sso.start()).query)["state"][0]
    with nothing_written():
        response = client.get("/login/sso/callback", query_string={"state": state, "code": "made-up"})
    assert response.status_code == 401
    assert "could not be redeemed" in response.get_data(as_text=True)


def test_the_code_is_bound_to_this_sign_in_by_pkce(client, sso, nothing_written):
    """The provider requires PKCE: a code redeemed without the verifier of its own sign-in is refused."""
    callback = sso.at_provider(sso.start(), "ada@seller.example")
    with client.raw.session_transaction() as browser_session:
        browser_session["sso_sign_in"] = browser_session["sso_sign_in"] | {"code_verifier": "x" * 64}
    with nothing_written():
        response = client.get(callback)
    assert response.status_code == 401
    assert "could not be redeemed" in response.get_data(as_text=True)
    assert not _signed_in(client)


def test_an_unreadable_saved_sign_in_is_refused_like_a_missing_one(client, sso, nothing_written):
    with client.raw.session_transaction() as browser_session:
        browser_session["sso_sign_in"] = {"state": "xyz"}  # e.g. kept by an older version
    with nothing_written():
        response = client.get("/login/sso/callback?code=abc&state=xyz")
    assert response.status_code == 401
    assert "(state)" in response.get_data(as_text=True)
