"""The Revenue page, its why panel, JSON, CSV and CLI on a snapshot of the seeded month; bad months refused."""
import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from app.models import AuditEntry, Job, RevenueLine, RevenueMonth
from app.refusals import StripeFailed
from app.services.audit import Actor
from app.services.revenue_snapshot import snapshot_month


@pytest.fixture
def snapshot(app, db, gateway, seeded_month):
    from app import collaborators
    snapshot_month(db.session, gateway, collaborators.catalog(), seeded_month.month, Actor.system("test"))
    db.session.commit()
    return seeded_month


def _text(response):
    return response.get_data(as_text=True)


def test_the_page_shows_the_month_the_unresolved_customer_first_and_each_configuration(client, login_as, snapshot):
    login_as("viewer")
    body = _text(client.get(f"/revenue?month={snapshot.month:%Y-%m}"))
    assert body.index('id="unresolved"') < body.index('id="total-mrr"')
    assert "Startup Without Expiry" in body and "startup without a credit grant" in body
    assert '<div class="big-figure" id="total-mrr">$14,940.00</div>' in body
    section = body[body.index('id="by-configuration"'):body.index('id="movements"') if 'id="movements"' in body
                   else body.index("No snapshot of the month before")]
    assert "Enterprise amortized</th><td class=\"num\">$10,000.00" in section
    assert "Enterprise yearly</th><td class=\"num\">$4,900.00" in section
    assert "No snapshot of the month before, so no movements." in body
    assert 'id="mrr-chart"' in body and "uPlot-1.6.32.iife.min.js" in body


def test_search_and_filter_narrow_the_customers(client, login_as, snapshot):
    login_as("viewer")
    body = _text(client.get(f"/revenue?month={snapshot.month:%Y-%m}&configuration=paid", headers={"HX-Request": "1"}))
    table = body[body.index('id="revenue-customers"'):]
    assert "Paid Co" in table and "Yearly Co" not in table
    body = _text(client.get(f"/revenue?month={snapshot.month:%Y-%m}&q=yearly", headers={"HX-Request": "1"}))
    table = body[body.index('id="revenue-customers"'):]
    assert "Yearly Co" in table and "Paid Co" not in table


def test_a_figure_opens_its_rule_inputs_and_arithmetic(client, login_as, db, snapshot):
    login_as("viewer")
    yearly = snapshot.customers["enterprise_yearly"]
    body = _text(client.get(f"/revenue/{snapshot.month:%Y-%m}/customers/{yearly}", headers={"HX-Request": "1"}))
    invoice_id = db.session.scalar(select(RevenueLine).where(RevenueLine.customer_id == yearly)).inputs[
        "prepayments"][0]["invoice_id"]
    assert "Rule: enterprise yearly" in body and "spread evenly" in body
    assert "$58,800.00 ÷ 12 months = $4,900.00 in month 1" in body
    assert f'href="https://dashboard.stripe.com/test/invoices/{invoice_id}"' in body
    inputs = body[body.index('<div class="inputs-read">'):body.index("The inputs as stored")]
    assert '<span class="key">Amount:</span> $58,800.00' in inputs and "_cents" not in inputs  # money, in words


def test_the_month_as_json(client, login_as, snapshot):
    login_as("viewer")
    response = client.get(f"/revenue/{snapshot.month:%Y-%m}.json")
    data = response.get_json()
    assert response.status_code == 200 and data["month"] == f"{snapshot.month:%Y-%m}"
    assert data["total_mrr_cents"] == 1_494_000
    assert data["by_product"]["product_analytics"] == 4_000 + 2_000 + 7_560
    assert set(data["movements"]) == {"new", "expansion", "contraction", "churn", "reactivation"}
    paid = next(c for c in data["customers"] if c["customer_id"] == snapshot.customers["paid"])
    assert (paid["mrr_cents"], paid["rule"], paid["configuration"]) == (4_000, "paid", "paid")
    assert paid["inputs"]["invoices"][0]["lines"]
    assert data["unresolved"] == [{"customer_id": snapshot.customers["unresolved"], "name": "Startup Without Expiry",
                                   "configuration": "startup",
                                   "reason": "startup without a credit grant (no startup credit recorded)"}]


def test_the_month_as_csv(client, login_as, snapshot):
    login_as("viewer")
    response = client.get(f"/revenue/{snapshot.month:%Y-%m}.csv")
    rows = list(csv.DictReader(io.StringIO(_text(response))))
    assert response.mimetype == "text/csv"
    yearly = next(r for r in rows if r["customer"] == "Yearly Co")
    assert (yearly["mrr"], yearly["mrr_product_analytics"], yearly["rule"]) == ("4900.00", "20.00", "enterprise_yearly")
    assert rows[-1]["customer"] == "Startup Without Expiry" and rows[-1]["unresolved_reason"]


def test_the_csv_writes_a_formula_name_as_text(client, login_as, db, snapshot):
    from app.models import Customer
    db.session.get(Customer, snapshot.customers["paid"]).name = '=HYPERLINK("http://evil.example","x")'
    db.session.commit()
    login_as("viewer")
    rows = list(csv.DictReader(io.StringIO(_text(client.get(f"/revenue/{snapshot.month:%Y-%m}.csv")))))
    paid = next(r for r in rows if r["rule"] == "paid")
    assert paid["customer"] == '\'=HYPERLINK("http://evil.example","x")' and paid["mrr"] == "40.00"


@pytest.mark.parametrize(("month", "status", "message"), [
    ("2027-13", 422, "is not a month"), ("03-2027", 422, "must look like"), ("2999-01", 422, "is in the future"),
    ("2001-01", 404, "No revenue snapshot for 2001-01"),
])
def test_a_bad_or_missing_month_is_a_clear_json_error(client, login_as, db, month, status, message):
    login_as("viewer")
    response = client.get(f"/revenue/{month}.json")
    assert response.status_code == status and message in json.dumps(response.get_json())


def test_a_bad_month_on_the_page_is_422_in_place(client, login_as, db):
    login_as("viewer")
    response = client.get("/revenue?month=2027-99")
    assert response.status_code == 422 and "2027-99 is not a month" in _text(response)


def test_snapshot_button_queues_a_job_and_a_bad_month_writes_nothing(client, login_as, db, nothing_written):
    login_as("finance")
    with nothing_written():
        response = client.post("/revenue/snapshot", data={"month": "2999-01"})
    assert response.status_code == 422 and "is in the future" in _text(response)
    today = date.today()
    response = client.post("/revenue/snapshot", data={"month": f"{today:%Y-%m}"})
    job = db.session.scalars(select(Job).where(Job.kind == "revenue.snapshot")).one()
    assert response.status_code == 200 and job.arguments == {"month": f"{today:%Y-%m}"}


def test_a_viewer_may_not_take_a_snapshot(client, login_as, db, nothing_written):
    login_as("viewer")
    with nothing_written():
        assert client.post("/revenue/snapshot", data={"month": "2026-01"}).status_code == 403


def test_cli_snapshot_show_and_check(app, db, seeded_month):
    runner = app.test_cli_runner()
    month = f"{seeded_month.month:%Y-%m}"
    result = runner.invoke(args=["revenue", "snapshot", "--month", month])
    assert result.exit_code == 0, result.output
    assert f"{month}: MRR $14,940.00 over 6 customers, 1 unresolved" in result.output
    shown = json.loads(runner.invoke(args=["revenue", "show", "--month", month, "--json"]).output)
    assert shown["total_mrr_cents"] == 1_494_000
    check = runner.invoke(args=["revenue", "check", "--month", month])
    assert check.exit_code == 1 and "Startup Without Expiry (startup): startup without a credit grant" in check.output


@pytest.mark.parametrize(("args", "message"), [
    (["snapshot", "--month", "2027/01"], "Error: month must look like 2027-03"),
    (["snapshot", "--month", "2999-01"], "is in the future"),
    (["check", "--month", "2001-01"], "Error: No revenue snapshot for 2001-01"),
])
def test_cli_refusals_are_one_line_and_write_nothing(app, db, args, message):
    result = app.test_cli_runner().invoke(args=["revenue", *args])
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(RevenueMonth)) == 0


def test_stripe_unreachable_keeps_the_previous_snapshot(app, db, gateway, snapshot, monkeypatch):
    from app import collaborators
    before = {r.customer_id: r.mrr_cents for r in db.session.scalars(select(RevenueLine))}
    audits = db.session.scalar(select(func.count()).select_from(AuditEntry))

    def down(*args, **kwargs):
        raise StripeFailed("Could not reach Stripe: connection refused")
    monkeypatch.setattr(gateway, "invoice_pages", down)  # a long-period customer's year
    monkeypatch.setattr(gateway, "invoice_page", down)  # a window's page
    with pytest.raises(StripeFailed):
        snapshot_month(db.session, gateway, collaborators.catalog(), snapshot.month, Actor.system("test"))
    db.session.rollback()
    assert {r.customer_id: r.mrr_cents for r in db.session.scalars(select(RevenueLine))} == before
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_the_customer_page_shows_twelve_months_with_their_why(client, login_as, snapshot):
    login_as("viewer")
    yearly = snapshot.customers["enterprise_yearly"]
    body = _text(client.get(f"/customers/{yearly}"))
    history = body[body.index('id="revenue-history"'):body.index('id="revenue-why"')]
    assert history.count("<tr>") == 13  # the header and twelve months
    assert f'href="/revenue/{snapshot.month:%Y-%m}/customers/{yearly}"' in history and "$4,900.00" in history
    assert "enterprise yearly" in history
    credits = _text(client.get(f"/customers/{snapshot.customers['credits_half']}"))
    assert "counted on its usage customer" in credits


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "abc", "0"])
def test_any_page_number_shows_a_page_never_an_error(client, login_as, snapshot, page):
    login_as("viewer")
    response = client.get(f"/revenue?month={snapshot.month:%Y-%m}&page={page}")
    assert response.status_code == 200 and "Paid Co" in _text(response)
