"""The list (search, filters, sort, pages) and one customer's page."""
from datetime import date

import pytest

from app import timeutil


@pytest.fixture
def some_customers(make_customer):
    return {
        "acme": make_customer(name="Acme", email="ap@acme.example", stripe_customer_id="cus_acme",
                              organisation_id="org-acme", billing_configuration="paid"),
        "beta": make_customer(name="Beta", email="money@beta.example", billing_configuration="startup",
                              free_trial_until=date(2099, 1, 1), has_discount=True),
        "zeta": make_customer(name="Zeta", email="z@zeta.example", billing_configuration="enterprise_yearly",
                              last_synced_at=timeutil.utcnow()),
    }


def _names(response) -> list[str]:
    import re

    return re.findall(r'<tr id="customer-\d+">.*?<a href="/customers/\d+">([^<]+)</a>',
                      response.get_data(as_text=True), re.S)


@pytest.mark.parametrize(("query", "expected"), [
    ("q=acm", ["Acme"]), ("q=money@beta", ["Beta"]), ("q=org-acme", ["Acme"]), ("q=cus_acme", ["Acme"]),
    ("configuration=startup", ["Beta"]), ("discount=1", ["Beta"]), ("trial=1", ["Beta"]),
    ("out_of_sync=1", ["Acme", "Beta"]), ("sort=-name", ["Zeta", "Beta", "Acme"]), ("", ["Acme", "Beta", "Zeta"]),
])
def test_search_filters_and_sort(client, login_as, some_customers, query, expected):
    login_as("viewer")
    response = client.get(f"/customers?{query}", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _names(response) == expected
    assert "<html" not in response.get_data(as_text=True)  # the table fragment for htmx


def test_pages_of_fifty(client, login_as, make_customer):
    login_as("viewer")
    for n in range(55):
        make_customer(name=f"Customer {n:03d}")
    first, second = client.get("/customers"), client.get("/customers?page=2")
    assert len(_names(first)) == 50 and len(_names(second)) == 5
    assert "Page 2 of 2" in second.get_data(as_text=True)


def test_viewers_see_no_sync_buttons(client, login_as, some_customers):
    login_as("viewer")
    assert "Sync all" not in client.get("/customers").get_data(as_text=True)


def test_detail_shows_stripe_state_beside_ours(client, login_as, db, gateway, synced_customer, coupon):
    customer = synced_customer(coupon=coupon(name="Launch deal"))
    login_as("cs")
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert customer.subscription_id in html and "Launch deal" in html
    assert "Product analytics" in html and "Save plans" in html and "Apply coupon" in html
    assert "no customer-level coupon" in html
    upcoming = client.get(f"/customers/{customer.id}/fragments/upcoming").get_data(as_text=True)
    assert "Upcoming invoice" in upcoming


def test_detail_of_a_never_synced_customer(client, login_as, make_customer):
    login_as("viewer")
    customer = make_customer(name="Fresh")
    response = client.get(f"/customers/{customer.id}")
    assert response.status_code == 200 and "Not synced yet" in response.get_data(as_text=True)
    assert "Save plans" not in response.get_data(as_text=True)
