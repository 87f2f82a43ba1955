import itertools

import pytest

from stripe_emulator.testing import (  # noqa: F401 - fixtures
    make_client,
    stripe_client,
    stripe_emulator,
    stripe_emulator_server,
)

_keys = itertools.count()


@pytest.fixture
def idem():
    """Fresh deterministic idempotency keys, as the app would pass."""
    return lambda label="op": f"test-{label}-{next(_keys)}"


@pytest.fixture
def meter(stripe_client):  # noqa: F811 - the fixture, not the import
    return stripe_client.v1.billing.meters.create(params={
        "display_name": "Events", "event_name": "events",
        "default_aggregation": {"formula": "sum"}})
