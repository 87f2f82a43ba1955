"""Steps several browser tests take the same way: answering the confirmation dialog, running a row's button."""
from __future__ import annotations


def confirm(page, *expected: str) -> str:
    """Answer the page's confirmation dialog with Confirm, after checking it restates each `expected` text."""
    dialog = page.locator("#confirm-dialog")
    dialog.wait_for()
    text = dialog.inner_text()
    missing = [part for part in expected if part not in text]
    assert not missing, f"the confirmation does not say {missing}: {text!r}"
    dialog.locator("button", has_text="Confirm").click()
    return text


def run_row_action(page, button_label: str, before_confirm=None) -> None:
    """Open a row's button (its write plan), optionally look at it, confirm, and wait for the success flash."""
    page.locator("a.button[data-action]", has_text=button_label).first.click()
    page.wait_for_selector("text=What this will do")
    if before_confirm:
        before_confirm()
    page.click("button:has-text('Confirm')")
    page.wait_for_selector(".flash-success")
