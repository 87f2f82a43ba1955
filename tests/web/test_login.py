"""Signing in: a generic failure message, a temporary throttle, safe cookies."""
import pytest

from app.models import AuditEntry, LoginFailure
from tests.conftest import TEST_PASSWORD


def _login(client, email, password, ip="10.0.0.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_login_page_is_public(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert 'name="password"' in response.get_data(as_text=True)


def test_correct_password_signs_in_and_lands_on_annual_plans(client, make_user, db):
    user = make_user("cs")
    response = _login(client, user.email.upper(), TEST_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/annual-plans")
    page = client.get("/annual-plans").get_data(as_text=True)
    assert user.email in page and ">cs<" in page
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.logged_in")).object_id == str(user.id)


@pytest.mark.parametrize("email", ["known", "nobody@staff.example"])
def test_wrong_password_and_unknown_email_get_the_same_answer(client, make_user, email):
    user = make_user("cs")
    response = _login(client, user.email if email == "known" else email, "wrong-password!")
    assert response.status_code == 401
    body = response.get_data(as_text=True)
    assert "Email or password is incorrect." in body
    assert "no such" not in body.lower() and "unknown" not in body.lower()


def test_deactivated_user_cannot_sign_in(client, make_user, db):
    user = make_user("cs")
    user.active = False
    db.session.commit()
    assert _login(client, user.email, TEST_PASSWORD).status_code == 401


def test_account_is_throttled_after_five_failures_even_with_the_right_password(client, make_user):
    user = make_user("cs")
    for attempt in range(5):
        assert _login(client, user.email, f"wrong-{attempt}", ip=f"10.0.1.{attempt}").status_code == 401
    response = _login(client, user.email, TEST_PASSWORD, ip="10.0.2.1")
    assert response.status_code == 429
    assert "Try again in 15 minutes" in response.get_data(as_text=True)


def test_throttle_is_temporary(client, make_user, db):
    from datetime import timedelta

    from app import timeutil

    user = make_user("cs")
    for attempt in range(5):
        _login(client, user.email, f"wrong-{attempt}")
    later = timeutil.utcnow() + timedelta(minutes=16)
    timeutil.freeze(later)
    try:
        assert _login(client, user.email, TEST_PASSWORD).status_code == 302
    finally:
        timeutil.freeze(None)


def test_ip_is_throttled_across_accounts(client, make_user, db):
    user = make_user("cs")
    for n in range(20):
        _login(client, f"guess{n}@staff.example", "nope-nope-nope", ip="10.9.9.9")
    assert _login(client, user.email, TEST_PASSWORD, ip="10.9.9.9").status_code == 429
    assert _login(client, user.email, TEST_PASSWORD, ip="10.9.9.10").status_code == 302
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)) == 20


def test_next_parameter_cannot_redirect_off_site(client, make_user):
    user = make_user("cs")
    response = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": TEST_PASSWORD})
    assert response.headers["Location"].endswith("/annual-plans")


def test_session_cookie_is_httponly_and_samesite_lax(client, make_user):
    user = make_user("cs")
    response = _login(client, user.email, TEST_PASSWORD)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session(client, login_as, nothing_written):
    login_as("cs")
    assert client.post("/logout").status_code == 302
    with nothing_written():
        assert client.get("/annual-plans").status_code == 302
