"""Subscription schedules: future start, `duration` terms, start on the emulator clock with a
real subscription and its first invoice, phase changes, release, cancel."""

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


def phase(catalog, months=12, **extra):
    return {"items": [{"price": catalog["annual"].id, "metadata": {"line": "up-front"}},
                      {"price": catalog["overage"].id}],
            "duration": {"interval": "month", "interval_count": months},
            "collection_method": "send_invoice", "invoice_settings": {"days_until_due": 30},
            "metadata": {"contract": "C-42"}, **extra}


def schedule(client, customer, start, phases, **params):
    return client.v1.subscription_schedules.create(params={
        "customer": customer.id, "start_date": start, "phases": phases, **params})


def test_future_start_is_not_started(stripe_client, stripe_emulator, customer, catalog, t0):
    s = schedule(stripe_client, customer, at(2031, 3, 1), [phase(catalog)])
    assert s.id.startswith("sub_sched_")
    assert (s.status, s.subscription, s.current_phase, s.end_behavior) == (
        "not_started", None, None, "release")
    [p] = s.phases
    assert (p.start_date, p.end_date) == (at(2031, 3, 1), at(2032, 3, 1))
    assert [i.price for i in p["items"]] == [catalog["annual"].id, catalog["overage"].id]
    assert p["items"][0].metadata["line"] == "up-front"
    assert (p.collection_method, p.invoice_settings.days_until_due) == ("send_invoice", 30)
    assert invoices(stripe_client, customer) == []
    assert event_types(stripe_emulator, "subscription_schedule") == [
        "subscription_schedule.created"]


@pytest.mark.parametrize("months, end", [(12, (2032, 3, 1)), (18, (2032, 9, 1)),
                                         (24, (2033, 3, 1)), (36, (2034, 3, 1))])
def test_duration_in_months(stripe_client, customer, catalog, t0, months, end):
    s = schedule(stripe_client, customer, at(2031, 3, 1), [phase(catalog, months)])
    assert s.phases[0].end_date == at(*end)


def test_iterations_is_rejected(stripe_client, customer, catalog, t0):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        schedule(stripe_client, customer, at(2031, 3, 1),
                 [{"items": [{"price": catalog["annual"].id}], "iterations": 2}])
    assert (exc.value.code, exc.value.param) == ("parameter_unknown", "phases[0][iterations]")


def test_duration_and_end_date_are_exclusive(stripe_client, stripe_emulator, customer,
                                             catalog, t0):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        schedule(stripe_client, customer, at(2031, 3, 1),
                 [phase(catalog, end_date=at(2032, 3, 1))])
    assert exc.value.code == "parameters_exclusive"
    assert not stripe_emulator.state.collection("subscription_schedule")


def test_send_invoice_phase_needs_days_until_due(stripe_client, customer, catalog, t0):
    bad = phase(catalog)
    del bad["invoice_settings"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        schedule(stripe_client, customer, at(2031, 3, 1), [bad])
    assert exc.value.param == "phases[0][invoice_settings][days_until_due]"


def test_start_when_the_clock_passes(stripe_client, stripe_emulator, customer, catalog, t0):
    coupon = stripe_client.v1.coupons.create(params={"percent_off": 10, "duration": "forever"})
    start = at(2031, 3, 1)
    s = schedule(stripe_client, customer, start,
                 [phase(catalog, discounts=[{"coupon": coupon.id}])])
    stripe_emulator.advance(start - t0 - 1)
    assert stripe_client.v1.subscription_schedules.retrieve(s.id).status == "not_started"
    stripe_emulator.advance(1)
    s = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert (s.status, s.current_phase.start_date, s.current_phase.end_date) == (
        "active", start, at(2032, 3, 1))
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription)
    assert (sub.schedule, sub.status, sub.start_date) == (s.id, "active", start)
    assert (sub.collection_method, sub.days_until_due) == ("send_invoice", 30)
    assert sub.metadata["contract"] == "C-42"
    assert [i.price.id for i in sub["items"].data] == [catalog["annual"].id,
                                                       catalog["overage"].id]
    assert sub["items"].data[0].metadata["line"] == "up-front"
    [first] = invoices(stripe_client, customer)
    assert (first.status, first.billing_reason) == ("open", "subscription_create")
    assert first.parent.subscription_details.subscription == sub.id
    assert (first.subtotal, first.total, first.due_date) == (1_200_000, 1_080_000,
                                                             start + 30 * DAY)
    assert event_types(stripe_emulator, "subscription_schedule") == [
        "subscription_schedule.created", "subscription_schedule.updated"]
    assert "customer.subscription.created" in event_types(stripe_emulator)


def test_start_now(stripe_client, customer, catalog, t0):
    s = schedule(stripe_client, customer, "now", [phase(catalog)])
    assert s.status == "active" and s.current_phase.start_date == t0
    assert len(invoices(stripe_client, customer)) == 1


def test_phase_change_and_release(stripe_client, stripe_emulator, customer, catalog, t0):
    start = at(2031, 3, 1)
    later = dict(phase(catalog, 1), items=[{"price": catalog["monthly"].id, "quantity": 2},
                                           {"price": catalog["overage"].id}])
    s = schedule(stripe_client, customer, start, [phase(catalog, 12), later])
    stripe_emulator.advance(start - t0)
    sub_id = stripe_client.v1.subscription_schedules.retrieve(s.id).subscription
    usage(stripe_client, customer, 1001, start + 10)
    stripe_emulator.advance(at(2032, 3, 1) - start)
    s = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert s.current_phase.start_date == at(2032, 3, 1)
    sub = stripe_client.v1.subscriptions.retrieve(sub_id)
    metered = [i for i in sub["items"].data if i.price.id == catalog["overage"].id][0]
    assert [(i.price.id, i.quantity) for i in sub["items"].data] == [
        (catalog["monthly"].id, 2), (catalog["overage"].id, None)]
    assert metered.current_period_start == at(2032, 3, 1)
    switch = invoices(stripe_client, customer)[-1]
    assert switch.period_end == at(2032, 3, 1)
    assert sorted(ln.amount for ln in switch.lines.data) == [0, 10_000]
    stripe_emulator.advance(at(2032, 4, 1) - at(2032, 3, 1))
    s = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert (s.status, s.released_subscription, s.subscription) == ("released", sub_id, None)
    assert s.released_at == at(2032, 4, 1)
    sub = stripe_client.v1.subscriptions.retrieve(sub_id)
    assert (sub.status, sub.schedule) == ("active", None)
    assert "subscription_schedule.released" in event_types(stripe_emulator)
    stripe_emulator.advance(31 * DAY)
    assert invoices(stripe_client, customer)[-1].period_end == at(2032, 5, 1)


def test_end_behavior_cancel_completes(stripe_client, stripe_emulator, customer, catalog, t0):
    s = schedule(stripe_client, customer, "now", [phase(catalog, 1)], end_behavior="cancel")
    stripe_emulator.advance(at(2031, 2, 15) - t0)
    s = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert (s.status, s.completed_at) == ("completed", at(2031, 2, 15))
    sub = stripe_client.v1.subscriptions.retrieve(s.subscription)
    assert (sub.status, sub.ended_at) == ("canceled", at(2031, 2, 15))
    assert event_types(stripe_emulator)[-2:] == ["customer.subscription.deleted",
                                                 "subscription_schedule.completed"]


def test_release_and_cancel_endpoints(stripe_client, stripe_emulator, customer, catalog, t0):
    active = schedule(stripe_client, customer, "now", [phase(catalog)])
    released = stripe_client.v1.subscription_schedules.release(active.id)
    assert (released.status, released.released_subscription) == ("released",
                                                                  active.subscription)
    assert stripe_client.v1.subscriptions.retrieve(active.subscription).schedule is None
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscription_schedules.cancel(active.id)
    other = stripe_client.v1.customers.create(params={"name": "Other"})
    running = schedule(stripe_client, other, "now", [phase(catalog)])
    canceled = stripe_client.v1.subscription_schedules.cancel(running.id)
    assert (canceled.status, canceled.canceled_at) == ("canceled", t0)
    assert stripe_client.v1.subscriptions.retrieve(running.subscription).status == "canceled"
    future = schedule(stripe_client, other, at(2031, 6, 1), [phase(catalog)])
    assert stripe_client.v1.subscription_schedules.cancel(future.id).status == "canceled"
    assert event_types(stripe_emulator, "subscription_schedule.c") == [
        "subscription_schedule.created", "subscription_schedule.created",
        "subscription_schedule.canceled", "subscription_schedule.created",
        "subscription_schedule.canceled"]


def test_update_phases_before_start(stripe_client, stripe_emulator, customer, catalog, t0):
    s = schedule(stripe_client, customer, at(2031, 3, 1), [phase(catalog)])
    updated = stripe_client.v1.subscription_schedules.update(s.id, params={
        "phases": [phase(catalog, 24)], "metadata": {"rev": "2"}})
    assert updated.phases[0].end_date == at(2033, 3, 1)
    assert updated.metadata["rev"] == "2"
    assert event_types(stripe_emulator, "subscription_schedule") == [
        "subscription_schedule.created", "subscription_schedule.updated"]


def test_list_by_customer(stripe_client, customer, catalog, t0):
    mine = schedule(stripe_client, customer, at(2031, 3, 1), [phase(catalog)])
    other = stripe_client.v1.customers.create(params={"name": "Other"})
    schedule(stripe_client, other, at(2031, 3, 1), [phase(catalog)])
    listed = stripe_client.v1.subscription_schedules.list(params={"customer": customer.id})
    assert [s.id for s in listed.data] == [mine.id]


def test_canceling_the_subscription_cancels_its_schedule(stripe_client, customer, catalog):
    s = schedule(stripe_client, customer, "now", [phase(catalog)])
    stripe_client.v1.subscriptions.cancel(s.subscription)
    assert stripe_client.v1.subscription_schedules.retrieve(s.id).status == "canceled"


def test_from_subscription(stripe_client, customer, catalog, t0):
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": customer.id, "items": [{"price": catalog["monthly"].id}]})
    s = stripe_client.v1.subscription_schedules.create(params={"from_subscription": sub.id})
    assert (s.status, s.subscription, s.customer) == ("active", sub.id, customer.id)
    assert (s.phases[0].start_date, s.phases[0].end_date) == (t0, at(2031, 2, 15))
    assert stripe_client.v1.subscriptions.retrieve(sub.id).schedule == s.id
