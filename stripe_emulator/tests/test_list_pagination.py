"""Cursor pagination over stored collections: filtered lists page through their matches only,
newest first; cursors survive creates and deletes; expanded lists render like a retrieve."""

import pytest
import stripe

from .billing_fixtures import (  # noqa: F401 - fixtures
    catalog_fixture,
    customer_fixture,
    t0_fixture,
)


def _pages(list_fn, **params):
    pages, cursor = [], None
    while True:
        page = list_fn(params={"limit": 2, **params, **({"starting_after": cursor} if cursor else {})})
        pages.append([o.id for o in page.data])
        if not page.has_more:
            return pages
        cursor = page.data[-1].id


def _subscribe(client, customer, price):
    return client.v1.subscriptions.create(params={"customer": customer.id,
                                                  "items": [{"price": price.id}]})


@pytest.fixture
def two_customers_subscribed(stripe_client, customer, catalog):
    """Five subscriptions, alternating between two customers, the second one canceled."""
    other = stripe_client.v1.customers.create(params={"name": "Other"})
    subs = [_subscribe(stripe_client, (customer, other)[i % 2], catalog["monthly"])
            for i in range(5)]
    stripe_client.v1.subscriptions.cancel(subs[1].id)
    return customer, other, subs


def test_filtered_list_pages_through_matches_only(stripe_client, two_customers_subscribed):
    customer, _, subs = two_customers_subscribed
    pages = _pages(stripe_client.v1.subscriptions.list, customer=customer.id)
    assert pages == [[subs[4].id, subs[2].id], [subs[0].id]]


def test_default_status_filter_skips_canceled_while_paging(stripe_client,
                                                          two_customers_subscribed):
    _, _, subs = two_customers_subscribed
    pages = _pages(stripe_client.v1.subscriptions.list)
    assert pages == [[subs[4].id, subs[3].id], [subs[2].id, subs[0].id]]


def test_has_more_is_false_when_the_page_ends_exactly_at_the_last_match(
        stripe_client, two_customers_subscribed):
    customer, _, subs = two_customers_subscribed
    page = stripe_client.v1.subscriptions.list(params={"customer": customer.id, "limit": 3})
    assert [s.id for s in page.data] == [subs[4].id, subs[2].id, subs[0].id]
    assert page.has_more is False


def test_ending_before_on_a_filtered_list(stripe_client, two_customers_subscribed):
    customer, _, subs = two_customers_subscribed
    page = stripe_client.v1.subscriptions.list(
        params={"customer": customer.id, "limit": 1, "ending_before": subs[0].id})
    assert [s.id for s in page.data] == [subs[2].id]
    assert page.has_more is True


def test_cursor_outside_the_filter_is_missing(stripe_client, two_customers_subscribed):
    customer, _, subs = two_customers_subscribed
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscriptions.list(params={"customer": customer.id,
                                                    "starting_after": subs[3].id})
    assert (exc.value.code, exc.value.param) == ("resource_missing", "starting_after")


def test_cursors_follow_creates_and_deletes(stripe_client):
    made = [stripe_client.v1.customers.create(params={"name": f"C{i}"}) for i in range(5)]
    stripe_client.v1.customers.list(params={"limit": 2, "starting_after": made[4].id})
    stripe_client.v1.customers.delete(made[2].id)
    newest = stripe_client.v1.customers.create(params={"name": "C5"})
    after = stripe_client.v1.customers.list(params={"limit": 2, "starting_after": made[3].id})
    assert [c.id for c in after.data] == [made[1].id, made[0].id]
    assert after.has_more is False
    first = stripe_client.v1.customers.list(params={"limit": 1})
    assert [c.id for c in first.data] == [newest.id]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.list(params={"starting_after": made[2].id})


def test_expanded_list_renders_as_retrieve_does(stripe_client, customer, catalog):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 20, "duration": "forever"})
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": catalog["monthly"].id}],
        "discounts": [{"coupon": coupon.id}]})
    expand = ["discounts.source.coupon"]
    listed = stripe_client.v1.subscriptions.list(params={"expand": [f"data.{e}" for e in expand]})
    retrieved = stripe_client.v1.subscriptions.retrieve(sub.id, params={"expand": expand})
    assert listed.data[0].to_dict() == retrieved.to_dict()
    assert listed.data[0].discounts[0].source.coupon.percent_off == 20


def test_listed_customers_each_get_their_own_tax_ids(stripe_client):
    a = stripe_client.v1.customers.create(
        params={"tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}]})
    b = stripe_client.v1.customers.create()
    stripe_client.v1.customers.tax_ids.create(a.id, params={"type": "eu_vat",
                                                            "value": "FR12345678901"})
    listed = stripe_client.v1.customers.list(params={"expand": ["data.tax_ids"]})
    by_id = {c.id: [t.value for t in c.tax_ids.data] for c in listed.data}
    assert by_id == {a.id: ["FR12345678901", "DE123456789"], b.id: []}


def _invoice_at(stripe_emulator, client, customer, when):
    stripe_emulator.set_time(when, frozen=True)
    return client.v1.invoices.create(params={"customer": customer.id, "collection_method": "send_invoice",
                                             "days_until_due": 30}).id


def test_a_created_range_lists_its_invoices_only(stripe_client, stripe_emulator, customer, t0):
    made = [_invoice_at(stripe_emulator, stripe_client, customer, t0 + 10 * i) for i in range(6)]
    listed = _pages(stripe_client.v1.invoices.list, created={"gte": t0 + 10, "lt": t0 + 40})
    assert sum(listed, []) == [made[3], made[2], made[1]]


def test_a_created_range_finds_an_invoice_made_after_the_clock_went_back(stripe_client, stripe_emulator, customer,
                                                                         t0):
    """Newest first is then not `created` order: an older invoice further down the list is still found."""
    made = [_invoice_at(stripe_emulator, stripe_client, customer, t0 + 10 * i) for i in range(3)]
    back = _invoice_at(stripe_emulator, stripe_client, customer, t0 - 100)
    later = _invoice_at(stripe_emulator, stripe_client, customer, t0 + 5)
    listed = _pages(stripe_client.v1.invoices.list, created={"gte": t0})
    assert sum(listed, []) == [later, made[2], made[1], made[0]]
    assert back not in sum(listed, [])
