"""Fixtures for the Stripe buttons: rows made ready for Stripe (the catalog: tests/conftest.py)."""
import pytest

from tests.annual_plans.helpers import loaded_sample


@pytest.fixture
def ready_plan(client, db, stripe_client, catalog):
    """Load a sample, give it a Stripe customer: stage ready."""

    def make(name: str):
        plan = loaded_sample(client, db, name)
        customer = stripe_client.v1.customers.create(params={"name": plan.company, "email": plan.contact_email})
        plan.stripe_customer_id = customer.id
        plan.organization_ids = plan.organization_ids or [f"org-{name}"]  # older samples carry no organisation
        from app.billing.plan_stages import readiness_blockers, stage_after_edit

        plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
        db.session.commit()
        assert plan.stage == "ready", readiness_blockers(plan)
        return plan

    return make
