"""Updating an active schedule's phases: the current phase changes the live subscription at
once (items, discounts, metadata), past phases cannot change, the current phase keeps its
start date."""

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


def items(catalog, **quantities):
    return [{"price": catalog["monthly"].id, "quantity": quantities.get("monthly", 1)},
            {"price": catalog["overage"].id}]


def enterprise(client, customer, catalog, t0, **phase):
    """An active one-year schedule (monthly fee + metered overage), started at t0."""
    return client.v1.subscription_schedules.create(params={
        "customer": customer.id, "start_date": "now", "phases": [{
            "items": items(catalog), "end_date": at(2032, 1, 15),
            "collection_method": "send_invoice", "invoice_settings": {"days_until_due": 30},
            "metadata": {"contract": "C-7"}, **phase}]})


def current(schedule, catalog, **phase):
    """The app's update: the current phase repeated with its own dates and prices."""
    return {"start_date": schedule.current_phase.start_date,
            "end_date": schedule.current_phase.end_date, "items": items(catalog),
            "collection_method": "send_invoice", "invoice_settings": {"days_until_due": 30},
            "metadata": {"contract": "C-7"}, **phase}


@pytest.fixture
def credit(stripe_client):
    return stripe_client.v1.coupons.create(params={
        "id": "CREDIT-500", "amount_off": 500, "currency": "usd", "duration": "forever"})


def test_coupon_on_the_current_phase_becomes_the_subscription_discount(
        stripe_client, stripe_emulator, customer, catalog, t0, credit):
    s = enterprise(stripe_client, customer, catalog, t0)
    before = stripe_client.v1.subscriptions.retrieve(s.subscription)
    updated = stripe_client.v1.subscription_schedules.update(s.id, params={
        "phases": [current(s, catalog, discounts=[{"coupon": credit.id}])],
        "proration_behavior": "none"})
    assert (updated.status, updated.current_phase.start_date) == ("active", t0)
    assert [d.coupon for d in updated.phases[0].discounts] == [credit.id]
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription,
                                                  params={"expand": ["discounts"]})
    [discount] = sub.discounts
    assert (discount.source.coupon, discount.subscription) == (credit.id, sub.id)
    assert [i.id for i in sub["items"].data] == [i.id for i in before["items"].data]
    assert sub["items"].data[0].current_period_start == t0
    assert sub.metadata["contract"] == "C-7"
    updates = [e for e in stripe_emulator.state.collection("event").values()
               if e["type"] == "customer.subscription.updated"]
    assert updates[-1]["data"]["previous_attributes"] == {"discounts": []}
    assert "subscription_schedule.updated" in event_types(stripe_emulator)
    stripe_emulator.advance(at(2031, 2, 15) - t0)  # the monthly renewal carries the discount
    renewal = invoices(stripe_client, customer)[-1]
    assert (renewal.billing_reason, renewal.subtotal, renewal.total) == (
        "subscription_cycle", 5_000, 4_500)


def test_removing_the_coupon_and_naming_it_again(stripe_client, customer, catalog, t0,
                                                 credit):
    s = enterprise(stripe_client, customer, catalog, t0)
    update = stripe_client.v1.subscription_schedules.update
    update(s.id, params={"phases": [current(s, catalog, discounts=[{"coupon": credit.id}])]})
    first = stripe_client.v1.subscriptions.retrieve(s.subscription).discounts
    update(s.id, params={"phases": [current(s, catalog, discounts=[{"coupon": credit.id}])],
                         "metadata": {"note": "same coupon again"}})
    assert stripe_client.v1.subscriptions.retrieve(s.subscription).discounts == first
    assert stripe_client.v1.coupons.retrieve(credit.id).times_redeemed == 1
    cleared = update(s.id, params={"phases": [current(s, catalog, discounts="")]})
    assert cleared.phases[0].discounts == []
    assert stripe_client.v1.subscriptions.retrieve(s.subscription).discounts == []
    update(s.id, params={"phases": [current(s, catalog, discounts=[{"coupon": credit.id}])]})
    assert stripe_client.v1.coupons.retrieve(credit.id).times_redeemed == 2


def test_items_quantities_and_metadata_change_at_once(stripe_client, customer, catalog, t0):
    s = enterprise(stripe_client, customer, catalog, t0)
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription)
    monthly, overage = sub["items"].data
    stripe_client.v1.subscription_schedules.update(s.id, params={"phases": [current(
        s, catalog, items=[{"price": catalog["monthly"].id, "quantity": 3,
                            "metadata": {"seats": "3"}},
                           {"price": catalog["annual"].id}],
        metadata={"contract": "C-8"})]})
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription)
    assert [(i.price.id, i.quantity) for i in sub["items"].data] == [
        (catalog["monthly"].id, 3), (catalog["annual"].id, 1)]
    assert sub["items"].data[0].id == monthly.id
    assert sub["items"].data[0].metadata.to_dict() == {"seats": "3"}
    assert overage.id not in {i.id for i in sub["items"].data}
    assert (sub["items"].data[1].current_period_start,
            sub["items"].data[1].current_period_end) == (t0, at(2032, 1, 15))
    assert sub.metadata["contract"] == "C-8"
    assert len(invoices(stripe_client, customer)) == 1  # behaves as proration_behavior=none


def test_current_phase_keeps_its_start_date(stripe_client, stripe_emulator, customer,
                                            catalog, t0):
    s = enterprise(stripe_client, customer, catalog, t0)
    stripe_emulator.advance(DAY)
    for start in (t0 + 1, "now"):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            stripe_client.v1.subscription_schedules.update(s.id, params={
                "phases": [current(s, catalog, start_date=start)]})
        assert exc.value.user_message == \
            "You can not modify the start date of the current phase."
        assert exc.value.param == "phases[0][start_date]"
    no_anchor = current(s, catalog)
    del no_anchor["start_date"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscription_schedules.update(s.id, params={"phases": [no_anchor]})
    assert "missing at least one phase with a `start_date`" in exc.value.user_message


def test_current_phase_end_can_move_and_a_phase_can_follow(stripe_client, stripe_emulator,
                                                            customer, catalog, t0):
    s = enterprise(stripe_client, customer, catalog, t0)
    updated = stripe_client.v1.subscription_schedules.update(s.id, params={"phases": [
        current(s, catalog, end_date=at(2031, 3, 15)),
        {"items": items(catalog, monthly=2), "end_date": at(2031, 6, 15),
         "collection_method": "send_invoice", "invoice_settings": {"days_until_due": 30}}]})
    assert updated.current_phase.end_date == at(2031, 3, 15)
    assert [(p.start_date, p.end_date) for p in updated.phases] == [
        (t0, at(2031, 3, 15)), (at(2031, 3, 15), at(2031, 6, 15))]
    stripe_emulator.advance(at(2031, 3, 15) - t0)
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription)
    assert sub["items"].data[0].quantity == 2


def test_past_phases_cannot_change(stripe_client, stripe_emulator, customer, catalog, t0):
    first = {"items": items(catalog), "end_date": at(2031, 2, 15),
             "collection_method": "send_invoice", "invoice_settings": {"days_until_due": 30}}
    second = dict(first, items=items(catalog, monthly=2), end_date=at(2031, 6, 15))
    s = stripe_client.v1.subscription_schedules.create(params={
        "customer": customer.id, "start_date": "now", "phases": [first, second]})
    stripe_emulator.advance(at(2031, 3, 1) - t0)
    s = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert s.current_phase.start_date == at(2031, 2, 15)
    now_phase = dict(second, start_date=at(2031, 2, 15), items=items(catalog, monthly=4))
    update = stripe_client.v1.subscription_schedules.update
    with pytest.raises(stripe.InvalidRequestError) as exc:
        update(s.id, params={"phases": [dict(first, start_date=t0, items=items(
            catalog, monthly=9)), now_phase]})
    assert (exc.value.user_message, exc.value.param) == (
        "You can not update a phase that has already ended.", "phases[0]")
    repeated = update(s.id, params={"phases": [dict(first, start_date=t0), now_phase]})
    omitted = update(s.id, params={"phases": [now_phase]})
    for schedule in (repeated, omitted):
        assert [(p.start_date, p["items"][0].quantity) for p in schedule.phases] == [
            (t0, 1), (at(2031, 2, 15), 4)]
    assert stripe_client.v1.subscriptions.retrieve(s.subscription)["items"].data[0].quantity == 4


def test_not_started_schedule_still_takes_any_phases(stripe_client, customer, catalog, t0):
    s = stripe_client.v1.subscription_schedules.create(params={
        "customer": customer.id, "start_date": at(2031, 3, 1),
        "phases": [{"items": items(catalog), "duration": {"interval": "month"}}]})
    updated = stripe_client.v1.subscription_schedules.update(s.id, params={
        "phases": [{"items": items(catalog), "start_date": at(2031, 4, 1),
                    "duration": {"interval": "year"}}]})
    assert (updated.status, updated.phases[0].start_date) == ("not_started", at(2031, 4, 1))


def test_a_coupon_that_cannot_be_redeemed_changes_nothing(stripe_client, customer, catalog,
                                                          t0):
    used = stripe_client.v1.coupons.create(params={"percent_off": 10, "duration": "forever",
                                                   "max_redemptions": 1})
    other = stripe_client.v1.customers.create(params={"name": "Other"})
    stripe_client.v1.invoices.create(params={"customer": other.id,
                                             "discounts": [{"coupon": used.id}]})
    s = enterprise(stripe_client, customer, catalog, t0)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.subscription_schedules.update(s.id, params={"phases": [current(
            s, catalog, items=items(catalog, monthly=5), discounts=[{"coupon": used.id}])]})
    assert (exc.value.code, exc.value.param) == ("coupon_expired",
                                                 "phases[0][discounts][0][coupon]")
    after = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert after.phases[0]["items"][0].quantity == 1
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription)
    assert (sub["items"].data[0].quantity, sub.discounts) == (1, [])
