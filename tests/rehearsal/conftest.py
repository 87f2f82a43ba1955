"""Rows with their Stripe objects (year one's invoice, amortized, scheduled), ready to rehearse."""
import pytest

from tests.annual_plans.conftest import ready_plan  # noqa: F401 - the fixture
from tests.annual_plans.helpers import press


@pytest.fixture
def scheduled_plan(app, db, ready_plan, stripe_client):  # noqa: F811
    """A sample taken through Create Annual Subscription, Amortize and Schedule; its customer has an address."""

    def make(name: str):
        plan = ready_plan(name)
        stripe_client.v1.customers.update(plan.stripe_customer_id, params={
            "address": {"line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
        plan.tax_id_not_needed = True
        db.session.commit()
        for action in ("create_subscription", "amortize", "schedule"):
            plan = press(app, db, plan.id, action)
        db.session.commit()
        return plan

    return make


@pytest.fixture
def rehearse(app, db):
    """The CLI, as an operator runs it."""
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=["annual-plans", "rehearse", *map(str, args)])
