"""What the templates' inline handlers did, now in static/app.js under the Content-Security-Policy
(issue 14, item 8), and proof that a policy violation fails a browser test."""
from tests.browser.conftest import REPORT_POLICY_VIOLATIONS, policy_violation


def test_an_inline_handler_is_blocked_and_reported(browser, live_server):
    context = browser.new_context(base_url=live_server["url"])
    context.add_init_script(REPORT_POLICY_VIOLATIONS)
    page = context.new_page()
    try:
        page.goto("/login")
        with page.expect_console_message(lambda message: policy_violation(message.text)):
            page.evaluate("""() => document.body.insertAdjacentHTML(
                "beforeend", '<img src="/static/no-such-image.png" onerror="window.inlineRan = true">')""")
        assert page.evaluate("() => window.inlineRan === undefined")
    finally:
        context.close()


def test_other_address_shows_its_input(signed_in):
    page = signed_in
    row_id = page.locator("tr[id^=plan-]").filter(
        has=page.locator('td[data-field="company"]', has_text="Acme")).first.get_attribute("id")
    cell = page.locator(f'#{row_id} td[data-field="contact_email"]')
    cell.click()
    other = cell.locator("input[name=other]")
    assert other.is_hidden()
    cell.locator("select[name=value]").select_option("__other__")
    other.wait_for(state="visible")
    cell.locator("select[name=value]").press("Escape")


def test_select_all_ticks_every_customer_on_the_page(signed_in):
    page = signed_in
    page.goto("/customers")
    boxes = page.locator("#customers input[name=ids]")
    assert boxes.count() > 1
    page.check("#customers input[data-select-all]")
    assert all(boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.uncheck("#customers input[data-select-all]")
    assert not any(boxes.nth(i).is_checked() for i in range(boxes.count()))


def test_changing_a_role_saves_it_at_once(signed_in, live_server):
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.users import create_user

    with live_server["app"].app_context():
        create_user(db.session, Actor.system("tests"), "role-change@staff.example", "cs", "a-long-password")
        db.session.commit()
    page = signed_in
    page.goto("/users")
    page.select_option('select[aria-label="Role of role-change@staff.example"]', "viewer")
    page.locator(".flash-success", has_text="role-change@staff.example is now viewer").wait_for()
    from app.models import User

    with live_server["app"].app_context():  # saved on change alone, no Save button
        assert db.session.scalar(db.select(User.role).where(User.email == "role-change@staff.example")) == "viewer"
