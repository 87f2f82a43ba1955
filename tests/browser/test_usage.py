"""The Usage monitor in a browser: the chart is drawn, the demo's gap is flagged, the re-run's progress bar finishes
and the gap then says what the re-run sent."""
import os
import re

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def test_usage_page_flags_the_demo_gap_and_the_rerun_finishes(signed_in, live_server):
    page = signed_in
    page.click("header nav >> text=Usage")
    page.wait_for_url("**/usage")
    page.wait_for_selector("#usage-plot .uplot canvas")  # drawn by the vendored uPlot
    assert page.locator("#usage-plot .u-axis").count() == 2
    assert page.locator("#usage-numbers td.gap").count() == 1  # the numbers, also in a table
    box = page.locator("#usage-plot .u-over").bounding_box()
    page.mouse.move(box["x"] + box["width"] - 5, box["y"] + box["height"] / 2)
    tooltip = page.locator("#usage-plot .chart-tooltip")
    tooltip.wait_for(state="visible")
    assert re.match(r"\d{4}-\d{2}-\d{2}\nEU: \d+ reports", tooltip.inner_text()), tooltip.inner_text()
    banner = page.locator(".usage-gap").inner_text()
    assert "US sent no usage reports for" in banner and "send_usage_report --date" in banner
    rerun_date = banner.rsplit("re-run with", 1)[1].strip()
    assert page.locator("#usage-rerun input[name=date]").input_value() == rerun_date
    page.fill("#usage-rerun input[name=date]", "2027-01-02")
    assert page.locator("#usage-rerun .rerun-button").inner_text() == "Re-run for 2027-01-02"
    page.fill("#usage-rerun input[name=date]", rerun_date)
    page.click(f"#usage-rerun >> text=Re-run for {rerun_date}")
    page.wait_for_selector("#usage-rerun .job-status progress")
    from app.jobs import job_queue

    job_queue.of(live_server["app"]).drain()
    page.wait_for_selector("#usage-rerun .job-status.status-succeeded, #usage-rerun .job-status.status-failed", timeout=15000)
    status = page.locator("#usage-rerun .job-status").inner_text()
    assert "succeeded" in status, status
    assert "(100%)" in status and "reports sent" in status and "0 errors" in status
    page.reload()
    calm = page.locator(".usage-gap.usage-gap-rerun[role=status]")
    sent = re.search(r"(\d+) reports sent", status)[1]
    assert "US sent no usage reports for" in calm.inner_text() and f": {sent} sent, 0 errors" in calm.inner_text()
    assert page.locator(".usage-gap[role=alert]").count() == 0
    assert page.locator(f"#usage-rerun >> text=Re-run for {rerun_date}").count() == 1  # still offered
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "usage.png"), full_page=True)
