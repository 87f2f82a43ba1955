"""In a real browser: Rehearse on a scheduled 36-month row shows each invoice of the term, the credits run-out
month and the findings."""
import os

from stripe_emulator.testing import make_client
from tests.factories import make_annual_plan, make_catalog

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _scheduled_row(app, emulator_url: str) -> int:
    """Massive Dynamic's year one made, amortized and scheduled, on a customer of its own (not sent)."""
    from app.billing.plan_stages import readiness_blockers, stage_after_edit
    from app.extensions import db
    from tests.annual_plans.helpers import press

    customer = make_client(emulator_url).v1.customers.create(params={
        "name": "Massive Rehearsal", "email": "ap@massive-rehearsal.example",
        "address": {"line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
    with app.app_context():
        make_catalog(db.session)
        plan = make_annual_plan(db.session, "massive-dynamic-36m", document_id="RehearsalBrowserDocument1",
                                company="Massive Rehearsal", stripe_customer_id=customer.id, tax_id_not_needed=True)
        plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
        db.session.commit()
        for action in ("create_subscription", "amortize", "schedule"):
            plan = press(app, db, plan.id, action)
            db.session.commit()
        assert plan.stage == "scheduled", plan.stripe_error
        return plan.id


def test_rehearse_shows_every_invoice_of_the_term(signed_in, live_server, stripe_emulator_server):
    from app.jobs import job_queue

    page = signed_in
    plan_id = _scheduled_row(live_server["app"], stripe_emulator_server.url)
    page.goto(f"/annual-plans/{plan_id}")
    page.click("#rehearsal button:has-text('Rehearse')")
    page.locator("#rehearsal progress").wait_for()
    assert job_queue.of(live_server["app"]).drain() == 1  # the worker, in this process
    page.locator("#credits-run-out", has_text="2030-02").wait_for(timeout=15000)
    rows = page.locator("#rehearsal-invoices tbody tr.invoice")
    assert rows.count() == 39
    first = rows.nth(0).inner_text()
    assert "2027-02" in first and "$90,000.00 USD" in first and "product_analytics" in first
    assert page.locator("#rehearsal .finding").count() == 4
    assert "credits expire before they are used" in page.locator("#rehearsal .finding").nth(1).inner_text()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "rehearsal.png"), full_page=True)
