"""A sample row of its own taken through the Stripe buttons, for the browser tests that start from one."""
from __future__ import annotations

from stripe_emulator.testing import make_client
from tests.factories import make_annual_plan, make_catalog


def row_through_buttons(app, emulator_url: str, company: str, document_id: str, actions: tuple[str, ...],
                        sample: str = "massive-dynamic-36m"):
    """`sample`'s row under another name, on a Stripe customer of its own with an address, after `actions`."""
    from app.billing.plan_stages import readiness_blockers, stage_after_edit
    from app.extensions import db
    from tests.annual_plans.helpers import press

    customer = make_client(emulator_url).v1.customers.create(params={
        "name": company, "email": f"ap@{document_id.lower()}.example",
        "address": {"line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
    with app.app_context():
        make_catalog(db.session)
        plan = make_annual_plan(db.session, sample, document_id=document_id, company=company,
                                stripe_customer_id=customer.id, tax_id_not_needed=True)
        plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
        db.session.commit()
        for action in actions:
            plan = press(app, db, plan.id, action)
            db.session.commit()
        return plan.id, plan.stage, plan.stripe_error
