"""The catalog report in a real browser: a broken price is flagged; a bespoke price is previewed, then made."""
import os

import pytest

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


@pytest.fixture
def stripe_v1(live_server):
    return live_server["app"].extensions["stripe_client"].v1


@pytest.fixture
def broken_price(stripe_v1):
    """A startup price without valid_days, archived again afterwards so other browser tests see a clean catalog."""
    replay = stripe_v1.products.search(params={"query": "metadata['posthog_product_key']:'session_replay'"}).data[0]
    meter = next(m for m in stripe_v1.billing.meters.list().data if m.event_name == "session_replay_recordings")
    price = stripe_v1.prices.create(params={
        "product": replay.id, "currency": "usd", "nickname": "Startup (broken)", "billing_scheme": "tiered",
        "tiers_mode": "graduated", "tiers": [{"up_to": 5000, "unit_amount_decimal": "0"},
                                             {"up_to": "inf", "unit_amount_decimal": "0"}],
        "recurring": {"interval": "month", "usage_type": "metered", "meter": meter.id},
        "metadata": {"plan": "startup"}})
    yield price.id
    stripe_v1.prices.update(price.id, params={"active": False})


def test_the_catalog_report_flags_a_broken_price(signed_in, broken_price):
    page = signed_in
    page.goto("/catalog")
    violation = page.locator(f"#violations li[data-subject='{broken_price}']")
    assert "plan=startup but no valid_days" in violation.inner_text()
    assert "plan=startup but no valid_days" in page.locator(f"#price-{broken_price}").inner_text()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "catalog-report.png"), full_page=True)


def test_build_a_bespoke_price_after_seeing_its_stripe_call(signed_in, stripe_v1):
    page = signed_in
    page.goto("/catalog")
    page.select_option("#price-builder select[name=product_key]", "session_replay")
    for n, (up_to, unit) in enumerate([("5000", "0"), ("", "0.2")]):
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
    assert stripe_v1.prices.retrieve(price_id).nickname.startswith("Custom - ")
    stripe_v1.prices.update(price_id, params={"active": False})
