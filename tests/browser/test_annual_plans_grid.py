"""The grid in a real browser: edit a cell, see a 422 message, resolve a warning, pick a contact."""
import os

SCREENSHOTS = os.environ.get("SCREENSHOT_DIR")


def _row(page, company):
    """The row whose company cell says `company` (other cells, e.g. emails, may mention it too)."""
    row_id = page.locator("tr[id^=plan-]").filter(
        has=page.locator('td[data-field="company"]', has_text=company)).first.get_attribute("id")
    return page.locator(f"#{row_id}")  # stable while the company cell is being edited


def _cell(row, field):
    return row.locator(f'td[data-field="{field}"]')


def test_edit_a_cell_and_see_a_422_message(signed_in):
    page = signed_in
    row = _row(page, "Globex")
    cell = _cell(row, "line.product_analytics.volume")
    cell.click()
    editor = cell.locator("input[name=value]")
    editor.fill("1.000.000")
    editor.press("Enter")
    alert = _row(page, "Globex").locator('td[data-field="line.product_analytics.volume"] [role=alert]')
    alert.wait_for()
    assert "ambiguous" in alert.inner_text()
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "grid-422.png"), full_page=True)
    editor = _cell(_row(page, "Globex"), "line.product_analytics.volume").locator("input[name=value]")
    editor.fill("1.6 billion")
    editor.press("Enter")
    page.wait_for_function("() => document.querySelector('td[data-field=\"line.product_analytics.volume\"] [role=alert]') === null")
    assert "1,600,000,000" in _cell(_row(page, "Globex"), "line.product_analytics.volume").inner_text()


def test_escape_cancels_an_edit(signed_in):
    page = signed_in
    cell = _cell(_row(page, "Globex"), "company")
    cell.click()
    cell.locator("input[name=value]").fill("Something else")
    cell.locator("input[name=value]").press("Escape")
    _cell(_row(page, "Globex"), "company").and_(page.locator(":not(.editing)")).wait_for()
    assert "Globex Corporation" in _cell(_row(page, "Globex"), "company").inner_text()


def test_resolve_a_warning_by_confirming_and_by_editing(signed_in):
    page = signed_in
    row = _row(page, "Initech")
    before = int(row.locator("td.warnings summary").inner_text().strip("⚠ "))
    row.locator("td.warnings summary").click()
    assert row.locator("td.warnings li[data-warning-field=currency]").count() == 0  # EUR is billed now: no warning
    assert "EUR" in row.locator("td[data-currency=eur]").inner_text()
    row.locator("td.warnings li[data-warning-field=start_date] button").click()
    page.wait_for_function(f"() => document.querySelector('tr[id^=plan-] td.warnings summary') && "
                           f"[...document.querySelectorAll('td.warnings summary')].some(s => s.innerText.includes('{before - 1}'))")
    cell = _cell(_row(page, "Initech"), "term_months")
    cell.click()
    cell.locator("input[name=value]").fill("24")
    cell.locator("input[name=value]").press("Enter")
    page.wait_for_selector('tr:has-text("Initech") td[data-field="term_months"]:not(.has-warning)')
    assert _row(page, "Initech").locator("td.warnings summary").inner_text().strip("⚠ ") == str(before - 2)
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, "grid-warnings.png"), full_page=True)


def test_pick_a_contact_email(signed_in):
    page = signed_in
    cell = _cell(_row(page, "Acme"), "contact_email")
    cell.click()
    select = cell.locator("select[name=value]")
    assert "ann@seller.example (ours)" in select.inner_text()
    select.select_option("ap@acme.example")
    cell.locator("button", has_text="Save").click()
    page.wait_for_selector('tr:has-text("Acme") td[data-field="contact_email"]:not(.editing)')
    assert _cell(_row(page, "Acme"), "contact_email").inner_text().strip() == "ap@acme.example"
