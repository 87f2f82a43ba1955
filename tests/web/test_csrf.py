"""State-changing requests without a valid CSRF token are refused and change nothing."""
from app.models import User


def test_post_without_token_is_400_and_creates_nothing(client, login_as, db):
    login_as("admin")
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    response = client.post("/users", csrf=False, data={
        "email": "new@staff.example", "role": "cs", "password": "long-enough-pass"})
    assert response.status_code == 400
    assert "security token" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


def test_htmx_post_with_a_forged_token_is_400(client, login_as, db, nothing_written):
    login_as("admin")
    with nothing_written():
        response = client.post("/jobs/selftest", csrf=False,
                               headers={"HX-Request": "true", "X-CSRFToken": "forged"})
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)  # a fragment, not a page


def test_login_form_needs_its_token_too(client, make_user, nothing_written):
    user = make_user("cs")
    with nothing_written():
        response = client.post("/login", csrf=False, data={"email": user.email, "password": "x"})
    assert response.status_code == 400
