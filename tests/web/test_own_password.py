"""A user changes their own password (issue 14, item 3): their other sessions and remember-me cookies
end, this browser stays signed in, and a bad form changes nothing."""
import pytest
from flask import g

from app.models import AuditEntry, User
from tests.conftest import TEST_PASSWORD

NEW_PASSWORD = "a-brand-new-password"


def _change(client, current=TEST_PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={"current_password": current, "new_password": new,
                                                   "confirm_password": new if confirm is None else confirm})


def test_the_page_is_linked_from_the_top_bar(client, login_as):
    login_as("viewer")
    page = client.get("/annual-plans").get_data(as_text=True)
    assert 'href="/account/password"' in page
    assert 'name="current_password"' in client.get("/account/password").get_data(as_text=True)


def test_changing_my_password_ends_my_other_sessions_and_keeps_this_one(app, client, db, login_as):
    user = login_as("cs")
    other_browser = client.raw.get_cookie("session").value
    response = _change(client)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD) and user.session_generation == 1
    g.pop("_login_user", None)
    assert client.get("/annual-plans").status_code == 200
    g.pop("_login_user", None)
    stale = app.test_client()
    stale.set_cookie("session", other_browser)
    assert stale.get("/annual-plans").status_code == 302
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.password_set"))
    assert entry.actor_id == user.id and "sessions ended" in entry.note


@pytest.mark.parametrize("current, new, confirm, message", [
    (TEST_PASSWORD, "short", None, "at least 10 characters"),
    (TEST_PASSWORD, NEW_PASSWORD, "something-else-1", "The two new passwords differ."),
    ("", NEW_PASSWORD, None, "Fill in your current password and the new one twice."),
])
def test_a_bad_form_is_refused_in_place_and_changes_nothing(client, db, login_as, nothing_written,
                                                            current, new, confirm, message):
    user = login_as("cs")
    with nothing_written():
        response = _change(client, current, new, confirm)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)


def test_no_password_change_when_password_sign_in_is_off(app, client, db, login_as, nothing_written, monkeypatch):
    user = login_as("cs")
    monkeypatch.setitem(app.config, "PASSWORD_LOGIN", False)
    g.pop("_login_user", None)
    assert 'href="/account/password"' not in client.get("/annual-plans").get_data(as_text=True)
    assert client.get("/account/password").status_code == 403
    with nothing_written():
        response = _change(client)
    assert response.status_code == 403 and "Password sign-in is switched off" in response.get_data(as_text=True)
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)


def test_a_wrong_current_password_is_counted_and_guessing_is_throttled_as_signing_in_is(app, client, db, login_as,
                                                                                      monkeypatch):
    from app.models import LoginFailure

    user = login_as("cs")
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ACCOUNT", 3)
    for n in range(3):
        response = _change(client, current=f"wrong-password-{n}")
        assert response.status_code == 422 and "Your current password is not right." in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(LoginFailure)
                             .where(LoginFailure.email == user.email)) == 3  # kept although each was refused
    throttled = _change(client)  # even the right password, while the window lasts
    assert throttled.status_code == 429
    assert "Too many wrong passwords. Try again in 15 minutes." in throttled.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password(TEST_PASSWORD)  # unchanged
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "user.password_set")) is None
