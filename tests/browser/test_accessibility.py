"""axe-core over every page a person opens: no serious or critical violation, at desktop and phone width, and
no page scrolling sideways on a phone.

The pages are every GET route without arguments (so a new page is checked the day it is added) plus one of
each page about an object, taken from the demo data. axe-core comes from npm at its locked version
(tests/axe, installed by `make test`).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parents[1] / "axe" / "node_modules" / "axe-core" / "axe.min.js"
MACHINE_PREFIXES = ("/api", "/webhooks/", "/healthz", "/static", "/login/sso")
SERIOUS = ("serious", "critical")


def every_page(app) -> list[str]:
    """Arg-less GET pages for people, then one page per kind of object from the demo data."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import AnnualPlan, Customer, Job

    pages = sorted(rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and rule.rule not in ("/", "/login")
                   and not rule.rule.startswith(MACHINE_PREFIXES) and not rule.rule.endswith((".csv", ".json")))
    with app.app_context():
        plan = db.session.scalar(select(AnnualPlan.id).order_by(AnnualPlan.id))
        warned = db.session.scalar(select(AnnualPlan.id).where(AnnualPlan.company.like("Initech%")))
        customer = db.session.scalar(select(Customer.id).where(Customer.stripe_customer_id.is_not(None))
                                     .order_by(Customer.id))
        job = db.session.scalar(select(Job.id).order_by(Job.id.desc()))
    pages += [f"/annual-plans/{plan}", f"/annual-plans/{warned}", f"/annual-plans/{plan}/review",
              f"/annual-plans/{plan}/actions/create_subscription", f"/customers/{customer}"]
    if job:
        pages.append(f"/jobs/{job}")
    return pages


def axe_violations(page) -> list[str]:
    """Run axe on the page as it stands (axe is added to every page of the context by `with_axe`: an init script,
    which the Content-Security-Policy allows as it allows an extension, where a script tag would be refused)."""
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ["violations"]});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
    }""")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {v['targets']}" for v in found if v["impact"] in SERIOUS]


@pytest.fixture
def with_axe(page):
    if not AXE.exists():
        message = "axe-core is not installed: npm ci --prefix tests/axe (make test does it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    page.context.add_init_script(path=str(AXE))
    return page


@pytest.mark.parametrize("width", [1440, 390])
def test_no_page_has_a_serious_accessibility_violation(with_axe, signed_in, live_server, width):
    page = signed_in
    page.set_viewport_size({"width": width, "height": 900})
    problems = {}
    for path in every_page(live_server["app"]):
        response = page.goto(path)
        assert response.status in (200, 422), f"{path}: HTTP {response.status}"  # 422: a page saying why not, in place
        page.wait_for_load_state("networkidle")
        if found := axe_violations(page):
            problems[path] = found
        if width == 390 and (wide := page.evaluate("() => document.documentElement.scrollWidth")) > width:
            problems.setdefault(path, []).append(f"the page scrolls sideways at 390 px ({wide} px wide): a wide "
                                                 f"table belongs in its own scrolling box")
    assert not problems, "\n".join(f"{path}: {v}" for path, found in problems.items() for v in found)


def test_the_sign_in_page_has_no_serious_accessibility_violation(with_axe):
    with_axe.goto("/login")
    assert axe_violations(with_axe) == []


def test_on_a_phone_the_navigation_folds_behind_menu(signed_in):
    page = signed_in
    page.set_viewport_size({"width": 390, "height": 800})
    nav = page.locator("#main-nav")
    assert not nav.is_visible()
    page.click("button[data-menu-toggle]")
    assert nav.is_visible() and page.get_attribute("button[data-menu-toggle]", "aria-expanded") == "true"
    page.click("#main-nav >> text=Customers")
    page.wait_for_url("**/customers")
    assert not page.locator("#main-nav").is_visible()
    page.set_viewport_size({"width": 1440, "height": 800})
    assert page.locator("#main-nav").is_visible() and not page.locator("button[data-menu-toggle]").is_visible()
