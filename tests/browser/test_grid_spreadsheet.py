"""The grid as a spreadsheet in a real browser: keys, one editor at a time, copy and paste, undo,
sort, sticky columns, hidden and resized columns remembered."""
from __future__ import annotations

import pytest

from tests.browser.conftest import ADMIN_EMAIL

PASTE = """(text) => {
  const data = new DataTransfer();
  data.setData("text/plain", text);
  document.activeElement.dispatchEvent(new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
}"""
COPY = """() => {
  const data = new DataTransfer();
  document.activeElement.dispatchEvent(new ClipboardEvent("copy", {clipboardData: data, bubbles: true, cancelable: true}));
  return data.getData("text/plain");
}"""


def _row_id(page, company: str) -> str:
    return page.locator("tr[id^=plan-]").filter(
        has=page.locator('td[data-field="company"]', has_text=company)).first.get_attribute("id")


def _cell(page, row_id: str, col: str):
    return page.locator(f'#{row_id} > td[data-col="{col}"]')


def _focused(page) -> tuple[str, str]:
    return tuple(page.evaluate("() => [document.activeElement.closest('tr')?.id, document.activeElement.dataset.col]"))


def _wait_idle(page):
    """Until no editor is opening or saving (keys typed ahead replayed) and the htmx requests are answered."""
    page.wait_for_function("() => !document.querySelector('.htmx-request, #annual-plans[aria-busy]')")


def _audits(live_server, plan_id: str, action: str = "annual_plan.field_updated"):
    from app.extensions import db
    from app.models import AuditEntry

    with live_server["app"].app_context():
        return [(e.before, e.after) for e in db.session.scalars(db.select(AuditEntry).where(
            AuditEntry.object_type == "annual_plan", AuditEntry.object_id == plan_id.removeprefix("plan-"),
            AuditEntry.action == action, AuditEntry.actor_label == ADMIN_EMAIL).order_by(AuditEntry.id))]


def test_keyboard_edits_several_cells_without_the_mouse(signed_in, live_server):
    page = signed_in
    globex = _row_id(page, "Globex")
    rows = page.eval_on_selector_all("tr[id^=plan-]", "rows => rows.map(r => r.id)")
    below = rows[rows.index(globex) + 1] if rows.index(globex) + 1 < len(rows) else None
    _cell(page, globex, "term_months").focus()  # keyboard focus, as Tab would give it

    page.keyboard.type("24")  # typing starts the editor and replaces the value
    page.keyboard.press("Tab")  # saves, moves right
    page.keyboard.type("60")
    page.keyboard.press("Tab")
    page.keyboard.press("F2")  # edit the discount, then think better of it
    page.keyboard.type("99")
    page.keyboard.press("Escape")
    _wait_idle(page)
    assert _focused(page) == (globex, "credit_discount_percent")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Enter")  # Enter opens the editor on the value
    page.keyboard.press("Control+A")
    page.keyboard.type("36")
    page.keyboard.press("Enter")  # saves, moves down
    _wait_idle(page)
    page.wait_for_function(f"() => document.activeElement.closest('tr')?.id === {below!r}" if below else
                           "() => document.activeElement.dataset.col === 'term_months'")

    assert _cell(page, globex, "term_months").inner_text().strip() == "36 mo"
    assert _cell(page, globex, "payment_terms_days").inner_text().strip() == "Net 60"
    assert "99" not in _cell(page, globex, "credit_discount_percent").inner_text()
    assert page.locator("td[data-cancel-url]").count() == 0
    assert _focused(page) == ((below or globex), "term_months")
    saved = [after for _, after in _audits(live_server, globex)]
    assert saved[-3:] == [{"term_months": 24}, {"payment_terms_days": 60}, {"term_months": 36}]


def test_one_editor_at_a_time_and_nothing_typed_is_dropped(signed_in, live_server):
    page = signed_in
    acme = _row_id(page, "Acme")
    _cell(page, acme, "term_months").click()
    _cell(page, acme, "term_months").locator("input[name=value]").fill("18")
    _cell(page, acme, "payment_terms_days").click()  # opening a second editor saves the first
    _cell(page, acme, "payment_terms_days").locator("input[name=value]").wait_for()
    assert page.locator("td[data-cancel-url]").count() == 1
    assert _cell(page, acme, "term_months").inner_text().strip() == "18 mo"

    _cell(page, acme, "payment_terms_days").locator("input[name=value]").fill("soon")
    _cell(page, acme, "credit_discount_percent").click()  # the first is refused: it stays, with its message
    alert = _cell(page, acme, "payment_terms_days").locator("[role=alert]")
    alert.wait_for()
    _wait_idle(page)
    assert page.locator("td[data-cancel-url]").count() == 1
    assert _cell(page, acme, "payment_terms_days").locator("input[name=value]").input_value() == "soon"
    assert "Payment terms" in alert.inner_text()

    _cell(page, acme, "payment_terms_days").locator("input[name=value]").fill("60")
    page.click("h1")  # clicking elsewhere saves
    page.wait_for_function("() => !document.querySelector('td[data-cancel-url]')")
    assert _cell(page, acme, "payment_terms_days").inner_text().strip() == "Net 60"
    assert [after for _, after in _audits(live_server, acme)][-2:] == [{"term_months": 18}, {"payment_terms_days": 60}]


def test_copy_a_range_and_paste_it_with_a_refused_cell(signed_in, live_server):
    page = signed_in
    soylent, initech = _row_id(page, "Soylent"), _row_id(page, "Acme")
    _cell(page, soylent, "term_months").focus()
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("Shift+ArrowRight")
    copied = page.evaluate(COPY)
    cells = [_cell(page, soylent, c).get_attribute("data-raw") or _cell(page, soylent, c).inner_text().strip()
             for c in ("term_months", "payment_terms_days", "credit_discount_percent")]
    assert copied == "\t".join(cells)

    before = len(_audits(live_server, initech))
    _cell(page, initech, "start_date").focus()
    page.evaluate(PASTE, "2027-05-01\tforever\t30\r\n")  # a row from a spreadsheet, one value it cannot be
    alert = _cell(page, initech, "term_months").locator("[role=alert]")
    alert.wait_for()
    assert "forever" in alert.inner_text() and "Term" in alert.inner_text()
    assert _cell(page, initech, "start_date").inner_text().strip() == "2027-05-01"
    assert _cell(page, initech, "payment_terms_days").inner_text().strip() == "Net 30"
    assert "1 refused" in page.inner_text("#grid-status")
    entries = [after for _, after in _audits(live_server, initech)][before:]
    assert entries == [{"start_date": "2027-05-01"}, {"payment_terms_days": 30}]  # one entry per saved cell


def test_undo_the_last_edit_as_a_new_audited_change(signed_in, live_server):
    page = signed_in
    soylent = _row_id(page, "Soylent")
    was = _cell(page, soylent, "credit_discount_percent").inner_text().strip()
    _cell(page, soylent, "credit_discount_percent").focus()
    page.keyboard.type("7")
    page.keyboard.press("Enter")
    _wait_idle(page)
    page.wait_for_function(f"() => document.querySelector('#{soylent} td[data-col=credit_discount_percent]').innerText.includes('7%')")
    page.keyboard.press("Control+z")
    page.wait_for_function("() => document.querySelector('#grid-status').innerText.startsWith('Undone')")
    assert _cell(page, soylent, "credit_discount_percent").inner_text().strip() == was
    undone = _audits(live_server, soylent, "annual_plan.edit_undone")
    assert undone[-1][0] == {"credit_discount_percent": "7"}


def test_sort_by_a_column_remembered_after_reload(signed_in):
    page = signed_in
    companies = lambda: page.eval_on_selector_all(  # noqa: E731
        'tr[id^=plan-] td[data-col="company"]', "cells => cells.map(c => c.innerText.trim())")
    page.click('th[data-col="company"] button.sort')
    page.wait_for_selector('th[data-col="company"][aria-sort="ascending"]')
    assert companies() == sorted(companies(), key=str.lower)
    page.click('th[data-col="company"] button.sort')
    page.wait_for_selector('th[data-col="company"][aria-sort="descending"]')
    assert companies() == sorted(companies(), key=str.lower, reverse=True)
    page.reload()
    assert page.get_attribute('th[data-col="company"]', "aria-sort") == "descending"
    assert companies() == sorted(companies(), key=str.lower, reverse=True)


def test_company_column_and_header_stay_put_when_scrolled(signed_in):
    page = signed_in
    page.set_viewport_size({"width": 1000, "height": 560})
    page.reload()
    company = page.locator('tr[id^=plan-] td[data-col="company"]').first
    header = page.locator('thead th[data-col="term_months"]')
    left_before, top_before = company.bounding_box()["x"], header.bounding_box()["y"]
    page.eval_on_selector("#plans-table", "box => { box.scrollLeft = 900; box.scrollTop = 120; }")
    page.wait_for_function("() => document.querySelector('#plans-table').scrollLeft > 0")
    assert page.eval_on_selector("#plans-table", "box => box.scrollTop") > 0, "the grid should scroll in its box"
    assert company.bounding_box()["x"] == pytest.approx(left_before, abs=1)
    assert header.bounding_box()["y"] == pytest.approx(top_before, abs=1)


def test_hidden_and_resized_columns_are_remembered(signed_in):
    page = signed_in
    page.click(".columns-menu summary")
    page.uncheck('[data-columns-menu] input[value="due"]')
    page.wait_for_function("() => !document.querySelector('th[data-col=due]')")
    handle = page.locator('th[data-col="company"] .col-resize').bounding_box()
    width_before = page.locator('th[data-col="company"]').bounding_box()["width"]
    page.mouse.move(handle["x"] + 2, handle["y"] + 5)
    page.mouse.down()
    page.mouse.move(handle["x"] + 82, handle["y"] + 5, steps=5)
    page.mouse.up()
    _wait_idle(page)
    page.reload()
    try:
        assert page.locator("th[data-col=due]").count() == 0 and page.locator("td[data-col=due]").count() == 0
        assert not page.is_checked('[data-columns-menu] input[value="due"]')
        assert page.locator('th[data-col="company"]').bounding_box()["width"] == pytest.approx(width_before + 80, abs=3)
        assert page.locator('tr[id^=plan-] td[data-col="company"]').first.bounding_box()["width"] == pytest.approx(
            width_before + 80, abs=3)
    finally:
        page.click(".columns-menu summary")
        page.check('[data-columns-menu] input[value="due"]')
        page.wait_for_selector("th[data-col=due]")


def test_columns_keep_their_widths_while_a_cell_is_edited(signed_in):
    """Once drawn, the columns keep their widths: an editor or a longer value never shifts the grid sideways
    (and the browser lays out one row, not the whole table, on each swap)."""
    page = signed_in
    acme = _row_id(page, "Acme")
    heads = "() => [...document.querySelectorAll('tr.column-heads > th')].map((th) => Math.round(th.getBoundingClientRect().width))"
    before = page.evaluate(heads)
    _cell(page, acme, "term_months").click()
    editor = _cell(page, acme, "term_months").locator("input[name=value]")
    editor.wait_for()
    assert page.evaluate(heads) == before
    assert editor.bounding_box()["width"] >= 60  # the editor is wide enough to type in
    editor.fill("120")
    _cell(page, acme, "contact_email").click()  # a wide editor floats over its neighbours, Save in reach
    _cell(page, acme, "contact_email").locator("select[name=value]").wait_for()
    assert page.evaluate(heads) == before
    page.click("h1")
    page.wait_for_function("() => !document.querySelector('td[data-cancel-url]')")
    assert page.evaluate(heads) == before
