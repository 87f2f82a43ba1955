"""Customers in a real browser: change a plan and see the features, apply a coupon, bulk sync."""
import os

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _open(page, name):
    page.goto("/customers")
    page.fill("input[name=q]", name)
    page.locator("#customers a", has_text=name).first.click()
    page.wait_for_url("**/customers/*")


def test_edit_plans_map_and_see_the_features_change(signed_in):
    """On Puffin, who has no subscription: a paid price would put session replay on its paid plan at each sync."""
    page = signed_in
    _open(page, "Puffin")
    assert "Free" in page.locator("#plan-price-session_replay_free").inner_text()  # each plan's catalog price
    assert "Recordings file export" not in page.locator("#features").inner_text()
    page.select_option("select[name='plan.session_replay']", "session_replay_paid")
    page.click("#plans button[type=submit]")
    page.locator("#plans [role=status]", has_text="Plans saved").wait_for()
    page.locator("#features li", has_text="Recordings file export").wait_for()  # refreshed by customer-changed
    page.select_option("select[name='plan.session_replay']", "session_replay_free")
    page.click("#plans button[type=submit]")  # a second save: the version moved on out of band
    page.wait_for_function("() => !document.querySelector('#features').innerText.includes('Recordings file export')")
    assert "Someone changed" not in page.locator("#plans").inner_text()


def test_apply_a_coupon(signed_in):
    page = signed_in
    _open(page, "Hedgehog")
    assert "no coupon" in page.locator("#coupon").inner_text()
    page.select_option("#coupon select[name=coupon]", "demo-partner-20")
    page.click("#coupon button:has-text('Apply coupon')")
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for()  # asks first, naming the chosen coupon and the customer
    assert "Apply the coupon Partner 20%" in dialog.inner_text() and "Hedgehog" in dialog.inner_text()
    dialog.locator("button", has_text="Cancel").click()
    assert not dialog.is_visible() and "no coupon" in page.locator("#coupon").inner_text()  # nothing sent
    page.click("#coupon button:has-text('Apply coupon')")
    dialog.locator("button", has_text="Confirm").click()
    page.locator("#coupon [role=status]", has_text="Coupon demo-partner-20 applied").wait_for()
    assert "Partner 20%" in page.locator("#coupon").inner_text()
    page.locator("#caps td", has_text="$250.00").wait_for()  # the $200 limit now allows $250 of list price
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "customer-coupon.png"), full_page=True)


def test_bulk_sync_with_a_progress_bar(signed_in, live_server):
    page = signed_in
    page.goto("/customers")
    page.check("#customers thead input[type=checkbox]")
    page.click("text=Sync selected with Stripe")
    page.locator("#sync-status progress").wait_for()
    from app.jobs import job_queue

    job_queue.of(live_server["app"]).drain()  # the worker, in this process
    with live_server["app"].app_context():
        from app.extensions import db
        from app.models import Customer

        in_stripe = db.session.scalar(db.select(db.func.count(Customer.id)).where(Customer.stripe_customer_id.is_not(None)))
    assert in_stripe >= 5  # the demo's customers, and its revenue history's
    page.locator("#sync-status .sync-summary", has_text=f"Synced {in_stripe}, failed 0.").wait_for(timeout=15000)
    assert page.locator("#sync-status .sync-results tbody tr").count() == in_stripe


def test_the_upcoming_invoice_groups_this_periods_usage_by_meter(signed_in):
    page = signed_in
    _open(page, "Hedgehog")
    page.locator("#upcoming-meters tr.meter").first.wait_for()  # loaded after the page
    rows = page.locator("#upcoming-meters tr.meter")
    assert rows.count() == 2  # Hedgehog pays for Product analytics and Session replay
    assert "product_analytics_events" in rows.nth(0).inner_text() and "events" in rows.nth(0).inner_text()
    assert "session_replay_recordings" in rows.nth(1).inner_text()
    assert "Total" in page.locator("#upcoming").inner_text()


def test_start_a_startup_plan(signed_in):
    page = signed_in
    _open(page, "Otter Works")
    page.fill("#startup input[name=credit]", "$5,000")
    page.fill("#startup input[name=expires_on]", "2030-06-30")
    page.click("#startup button:has-text('Show the Stripe calls')")
    page.locator("#startup .plan-sentence", has_text="$5,000.00 promotional credit").wait_for()  # the calls fold below
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "customer-startup-plan.png"), full_page=True)
    page.click("#startup button:has-text('Confirm: start the startup plan')")
    page.locator("#startup [role=status]", has_text="Startup plan started").wait_for()
    facts = page.locator("#startup dl.facts").inner_text()
    assert "$5,000.00" in facts and "2030-06-30" in facts
    page.locator("#configuration h3", has_text="startup").wait_for()  # refreshed by customer-changed
