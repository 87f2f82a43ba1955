"""The catalog report in a real browser: the demo's broken price is flagged; a bespoke price is previewed, then made."""
import os

import pytest

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def stripe_v1(live_server):
    return live_server["app"].extensions["stripe_client"].v1


@pytest.fixture
def broken_price(stripe_v1):
    """The demo's Startup programme price: plan=startup without valid_days, made by the demo seed on purpose."""
    [price] = [p for p in stripe_v1.prices.list(params={"limit": 100, "active": True}).data
               if p.nickname == "Startup programme"]
    return price.id


def test_the_demo_catalog_report_flags_its_broken_price(signed_in, broken_price):
    page = signed_in
    page.goto("/catalog")
    assert page.locator("#violations li").count() == 1  # a new user's catalog: exactly the demo's one
    violation = page.locator(f"#violations li[data-subject='{broken_price}']")
    assert "plan=startup but no valid_days" in violation.inner_text()
    assert "plan=startup but no valid_days" in page.locator(f"#price-{broken_price}").inner_text()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "catalog-report.png"), full_page=True)


def test_build_a_bespoke_price_after_seeing_its_stripe_call(signed_in, stripe_v1):
    page = signed_in
    page.goto("/catalog")
    page.select_option("#price-builder select[name=product_key]", "session_replay")
    page.fill("#price-builder input[name=nickname]", "Browser bespoke tiers")
    for n, (up_to, unit) in enumerate([("5000", "0"), ("", "0.002")]):  # dollars per recording
        page.locator("#price-builder input[name=up_to]").nth(n).fill(up_to)
        page.locator("#price-builder input[name=unit]").nth(n).fill(unit)
    page.click("#price-builder button:has-text('Show the Stripe call')")
    page.locator("#price-builder .write-plan", has_text="create_price").wait_for()
    if SCREENSHOTS:
        page.locator("#price-builder").screenshot(path=os.path.join(SCREENSHOTS, "catalog-builder.png"))
    page.click("#price-builder button:has-text('Confirm: create this price')")
    notice = page.locator("#price-builder [role=status]", has_text="Created price")
    notice.wait_for()
    price_id = notice.inner_text().split("Created price ")[1].split(".")[0]
    assert stripe_v1.prices.retrieve(price_id).nickname == "Browser bespoke tiers"
    page.locator(f"#catalog-region #price-{price_id}").wait_for()  # the report refreshed itself
    stripe_v1.prices.update(price_id, params={"active": False})
