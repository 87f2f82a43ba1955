"""Fixtures for the Stripe buttons: a bootstrapped catalog and rows made ready for Stripe."""
from datetime import date

import pytest

from app import timeutil
from app.services.catalog import bootstrap_catalog
from tests.annual_plans.helpers import loaded_sample


@pytest.fixture
def frozen_today():
    """Contracts start in 2027; the tests run on 2026-11-22 by the emulator's and our clock."""
    from datetime import datetime

    timeutil.freeze(datetime(2026, 11, 22, 9, 0, 0))
    yield date(2026, 11, 22)
    timeutil.freeze(None)


@pytest.fixture
def catalog(app, db, stripe_emulator):
    from app import collaborators
    from app.services.audit import Actor  # noqa: F401

    with app.test_request_context():
        report = bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())
    return report


@pytest.fixture
def ready_plan(client, db, stripe_client, catalog):
    """Load a sample, give it a Stripe customer: stage ready."""

    def make(name: str):
        plan = loaded_sample(client, db, name)
        customer = stripe_client.v1.customers.create(params={"name": plan.company, "email": plan.contact_email})
        plan.stripe_customer_id = customer.id
        from app.billing.plan_stages import readiness_blockers, stage_after_edit

        plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
        db.session.commit()
        assert plan.stage == "ready", readiness_blockers(plan)
        return plan

    return make
