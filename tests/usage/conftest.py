"""Usage: the API poster, frozen clocks, subscribed customers whose periods started in the past, the send."""
from datetime import datetime

import pytest

from app import timeutil
from app.services.audit import Actor
from tests.factories import STANDARD_PRODUCTS, make_subscribed_customer, make_usage_reports
from tests.usage.helpers import report_date_and_day


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
def subscriber(db, stripe_client, catalog):
    """A customer whose subscription started 20 days ago (so yesterday is inside its period)."""

    def factory(org="org-1", products=STANDARD_PRODUCTS, **fields):
        return make_subscribed_customer(db.session, stripe_client, org, products, started_days_ago=20,
                                        organisation_id=org, **fields)

    return factory


@pytest.fixture
def reported_yesterday(db, subscriber):
    """org-1, subscribed, reported 5 product analytics events yesterday; (report date, that day)."""
    report_date, day = report_date_and_day()
    subscriber()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5}})
    return report_date, day


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
