"""Usage: an API token, frozen clocks, and subscribed customers whose periods started in the past."""
from datetime import datetime

import pytest

from app import timeutil
from app.services.api_tokens import create_api_token
from app.services.audit import Actor
from tests.customers.conftest import catalog, make_customer, price_of  # noqa: F401


@pytest.fixture
def token(db):
    _, plain = create_api_token(db.session, Actor.system("tests"), "US instance")
    db.session.commit()
    return plain


@pytest.fixture
def post(client, token):
    def send(path, body=None, raw=None, headers=None):
        headers = {"Authorization": f"Bearer {token}", **(headers or {})}
        if raw is not None:
            return client.raw.post(f"/api/usage/{path}", data=raw, headers=headers, content_type="application/json")
        return client.raw.post(f"/api/usage/{path}", json=body, headers=headers)

    return send


@pytest.fixture
def frozen():
    def freeze(moment: datetime):
        timeutil.freeze(moment)

    yield freeze
    timeutil.freeze(None)
