"""A contract in another currency is never billed in dollars: its warning cannot be confirmed away."""
from app.models import AnnualPlan, PlanWarning, StripeOperation
from app.timeutil import utcnow
from tests.annual_plans.helpers import loaded_sample


def test_the_currency_warning_cannot_be_confirmed_in_the_grid_or_the_cli(app, client, db, login_as, nothing_written):
    plan = loaded_sample(client, db, "initech-needs-review")
    login_as("finance")
    with nothing_written():
        response = client.post(f"/annual-plans/{plan.id}/warnings/currency/confirm",
                               data={"version": plan.version}, headers={"HX-Request": "true"})
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "the contract is in EUR: contracts in other currencies are not supported yet" in body
    with nothing_written():
        result = app.test_cli_runner().invoke(args=["annual-plans", "confirm-warning", str(plan.id), "currency"])
    assert result.exit_code == 1 and result.output.startswith("Error: the contract is in EUR")
    row = client.get(f"/annual-plans/{plan.id}/row").get_data(as_text=True)
    assert "the contract is in EUR: contracts in other currencies are not supported yet" in row


def test_a_row_confirmed_before_this_rule_is_still_not_billed(client, db, login_as, stripe_emulator, stripe_client):
    """Rows whose currency warning was confirmed earlier: Create is refused with the currency, nothing in Stripe."""
    plan = loaded_sample(client, db, "initech-needs-review")
    for warning in plan.warnings:
        warning.resolved_at, warning.resolution = utcnow(), "confirmed"
    plan.stripe_customer_id = stripe_client.v1.customers.create(params={"name": "Initech"}).id
    plan.organization_ids = ["org-initech"]
    db.session.commit()
    login_as("finance")
    preview = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    assert "the contract is in EUR: contracts in other currencies are not supported yet" in preview
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription")
    assert response.status_code == 422
    assert db.session.get(AnnualPlan, plan.id).stage == "loaded"
    assert stripe_emulator.state.collection("invoice") == {}
    assert db.session.scalar(db.select(db.func.count(StripeOperation.id)).where(
        StripeOperation.subject_type == "annual_plan")) == 0
    assert db.session.scalar(db.select(PlanWarning).where(PlanWarning.field == "currency")).resolution == "confirmed"
