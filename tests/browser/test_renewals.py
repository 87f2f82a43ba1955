"""In a real browser: the Renewals view shows the 36-month sample's year two as due, drafts it, and after
review and send shows it sent."""
import os
from datetime import datetime

from app import timeutil
from stripe_emulator.testing import make_client
from tests.factories import make_annual_plan, make_catalog

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _sent_row(app, emulator_url: str) -> int:
    """Massive Dynamic's year one made and sent through the buttons, on a customer of its own."""
    from app.billing.plan_stages import readiness_blockers, stage_after_edit
    from app.extensions import db
    from tests.annual_plans.helpers import press

    customer = make_client(emulator_url).v1.customers.create(params={
        "name": "Massive Renewals", "email": "ap@massive.example",
        "address": {"line1": "1 Main St", "city": "Boston", "postal_code": "02110", "country": "US"}})
    with app.app_context():
        make_catalog(db.session)
        plan = make_annual_plan(db.session, "massive-dynamic-36m", document_id="RenewalsBrowserDocument01",
                                company="Massive Renewals", stripe_customer_id=customer.id, tax_id_not_needed=True)
        plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
        db.session.commit()
        for action in ("create_subscription", "amortize", "schedule", "send_invoice"):
            plan = press(app, db, plan.id, action)
            db.session.commit()
        assert plan.stage == "sent", plan.stripe_error
        return plan.id


def test_renewals_view_drafts_reviews_and_sends_year_two(signed_in, live_server, stripe_emulator_server):
    page = signed_in
    plan_id = _sent_row(live_server["app"], stripe_emulator_server.url)
    timeutil.freeze(datetime(2027, 12, 20, 9, 0))  # 57 days before year two; its draft is due on 2028-01-01
    try:
        page.click("nav >> text=Renewals")
        page.wait_for_url("**/annual-plans/renewals")
        row = page.locator(f"#renewal-{plan_id}-2-year")
        assert "Year 2 of 3 starts" in row.inner_text() and "2028-02-15" in row.inner_text()
        assert "$90,000.00" in row.inner_text() and row.get_attribute("data-status") == "due"
        row.locator("button", has_text="Draft now").click()
        page.locator("#confirm-dialog button", has_text="Confirm").click()
        page.locator(".flash", has_text=f"Year 2 of row {plan_id}: draft invoice in_").wait_for()
        row = page.locator(f"#renewal-{plan_id}-2-year")
        assert row.get_attribute("data-status") == "drafted"
        row.locator("a", has_text="Review & send").click()
        page.wait_for_url(f"**/annual-plans/{plan_id}/years/2/review")
        assert "contract year 2 (2028-02-15 → 2029-02-15)" in page.locator("h1").inner_text()
        assert page.locator("ul.checklist li.fail").count() == 0
        page.click("button:has-text(\"Send year 2's invoice\")")
        restated = page.locator("#confirm-text").inner_text()
        assert "send invoice in_" in restated and "$90,000.00 (USD)" in restated and ", due 2028-" in restated
        page.locator("#confirm-dialog button", has_text="Confirm").click()
        page.locator(".flash", has_text="Year 2's invoice was sent.").wait_for()
        page.goto("/annual-plans/renewals")
        assert page.locator(f"#renewal-{plan_id}-2-year").get_attribute("data-status") == "sent"
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "renewals.png"), full_page=True)
    finally:
        timeutil.freeze(None)
