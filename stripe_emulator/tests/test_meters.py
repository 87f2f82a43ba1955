"""Billing meters, v1 meter events (dedupe, timestamp window), adjustments and summaries."""

import pytest
import requests
import stripe

HOUR = 3600
DAY = 86400


@pytest.fixture
def now(stripe_emulator):
    """A frozen, hour-aligned emulator time so summaries are exact."""
    t = (stripe_emulator.now() // DAY) * DAY + 12 * HOUR
    stripe_emulator.set_time(t, frozen=True)
    return t


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create(params={"email": "usage@example.com"})


def make_meter(client, formula="sum", event_name="api_requests"):
    return client.v1.billing.meters.create(params={
        "display_name": f"API requests ({formula})", "event_name": event_name,
        "default_aggregation": {"formula": formula}})


def send(client, customer, value, timestamp, identifier=None, event_name="api_requests"):
    params = {"event_name": event_name, "timestamp": timestamp,
              "payload": {"stripe_customer_id": customer.id, "value": str(value)}}
    if identifier:
        params["identifier"] = identifier
    return client.v1.billing.meter_events.create(params=params)


def summary(client, meter, customer, start, end, window=None):
    params = {"customer": customer.id, "start_time": start, "end_time": end}
    if window:
        params["value_grouping_window"] = window
    return client.v1.billing.meters.event_summaries.list(meter.id, params=params).data


def test_meter_crud(stripe_client, stripe_emulator):
    meter = make_meter(stripe_client)
    assert meter.id.startswith("mtr_")
    assert (meter.status, meter.default_aggregation.formula) == ("active", "sum")
    assert meter.customer_mapping.event_payload_key == "stripe_customer_id"
    assert meter.value_settings.event_payload_key == "value"
    renamed = stripe_client.v1.billing.meters.update(meter.id, params={"display_name": "Calls"})
    assert renamed.display_name == "Calls"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing.meters.update(meter.id, params={"event_name": "other"})
    assert exc.value.code == "parameter_unknown"
    off = stripe_client.v1.billing.meters.deactivate(meter.id)
    assert off.status == "inactive" and off.status_transitions.deactivated_at
    assert [m.id for m in stripe_client.v1.billing.meters.list(
        params={"status": "inactive"}).data] == [meter.id]
    assert stripe_client.v1.billing.meters.reactivate(meter.id).status == "active"
    types = [e["type"] for e in stripe_emulator.state.collection("event").values()]
    assert types == ["billing.meter.created", "billing.meter.updated",
                     "billing.meter.deactivated", "billing.meter.reactivated"]


def test_max_formula_is_rejected(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        make_meter(stripe_client, formula="max")
    assert exc.value.code == "parameter_invalid_enum"


def test_event_name_belongs_to_one_active_meter(stripe_client):
    make_meter(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        make_meter(stripe_client)
    assert exc.value.param == "event_name"


def test_sum_meter_summary_is_exact(stripe_client, customer, now):
    meter = make_meter(stripe_client, "sum")
    event = send(stripe_client, customer, 1200, now - 2 * HOUR, "evt-1")
    assert (event.identifier, event.timestamp, event.payload["value"]) == ("evt-1", now - 7200,
                                                                         "1200")
    send(stripe_client, customer, 34, now - 90 * 60)
    send(stripe_client, customer, 5, now - 10 * DAY)
    [total] = summary(stripe_client, meter, customer, now - 3 * HOUR, now)
    assert (total.aggregated_value, total.start_time, total.end_time) == (1234, now - 3 * HOUR,
                                                                          now)
    hours = summary(stripe_client, meter, customer, now - 3 * HOUR, now, "hour")
    assert [(s.start_time, s.aggregated_value) for s in hours] == [
        (now - HOUR, 0), (now - 2 * HOUR, 1234), (now - 3 * HOUR, 0)]  # newest first


def test_last_meter_takes_latest_value_by_timestamp(stripe_client, customer, now):
    meter = make_meter(stripe_client, "last", "seats")
    send(stripe_client, customer, 40, now - 60, event_name="seats")
    send(stripe_client, customer, 25, now - 3600, event_name="seats")  # older, sent later
    send(stripe_client, customer, 31, now - 7200, event_name="seats")
    [window] = summary(stripe_client, meter, customer, now - DAY, now + 60)
    assert window.aggregated_value == 40
    days = summary(stripe_client, meter, customer, now - 2 * DAY, now - 1800, "day")
    assert [d.aggregated_value for d in days] == [25, 0, 0]  # UTC days, newest first


def test_count_meter_ignores_value(stripe_client, customer, now):
    meter = make_meter(stripe_client, "count", "logins")
    for i in range(3):
        stripe_client.v1.billing.meter_events.create(params={
            "event_name": "logins", "payload": {"stripe_customer_id": customer.id},
            "timestamp": now - i})
    assert summary(stripe_client, meter, customer, now - 60, now + 60)[0].aggregated_value == 3


def test_duplicate_identifier_is_refused_for_24_hours(stripe_client, stripe_emulator,
                                                      customer, now):
    meter = make_meter(stripe_client)
    send(stripe_client, customer, 10, now, "usage-2031-01-01")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        send(stripe_client, customer, 10, now, "usage-2031-01-01")
    assert exc.value.http_status == 400
    assert "already exists with identifier usage-2031-01-01" in exc.value.user_message
    stripe_emulator.set_time(now + 23 * HOUR, frozen=True)
    with pytest.raises(stripe.InvalidRequestError):
        send(stripe_client, customer, 10, now + 23 * HOUR, "usage-2031-01-01")
    assert summary(stripe_client, meter, customer, now - 60, now + DAY)[0].aggregated_value == 10


@pytest.mark.parametrize("offset, message", [
    (-36 * DAY, "within the past 35 calendar days"),
    (6 * 60, "more than 5 minutes in the future"),
])
def test_timestamp_window(stripe_client, customer, now, offset, message):
    make_meter(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        send(stripe_client, customer, 1, now + offset)
    assert message in exc.value.user_message
    assert exc.value.param == "timestamp"


def test_edges_of_the_window_are_accepted(stripe_client, customer, now):
    meter = make_meter(stripe_client)
    send(stripe_client, customer, 1, now - 35 * DAY + 60)
    send(stripe_client, customer, 2, now + 5 * 60)
    assert summary(stripe_client, meter, customer, now - 36 * DAY,
                   now + HOUR)[0].aggregated_value == 3


@pytest.mark.parametrize("payload, param", [
    ({"value": "3"}, "payload[stripe_customer_id]"),
    ({"stripe_customer_id": "CUSTOMER", "value": "1.5"}, "payload[value]"),
    ({"stripe_customer_id": "CUSTOMER", "value": "lots"}, "payload[value]"),
    ({"stripe_customer_id": "cus_missing", "value": "3"}, "payload[stripe_customer_id]"),
])
def test_bad_payloads(stripe_client, customer, payload, param):
    make_meter(stripe_client)
    payload = {k: customer.id if v == "CUSTOMER" else v for k, v in payload.items()}
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing.meter_events.create(params={"event_name": "api_requests",
                                                             "payload": payload})
    assert exc.value.param == param


def test_unknown_or_inactive_event_name(stripe_client, customer):
    meter = make_meter(stripe_client)
    stripe_client.v1.billing.meters.deactivate(meter.id)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        send(stripe_client, customer, 1, None)
    assert exc.value.param == "event_name"


def test_cancel_adjustment_removes_the_event(stripe_client, stripe_emulator, customer, now):
    meter = make_meter(stripe_client)
    send(stripe_client, customer, 7, now - 60, "a")
    send(stripe_client, customer, 5, now - 60, "b")
    adjustment = stripe_client.v1.billing.meter_event_adjustments.create(params={
        "event_name": "api_requests", "type": "cancel", "cancel": {"identifier": "a"}})
    assert (adjustment.object, adjustment.status, adjustment.cancel.identifier) == (
        "billing.meter_event_adjustment", "pending", "a")
    assert summary(stripe_client, meter, customer, now - HOUR, now)[0].aggregated_value == 5
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.billing.meter_event_adjustments.create(params={
            "event_name": "api_requests", "type": "cancel", "cancel": {"identifier": "a"}})
    stripe_emulator.set_time(now + DAY + 1, frozen=True)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.billing.meter_event_adjustments.create(params={
            "event_name": "api_requests", "type": "cancel", "cancel": {"identifier": "b"}})
    assert "within 24 hours" in exc.value.user_message


def test_summary_needs_minute_aligned_times(stripe_client, customer, now):
    meter = make_meter(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        summary(stripe_client, meter, customer, now - 30, now)
    assert exc.value.param == "start_time"


def test_duplicate_identifier_replay_keeps_should_retry_header(stripe_client, stripe_emulator,
                                                               customer, now):
    make_meter(stripe_client)
    send(stripe_client, customer, 10, now, "dup-1")
    body = {"event_name": "api_requests", "identifier": "dup-1", "timestamp": str(now),
            "payload[stripe_customer_id]": customer.id, "payload[value]": "10"}
    headers = {"Authorization": "Bearer sk_test_emulator", "Idempotency-Key": "dup-replay"}
    first = requests.post(f"{stripe_emulator.url}/v1/billing/meter_events", data=body,
                          headers=headers)
    again = requests.post(f"{stripe_emulator.url}/v1/billing/meter_events", data=body,
                          headers=headers)
    assert first.status_code == again.status_code == 400
    assert first.headers["Stripe-Should-Retry"] == "false"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Stripe-Should-Retry"] == "false"
