"""Subscriptions: mixed intervals, first and renewal invoices, price swaps, discounts,
trials, cancellation, listing and the events a webhook consumer sees."""

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


def subscribe(client, customer, *prices, **params):
    items = [{"price": p.id} for p in prices]
    return client.v1.subscriptions.create(params={"customer": customer.id, "items": items,
                                                  **params})


def test_mixed_intervals_in_flexible_mode(stripe_client, stripe_emulator, customer, catalog,
                                          t0):
    sub = subscribe(stripe_client, customer, catalog["annual"], catalog["overage"],
                    collection_method="send_invoice", days_until_due=30,
                    metadata={"contract": "C-1"})
    assert sub.id.startswith("sub_")
    assert (sub.status, sub.billing_mode.type, sub.currency) == ("active", "flexible", "usd")
    annual, overage = sub["items"].data
    assert (annual.current_period_start, annual.current_period_end) == (t0, at(2032, 1, 15))
    assert (overage.current_period_start, overage.current_period_end) == (t0, at(2031, 2, 15))
    assert annual.quantity == 1 and overage.quantity is None
    assert annual.price.id == catalog["annual"].id and annual.plan.interval == "year"
    [first] = invoices(stripe_client, customer)
    assert first.id == sub.latest_invoice
    assert (first.status, first.billing_reason, first.total) == ("open", "subscription_create",
                                                                 1_200_000)
    assert first.due_date == t0 + 30 * DAY
    assert first.parent.subscription_details.subscription == sub.id
    assert first.parent.subscription_details.metadata["contract"] == "C-1"
    [line] = first.lines.data
    assert (line.period.start, line.period.end) == (t0, at(2032, 1, 15))
    assert event_types(stripe_emulator, "customer.subscription") == [
        "customer.subscription.created"]


def test_classic_mode_refuses_mixed_intervals(stripe_client, customer, catalog):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        subscribe(stripe_client, customer, catalog["annual"], catalog["monthly"],
                  billing_mode={"type": "classic"})
    assert exc.value.param == "items"


@pytest.mark.parametrize("params, param", [
    ({"collection_method": "send_invoice"}, "days_until_due"),
    ({"days_until_due": 30}, "days_until_due"),
    ({"items": [{"price": "METERED", "quantity": 2}]}, "items[0][quantity]"),
    ({"items": [{"price": "ONE_OFF"}]}, "items[0][price]"),
    ({"items": [{"price": "ANNUAL"}, {"price": "ANNUAL"}]}, "items[1][price]"),
    ({"trial_end": 1}, "trial_end"),
])
def test_invalid_subscriptions(stripe_client, stripe_emulator, customer, catalog, params,
                               param):
    one_off = stripe_client.v1.prices.create(params={
        "product": catalog["product"].id, "currency": "usd", "unit_amount": 100})
    ids = {"METERED": catalog["overage"].id, "ONE_OFF": one_off.id,
           "ANNUAL": catalog["annual"].id}
    for item in params.get("items", ()):
        item["price"] = ids[item["price"]]
    params.setdefault("items", [{"price": catalog["annual"].id}])
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscriptions.create(params={"customer": customer.id, **params})
    assert exc.value.param == param
    assert not stripe_emulator.state.collection("subscription")


def test_renewal_bills_usage_in_arrears_through_tiers(stripe_client, stripe_emulator,
                                                      customer, catalog, t0):
    sub = subscribe(stripe_client, customer, catalog["monthly"], catalog["overage"],
                    collection_method="send_invoice", days_until_due=15)
    stripe_emulator.advance(2 * DAY)
    usage(stripe_client, customer, 2500, t0 + DAY)
    usage(stripe_client, customer, 501, t0 + 2 * DAY)
    stripe_emulator.advance(29 * DAY)
    first, renewal = invoices(stripe_client, customer)
    assert first.total == 5_000
    assert (renewal.billing_reason, renewal.status) == ("subscription_cycle", "draft")
    fee, metered = renewal.lines.data
    assert (fee.amount, fee.period.start, fee.period.end) == (5_000, at(2031, 2, 15),
                                                              at(2031, 3, 15))
    # 3001 units: 1000 free, then 2001 x $0.005 + $1.00 flat = 1100.5 cents
    assert (metered.quantity, metered.amount) == (3001, 1101)
    assert (metered.period.start, metered.period.end) == (t0, at(2031, 2, 15))
    assert renewal.total == 6_101
    stripe_emulator.advance(3600)
    assert stripe_client.v1.invoices.retrieve(renewal.id).status == "open"
    item = stripe_client.v1.subscriptions.retrieve(sub.id)["items"].data[0]
    assert (item.current_period_start, item.current_period_end) == (at(2031, 2, 15),
                                                                    at(2031, 3, 15))


def test_update_price_without_proration(stripe_client, stripe_emulator, customer, catalog):
    sub = subscribe(stripe_client, customer, catalog["monthly"])
    dearer = stripe_client.v1.prices.create(params={
        "product": catalog["product"].id, "currency": "usd", "unit_amount": 9_000,
        "recurring": {"interval": "month"}})
    item = sub["items"].data[0]
    updated = stripe_client.v1.subscriptions.update(sub.id, params={
        "items": [{"id": item.id, "price": dearer.id}], "proration_behavior": "none"})
    [same] = updated["items"].data
    assert (same.id, same.price.id) == (item.id, dearer.id)
    assert same.current_period_end == item.current_period_end
    assert len(invoices(stripe_client, customer)) == 1
    event = list(stripe_emulator.state.collection("event").values())[-1]
    assert event["type"] == "customer.subscription.updated"
    previous = event["data"]["previous_attributes"]["items"]["data"][0]
    assert previous["price"]["id"] == catalog["monthly"].id
    stripe_emulator.advance(31 * DAY)
    assert invoices(stripe_client, customer)[-1].total == 9_000


def test_add_and_delete_items(stripe_client, customer, catalog):
    sub = subscribe(stripe_client, customer, catalog["monthly"])
    item = sub["items"].data[0]
    grown = stripe_client.v1.subscriptions.update(sub.id, params={
        "items": [{"price": catalog["overage"].id}, {"id": item.id, "quantity": 3}]})
    assert [(i.price.id, i.quantity) for i in grown["items"].data] == [
        (catalog["monthly"].id, 3), (catalog["overage"].id, None)]
    shrunk = stripe_client.v1.subscriptions.update(sub.id, params={
        "items": [{"id": item.id, "deleted": True}]})
    assert [i.price.id for i in shrunk["items"].data] == [catalog["overage"].id]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscriptions.update(sub.id, params={
            "items": [{"id": "si_missing", "quantity": 2}]})
    assert exc.value.param == "items[0][id]"


def test_discounts_apply_to_invoices_and_can_be_cleared(stripe_client, stripe_emulator,
                                                       customer, catalog):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 20, "duration": "forever"})
    sub = subscribe(stripe_client, customer, catalog["monthly"],
                    discounts=[{"coupon": coupon.id}])
    assert len(sub.discounts) == 1 and sub.discounts[0].startswith("di_")
    [first] = invoices(stripe_client, customer)
    assert (first.subtotal, first.total) == (5_000, 4_000)
    cleared = stripe_client.v1.subscriptions.update(sub.id, params={"discounts": ""})
    assert cleared.discounts == []
    stripe_emulator.advance(31 * DAY)
    assert invoices(stripe_client, customer)[-1].total == 5_000


def test_trial_period(stripe_client, stripe_emulator, customer, catalog, t0):
    sub = subscribe(stripe_client, customer, catalog["monthly"], trial_period_days=14)
    assert (sub.status, sub.trial_start, sub.trial_end) == ("trialing", t0, t0 + 14 * DAY)
    assert sub["items"].data[0].current_period_end == t0 + 14 * DAY
    [trial] = invoices(stripe_client, customer)
    assert (trial.total, trial.status) == (0, "paid")
    assert trial.lines.data[0].description.startswith("Trial period for")
    stripe_emulator.advance(14 * DAY)
    sub = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert (sub.status, sub.billing_cycle_anchor) == ("active", t0 + 14 * DAY)
    first_paid = invoices(stripe_client, customer)[-1]
    assert (first_paid.total, first_paid.status) == (5_000, "paid")  # charged like a test card


def test_cancel(stripe_client, stripe_emulator, customer, catalog, t0):
    sub = subscribe(stripe_client, customer, catalog["monthly"], catalog["overage"])
    usage(stripe_client, customer, 1500, t0 + 60)
    stripe_emulator.advance(DAY)
    canceled = stripe_client.v1.subscriptions.cancel(sub.id, params={"invoice_now": True})
    assert (canceled.status, canceled.canceled_at, canceled.ended_at) == (
        "canceled", t0 + DAY, t0 + DAY)
    final = invoices(stripe_client, customer)[-1]
    assert [(ln.quantity, ln.amount) for ln in final.lines.data] == [(1500, 350)]
    assert event_types(stripe_emulator, "customer.subscription") == [
        "customer.subscription.created", "customer.subscription.deleted"]
    assert stripe_client.v1.subscriptions.list(params={"customer": customer.id}).data == []
    listed = stripe_client.v1.subscriptions.list(params={"customer": customer.id,
                                                         "status": "all"}).data
    assert [s.id for s in listed] == [sub.id]
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.cancel(sub.id)
    stripe_emulator.advance(60 * DAY)
    assert len(invoices(stripe_client, customer)) == 2


def test_list_filters(stripe_client, customer, catalog):
    a = subscribe(stripe_client, customer, catalog["monthly"])
    other = stripe_client.v1.customers.create(params={"name": "Other"})
    b = subscribe(stripe_client, other, catalog["annual"])
    assert [s.id for s in stripe_client.v1.subscriptions.list(
        params={"customer": customer.id}).data] == [a.id]
    assert [s.id for s in stripe_client.v1.subscriptions.list(
        params={"price": catalog["annual"].id}).data] == [b.id]
    assert [s.id for s in stripe_client.v1.subscriptions.list(
        params={"status": "active"}).data] == [b.id, a.id]


def test_cancel_at_period_end(stripe_client, stripe_emulator, customer, catalog, t0):
    sub = subscribe(stripe_client, customer, catalog["monthly"])
    updated = stripe_client.v1.subscriptions.update(sub.id,
                                                    params={"cancel_at_period_end": True})
    assert updated.cancel_at == at(2031, 2, 15)
    stripe_emulator.advance(40 * DAY)
    ended = stripe_client.v1.subscriptions.retrieve(sub.id)
    assert (ended.status, ended.ended_at) == ("canceled", at(2031, 2, 15))
    assert len(invoices(stripe_client, customer)) == 1


def test_deleting_the_customer_cancels_its_subscriptions(stripe_client, stripe_emulator,
                                                         customer, catalog):
    sub = subscribe(stripe_client, customer, catalog["monthly"])
    stripe_client.v1.customers.delete(customer.id)
    assert stripe_client.v1.subscriptions.retrieve(sub.id).status == "canceled"
    assert event_types(stripe_emulator)[-2:] == ["customer.deleted",
                                                 "customer.subscription.deleted"]
    stripe_emulator.advance(40 * DAY)
    assert stripe_client.v1.invoices.list(params={"customer": customer.id}).data[0].id == \
        sub.latest_invoice
