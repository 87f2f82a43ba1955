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


def sign_in(page, email: str, password: str) -> None:
    """The sign-in form, filled and sent; waits for the Annual plans page it lands on."""
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/annual-plans")


def create_customer_from_row(page, row, line1: str, city: str, postal_code: str) -> None:
    """From a row's "choose…" link, the new Stripe customer's form filled (a US address and EIN) and sent,
    up to the confirmation dialog, which the caller answers."""
    row.locator("a", has_text="choose…").click()
    page.click("text=Create a Stripe customer from this row")
    for name, value in (("line1", line1), ("city", city), ("postal_code", postal_code), ("country", "US"),
                        ("tax_id_type", "us_ein"), ("tax_id_value", "12-3456789")):
        page.fill(f"#customer input[name={name}]", value)
    page.click("text=Create customer in Stripe")
