"""The invoice review's failing customer checks link to the Stripe customer's editors; the review re-checks."""
import re

import pytest

from app.models import Customer
from tests.annual_plans.helpers import press


@pytest.fixture
def invoiced_plan(app, db, ready_plan):
    """A row with its draft invoice, whose Stripe customer has no address, no tax id and no record of ours."""
    plan = ready_plan("acme")
    return press(app, db, plan.id, "create_subscription")


def _review(client, plan) -> str:
    return client.get(f"/annual-plans/{plan.id}/review").get_data(as_text=True)


def _fix_link(page: str, anchor: str) -> str:
    return re.search(rf'href="([^"]+#{anchor})"', page).group(1).replace("&amp;", "&")


def test_failing_checks_link_to_the_editors_of_the_rows_stripe_customer(client, db, login_as, invoiced_plan):
    login_as("finance")
    page = _review(client, invoiced_plan)
    assert "✗ Billing address on the customer" in page and "✗ Tax id on the customer" in page
    cus = invoiced_plan.stripe_customer_id
    assert _fix_link(page, "billing-address") == f"/customers/stripe/{cus}/details?review={invoiced_plan.id}#billing-address"
    assert _fix_link(page, "tax-ids") == f"/customers/stripe/{cus}/details?review={invoiced_plan.id}#tax-ids"
    editor = client.get(_fix_link(page, "tax-ids").split("#")[0]).get_data(as_text=True)
    assert f'href="/annual-plans/{invoiced_plan.id}/review">← Back to the invoice review' in editor
    assert db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == cus)) is None  # none made


def test_after_saving_the_review_checks_again_and_passes(client, db, login_as, invoiced_plan, stripe_client):
    login_as("finance")
    cus, back = invoiced_plan.stripe_customer_id, {"review": str(invoiced_plan.id)}
    saved = client.post(f"/customers/stripe/{cus}/tax-ids", data={"type": "us_ein", "value": "12-3456789", **back},
                        headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'href="/annual-plans/{invoiced_plan.id}/review">Back to the invoice review: it checks Stripe again' in saved
    client.post(f"/customers/stripe/{cus}/billing-address", headers={"HX-Request": "true"},
                data={"line1": "1 Road Runner Way", "city": "Phoenix", "country": "US", **back})
    page = _review(client, invoiced_plan)
    assert "✓ Billing address on the customer" in page and "✓ Tax id on the customer" in page
    assert "12-3456789" in page and "#tax-ids" not in page  # passing checks carry no fix link


def test_a_passing_check_has_no_link_but_the_customer_card_always_does(client, db, login_as, invoiced_plan,
                                                                       stripe_client):
    login_as("growth")
    stripe_client.v1.customers.update(invoiced_plan.stripe_customer_id, params={
        "address": {"line1": "1 Road Runner Way", "country": "US"}})
    page = _review(client, invoiced_plan)
    assert "#billing-address" not in page and "#tax-ids" in page
    assert "Edit addresses and tax ids" in page
