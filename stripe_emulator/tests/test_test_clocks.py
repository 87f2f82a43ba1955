"""Test clocks: a customer's subscriptions and schedules follow its clock, not the emulator's."""

import pytest
import stripe

from .billing_fixtures import (  # noqa: F401 - fixtures
    DAY,
    at,
    catalog_fixture,
    event_types,
    invoices,
    t0_fixture,
)


@pytest.fixture
def clock(stripe_client, t0):
    return stripe_client.v1.test_helpers.test_clocks.create(params={
        "frozen_time": at(2030, 6, 1), "name": "term rehearsal"})


@pytest.fixture
def clocked(stripe_client, clock):
    return stripe_client.v1.customers.create(params={"name": "Clocked",
                                                     "test_clock": clock.id})


def test_clock_crud(stripe_client, stripe_emulator, clock, t0):
    assert clock.id.startswith("clock_")
    assert (clock.status, clock.frozen_time, clock.name) == ("ready", at(2030, 6, 1),
                                                             "term rehearsal")
    assert clock.deletes_after == t0 + 30 * DAY
    assert stripe_client.v1.test_helpers.test_clocks.retrieve(clock.id).id == clock.id
    assert [c.id for c in stripe_client.v1.test_helpers.test_clocks.list().data] == [clock.id]
    assert stripe_client.v1.test_helpers.test_clocks.delete(clock.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert exc.value.code == "resource_missing"


def test_subscription_lives_at_clock_time(stripe_client, stripe_emulator, clock, clocked,
                                          catalog):
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": clocked.id, "items": [{"price": catalog["monthly"].id}]})
    assert (sub.test_clock, sub.start_date) == (clock.id, at(2030, 6, 1))
    assert sub["items"].data[0].current_period_end == at(2030, 7, 1)
    stripe_emulator.advance(90 * DAY)  # the emulator clock does not move the test clock
    assert len(invoices(stripe_client, clocked)) == 1
    with pytest.raises(stripe.InvalidRequestError) as exc:  # > two monthly intervals
        stripe_client.v1.test_helpers.test_clocks.advance(
            clock.id, params={"frozen_time": at(2030, 8, 1) + 1})
    assert exc.value.param == "frozen_time"
    advanced = stripe_client.v1.test_helpers.test_clocks.advance(
        clock.id, params={"frozen_time": at(2030, 8, 1)})
    assert (advanced.status, advanced.frozen_time) == ("advancing", at(2030, 6, 1))
    assert advanced.status_details.advancing.target_frozen_time == at(2030, 8, 1)
    stripe_client.v1.test_helpers.test_clocks.advance(
        clock.id, params={"frozen_time": at(2030, 9, 1) + 7200})
    ready = stripe_client.v1.test_helpers.test_clocks.retrieve(clock.id)
    assert (ready.status, ready.frozen_time) == ("ready", at(2030, 9, 1) + 7200)
    bills = invoices(stripe_client, clocked)
    assert [(i.created, i.status, i.total) for i in bills] == [
        (at(2030, 6, 1), "paid", 5_000), (at(2030, 7, 1), "paid", 5_000),
        (at(2030, 8, 1), "paid", 5_000), (at(2030, 9, 1), "paid", 5_000)]
    assert event_types(stripe_emulator, "test_helpers") == [
        "test_helpers.test_clock.created"] + [
        "test_helpers.test_clock.advancing", "test_helpers.test_clock.ready"] * 2


def test_schedule_starts_when_the_clock_advances(stripe_client, clock, clocked, catalog):
    s = stripe_client.v1.subscription_schedules.create(params={
        "customer": clocked.id, "start_date": at(2030, 7, 1), "end_behavior": "cancel",
        "phases": [{"items": [{"price": catalog["annual"].id}],
                    "duration": {"interval": "month", "interval_count": 12},
                    "collection_method": "send_invoice",
                    "invoice_settings": {"days_until_due": 30}}]})
    assert (s.status, s.test_clock) == ("not_started", clock.id)
    stripe_client.v1.test_helpers.test_clocks.advance(clock.id, params={
        "frozen_time": at(2030, 7, 2)})
    s = stripe_client.v1.subscription_schedules.retrieve(s.id)
    assert s.status == "active"
    [first] = invoices(stripe_client, clocked)
    assert (first.created, first.due_date, first.status) == (
        at(2030, 7, 1), at(2030, 7, 31), "open")
    stripe_client.v1.test_helpers.test_clocks.advance(clock.id, params={
        "frozen_time": at(2031, 7, 2)})
    assert stripe_client.v1.subscription_schedules.retrieve(s.id).status == "completed"
    assert stripe_client.v1.subscriptions.retrieve(s.subscription).ended_at == at(2031, 7, 1)


def test_clock_cannot_go_backwards(stripe_client, clock):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.test_helpers.test_clocks.advance(
            clock.id, params={"frozen_time": clock.frozen_time - 1})
    assert exc.value.param == "frozen_time"


def test_deleting_a_clock_deletes_its_customers(stripe_client, clock, clocked, catalog):
    sub = stripe_client.v1.subscriptions.create(params={
        "customer": clocked.id, "items": [{"price": catalog["monthly"].id}]})
    stripe_client.v1.test_helpers.test_clocks.delete(clock.id)
    assert stripe_client.v1.customers.retrieve(clocked.id).deleted is True
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.subscriptions.retrieve(sub.id)


def test_an_unfiltered_customer_list_leaves_out_test_clock_customers(stripe_client, clock, clocked):
    plain = stripe_client.v1.customers.create(params={"name": "Plain"})
    assert [c.id for c in stripe_client.v1.customers.list().data] == [plain.id]
    assert [c.id for c in stripe_client.v1.customers.list(params={"test_clock": clock.id}).data] == [clocked.id]
    assert [c.id for c in stripe_client.v1.customers.list(params={"email": "x@example.com"}).data] == []


def test_deleting_a_clock_deletes_its_invoices_and_credit_grants(stripe_client, stripe_emulator, clock, clocked,
                                                                catalog):
    invoice = stripe_client.v1.invoices.create(params={"customer": clocked.id})
    stripe_client.v1.invoice_items.create(params={"customer": clocked.id, "invoice": invoice.id, "amount": 500,
                                                  "currency": "usd"})
    grant = stripe_client.v1.billing.credit_grants.create(params={
        "customer": clocked.id, "category": "paid", "amount": {"type": "monetary", "monetary": {
            "currency": "usd", "value": 1000}}, "applicability_config": {"scope": {"price_type": "metered"}}})
    stripe_client.v1.test_helpers.test_clocks.delete(clock.id)
    for kind, object_id in (("invoice", invoice.id), ("billing.credit_grant", grant.id)):
        assert object_id not in stripe_emulator.state.collection(kind)
    assert stripe_emulator.state.collection("invoiceitem") == {}


def test_a_meter_event_is_windowed_on_its_customers_test_clock(stripe_client, stripe_emulator, clock, clocked,
                                                               catalog):
    """The clock is at 2030-06-01, years after the emulator's now: its customer's usage is dated on the clock."""
    stripe_client.v1.billing.meter_events.create(params={
        "event_name": "events", "timestamp": at(2030, 6, 1), "payload": {"stripe_customer_id": clocked.id,
                                                                          "value": "7"}})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing.meter_events.create(params={
            "event_name": "events", "timestamp": at(2030, 6, 2), "payload": {"stripe_customer_id": clocked.id,
                                                                              "value": "7"}})
    assert exc.value.param == "timestamp"


def test_an_invoice_on_a_clock_is_dated_and_paid_on_the_clocks_time(stripe_client, clock, clocked):
    invoice = stripe_client.v1.invoices.create(params={"customer": clocked.id, "collection_method": "send_invoice",
                                                       "due_date": at(2030, 7, 1)})
    assert invoice.created == at(2030, 6, 1)
    stripe_client.v1.invoice_items.create(params={"customer": clocked.id, "invoice": invoice.id, "amount": 500,
                                                  "currency": "usd"})
    stripe_client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": at(2030, 6, 3)})
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    paid = stripe_client.v1.invoices.pay(invoice.id, params={"paid_out_of_band": True})
    assert (paid.status_transitions.finalized_at, paid.status_transitions.paid_at) == (at(2030, 6, 3), at(2030, 6, 3))
