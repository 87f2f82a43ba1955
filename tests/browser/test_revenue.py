"""Revenue in a real browser: twelve months charted, the unresolved customer flagged, a figure's why opened."""


def test_read_the_months_revenue_and_open_a_figures_why(signed_in):
    page = signed_in
    page.goto("/revenue")
    assert "Quokka Enterprises" in page.locator("#unresolved").inner_text()
    page.locator("#mrr-chart canvas").wait_for()  # drawn by the vendored uPlot
    assert page.locator("#trend tbody tr").count() == 12
    assert "Enterprise yearly" in page.locator("#by-configuration").inner_text()
    row = page.locator("#revenue-customers tr", has_text="Walrus Holdings")
    row.locator("a.figure").first.click()
    panel = page.locator("#why")
    panel.locator("h4", has_text="Rule: enterprise yearly").wait_for()
    assert "$58,800.00 ÷ 12 months = $4,900.00" in panel.inner_text()
    assert panel.locator("a[href*='dashboard.stripe.com/test/invoices/in_']").count() == 1


def test_filter_the_customers_by_configuration(signed_in):
    page = signed_in
    page.goto("/revenue")
    page.select_option("#revenue-month select[name=configuration]", "paid")
    page.wait_for_function("() => !document.querySelector('#revenue-customers').innerText.includes('Walrus')")
    assert "Narwhal Retail" in page.locator("#revenue-customers").inner_text()
