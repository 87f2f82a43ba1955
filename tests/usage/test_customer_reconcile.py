"""The customer page's usage section: our sent values against Stripe's summaries for the current period."""
from app.models import MeterEventSend
from tests.factories import make_usage_reports
from tests.usage.helpers import report_date_and_day


def _fragment(client, customer):
    return client.get(f"/customers/{customer.id}/fragments/usage", headers={"HX-Request": "true"})


def test_matching_usage_is_listed_per_product(client, db, login_as, stripe_emulator, subscriber, send):
    report_date, day = report_date_and_day()
    customer = subscriber()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 1234, "session_replay": 5}})
    send(report_date)
    login_as("viewer")
    html = _fragment(client, customer).get_data(as_text=True)
    assert 'id="usage-reconcile-product_analytics"' in html and "1,234" in html
    assert "MISMATCH" not in html and html.count("matches") == 2


def test_an_injected_mismatch_is_listed(client, db, login_as, stripe_emulator, stripe_client, subscriber, send):
    report_date, day = report_date_and_day()
    customer = subscriber()
    make_usage_reports(db.session, "org-1", {day: {"product_analytics": 5}})
    send(report_date)
    row = db.session.scalar(db.select(MeterEventSend))
    stripe_client.v1.billing.meter_events.create(params={
        "event_name": "product_analytics_events", "timestamp": row.timestamp + 30, "identifier": "stray",
        "payload": {"stripe_customer_id": customer.stripe_customer_id, "value": "999"}})
    login_as("viewer")
    html = _fragment(client, customer).get_data(as_text=True)
    assert "1 mismatch:" in html and "product_analytics (we sent 5, Stripe has 999)" in html


def test_a_customer_without_subscription_says_so(client, db, login_as, make_customer):
    customer = make_customer(organisation_id="org-free")
    login_as("viewer")
    assert "No subscription" in _fragment(client, customer).get_data(as_text=True)


def test_the_page_loads_the_section_after_itself(client, db, login_as, make_customer):
    customer = make_customer(organisation_id="org-free")
    login_as("viewer")
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'id="usage-reconcile"' in html and f"/customers/{customer.id}/fragments/usage" in html
