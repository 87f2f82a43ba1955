"""The whole flow in a real browser: a loaded row to "sent", through every button."""
import os

from tests.browser.test_annual_plans_grid import _row

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"flow-{name}.png"), full_page=True)


def _confirm(page, button_label):
    page.locator("a.button[data-action]", has_text=button_label).first.click()
    page.wait_for_selector("text=The Stripe calls this will make")
    _shot(page, button_label.split()[0].lower())
    page.click("button:has-text('Confirm')")
    page.wait_for_selector(".flash-success")


def _own_row(app) -> None:
    """A row of its own (Globex's contract under another name), so other browser tests keep theirs."""
    import json

    from app import collaborators
    from app.cli.annual_plans import _OneDocument
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.catalog import bootstrap_catalog
    from app.services.contract_loading import load_plan
    from app.services.contract_webhooks import create_plan_for_document
    from tests.conftest import CONTRACTS

    details = json.loads((CONTRACTS / "globex.details.json").read_text())
    details["id"] = "FlowTestDocument0001"
    for token in details["tokens"]:
        if token["name"] == "Client.Company":
            token["value"] = "Flowco Industries"
    with app.app_context():
        bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())
        plan = create_plan_for_document(db.session, details["id"], "Flow test", Actor.system("tests"), load=False)
        db.session.commit()
        load_plan(db.session, Actor.system("tests"), plan.id, _OneDocument(details), collaborators.contract_mapping(), [])
        db.session.commit()


def test_loaded_row_to_sent(signed_in, live_server):
    page = signed_in
    _own_row(live_server["app"])
    page.reload()
    _row(page, "Flowco").locator("a", has_text="choose…").click()
    page.click("text=Create a Stripe customer from this row")
    page.fill("#customer input[name=line1]", "742 Evergreen Terrace")
    page.fill("#customer input[name=city]", "Springfield")
    page.fill("#customer input[name=postal_code]", "49007")
    page.fill("#customer input[name=country]", "US")
    page.fill("#customer input[name=tax_id_type]", "us_ein")
    page.fill("#customer input[name=tax_id_value]", "12-3456789")
    page.click("text=Create customer in Stripe")
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
    page.wait_for_selector("text=The Stripe calls this will make")
    page.click("button:has-text('Confirm')")
    page.wait_for_selector(".flash-success")
    assert "sent" in page.locator("h1 .badge").inner_text()
    _shot(page, "sent")
