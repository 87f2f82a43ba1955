"""The whole flow in a real browser: a loaded row to "sent", through every button."""
import os

from tests.browser.actions import create_customer_from_row, run_row_action
from tests.browser.test_annual_plans_grid import _cell, _row
from tests.factories import make_annual_plan, make_catalog

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"flow-{name}.png"), full_page=True)


def _confirm(page, button_label):
    run_row_action(page, button_label, lambda: _shot(page, button_label.split()[0].lower()))


def _own_row(app) -> None:
    """A row of its own (Globex's contract under another name), so other browser tests keep theirs."""
    from app.extensions import db

    with app.app_context():
        make_catalog(db.session)
        make_annual_plan(db.session, "globex", document_id="FlowTestDocument0001", company="Flowco Industries")


def test_loaded_row_to_sent(signed_in, live_server):
    page = signed_in
    _own_row(live_server["app"])
    page.reload()
    assert "no organisation: usage would never be billed" in _row(page, "Flowco").inner_text()
    _cell(_row(page, "Flowco"), "organization_ids").click()
    editor = _cell(_row(page, "Flowco"), "organization_ids").locator("input[name=value]")
    editor.fill("org-flowco, org-flowco-eu")
    editor.press("Enter")
    page.wait_for_function("() => !document.querySelector('td[data-field=\"organization_ids\"] input')")
    assert "org-flowco, org-flowco-eu" in _cell(_row(page, "Flowco"), "organization_ids").inner_text()
    assert "no organisation" not in _row(page, "Flowco").inner_text()
    _shot(page, "organisations")
    create_customer_from_row(page, _row(page, "Flowco"), "742 Evergreen Terrace", "Springfield", "49007")
    assert "Create the Stripe customer Flowco Industries" in page.locator("#confirm-text").inner_text()
    page.locator("#confirm-dialog button", has_text="Confirm").click()
    page.wait_for_selector("text=This row bills")
    assert "ready" in page.locator("h1 .badge").inner_text()

    _confirm(page, "Create Annual Subscription")
    assert "invoiced" in page.locator("h1 .badge").inner_text()
    _confirm(page, "Amortize Invoice")
    _confirm(page, "Schedule Subscription")
    assert "scheduled" in page.locator("h1 .badge").inner_text()

    page.locator("a", has_text="Review & send").first.click()
    page.wait_for_selector("text=Checklist")
    _shot(page, "review")
    assert page.locator("ul.checklist li.fail").count() == 0, page.locator("ul.checklist").inner_text()
    page.click("text=Send invoice…")
    page.wait_for_selector("text=What this will do")
    assert "Finalize and send invoice in_" in page.locator(".plan-sentence").inner_text()
    page.click("button:has-text('Confirm')")
    page.wait_for_selector(".flash-success")
    assert "sent" in page.locator("h1 .badge").inner_text()
    _shot(page, "sent")
