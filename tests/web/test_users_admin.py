"""The users page: create, change role, deactivate; bad input changes nothing."""
import pytest

from app.models import AuditEntry, User


def test_admin_sees_users_and_the_navigation(client, login_as):
    admin = login_as("admin")
    page = client.get("/users").get_data(as_text=True)
    assert admin.email in page
    for label in ("Annual plans", "Customers", "Catalog", "Usage", "Revenue", "Jobs", "Audit", "Users"):
        assert f">{label}</a>" in page


def test_admin_creates_a_user_who_can_then_sign_in(client, login_as, db):
    login_as("admin")
    response = client.post("/users", data={"email": "Nina@Staff.example", "name": "Nina",
                                           "role": "growth", "password": "temporary-pass-1"})
    assert response.status_code == 302
    user = db.session.scalar(db.select(User).where(User.email == "nina@staff.example"))
    assert user.role == "growth" and user.name == "Nina"
    entry = db.session.scalar(db.select(AuditEntry).where(
        AuditEntry.action == "user.created", AuditEntry.object_id == str(user.id)))
    assert entry.after == {"email": "nina@staff.example", "role": "growth", "name": "Nina"}
    client.post("/logout")
    assert client.post("/login", data={"email": "nina@staff.example", "password": "temporary-pass-1"}).status_code == 302


@pytest.mark.parametrize("data, message", [
    ({"email": "", "role": "cs", "password": "long-enough-pass"}, "Fill in email"),
    ({"email": "not-an-email", "role": "cs", "password": "long-enough-pass"}, "is not an email address"),
    ({"email": "a@staff.example", "role": "cs", "password": "short"}, "at least 10 characters"),
    ({"email": "a@staff.example", "role": "boss", "password": "long-enough-pass"}, "Fill in email"),
])
def test_bad_user_input_is_422_and_writes_nothing(client, login_as, db, data, message):
    login_as("admin")
    before = db.session.scalar(db.select(db.func.count()).select_from(User))
    response = client.post("/users", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(User)) == before


def test_duplicate_email_is_refused(client, login_as, make_user):
    login_as("admin")
    existing = make_user("cs")
    response = client.post("/users", data={"email": existing.email, "role": "cs", "password": "long-enough-pass"})
    assert response.status_code == 422
    assert "already exists" in response.get_data(as_text=True)


def test_role_change_and_deactivation_are_audited(client, login_as, make_user, db):
    login_as("admin")
    target = make_user("viewer")
    assert client.post(f"/users/{target.id}/role", data={"role": "finance"}).status_code == 302
    assert client.post(f"/users/{target.id}/active").status_code == 302
    db.session.refresh(target)
    assert (target.role, target.active) == ("finance", False)
    actions = db.session.scalars(db.select(AuditEntry.action).where(AuditEntry.object_id == str(target.id))).all()
    assert "user.role_changed" in actions and "user.deactivated" in actions


def test_admin_cannot_lock_themselves_out(client, login_as, db):
    admin = login_as("admin")
    assert client.post(f"/users/{admin.id}/active").status_code == 422
    assert client.post(f"/users/{admin.id}/role", data={"role": "viewer"}).status_code == 422
    db.session.refresh(admin)
    assert (admin.active, admin.role) == (True, "admin")
