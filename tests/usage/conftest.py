"""Usage: an API token, frozen clocks, and subscribed customers whose periods started in the past."""
import time
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


@pytest.fixture
def subscriber(db, stripe_client, price_of, make_customer):
    """A customer whose subscription started 20 days ago (so yesterday is inside its period)."""

    def factory(org="org-1", products=("product_analytics", "session_replay"), **fields):
        customer = stripe_client.v1.customers.create(params={"name": org})
        subscription = stripe_client.v1.subscriptions.create(params={
            "customer": customer.id, "items": [{"price": price_of(p)} for p in products],
            "backdate_start_date": int(time.time()) - 20 * 86400})
        return make_customer(name=org, stripe_customer_id=customer.id, subscription_id=subscription.id,
                             organisation_id=org, **fields)

    return factory


@pytest.fixture
def send(app, db):
    from app import collaborators
    from app.services.usage_send import send_usage_reports

    def run(report_date, **kwargs):
        with app.test_request_context():
            result = send_usage_reports(db.session, collaborators.meter_gateway(), collaborators.catalog(),
                                        collaborators.usage_zone(), Actor.system("tests"),
                                        report_date, stream_threshold=kwargs.pop("stream_threshold", 1000), **kwargs)
            db.session.commit()
            return result

    return run
