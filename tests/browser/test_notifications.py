"""Notifications in a browser: the Usage page loads "Who was told" about the demo's gap, and the settings
page saves a choice."""
import os

from app.jobs import job_queue

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_the_usage_page_shows_who_was_told_about_the_demo_gap(signed_in, live_server):
    queue = job_queue.of(live_server["app"])
    queue.run_periodic("notification_checks_daily")  # the demo's US gap is found
    queue.run_periodic("deliver_notifications")  # no SMTP or Slack configured: nobody to tell
    page = signed_in
    page.goto("/usage")
    page.wait_for_selector("#who-was-told table")
    told = page.locator("#who-was-told").inner_text()
    assert "Usage gap found" in told and "US sent no usage reports for" in told and "nobody to tell" in told
    page.goto("/notifications")
    assert "Usage gap: US sent no usage reports for" in page.locator("main table").inner_text()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "notifications.png"), full_page=True)


def test_the_settings_page_saves_a_choice(signed_in):
    page = signed_in
    page.goto("/account/notifications")
    box = page.locator("#notify-job_failed-email")
    assert box.is_checked()  # an admin hears about everything until they choose
    box.uncheck()
    page.click("main button[type=submit]")
    page.wait_for_selector(".flash >> text=Notification choices saved.")
    assert not page.locator("#notify-job_failed-email").is_checked()
    assert page.locator("#notify-job_failed-slack").is_checked()
    if SCREENSHOTS:
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=os.path.join(SCREENSHOTS, "notification-settings-390.png"), full_page=True)
