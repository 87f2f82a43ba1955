"""The README's tour, step by step and in its order, on demo data of its own: its own Stripe emulator (which
delivers its signed webhooks to this server, as `make run` sets it up) and the product following that emulator's
clock, as `make run` does. Step 9 moves the clock, so it comes last; the test puts the clock back after it."""
from __future__ import annotations

import os
import re
import threading
import time

import pytest
from werkzeug.serving import make_server

from tests.browser.actions import create_customer_from_row, run_row_action, sign_in
from tests.browser.conftest import policed_tab
from tests.conftest import STRIPE_WEBHOOK_SECRET

EMAIL, PASSWORD = "tour-admin@staff.example", "tour-password-123"
SOYLENT_GOES_LIVE = 1799031600  # 2027-01-04 03:00 UTC: the Soylent contract's start, with its schedule


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    """A fresh product as `make run` leaves it: migrated, demo data seeded, an emulator of its own."""
    from flask_migrate import upgrade

    from app.demo import seed_demo_data
    from app.extensions import db
    from app.services.audit import Actor
    from app.services.catalog import bootstrap_catalog
    from app.services.users import create_user
    from stripe_emulator.server import run_in_thread
    from tests.conftest import make_app

    emulator = run_in_thread(webhook_secret=STRIPE_WEBHOOK_SECRET)
    path = tmp_path_factory.mktemp("tour") / "tour.db"
    app = make_app(f"sqlite:///{path}", TESTING=False, STRIPE_SECRET_KEY="sk_test_emulator",
                   STRIPE_API_BASE=emulator.url, APP_CLOCK="emulator",
                   HUEY_NAME=f"{os.environ['HUEY_NAME']}-tour")
    with app.app_context():
        upgrade()
        from app import collaborators

        bootstrap_catalog(db.session, collaborators.stripe_gateway(), collaborators.catalog())
        create_user(db.session, Actor.system("tests"), EMAIL, "admin", PASSWORD, "Tour Admin")
        db.session.commit()
        seed_demo_data(db.session)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    emulator.emulator.state.config["webhook_url"] = f"{url}/webhooks/stripe"  # this server, known only now
    yield {"url": url, "app": app, "emulator": emulator}
    server.shutdown()
    emulator.stop()


@pytest.fixture(scope="module")
def tab(browser, tour):
    with policed_tab(browser, tour["url"], width=1440) as page:
        yield page


def drain(tour) -> None:
    from app.jobs import job_queue

    job_queue.of(tour["app"]).drain()


def _row(page, company):
    return page.locator("#annual-plans tbody tr", has_text=company).first


def test_1_sign_in(tab):
    sign_in(tab, EMAIL, PASSWORD)
    assert tab.locator("h1").inner_text() == "Annual plans" and "Tour Admin" in tab.locator("header").inner_text()


def test_2_initech_warnings_name_the_contracts_text_and_one_is_confirmed(tab):
    initech = _row(tab, "Initech")
    initech.locator("td.warnings summary").click()
    before = initech.locator("li[data-warning-field]").count()
    assert before >= 5 and initech.locator("q.raw").count() >= 1  # each names the contract's own text
    initech.locator("td.warnings button", has_text="Confirm").first.click()
    tab.wait_for_function("() => [...document.querySelectorAll('#annual-plans tbody tr')]"
                          ".find((r) => r.textContent.includes('Initech'))"
                          f".querySelectorAll('li[data-warning-field]').length === {before - 1}")
    _row(tab, "Initech").locator("td.warnings summary").click()
    assert _row(tab, "Initech").locator("li[data-warning-field]").count() == before - 1


def test_3_soylent_gets_its_stripe_customer(tab):
    tab.goto("/annual-plans")
    soylent = _row(tab, "Soylent")
    assert "no organisation" not in soylent.inner_text()  # its contract names its two organisations
    create_customer_from_row(tab, soylent, "1 Soylent Way", "New York", "10001")
    tab.locator("#confirm-dialog button", has_text="Confirm").click()
    tab.wait_for_selector("text=This row bills")
    assert "ready" in tab.locator("h1 .badge").inner_text()


def test_4_the_buttons_show_their_calls_then_make_them(tab):
    run_row_action(tab, "Create Annual Subscription")
    assert "invoiced" in tab.locator("h1 .badge").inner_text()
    run_row_action(tab, "Amortize Invoice")
    run_row_action(tab, "Schedule Subscription")
    assert "scheduled" in tab.locator("h1 .badge").inner_text()


def test_5_review_and_send(tab):
    tab.locator("a", has_text="Review & send").first.click()
    tab.wait_for_selector("text=Checklist")
    assert tab.locator("ul.checklist li.fail").count() == 0, tab.locator("ul.checklist").inner_text()
    tab.click("text=Send invoice…")
    tab.wait_for_selector("text=What this will do")
    tab.click("button:has-text('Confirm')")
    tab.wait_for_selector(".flash-success")
    assert "sent" in tab.locator("h1 .badge").inner_text()


def test_6_usage_flags_the_gap_and_the_rerun_sends_it(tab, tour):
    tab.click("header nav >> text=Usage")
    banner = tab.locator(".usage-gap").inner_text()
    assert "US sent no usage reports for" in banner
    rerun_date = banner.rsplit("re-run with", 1)[1].strip()
    tab.click(f"#usage-rerun >> text=Re-run for {rerun_date}")
    tab.wait_for_selector("#usage-rerun .job-status progress")
    drain(tour)
    tab.wait_for_selector("#usage-rerun .job-status.status-succeeded, #usage-rerun .job-status.status-failed",
                          timeout=15000)
    status = tab.locator("#usage-rerun .job-status").inner_text()
    assert "succeeded" in status and "0 errors" in status, status


def test_7_customers_start_a_startup_plan_on_otter_works(tab):
    tab.click("header nav >> text=Customers")
    tab.fill("input[name=q]", "Otter Works")
    tab.locator("#customers a", has_text="Otter Works").first.click()
    tab.wait_for_url("**/customers/*")
    tab.fill("#startup input[name=credit]", "$5,000")
    tab.fill("#startup input[name=expires_on]", "2030-06-30")
    tab.click("#startup button:has-text('Show the Stripe calls')")
    tab.locator("#startup .plan-sentence", has_text="$5,000.00 promotional credit").wait_for()
    tab.click("#startup button:has-text('Confirm: start the startup plan')")
    tab.locator("#startup [role=status]", has_text="Startup plan started").wait_for()
    facts = tab.locator("#startup dl.facts").inner_text()
    assert "$5,000.00" in facts and "2030-06-30" in facts  # the credit as Stripe now holds it


def test_8_revenue_shows_the_months_and_flags_quokka(tab):
    tab.click("header nav >> text=Revenue")
    tab.wait_for_url("**/revenue**")
    page_text = tab.locator("main").inner_text()
    assert "Quokka Enterprises" in page_text and "enterprise yearly without an up-front invoice" in page_text
    assert re.search(r"\$\d[\d,]*\.\d\d", page_text)


def _move_clock(tour, now: int) -> None:
    """As the README's curl does: the emulator runs what its clock passes and delivers the webhooks."""
    import json
    import urllib.request

    request = urllib.request.Request(f"{tour['emulator'].url}/_emulator/clock", json.dumps({"now": now}).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_9_moving_the_clock_takes_the_row_live_and_the_clock_goes_back(tab, tour):
    try:
        _move_clock(tour, SOYLENT_GOES_LIVE)
        tab.goto("/annual-plans")
        deadline = time.time() + 20
        while "clock 2027-01-04" not in tab.locator("header").inner_text():  # the product re-reads it each second
            assert time.time() < deadline, tab.locator("header").inner_text()
            time.sleep(0.5)
            tab.reload()
        while "live" not in _row(tab, "Soylent").locator("td[data-col=stage], .badge.stage").first.inner_text():
            assert time.time() < deadline, _row(tab, "Soylent").inner_text()
            time.sleep(0.5)
            tab.reload()
    finally:
        _move_clock(tour, int(time.time()))
    time.sleep(1.5)
    tab.goto("/usage")
    assert "clock 2027" not in tab.locator("header").inner_text()
