"""The v2 meter event session and stream: token lifetime, batch limits, async error reports."""

from datetime import UTC, datetime

import pytest
import stripe

from stripe_emulator.testing import make_client

DAY = 86400


@pytest.fixture
def now(stripe_emulator):
    t = (stripe_emulator.now() // 60) * 60
    stripe_emulator.set_time(t, frozen=True)
    return t


@pytest.fixture
def setup(stripe_client, now):
    customer = stripe_client.v1.customers.create(params={"name": "Streamer"})
    meter = stripe_client.v1.billing.meters.create(params={
        "display_name": "Rows", "event_name": "rows", "default_aggregation": {"formula": "sum"}})
    return customer, meter


def iso(unix):
    return datetime.fromtimestamp(unix, UTC).isoformat().replace("+00:00", "Z")


def session_client(stripe_client, stripe_emulator):
    session = stripe_client.v2.billing.meter_event_session.create()
    return session, make_client(stripe_emulator.url, api_key=session.authentication_token)


def events(customer, n, start=0, **extra):
    return [{"event_name": "rows", "identifier": f"row-{start + i}",
             "payload": {"stripe_customer_id": customer.id, "value": "2"}, **extra}
            for i in range(n)]


def total(client, meter, customer, start, end):
    return client.v1.billing.meters.event_summaries.list(meter.id, params={
        "customer": customer.id, "start_time": start, "end_time": end}).data[0].aggregated_value


def test_session_token_lasts_15_minutes(stripe_client, stripe_emulator, now):
    session = stripe_client.v2.billing.meter_event_session.create()
    assert session.object == "v2.billing.meter_event_session"
    assert session.authentication_token.startswith("ek_test_")
    created = datetime.fromisoformat(session.created.replace("Z", "+00:00"))
    expires = datetime.fromisoformat(session.expires_at.replace("Z", "+00:00"))
    assert (expires - created).total_seconds() == 15 * 60
    assert int(created.timestamp()) == now


def test_stream_records_events(stripe_client, stripe_emulator, setup, now):
    customer, meter = setup
    _, client = session_client(stripe_client, stripe_emulator)
    client.v2.billing.meter_event_stream.create(params={"events": events(customer, 100)})
    client.v2.billing.meter_event_stream.create(params={"events": events(
        customer, 1, 500, timestamp=iso(now - 3600))})
    assert total(stripe_client, meter, customer, now - DAY, now + 60) == 202


def test_duplicate_identifiers_are_counted_once(stripe_client, stripe_emulator, setup, now):
    customer, meter = setup
    _, client = session_client(stripe_client, stripe_emulator)
    client.v2.billing.meter_event_stream.create(params={"events": events(customer, 3)})
    client.v2.billing.meter_event_stream.create(params={"events": events(customer, 3)})
    assert total(stripe_client, meter, customer, now - 60, now + 60) == 6


def test_expired_token_is_refused(stripe_client, stripe_emulator, setup, now):
    customer, _ = setup
    _, client = session_client(stripe_client, stripe_emulator)
    stripe_emulator.set_time(now + 15 * 60, frozen=True)
    with pytest.raises(stripe.TemporarySessionExpiredError) as exc:
        client.v2.billing.meter_event_stream.create(params={"events": events(customer, 1)})
    assert exc.value.http_status == 401


def test_secret_key_is_not_a_session_token(stripe_client, setup):
    customer, _ = setup
    with pytest.raises(stripe.StripeError) as exc:
        stripe_client.v2.billing.meter_event_stream.create(params={"events": events(customer, 1)})
    assert exc.value.http_status == 401


def test_more_than_100_events_are_refused(stripe_client, stripe_emulator, setup, now):
    customer, meter = setup
    _, client = session_client(stripe_client, stripe_emulator)
    with pytest.raises(stripe.StripeError) as exc:
        client.v2.billing.meter_event_stream.create(params={"events": events(customer, 101)})
    assert exc.value.http_status == 400
    assert total(stripe_client, meter, customer, now - 60, now + 60) == 0


def test_bad_events_are_dropped_and_reported(stripe_client, stripe_emulator, setup, now):
    customer, meter = setup
    _, client = session_client(stripe_client, stripe_emulator)
    batch = events(customer, 2)
    batch += [
        {"event_name": "rows", "identifier": "old", "timestamp": iso(now - 36 * DAY),
         "payload": {"stripe_customer_id": customer.id, "value": "5"}},
        {"event_name": "rows", "identifier": "ahead", "timestamp": iso(now + 6 * 60),
         "payload": {"stripe_customer_id": customer.id, "value": "5"}},
        {"event_name": "rows", "identifier": "nan",
         "payload": {"stripe_customer_id": customer.id, "value": "five"}},
        {"event_name": "nope", "identifier": "nometer",
         "payload": {"stripe_customer_id": customer.id, "value": "5"}},
    ]
    client.v2.billing.meter_event_stream.create(params={"events": batch})
    assert total(stripe_client, meter, customer, now - 60, now + 60) == 4
    reports = stripe_client.v2.core.events.list(params={"object_id": meter.id}).data
    assert [r.type for r in reports] == ["v1.billing.meter.error_report_triggered"]
    reason = reports[0]["data"]["reason"]
    assert reason["error_count"] == 3
    codes = {t["code"]: t["sample_errors"][0]["request"]["identifier"]
             for t in reason["error_types"]}
    assert codes == {"timestamp_too_far_in_past": "old", "timestamp_in_future": "ahead",
                     "meter_event_invalid_value": "nan"}
    no_meter = stripe_client.v2.core.events.list(
        params={"types": ["v1.billing.meter.no_meter_found"]}).data
    assert len(no_meter) == 1
    assert stripe_client.v2.core.events.retrieve(reports[0].id).id == reports[0].id


def test_events_for_an_inactive_meter_are_reported(stripe_client, stripe_emulator, setup):
    customer, meter = setup
    stripe_client.v1.billing.meters.deactivate(meter.id)
    _, client = session_client(stripe_client, stripe_emulator)
    client.v2.billing.meter_event_stream.create(params={"events": events(customer, 2)})
    [report] = stripe_client.v2.core.events.list(params={"object_id": meter.id}).data
    [kind] = report["data"]["reason"]["error_types"]
    assert (kind["code"], kind["error_count"]) == ("archived_meter", 2)


def test_stream_batch_is_recorded_before_anything_reads_it(stripe_client, stripe_emulator,
                                                           setup, now):
    customer, meter = setup
    _, client = session_client(stripe_client, stripe_emulator)
    options = {"idempotency_key": "stream-once"}
    for _ in range(2):  # the retry replays; the batch counts once
        client.v2.billing.meter_event_stream.create(
            params={"events": events(customer, 5)}, options=options)
    ids = stripe_emulator.state.extra("meter_usage")["ids"]
    assert {f"row-{i}" for i in range(5)} <= set(ids)
    assert total(stripe_client, meter, customer, now - 60, now + 60) == 10
    with pytest.raises(stripe.StripeError) as exc:
        client.v2.billing.meter_event_stream.create(
            params={"events": events(customer, 4)}, options=options)
    assert exc.value.http_status == 400  # same key, other params
