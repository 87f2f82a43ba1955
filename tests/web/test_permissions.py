"""The role table, enforced: refused roles get 403 and nothing is written."""
from contextlib import nullcontext

import pytest

from app.models import AuditEntry, Job, User
from app.permissions import PERMISSIONS, ROLES, allowed


def _count(db, model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.mark.parametrize("role", ROLES)
def test_only_admins_create_users(client, login_as, db, nothing_written, role):
    login_as(role)
    users_before, audit_before = _count(db, User), _count(db, AuditEntry)
    with nullcontext() if role == "admin" else nothing_written():
        response = client.post("/users", data={"email": "new@staff.example", "role": "cs",
                                               "password": "long-enough-pass"})
    if role == "admin":
        assert response.status_code == 302
        assert db.session.scalar(db.select(User).where(User.email == "new@staff.example")).role == "cs"
    else:
        assert response.status_code == 403
        assert "Not allowed" in response.get_data(as_text=True)
        assert (_count(db, User), _count(db, AuditEntry)) == (users_before, audit_before)


@pytest.mark.parametrize("role", ROLES)
def test_job_self_test_needs_jobs_run(client, login_as, db, nothing_written, role):
    login_as(role)
    expected_allowed = allowed(role, "jobs.run")
    with nullcontext() if expected_allowed else nothing_written():
        response = client.post("/jobs/selftest")
    assert response.status_code == (302 if expected_allowed else 403)
    assert _count(db, Job) == (1 if expected_allowed else 0)


@pytest.mark.parametrize("role", ROLES)
def test_audit_log_is_visible_to_admin_and_finance_only(client, login_as, nothing_written, role):
    login_as(role)
    with nothing_written():
        status = client.get("/audit").status_code
    assert status == (200 if role in {"admin", "finance"} else 403)


def test_every_role_can_read_the_main_pages(client, login_as):
    login_as("viewer")
    for url in ("/annual-plans", "/customers", "/catalog", "/usage", "/revenue", "/jobs"):
        assert client.get(url).status_code == 200, url


def test_permission_table_names_only_known_roles_and_unknown_permissions_fail_closed():
    assert all(set(roles) <= set(ROLES) for roles in PERMISSIONS.values())
    assert not allowed("admin", "no.such.permission")
    assert allowed("growth", "invoices.send") and not allowed("growth", "stripe.write")
    assert allowed("cs", "annual_plans.edit") and not allowed("viewer", "annual_plans.edit")
