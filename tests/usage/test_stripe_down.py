"""What an operator reads when Stripe (here: the emulator) cannot be reached during a usage send."""
import socket

import pytest

from app.gateways.stripe import API_VERSION
from app.gateways.stripe_http import StripeHTTP
from app.models import MeterEventSend


@pytest.fixture
def stripe_down(app):
    """The meter gateway's HTTP client pointed at a loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    before = app.extensions["stripe_http"]
    app.extensions["stripe_http"] = StripeHTTP("sk_test_down", f"http://127.0.0.1:{port}", API_VERSION, "tests",
                                               sleep=lambda seconds: None)
    yield
    app.extensions["stripe_http"] = before


def test_the_error_says_could_not_reach_stripe_once(client, db, login_as, stripe_emulator, reported_yesterday, send,
                                                   stripe_down):
    report_date, _ = reported_yesterday
    result = send(report_date)
    error = db.session.scalar(db.select(MeterEventSend.error))
    assert result.errors == 1
    assert error.startswith("Could not reach Stripe: ") and error.count("Could not reach Stripe") == 1
    login_as("viewer")
    html = client.get("/usage").get_data(as_text=True)
    assert "<td>Could not reach Stripe: " in html and "Could not reach Stripe: Could not reach Stripe" not in html
