"""`/v1/subscription_items`: add, retrieve, change, remove and list one subscription's items;
the subscription shows every change and keeps billing metered items."""

import pytest
import stripe

from .billing_fixtures import (  # noqa: F401 - fixtures
    DAY,
    at,
    catalog_fixture,
    customer_fixture,
    event_types,
    invoices,
    t0_fixture,
    usage,
)


@pytest.fixture
def sub(stripe_client, customer, catalog):
    return stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": catalog["monthly"].id}]})


def items_of(client, sub_id):
    return client.v1.subscriptions.retrieve(sub_id)["items"].data


def test_add_a_metered_price_and_bill_its_usage(stripe_client, stripe_emulator, customer,
                                                catalog, sub, t0):
    stripe_emulator.advance(5 * DAY)
    item = stripe_client.v1.subscription_items.create(params={
        "subscription": sub.id, "price": catalog["overage"].id,
        "proration_behavior": "none", "metadata": {"kind": "overage"}})
    assert item.id.startswith("si_") and item.object == "subscription_item"
    assert (item.subscription, item.price.id, item.quantity) == (
        sub.id, catalog["overage"].id, None)
    assert (item.current_period_start, item.current_period_end) == (t0 + 5 * DAY,
                                                                   at(2031, 2, 15))
    assert item.metadata["kind"] == "overage"
    assert [i.id for i in items_of(stripe_client, sub.id)] == [sub["items"].data[0].id,
                                                               item.id]
    updated = [e for e in stripe_emulator.state.collection("event").values()
               if e["type"] == "customer.subscription.updated"]
    assert len(updated[-1]["data"]["object"]["items"]["data"]) == 2
    usage(stripe_client, customer, 1500, t0 + 5 * DAY + 60)
    stripe_emulator.advance(at(2031, 2, 15) - t0 - 5 * DAY)
    renewal = invoices(stripe_client, customer)[-1]
    assert sorted((ln.pricing.price_details.price, ln.amount)
                  for ln in renewal.lines.data) == sorted([
                      (catalog["monthly"].id, 5_000), (catalog["overage"].id, 100 + 250)])


def test_create_rules(stripe_client, catalog, sub):
    create = stripe_client.v1.subscription_items.create
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create(params={"subscription": sub.id, "price": catalog["monthly"].id})
    assert exc.value.param == "price"  # already on the subscription
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create(params={"subscription": sub.id, "price": catalog["overage"].id, "quantity": 2})
    assert exc.value.param == "quantity"  # metered
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create(params={"subscription": "sub_missing", "price": catalog["annual"].id})
    assert (exc.value.code, exc.value.param) == ("resource_missing", "subscription")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create(params={"price": catalog["annual"].id})
    assert (exc.value.code, exc.value.param) == ("parameter_missing", "subscription")


def test_retrieve_update_and_list(stripe_client, stripe_emulator, customer, catalog, sub):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 20, "duration": "forever"})
    item_id = sub["items"].data[0].id
    assert stripe_client.v1.subscription_items.retrieve(item_id).price.id == \
        catalog["monthly"].id
    changed = stripe_client.v1.subscription_items.update(item_id, params={
        "quantity": 4, "metadata": {"seats": "4"}, "discounts": [{"coupon": coupon.id}],
        "proration_behavior": "create_prorations"})
    assert (changed.id, changed.quantity, changed.metadata["seats"]) == (item_id, 4, "4")
    assert len(changed.discounts) == 1
    [seen] = items_of(stripe_client, sub.id)
    assert (seen.quantity, seen.discounts) == (4, changed.discounts)
    swapped = stripe_client.v1.subscription_items.update(item_id, params={
        "price": catalog["annual"].id, "discounts": ""})
    assert (swapped.id, swapped.price.id, swapped.quantity, swapped.discounts) == (
        item_id, catalog["annual"].id, 4, [])
    extra = stripe_client.v1.subscription_items.create(params={
        "subscription": sub.id, "price": catalog["monthly"].id, "quantity": 2})
    listed = stripe_client.v1.subscription_items.list(params={"subscription": sub.id})
    assert [i.id for i in listed.data] == [item_id, extra.id]
    assert listed.url == "/v1/subscription_items"
    page = stripe_client.v1.subscription_items.list(params={"subscription": sub.id,
                                                            "limit": 1})
    assert ([i.id for i in page.data], page.has_more) == ([item_id], True)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscription_items.retrieve("si_missing")
    assert exc.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscription_items.list(params={})
    assert exc.value.param == "subscription"


def test_delete_and_the_last_item(stripe_client, stripe_emulator, catalog, sub):
    extra = stripe_client.v1.subscription_items.create(params={
        "subscription": sub.id, "price": catalog["overage"].id})
    gone = stripe_client.v1.subscription_items.delete(extra.id, params={
        "proration_behavior": "none"})
    assert (gone.id, gone.object, gone.deleted) == (extra.id, "subscription_item", True)
    assert [i.id for i in items_of(stripe_client, sub.id)] == [sub["items"].data[0].id]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscription_items.retrieve(extra.id)
    assert exc.value.code == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscription_items.delete(sub["items"].data[0].id)
    assert exc.value.user_message.startswith(
        "A subscription must have at least one active plan.")
    assert len(items_of(stripe_client, sub.id)) == 1


def test_canceled_subscription_items_do_not_change(stripe_client, catalog, sub):
    stripe_client.v1.subscriptions.cancel(sub.id)
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscription_items.update(sub["items"].data[0].id,
                                                   params={"quantity": 2})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscription_items.create(params={
            "subscription": sub.id, "price": catalog["annual"].id})
