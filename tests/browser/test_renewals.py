"""In a real browser: the Renewals view shows the 36-month sample's year two as due, drafts it, and after
review and send shows it sent."""
import os
from datetime import datetime

from app import timeutil
from tests.browser.sample_rows import row_through_buttons

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _sent_row(app, emulator_url: str) -> int:
    """Massive Dynamic's year one made and sent through the buttons, on a customer of its own."""
    plan_id, stage, error = row_through_buttons(app, emulator_url, "Massive Renewals", "RenewalsBrowserDocument01",
                                                ("create_subscription", "amortize", "schedule", "send_invoice"))
    assert stage == "sent", error
    return plan_id


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
        page.locator(".flash", has_text=f"Year 2 of row {plan_id}: draft invoice in_").wait_for()
        row = page.locator(f"#renewal-{plan_id}-2-year")
        assert row.get_attribute("data-status") == "drafted"
        row.locator("a", has_text="Review & send").click()
        page.wait_for_url(f"**/annual-plans/{plan_id}/years/2/review")
        assert "contract year 2 (2028-02-15 → 2029-02-15)" in page.locator("h1").inner_text()
        assert page.locator("ul.checklist li.fail").count() == 0
        page.click("button:has-text(\"Send year 2's invoice\")")
        page.locator(".flash", has_text="Year 2's invoice was sent.").wait_for()
        page.goto("/annual-plans/renewals")
        assert page.locator(f"#renewal-{plan_id}-2-year").get_attribute("data-status") == "sent"
        if SCREENSHOTS:
            page.screenshot(path=os.path.join(SCREENSHOTS, "renewals.png"), full_page=True)
    finally:
        timeutil.freeze(None)
