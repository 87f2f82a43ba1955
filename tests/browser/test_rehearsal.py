"""In a real browser: Rehearse on a scheduled 36-month row shows each invoice of the term, the credits run-out
month and the findings."""
import os

from tests.browser.sample_rows import row_through_buttons

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _scheduled_row(app, emulator_url: str) -> int:
    """Massive Dynamic's year one made, amortized and scheduled, on a customer of its own (not sent)."""
    plan_id, stage, error = row_through_buttons(app, emulator_url, "Massive Rehearsal", "RehearsalBrowserDocument1",
                                                ("create_subscription", "amortize", "schedule"))
    assert stage == "scheduled", error
    return plan_id


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
