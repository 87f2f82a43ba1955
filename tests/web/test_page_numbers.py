"""A page number in the URL is clamped to the list, never a 500: huge, negative, zero or garbage."""
import pytest

from app.services.audit import Actor, record_audit
from tests.factories import make_annual_plan

ODD_PAGES = ["99999999999999999999", "9" * 5000, "-1", "-99999999999999999999", "0", "abc", "1e9", "²", "", " 2"]


@pytest.mark.parametrize("page", ODD_PAGES)
def test_the_audit_log_clamps_the_page_to_the_list(client, login_as, db, page):
    login_as("admin")
    for i in range(60):
        record_audit(db.session, Actor(label="system:bulk"), "did", "customer", i)
    db.session.commit()
    response = client.get("/audit", query_string={"page": page})
    assert response.status_code == 200
    beyond = page.strip().isascii() and page.strip().isdigit() and page.strip().lstrip("0") not in ("", "1")
    shown = "page 2 of 2" if beyond else "page 1 of 2"  # any number past the end shows the last page
    assert shown in response.get_data(as_text=True)


@pytest.mark.parametrize("page", ODD_PAGES)
def test_the_annual_plan_grid_clamps_the_page(client, login_as, db, page):
    login_as("viewer")
    make_annual_plan(db.session, "acme")
    response = client.get("/annual-plans", query_string={"page": page}, headers={"HX-Request": "true"})
    assert response.status_code == 200
