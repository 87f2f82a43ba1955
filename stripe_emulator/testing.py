"""Pytest fixtures: one in-process emulator per session, wiped before every test.

Use from a conftest with `from stripe_emulator.testing import *  # noqa: F403` or
`pytest_plugins = ["stripe_emulator.testing"]` (root conftest only).
"""

import pytest
import stripe

from .server import run_in_thread

__all__ = ["API_KEY", "make_client", "stripe_emulator_server", "stripe_emulator", "stripe_client"]

API_KEY = "sk_test_emulator"


def make_client(url, api_key=API_KEY, **options):
    """A StripeClient pointed at the emulator, configured as the app configures its own."""
    options.setdefault("max_network_retries", 2)
    return stripe.StripeClient(api_key, base_addresses={"api": url, "meter_events": url},
                               **options)


@pytest.fixture(scope="session")
def stripe_emulator_server():
    running = run_in_thread()
    yield running
    running.stop()


@pytest.fixture
def stripe_emulator(stripe_emulator_server):
    """The running emulator with fresh state: `.url`, `.state`, `.faults`, `.advance(s)`..."""
    stripe_emulator_server.reset()
    return stripe_emulator_server


@pytest.fixture
def stripe_client(stripe_emulator):
    return make_client(stripe_emulator.url)
