"""Webhook endpoints and signed delivery, verified with `stripe.Webhook.construct_event`."""

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from stripe_emulator.server import run_in_thread
from stripe_emulator.testing import make_client


class Receiver:
    """A loopback HTTP server that records deliveries and can fail the first few."""

    def __init__(self, fail_first=0):
        self.fail_first = fail_first
        self.received = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers["Content-Length"]))
                owner.received.append((body, self.headers.get("Stripe-Signature")))
                failing = len(owner.received) <= owner.fail_first
                self.send_response(500 if failing else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/stripe/webhooks"
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def control(emulator, path, body=None):
    request = urllib.request.Request(f"{emulator.url}/_emulator/{path}",
                                     data=json.dumps(body or {}).encode(),
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def flush(emulator):
    return control(emulator, "webhooks/flush", {"timeout_seconds": 10})


def test_endpoint_crud(stripe_client, receiver):
    endpoint = stripe_client.v1.webhook_endpoints.create(params={
        "url": receiver.url, "enabled_events": ["invoice.finalized", "invoice.paid"],
        "description": "billing console"})
    assert endpoint.id.startswith("we_") and endpoint.secret.startswith("whsec_")
    assert (endpoint.status, endpoint.enabled_events) == ("enabled",
                                                          ["invoice.finalized", "invoice.paid"])
    fetched = stripe_client.v1.webhook_endpoints.retrieve(endpoint.id)
    assert "secret" not in fetched
    updated = stripe_client.v1.webhook_endpoints.update(endpoint.id, params={
        "enabled_events": ["*"], "disabled": True})
    assert (updated.enabled_events, updated.status) == (["*"], "disabled")
    assert [e.id for e in stripe_client.v1.webhook_endpoints.list().data] == [endpoint.id]
    assert stripe_client.v1.webhook_endpoints.delete(endpoint.id).deleted is True


@pytest.mark.parametrize("params, code", [
    ({"url": "ftp://example.com/hook", "enabled_events": ["*"]}, None),
    ({"url": "https://example.com/hook", "enabled_events": ["invoice.nope"]},
     "parameter_invalid_enum"),
])
def test_invalid_endpoints(stripe_client, params, code):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.webhook_endpoints.create(params=params)
    assert exc.value.code == code


def test_signed_delivery_is_accepted_by_construct_event(stripe_client, stripe_emulator,
                                                        receiver):
    endpoint = stripe_client.v1.webhook_endpoints.create(params={
        "url": receiver.url, "enabled_events": ["customer.created"]})
    customer = stripe_client.v1.customers.create(params={"email": "hook@example.com"})
    stripe_client.v1.products.create(params={"name": "not subscribed"})
    assert flush(stripe_emulator)["drained"] is True
    [(body, header)] = receiver.received
    event = stripe.Webhook.construct_event(body, header, endpoint.secret)
    assert (event.type, event.data.object.id) == ("customer.created", customer.id)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(body, header, "whsec_wrong")
    stored = stripe_client.v1.events.retrieve(event.id)
    assert stored.pending_webhooks == 0


def test_retry_after_a_500(stripe_client, stripe_emulator):
    receiver = Receiver(fail_first=1)
    try:
        control(stripe_emulator, "webhooks/config", {"backoff_seconds": 0.01})
        endpoint = stripe_client.v1.webhook_endpoints.create(params={
            "url": receiver.url, "enabled_events": ["*"]})
        stripe_client.v1.customers.create(params={"name": "Retry"})
        state = flush(stripe_emulator)
        assert state["drained"] is True
        [delivery] = state["deliveries"]
        assert (delivery["status"], delivery["attempts"], delivery["http_status"]) == (
            "succeeded", 2, 200)
        first, second = receiver.received
        assert first[0] == second[0]
        assert stripe.Webhook.construct_event(second[0], second[1], endpoint.secret).type == \
            "customer.created"
    finally:
        receiver.close()


def test_gives_up_after_max_attempts(stripe_client, stripe_emulator):
    control(stripe_emulator, "webhooks/config", {"backoff_seconds": 0.001, "max_attempts": 3})
    stripe_client.v1.webhook_endpoints.create(params={
        "url": "http://127.0.0.1:9/unreachable", "enabled_events": ["*"]})
    customer_event = stripe_client.v1.customers.create(params={"name": "Nobody home"})
    [delivery] = flush(stripe_emulator)["deliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("failed", 3)
    assert delivery["error"]
    events = stripe_client.v1.events.list(params={"delivery_success": False}).data
    assert [e.data.object.id for e in events] == [customer_event.id]


def test_background_thread_and_command_line_webhook_url(receiver):
    running = run_in_thread(webhook_url=receiver.url, webhook_secret="whsec_cli")
    try:
        client = make_client(running.url)
        client.v1.customers.create(params={"name": "CLI"})
        for _ in range(200):
            if receiver.received:
                break
            threading.Event().wait(0.01)
        [(body, header)] = receiver.received
        assert stripe.Webhook.construct_event(body, header, "whsec_cli").type == \
            "customer.created"
    finally:
        running.stop()
