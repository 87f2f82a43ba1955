"""CLI twins of the Stripe buttons, and the growth team's review-and-send step."""
import pytest

from app.models import AnnualPlan


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["annual-plans", *map(str, args)])


def test_cli_twins_take_a_row_to_scheduled(run, db, ready_plan, stripe_emulator):
    plan = ready_plan("acme")
    for command, stage in (("create-subscription", "invoiced"), ("amortize", "amortized"), ("schedule", "scheduled")):
        result = run(command, plan.id)
        assert result.exit_code == 0, result.output
        assert f"row {plan.id}: {stage}" in result.output
    again = run("create-subscription", plan.id)
    assert again.exit_code == 1 and "needs it ready" in again.output and len(again.output.strip().splitlines()) == 1
    assert len(stripe_emulator.state.collection("invoice")) == 1


def test_cli_refuses_send_until_the_review_passes(run, db, ready_plan, stripe_client):
    plan = ready_plan("acme")
    for command in ("create-subscription", "amortize", "schedule"):
        assert run(command, plan.id).exit_code == 0
    result = run("send-invoice", plan.id)
    assert result.exit_code == 1 and "Billing address on the customer" in result.output
    stripe_client.v1.customers.update(plan.stripe_customer_id, params={
        "address": {"line1": "1 Road Runner Way", "city": "Phoenix", "country": "US"}})
    plan.tax_id_not_needed = True
    db.session.commit()
    result = run("send-invoice", plan.id)
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).stage == "sent"
    assert stripe_client.v1.invoices.retrieve(plan.invoice_id).status == "open"


@pytest.fixture
def scheduled_plan(app, db, ready_plan, stripe_client):
    from tests.annual_plans.helpers import press

    plan = ready_plan("acme")
    stripe_client.v1.customers.update(plan.stripe_customer_id, params={
        "address": {"line1": "1 Road Runner Way", "city": "Phoenix", "country": "US"}})
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    return plan


def test_review_page_shows_stripe_beside_the_contract(client, db, login_as, scheduled_plan):
    login_as("growth")
    page = client.get(f"/annual-plans/{scheduled_plan.id}/review").get_data(as_text=True)
    assert "$102,500.00" in page and "1 Road Runner Way" in page
    assert "✗ Tax id on the customer, or marked not needed" in page
    assert "Send invoice…" in page and "Start over" not in page  # growth sends, finance starts over


def test_growth_marks_tax_id_not_needed_and_sends(client, db, login_as, scheduled_plan, stripe_client):
    login_as("growth")
    assert client.post(f"/annual-plans/{scheduled_plan.id}/tax-id-not-needed", data={"value": "on"}).status_code == 302
    page = client.get(f"/annual-plans/{scheduled_plan.id}/actions/send_invoice").get_data(as_text=True)
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    response = client.post(f"/annual-plans/{scheduled_plan.id}/actions/send_invoice", data={"fingerprint": fingerprint})
    assert response.status_code == 302
    db.session.refresh(scheduled_plan)
    assert scheduled_plan.stage == "sent"
    assert stripe_client.v1.invoices.retrieve(scheduled_plan.invoice_id).status == "open"


def test_cs_cannot_send_and_growth_cannot_start_over(client, db, login_as, scheduled_plan, nothing_written):
    login_as("cs")
    with nothing_written():
        assert client.post(f"/annual-plans/{scheduled_plan.id}/actions/send_invoice").status_code == 403
    client.post("/logout")
    login_as("growth")
    with nothing_written():
        assert client.post(f"/annual-plans/{scheduled_plan.id}/start-over").status_code == 403
    db.session.refresh(scheduled_plan)
    assert scheduled_plan.stage == "scheduled"


def test_start_over_cancels_the_schedule_and_archives_custom_prices(client, db, login_as, scheduled_plan,
                                                                   stripe_client, stripe_emulator):
    custom = scheduled_plan.line("session_replay").price_id
    schedule_id = scheduled_plan.subscription_schedule_id
    login_as("finance")
    assert client.post(f"/annual-plans/{scheduled_plan.id}/start-over").status_code == 302
    assert stripe_client.v1.subscription_schedules.retrieve(schedule_id).status == "canceled"
    assert stripe_client.v1.prices.retrieve(custom).active is False
    db.session.refresh(scheduled_plan)
    assert (scheduled_plan.stage, scheduled_plan.stripe_attempt) == ("ready", 2)
    page = client.get(f"/annual-plans/{scheduled_plan.id}/actions/create_subscription").get_data(as_text=True)
    assert f"annual-plan-{scheduled_plan.id}-a2-create_subscription-invoice" in page  # fresh keys
