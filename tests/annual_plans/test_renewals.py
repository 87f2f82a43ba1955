"""Every contract year, not just the first: the 36-month sample's year two, drafted 45 days before its
anniversary on a test clock, reviewed, sent, paid, and credited until the end of year two."""
import pytest

from app import timeutil
from app.models import AnnualPlan, AuditEntry, ContractYear
from tests.annual_plans.renewal_helpers import on_day, sent_on_test_clock, ts, year_invoices
from tests.annual_plans.test_go_live import _events, deliver_stripe


@pytest.fixture
def run(app, db):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["annual-plans", *map(str, args)])


@pytest.fixture(autouse=True)
def _release_clock():
    yield
    timeutil.freeze(None)


@pytest.fixture
def massive(app, db, ready_plan, stripe_client):
    return sent_on_test_clock(app, db, ready_plan, stripe_client)


def test_year_one_lays_out_the_three_contract_years(db, massive):
    plan, _ = massive
    years = db.session.scalars(db.select(ContractYear).where(ContractYear.plan_id == plan.id)
                               .order_by(ContractYear.number)).all()
    assert [(y.number, y.starts_on.isoformat(), y.ends_on.isoformat(), y.amount_cents, y.status) for y in years] == [
        (1, "2027-02-15", "2028-02-15", 9000000, "drafted"), (2, "2028-02-15", "2029-02-15", 9000000, "due"),
        (3, "2029-02-15", "2030-02-15", 9000000, "due")]
    assert years[0].invoice_id == plan.invoice_id and plan.stage == "sent"


def test_year_two_is_drafted_45_days_before_its_anniversary(db, massive, run, stripe_client, stripe_emulator):
    plan, clock = massive
    stripe_client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": ts("2027-12-31")})
    on_day("2027-12-31")
    result = run("draft-renewals")
    assert result.exit_code == 0, result.output
    assert "0 drafted" in result.output and year_invoices(stripe_emulator, plan.id, 2) == []

    stripe_client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": ts("2028-01-01")})
    on_day("2028-01-01")
    result = run("draft-renewals")
    assert result.exit_code == 0, result.output
    assert f"row {plan.id} year 2: drafted" in result.output
    [invoice] = year_invoices(stripe_emulator, plan.id, 2)
    assert (invoice["status"], invoice["collection_method"], invoice["due_date"]) == ("draft", "send_invoice",
                                                                                      ts("2028-03-16"))
    assert {k: invoice["metadata"][k] for k in ("amortize", "amortize_start", "amortize_end", "amortize_months")} == {
        "amortize": "true", "amortize_start": "2028-02-15", "amortize_end": "2029-02-15", "amortize_months": "12"}
    lines = stripe_client.v1.invoices.line_items.list(invoice["id"]).data
    assert {ln.metadata["product_key"]: ln.amount for ln in lines} == {"product_analytics": 7000000,
                                                                       "session_replay": 2000000}
    assert {(ln.period.start, ln.period.end) for ln in lines} == {(ts("2028-02-15"), ts("2029-02-15"))}
    db.session.expire_all()
    year = db.session.scalar(db.select(ContractYear).filter_by(plan_id=plan.id, number=2))
    assert (year.status, year.invoice_id) == ("drafted", invoice["id"])
    assert year_invoices(stripe_emulator, plan.id, 3) == []


def test_draft_renewals_twice_makes_one_invoice(db, massive, run, stripe_emulator):
    plan, _ = massive
    on_day("2028-01-05")
    first, second = run("draft-renewals"), run("draft-renewals")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert "1 drafted" in first.output and "0 drafted" in second.output
    assert len(year_invoices(stripe_emulator, plan.id, 2)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "annual_plan.year_drafted")) == 1


def test_dry_run_lists_and_writes_nothing(massive, run, nothing_written):
    plan, _ = massive
    on_day("2028-01-01")
    with nothing_written():
        result = run("draft-renewals", "--dry-run")
    assert result.exit_code == 0 and f"row {plan.id} year 2: would draft" in result.output


def test_year_two_sent_and_paid_is_credited_until_the_end_of_year_two(app, client, db, massive, run, stripe_client,
                                                                      stripe_emulator):
    plan, clock = massive
    stripe_client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": ts("2028-01-01")})
    on_day("2028-01-01")
    assert run("draft-renewals").exit_code == 0
    from app import collaborators
    from app.services.audit import Actor
    from app.services.renewal_review import send_year_invoice

    with app.test_request_context():
        year = send_year_invoice(db.session, collaborators.stripe_gateway(), Actor.system("tests"), plan.id, 2)
        db.session.commit()
    assert stripe_client.v1.invoices.retrieve(year.invoice_id).status == "open"
    stripe_client.v1.invoices.pay(year.invoice_id, params={"paid_out_of_band": True})
    [paid] = [e for e in _events(stripe_emulator, "invoice.paid") if e["data"]["object"]["id"] == year.invoice_id]
    assert deliver_stripe(client, paid).get_json() == {"result": "processed"}
    db.session.expire_all()
    year = db.session.get(ContractYear, year.id)
    assert year.status == "paid" and year.credit_grant_id.startswith("credgr_")
    grant = stripe_client.v1.billing.credit_grants.retrieve(year.credit_grant_id)
    assert (grant.amount.monetary.value, grant.expires_at, grant.customer) == (9000000, ts("2029-02-15"),
                                                                                plan.stripe_customer_id)
    assert grant.applicability_config.scope.price_type == "metered"
    assert db.session.get(AnnualPlan, plan.id).credit_grant_id is None  # year one's own grant is untouched


def test_a_renewal_for_a_started_over_row_is_refused(app, db, massive, run, nothing_written):
    plan, _ = massive
    from app import collaborators
    from app.services.audit import Actor
    from app.services.plan_start_over import start_over

    with app.test_request_context():
        start_over(db.session, collaborators.stripe_gateway(), Actor.system("tests"), plan.id)
        db.session.commit()
    on_day("2028-01-01")
    with nothing_written():
        result = run("draft-renewals", "--row", plan.id)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: row {plan.id} was started over (it is ready again): create and send its first year again "
        "before a later year is drafted"]


def test_the_daily_job_drafts_year_two(db, massive, stripe_emulator):
    from app.jobs import job_queue
    from app.models import Job

    plan, _ = massive
    on_day("2028-01-01")
    job_queue.run_periodic("draft_renewals_daily")
    job_queue.drain()
    job = db.session.scalar(db.select(Job).where(Job.kind == "annual_plans.draft_renewals"))
    assert job.status == "succeeded", job.error
    [invoice] = year_invoices(stripe_emulator, plan.id, 2)
    assert job.result["lines"] == [f"row {plan.id} year 2: drafted; invoice {invoice['id']}"]


def test_start_over_undoes_a_drafted_later_year_and_the_next_attempt_drafts_it_anew(app, db, massive, run,
                                                                                     stripe_emulator):
    from app import collaborators
    from app.services.audit import Actor
    from app.services.plan_start_over import start_over
    from tests.annual_plans.helpers import press

    plan, _ = massive
    on_day("2028-01-01")
    assert run("draft-renewals").exit_code == 0
    [first] = year_invoices(stripe_emulator, plan.id, 2)
    timeutil.freeze(None)
    with app.test_request_context():
        start_over(db.session, collaborators.stripe_gateway(), Actor.system("tests"), plan.id)
        db.session.commit()
    assert first["id"] not in stripe_emulator.state.collection("invoice")  # the draft was deleted
    for action in ("create_subscription", "amortize", "schedule", "send_invoice"):
        press(app, db, plan.id, action)
    db.session.commit()
    on_day("2028-01-01")
    result = run("draft-renewals")
    assert result.exit_code == 0, result.output
    [second] = year_invoices(stripe_emulator, plan.id, 2)
    assert second["id"] != first["id"] and second["metadata"]["annual_plan_step"].endswith("-a2-year2-invoice")


def test_one_row_that_cannot_renew_fails_alone(app, db, massive, run, stripe_client, stripe_emulator):
    from app.billing.plan_stages import readiness_blockers, stage_after_edit
    from tests.annual_plans.helpers import press
    from tests.factories import make_annual_plan

    plan, _ = massive
    customer = stripe_client.v1.customers.create(params={
        "name": "Short Co", "address": {"line1": "1 Main St", "city": "Boston", "country": "US"}})
    other = make_annual_plan(db.session, "massive-dynamic-36m", document_id="ShortTermDocument000001",
                             company="Short Co", term_months=18, stripe_customer_id=customer.id,
                             tax_id_not_needed=True)
    other.stage = stage_after_edit(other.stage, readiness_blockers(other))
    db.session.commit()
    for action in ("create_subscription", "amortize", "schedule", "send_invoice"):
        press(app, db, other.id, action)
    db.session.commit()
    on_day("2028-01-01")
    result = run("draft-renewals")
    assert result.exit_code == 1
    assert f"row {plan.id} year 2: drafted" in result.output
    assert f"row {other.id} year 2: failed; row {other.id}: the contract does not state the amount" in result.output
    assert len(year_invoices(stripe_emulator, plan.id, 2)) == 1 and year_invoices(stripe_emulator, other.id, 2) == []


def test_a_row_busy_with_another_stripe_action_is_not_drafted_twice_at_once(db, massive, run, stripe_emulator):
    plan, _ = massive
    on_day("2028-01-01")
    plan.action_lock, plan.action_locked_at = "draft_year2", timeutil.system_utcnow()
    db.session.commit()
    result = run("draft-renewals")
    assert result.exit_code == 1 and "is already running a Stripe action" in result.output
    assert year_invoices(stripe_emulator, plan.id, 2) == []
