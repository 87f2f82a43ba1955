"""A real server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Under CI=true a missing browser fails the run instead of skipping it.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
ADMIN_EMAIL, ADMIN_PASSWORD = "browser-admin@staff.example", "browser-password-1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, stripe_emulator_server):
    from flask_migrate import upgrade

    from app.demo import seed_demo_data
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.users import create_user
    from tests.conftest import make_app

    path = tmp_path_factory.mktemp("browser") / "browser.db"
    app = make_app(f"sqlite:///{path}", TESTING=False, STRIPE_SECRET_KEY="sk_test_emulator",
                   STRIPE_API_BASE=stripe_emulator_server.url,
                   HUEY_NAME=f"{os.environ['HUEY_NAME']}-browser")  # its own queue, beside the test app's
    with app.app_context():
        upgrade()
        create_user(db.session, Actor.system("tests"), ADMIN_EMAIL, "admin", ADMIN_PASSWORD, "Browser Admin")
        db.session.commit()
        seed_demo_data(db.session)  # the three sample contracts, one with warnings
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app}
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield instance
        instance.close()


# Reported to the console, so a page the Content-Security-Policy breaks fails its test. Tests pass
# wait_for_function an arrow function ("() => ..."): a bare expression is run through eval, which the
# policy refuses.
REPORT_POLICY_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) =>
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"}`));
document.addEventListener("htmx:evalDisallowedError", () => console.error("CSP violation: htmx wanted eval"));
"""


def policy_violation(text: str) -> bool:
    return "CSP violation" in text or "Content Security Policy" in text


@contextlib.contextmanager
def policed_tab(browser, url: str, width: int = 1366):
    """A tab on `url` that fails its test, once closed, if any page broke the Content-Security-Policy."""
    context = browser.new_context(base_url=url, viewport={"width": width, "height": 900})
    context.add_init_script(REPORT_POLICY_VIOLATIONS)
    tab = context.new_page()
    violations = []
    tab.on("console", lambda message: violations.append(message.text) if policy_violation(message.text) else None)
    yield tab
    context.close()
    assert not violations, f"the page broke the Content-Security-Policy: {violations}"


@pytest.fixture
def page(browser, live_server):
    with policed_tab(browser, live_server["url"]) as tab:
        yield tab


@pytest.fixture
def signed_in(page):
    from tests.browser.actions import sign_in

    sign_in(page, ADMIN_EMAIL, ADMIN_PASSWORD)
    return page
