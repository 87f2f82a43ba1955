"""The Renewals view, a later year's review and send through the browserless client, the row's
contract year, a pro-rata last period, and the refusals."""
import pytest

from app import timeutil
from app.models import ContractYear
from tests.annual_plans.helpers import press
from tests.annual_plans.renewal_helpers import on_day, sent_on_test_clock, year_invoices


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    timeutil.freeze(None)


@pytest.fixture
def run(app, db):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["annual-plans", *map(str, args)])


@pytest.fixture
def massive(app, db, ready_plan, stripe_client):
    return sent_on_test_clock(app, db, ready_plan, stripe_client)[0]


def test_renewals_lists_year_two_due_then_drafted_then_sent(client, db, login_as, massive, stripe_emulator):
    login_as("admin")
    on_day("2027-12-20")
    page = client.get("/annual-plans/renewals").get_data(as_text=True)
    row = page.split(f'id="renewal-{massive.id}-2-year"')[1].split("</tr>")[0]
    assert "Year 2 of 3 starts" in row and "2028-02-15" in row and "$90,000.00" in row and "2028-01-01" in row
    assert f'id="renewal-{massive.id}-2-year" data-status="due"' in page and "Draft now" in row
    response = client.post(f"/annual-plans/{massive.id}/years/2/draft")
    assert response.status_code == 302
    [invoice] = year_invoices(stripe_emulator, massive.id, 2)
    page = client.get("/annual-plans/renewals").get_data(as_text=True)
    row = page.split(f'id="renewal-{massive.id}-2-year"')[1].split("</tr>")[0]
    assert invoice["id"] in row and ">drafted<" in row and "Review &amp; send" in row
    review = client.get(f"/annual-plans/{massive.id}/years/2/review").get_data(as_text=True)
    assert "contract year 2 (2028-02-15 → 2029-02-15)" in review and invoice["id"] in review
    assert "✗" not in review and "Send year 2" in review
    assert client.post(f"/annual-plans/{massive.id}/years/2/send").status_code == 302
    assert stripe_emulator.state.get("invoice", invoice["id"])["status"] == "open"
    page = client.get("/annual-plans/renewals").get_data(as_text=True)
    assert ">sent<" in page.split(f'id="renewal-{massive.id}-2-year"')[1].split("</tr>")[0]


def test_the_row_shows_its_contract_year(client, db, login_as, massive):
    login_as("viewer")
    assert "year 1 of 3 starts 2027-02-15" in client.get("/annual-plans").get_data(as_text=True)
    on_day("2028-03-01")
    assert "year 2 of 3" in client.get("/annual-plans").get_data(as_text=True)
    assert "Renewals" in client.get("/annual-plans").get_data(as_text=True)


def test_a_started_over_row_is_refused_in_place_with_nothing_written(app, client, db, login_as, massive,
                                                                     nothing_written):
    login_as("admin")
    assert client.post(f"/annual-plans/{massive.id}/start-over").status_code == 302
    on_day("2027-12-20")
    with nothing_written():
        response = client.post(f"/annual-plans/{massive.id}/years/2/draft")
    assert response.status_code == 422
    assert (f"row {massive.id} was started over (it is ready again): create and send its first year again "
            "before year 2 is drafted") in response.get_data(as_text=True)


def test_an_18_month_term_flags_its_pro_rata_end_until_a_person_states_it(app, db, ready_plan, run, stripe_client,
                                                                          stripe_emulator):
    plan = ready_plan("massive-dynamic-36m")
    plan.term_months = 18
    plan.tax_id_not_needed = True
    stripe_client.v1.customers.update(plan.stripe_customer_id, params={"address": {
        "line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
    db.session.commit()
    for action in ("create_subscription", "amortize", "schedule", "send_invoice"):
        plan = press(app, db, plan.id, action)
    db.session.commit()
    assert [w.field for w in plan.open_warnings] == ["last_period"]
    assert "6-month period from 2028-02-15" in plan.open_warnings[0].message
    on_day("2028-01-01")
    refused = run("draft-renewals")
    assert refused.exit_code == 1 and "does not state the amount of its last 6-month period" in refused.output
    assert year_invoices(stripe_emulator, plan.id, 2) == []
    set_amount = run("set-period-amount", plan.id, 2, "$45,000")
    assert set_amount.exit_code == 0 and f"row {plan.id}: year 2 is $45,000.00" in set_amount.output
    result = run("draft-renewals")
    assert result.exit_code == 0, result.output
    [invoice] = year_invoices(stripe_emulator, plan.id, 2)
    assert (invoice["metadata"]["amortize_months"], invoice["metadata"]["amortize_end"]) == ("6", "2028-08-15")
    lines = stripe_client.v1.invoices.line_items.list(invoice["id"]).data
    assert {ln.metadata["product_key"]: ln.amount for ln in lines} == {"product_analytics": 3500000,
                                                                       "session_replay": 1000000}
    db.session.expire_all()
    assert [w.field for w in db.session.get(type(plan), plan.id).open_warnings] == []
    assert db.session.scalar(db.select(ContractYear).filter_by(plan_id=plan.id, number=2)).status == "drafted"


@pytest.mark.parametrize("amount, message", [
    ("0", "positive amount in dollars, such as $45,000"),
    ("4500000 cents", "positive amount in dollars, such as $45,000 ("),
    ("€45.000", "positive amount in dollars, such as $45,000 ("),
])
def test_a_bad_period_amount_is_refused(app, db, ready_plan, run, nothing_written, amount, message):
    plan = ready_plan("massive-dynamic-36m")
    plan.term_months = 18
    db.session.commit()
    press(app, db, plan.id, "create_subscription")
    db.session.commit()
    with nothing_written():
        result = run("set-period-amount", plan.id, 2, amount)
    assert result.exit_code == 1 and result.output.strip().startswith(f"Error: the amount must be a {message}")
    assert len(result.output.strip().splitlines()) == 1


def test_a_row_whose_year_one_is_not_sent_offers_no_draft(client, db, login_as, ready_plan):
    plan = ready_plan("massive-dynamic-36m")
    login_as("admin")
    on_day("2027-12-20")
    page = client.get("/annual-plans/renewals").get_data(as_text=True)
    row = page.split(f'id="renewal-{plan.id}-2-year"')[1].split("</tr>")[0]
    assert "year one not sent" in row and "Draft now" not in row


def test_a_drafted_later_year_appears_on_the_row(client, db, login_as, massive, run):
    login_as("viewer")
    on_day("2028-01-01")
    assert run("draft-renewals").exit_code == 0
    row = client.get(f"/annual-plans/{massive.id}/row").get_data(as_text=True)
    assert f'href="/annual-plans/{massive.id}/years/2/review">Year 2: review &amp; send</a>' in row
    page = client.get(f"/annual-plans/{massive.id}").get_data(as_text=True)
    assert 'id="contract-years"' in page and "2029-02-15 → 2030-02-15" in page


@pytest.mark.parametrize("number, message", [
    (1, "term has no contract year 1 to draft"), (4, "term has no contract year 4 to draft")])
def test_a_year_the_term_does_not_have_is_refused(client, db, login_as, massive, nothing_written, number, message):
    login_as("admin")
    with nothing_written():
        response = client.post(f"/annual-plans/{massive.id}/years/{number}/draft")
    assert response.status_code == 422 and message in response.get_data(as_text=True)


def test_a_viewer_cannot_draft(client, db, login_as, massive, nothing_written):
    login_as("viewer")
    with nothing_written():
        assert client.post(f"/annual-plans/{massive.id}/years/2/draft").status_code == 403
