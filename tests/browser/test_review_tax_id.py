"""In a real browser: the invoice review's failing tax id check, fixed through its link, and checked again."""
import os

from stripe_emulator.testing import make_client
from tests.browser.actions import confirm
from tests.factories import make_annual_plan, make_catalog

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _invoiced_row(app, emulator_url: str) -> int:
    """A row of its own with its draft invoice; its Stripe customer has an address but no tax id, and no
    record of ours (as before go-live)."""
    from app.billing.plan_stages import readiness_blockers, stage_after_edit
    from app.extensions import db
    from tests.annual_plans.helpers import press

    customer = make_client(emulator_url).v1.customers.create(params={
        "name": "Taxless Widgets", "email": "ap@taxless.example",
        "address": {"line1": "9 Rue de la Paix", "city": "Paris", "postal_code": "75002", "country": "FR"}})
    with app.app_context():
        make_catalog(db.session)
        plan = make_annual_plan(db.session, "globex", document_id="TaxIdTestDocument0001", company="Taxless Widgets",
                                stripe_customer_id=customer.id, organization_ids=["org-taxless"])
        plan.stage = stage_after_edit(plan.stage, readiness_blockers(plan))
        db.session.commit()
        plan = press(app, db, plan.id, "create_subscription")
        db.session.commit()
        assert plan.invoice_id, plan.stage
        return plan.id


def _check(page, label):
    return page.locator("ul.checklist li", has_text=label)


def test_fix_a_missing_tax_id_from_the_review_page(signed_in, live_server, stripe_emulator_server):
    page = signed_in
    plan_id = _invoiced_row(live_server["app"], stripe_emulator_server.url)
    page.goto(f"/annual-plans/{plan_id}/review")
    assert "fail" in _check(page, "Tax id on the customer").get_attribute("class")
    assert "ok" in _check(page, "Billing address on the customer").get_attribute("class")

    _check(page, "Tax id on the customer").locator("a", has_text="Add a tax id…").click()
    page.wait_for_url("**/details?review=*#tax-ids")
    page.select_option("#tax-ids select[name=type]", "eu_vat")
    page.fill("#tax-ids input[name=value]", "FR1")
    page.click("#tax-ids button:has-text('Add tax id')")
    confirm(page, "Add the tax id FR1 (", "eu_vat", "in Stripe?")  # asks first: it goes to Stripe at once
    page.locator("#tax-ids [role=alert]", has_text="Invalid value for eu_vat.").wait_for()
    assert "none" in page.locator("#tax-ids ul").inner_text()  # nothing was added
    page.fill("#tax-ids input[name=value]", "FR12345678901")
    page.click("#tax-ids button:has-text('Add tax id')")
    confirm(page, "FR12345678901")
    page.locator("#tax-ids [role=status]", has_text="Tax id FR12345678901 added in Stripe.").wait_for()
    assert "FR12345678901" in page.locator("#tax-ids ul").inner_text()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "review-tax-id-added.png"), full_page=True)

    page.click("text=Back to the invoice review: it checks Stripe again")
    page.wait_for_url(f"**/annual-plans/{plan_id}/review")
    assert "ok" in _check(page, "Tax id on the customer").get_attribute("class")
    assert "FR12345678901" in _check(page, "Tax id on the customer").inner_text()
    assert page.locator("ul.checklist li.fail").count() == 0, page.locator("ul.checklist").inner_text()
