"""Sessions end when they should (issue 14, item 3): a cookie copied before logout, a password change,
deactivation or a role change no longer signs anyone in, and remember-me lasts 14 days at most."""
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from flask import g

from app.models import AuditEntry, User
from app.services import users as user_service
from app.services.audit import Actor
from tests.conftest import TEST_PASSWORD, CsrfClient

ADMIN = Actor.system("tests")


def _sign_in(client, user, remember=False):
    data = {"email": user.email, "password": TEST_PASSWORD}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _forget_loaded_user():
    """The tests share one app context, so Flask-Login's per-request user would leak between requests."""
    g.pop("_login_user", None)


def _another_browser(app):
    _forget_loaded_user()
    g.pop("csrf_token", None)  # each browser has its own CSRF token
    return CsrfClient(app, app.test_client())


def _replay(app, name, value):
    """A fresh browser that only has the copied cookie."""
    _forget_loaded_user()
    fresh = app.test_client()
    fresh.set_cookie(name, value)
    return fresh.get("/annual-plans")


def _signed_in(response) -> bool:
    return response.status_code == 200


def _copy(client, name):
    cookie = client.raw.get_cookie(name)
    assert cookie is not None, f"no {name} cookie was set"
    return cookie.value


def _change_password(db, user):
    user_service.set_password(db.session, ADMIN, user.email, "a-brand-new-password")


def _deactivate(db, user):
    user_service.set_active(db.session, ADMIN, db.session.get(User, user.id), False)


def _change_role(db, user):
    user_service.set_role(db.session, ADMIN, user.id, "viewer")


REVOKERS = {"password change": _change_password, "deactivation": _deactivate, "role change": _change_role}


def test_a_copied_session_cookie_works_while_the_session_lasts(app, client, make_user):
    _sign_in(client, make_user("cs"))
    assert _signed_in(_replay(app, "session", _copy(client, "session")))


def test_a_session_cookie_copied_before_logout_no_longer_works(app, client, make_user):
    _sign_in(client, make_user("cs"))
    copied = _copy(client, "session")
    assert client.post("/logout").status_code == 302
    response = _replay(app, "session", copied)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_remember_cookie_copied_before_logout_no_longer_works(app, client, make_user):
    _sign_in(client, make_user("cs"), remember=True)
    copied = _copy(client, "remember_token")
    assert _signed_in(_replay(app, "remember_token", copied))
    client.post("/logout")
    response = _replay(app, "remember_token", copied)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_htmx_requests_with_an_old_cookie_get_401(app, client, make_user):
    _sign_in(client, make_user("cs"))
    copied = _copy(client, "session")
    client.post("/logout")
    fresh = app.test_client()
    fresh.set_cookie("session", copied)
    _forget_loaded_user()
    assert fresh.get("/annual-plans", headers={"HX-Request": "true"}).status_code == 401


@pytest.mark.parametrize("cookie", ["session", "remember_token"])
@pytest.mark.parametrize("revoke", list(REVOKERS))
def test_a_cookie_from_before_the_change_no_longer_works(app, client, db, make_user, revoke, cookie):
    user = make_user("cs")
    _sign_in(client, user, remember=True)
    copied = _copy(client, cookie)
    REVOKERS[revoke](db, user)
    db.session.commit()
    response = _replay(app, cookie, copied)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("revoke, action", [("password change", "user.password_set"),
                                            ("deactivation", "user.deactivated"),
                                            ("role change", "user.role_changed")])
def test_ending_sessions_is_audited(db, make_user, revoke, action):
    user = make_user("cs")
    REVOKERS[revoke](db, user)
    db.session.commit()
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == action))
    assert entry.object_id == str(user.id) and "sessions ended" in entry.note
    assert db.session.get(User, user.id).session_generation == 1


def test_logout_is_audited_as_ending_the_sessions(client, db, make_user):
    user = make_user("cs")
    _sign_in(client, user)
    client.post("/logout")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.logged_out"))
    assert entry.object_id == str(user.id) and "sessions ended" in entry.note


def test_signing_in_again_after_logout_works(client, make_user):
    user = make_user("cs")
    _sign_in(client, user)
    client.post("/logout")
    _sign_in(client, user)
    _forget_loaded_user()
    assert client.get("/annual-plans").status_code == 200


def test_setting_the_same_role_keeps_the_sessions(app, client, db, make_user):
    user = make_user("cs")
    _sign_in(client, user)
    copied = _copy(client, "session")
    user_service.set_role(db.session, ADMIN, user.id, "cs")
    db.session.commit()
    assert _signed_in(_replay(app, "session", copied))


def test_another_users_change_leaves_my_session_alone(app, client, db, make_user):
    me, other = make_user("cs"), make_user("cs")
    _sign_in(client, me)
    _change_role(db, other)
    db.session.commit()
    _forget_loaded_user()
    assert client.get("/annual-plans").status_code == 200


def test_admin_role_change_ends_the_changed_users_session_through_the_ui(app, db, make_user):
    target = make_user("cs")
    target_client = CsrfClient(app, app.test_client())
    _sign_in(target_client, target)
    admin_client = _another_browser(app)
    _sign_in(admin_client, make_user("admin"))
    _forget_loaded_user()
    response = admin_client.post(f"/users/{target.id}/role", data={"role": "viewer"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/users"), response.headers
    _forget_loaded_user()
    assert target_client.get("/annual-plans").status_code == 302


@pytest.mark.parametrize("cookie_value", ["1", "x:y", "1:", ":0", "99999:0"])
def test_a_malformed_user_id_in_the_session_is_refused(app, client, make_user, cookie_value):
    make_user("cs")
    with client.raw.session_transaction() as sess:
        sess["_user_id"] = cookie_value
        sess["_fresh"] = True
    _forget_loaded_user()
    assert client.get("/annual-plans").status_code == 302


def test_remember_me_lasts_at_most_14_days(client, make_user):
    response = _sign_in(client, make_user("cs"), remember=True)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    attributes = dict(part.strip().split("=", 1) for part in cookie.split(";")[1:] if "=" in part)
    assert int(attributes.get("Max-Age", 0)) <= 14 * 24 * 3600
    expires = parsedate_to_datetime(attributes["Expires"])
    assert expires <= datetime.now(UTC) + timedelta(days=14, minutes=1)
