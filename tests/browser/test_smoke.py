"""A person signs in, finds their way around, and htmx is alive."""
import os

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_sign_in_open_annual_plans_and_htmx_is_loaded(signed_in):
    page = signed_in
    assert page.locator("h1").inner_text() == "Annual plans"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.version").startswith("2.0.")
    nav = page.locator("header nav a").all_inner_texts()
    assert nav == ["Annual plans", "Renewals", "Customers", "Catalog", "Usage", "Revenue", "Jobs", "Webhooks",
                   "Notifications", "Audit", "Users"]
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "annual-plans.png"), full_page=True)


def test_wrong_password_shows_a_generic_message(page):
    page.goto("/login")
    page.fill("input[name=email]", "nobody@staff.example")
    page.fill("input[name=password]", "wrong-password")
    page.click("button[type=submit]")
    assert page.locator("[role=alert]").inner_text() == "Email or password is incorrect."


def test_admin_creates_a_user_from_the_users_page(signed_in):
    page = signed_in
    page.click("header nav >> text=Users")
    page.fill("aside input[name=email]", "newhire@staff.example")
    page.fill("aside input[name=name]", "New Hire")
    page.select_option("aside select[name=role]", "growth")
    page.fill("aside input[name=password]", "first-day-password")
    page.click("aside button[type=submit]")
    assert "Created newhire@staff.example (growth)" in page.locator(".flash-success").inner_text()
    row = page.locator("tr", has_text="newhire@staff.example")
    assert row.locator("select").input_value() == "growth"
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "users.png"), full_page=True)


def test_job_progress_bar_polls_until_finished(signed_in, live_server):
    page = signed_in
    page.goto("/jobs")
    page.click("text=Run worker self-test")
    page.wait_for_url("**/jobs/*")
    assert page.locator(".job-status .badge").inner_text() == "◷ queued"  # a symbol and a word, not colour alone
    from app.jobs import job_queue

    job_queue.of(live_server["app"]).drain()  # the worker, in this process
    page.wait_for_selector(".job-status.status-succeeded", timeout=15000)
    assert "5 / 5 (100%)" in page.locator(".job-status").inner_text()
