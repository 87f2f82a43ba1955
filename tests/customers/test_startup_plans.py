"""Startup plans: the write plan first, then metadata, a promotional credit and startup prices in Stripe;
the credit drawn down by invoiced usage; paid again when it expires (not a day before) or is used up."""
import calendar
import re
from datetime import date, datetime, timedelta

import pytest

from app import timeutil
from app.jobs import job_queue
from app.models import AuditEntry, Customer, StripeOperation
from app.services.customer_sync import sync_customer
from tests.factories import make_customer, price_id

PRODUCT = "product_analytics"


@pytest.fixture
def startup_price(stripe_client, ids):
    """Product analytics' startup price: the Standard tiers, `plan=startup` (as the catalog holds them)."""
    standard = stripe_client.v1.prices.retrieve(ids("price", f"{PRODUCT}_standard"), params={"expand": ["tiers"]})
    tiers = [{"up_to": t.up_to or "inf", "unit_amount_decimal": str(t.unit_amount_decimal)} for t in standard.tiers]
    return stripe_client.v1.prices.create(params={
        "product": standard.product, "currency": "usd", "nickname": "Startup", "billing_scheme": "tiered",
        "tiers_mode": "graduated", "tiers": tiers, "metadata": {"plan": "startup", "posthog_product_key": PRODUCT},
        "recurring": {"interval": "month", "usage_type": "metered", "meter": standard.recurring.meter}}).id


@pytest.fixture
def subscriber(db, gateway, stripe_client, catalog):
    """A customer subscribed to product analytics' Standard price, optionally on a test clock, synced."""

    def make(name="Young Co", test_clock=None):
        params = {"name": name} | ({"test_clock": test_clock} if test_clock else {})
        stripe_customer = stripe_client.v1.customers.create(params=params)
        sub = stripe_client.v1.subscriptions.create(params={"customer": stripe_customer.id,
                                                            "items": [{"price": price_id(db.session, PRODUCT)}]})
        customer = make_customer(db.session, name=name, stripe_customer_id=stripe_customer.id,
                                 subscription_id=sub.id, organisation_id=f"org-{name.split()[0].lower()}")
        sync_customer(db.session, gateway, customer.id)
        db.session.commit()
        return customer

    return make


def _preview(client, customer, credit="$100", expires_on=None):
    expires_on = expires_on or (timeutil.utcnow().date() + timedelta(days=365)).isoformat()
    return client.post(f"/customers/{customer.id}/startup/preview", headers={"HX-Request": "true"},
                       data={"credit": credit, "expires_on": expires_on, "version": customer.version})


def _start(client, customer, credit="$100", expires_on=None):
    expires_on = expires_on or (timeutil.utcnow().date() + timedelta(days=365)).isoformat()
    preview = _preview(client, customer, credit, expires_on).get_data(as_text=True)
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', preview)[1]
    return client.post(f"/customers/{customer.id}/startup", headers={"HX-Request": "true"},
                       data={"credit": credit, "expires_on": expires_on, "fingerprint": fingerprint,
                             "version": customer.version})


def _reload(db, customer):
    db.session.expire_all()
    return db.session.get(Customer, customer.id)


def test_the_preview_shows_the_stripe_calls_and_writes_nothing(client, login_as, subscriber, startup_price,
                                                               nothing_written):
    customer = subscriber()
    login_as("finance")
    with nothing_written():
        response = _preview(client, customer, "$50,000", "2027-12-31")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Startup metadata: credit expires 2027-12-31" in body
    assert "$50,000.00 promotional credit on metered usage, expiring 2027-12-31" in body
    assert "1 item onto the products&#39; startup prices" in body and "Confirm: start the startup plan" in body
    assert (f"Start a startup plan for {customer.name}: $50,000.00 of credit until 2027-12-31; startup metadata: "
            "credit expires 2027-12-31; $50,000.00 promotional credit on metered usage") in body.replace("&#39;", "'")


def test_starting_a_startup_plan_sets_metadata_grants_the_credit_and_moves_to_startup_prices(
        client, login_as, db, stripe_client, subscriber, startup_price):
    customer = subscriber()
    login_as("finance")
    response = _start(client, customer, "$50,000", "2027-12-31")
    assert response.status_code == 200, response.get_data(as_text=True)
    stripe_customer = stripe_client.v1.customers.retrieve(customer.stripe_customer_id).to_dict()
    assert stripe_customer["metadata"]["is_startup_plan_customer"] == "true"
    assert stripe_customer["metadata"]["credit_expires_at"] == "2027-12-31"
    customer = _reload(db, customer)
    grant = stripe_client.v1.billing.credit_grants.retrieve(customer.startup_credit_grant_id).to_dict()
    assert (grant["category"], grant["amount"]["monetary"]["value"],
            grant["applicability_config"]["scope"]["price_type"]) == ("promotional", 5000000, "metered")
    assert grant["expires_at"] == calendar.timegm(date(2027, 12, 31).timetuple())
    sub = stripe_client.v1.subscriptions.retrieve(customer.subscription_id).to_dict()
    assert [i["price"]["id"] for i in sub["items"]["data"]] == [startup_price]
    assert (customer.billing_configuration, customer.configuration_source) == ("startup", "startup_plan")
    assert (customer.startup_credit_cents, customer.startup_credit_expires_on) == (5000000, date(2027, 12, 31))
    started = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "customer.startup_plan_started"))
    assert started.actor_label.startswith("finance") and started.after["credit_cents"] == 5000000
    body = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Credit granted" in body and "$50,000.00" in body


def test_a_second_confirm_is_refused_and_grants_nothing_more(client, login_as, db, subscriber, startup_price,
                                                            stripe_emulator):
    customer = subscriber()
    login_as("finance")
    assert _start(client, customer).status_code == 200
    customer = _reload(db, customer)
    shown = _preview(client, customer).get_data(as_text=True)
    assert "already on a startup plan" in shown and "Confirm: start" not in shown
    again = client.post(f"/customers/{customer.id}/startup", headers={"HX-Request": "true"},
                        data={"credit": "$100", "expires_on": "2030-01-01", "fingerprint": "x",
                              "version": customer.version})
    assert again.status_code == 422 and "already on a startup plan" in again.get_data(as_text=True)
    assert len(stripe_emulator.state.collection("billing.credit_grant")) == 1


def test_a_plan_that_changed_since_it_was_shown_is_refused(client, login_as, db, subscriber, nothing_written):
    customer = subscriber()
    login_as("finance")
    with nothing_written():
        response = client.post(f"/customers/{customer.id}/startup", headers={"HX-Request": "true"},
                               data={"credit": "$100", "expires_on": "2030-01-01", "fingerprint": "0000",
                                     "version": customer.version})
    assert response.status_code == 422 and "review it again" in response.get_data(as_text=True)


@pytest.mark.parametrize(("credit", "expires_on", "message"), [
    ("0", "2030-01-01", "above zero"),
    ("-5", "2030-01-01", "cannot be negative"),
    ("fifty", "2030-01-01", "is not an amount in dollars"),
    ("$10.001", "2030-01-01", "fractions of a cent"),
    ("$100", "2020-01-01", "must expire after today"),
    ("$100", "31/12/2030", "is not a date"),
])
def test_bad_startup_input_is_refused_in_place_and_nothing_is_written(client, login_as, subscriber, nothing_written,
                                                                    credit, expires_on, message):
    customer = subscriber()
    login_as("finance")
    with nothing_written():
        response = _preview(client, customer, credit, expires_on)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert 'id="startup"' in response.get_data(as_text=True)


def test_cs_may_not_start_a_plan_without_stripe_write(client, login_as, subscriber, nothing_written):
    customer = subscriber()
    login_as("growth")
    with nothing_written():
        assert _preview(client, customer).status_code == 403


def test_the_credit_is_drawn_down_by_invoiced_usage_on_a_test_clock(client, login_as, db, stripe_client, subscriber,
                                                                   startup_price, stripe_emulator):
    now = stripe_emulator.state.clock.now()
    clock = stripe_client.v1.test_helpers.test_clocks.create(params={"frozen_time": now})
    customer = subscriber(test_clock=clock.id)
    login_as("finance")
    assert _start(client, customer, "$100").status_code == 200
    stripe_client.v1.billing.meter_events.create(params={
        "event_name": "product_analytics_events", "timestamp": now + 60,
        "payload": {"stripe_customer_id": customer.stripe_customer_id, "value": "2000000"}})
    stripe_client.v1.test_helpers.test_clocks.advance(clock.id, params={"frozen_time": now + 33 * 86400})
    body = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    section = body[body.index('id="startup"'):body.index('id="coupon"')]
    # 2,000,000 events: the first million free, then 0.005¢ each: $50.00 of the $100.00 credit
    assert re.search(r"Used</dt><dd>\$50\.00", section) and re.search(r"Remaining</dt><dd>\$50\.00", section)


def test_the_plan_ends_on_its_expiry_date_and_not_a_day_before(app, client, login_as, db, stripe_client, subscriber,
                                                               startup_price):
    customer = subscriber()
    login_as("finance")
    expires_on = timeutil.utcnow().date() + timedelta(days=30)
    assert _start(client, customer, "$100", expires_on.isoformat()).status_code == 200
    runner = app.test_cli_runner()
    try:
        timeutil.freeze(datetime.combine(expires_on - timedelta(days=1), datetime.min.time()) + timedelta(hours=23))
        before = runner.invoke(args=["customers", "end-startup-plans"])
        assert before.exit_code == 0 and "$100.00 left until" in before.output
        assert _reload(db, customer).billing_configuration == "startup"
        timeutil.freeze(datetime.combine(expires_on, datetime.min.time()) + timedelta(hours=4))
        dry = runner.invoke(args=["customers", "end-startup-plans", "--dry-run"])
        assert "would become paid (startup credit expired on" in dry.output
        assert _reload(db, customer).billing_configuration == "startup"
        ended = runner.invoke(args=["customers", "end-startup-plans"])
    finally:
        timeutil.freeze(None)
    assert ended.exit_code == 0 and "now paid (startup credit expired on" in ended.output
    customer = _reload(db, customer)
    assert (customer.billing_configuration, customer.configuration_source) == ("paid", "subscription")
    metadata = stripe_client.v1.customers.retrieve(customer.stripe_customer_id).to_dict()["metadata"]
    assert metadata["is_startup_plan_customer"] == "false"
    sub = stripe_client.v1.subscriptions.retrieve(customer.subscription_id).to_dict()
    assert [i["price"]["id"] for i in sub["items"]["data"]] == [price_id(db.session, PRODUCT)]
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "customer.startup_plan_ended"))


def test_the_daily_job_ends_a_used_up_plan(db, login_as, client, subscriber, startup_price, stripe_client):
    customer = subscriber()
    login_as("finance")
    assert _start(client, customer, "$1").status_code == 200
    customer = _reload(db, customer)
    stripe_client.v1.billing.credit_grants.void_grant(customer.startup_credit_grant_id)  # nothing left of it
    job_queue.run_periodic("end_startup_plans_daily")
    assert job_queue.drain() == 1
    assert _reload(db, customer).billing_configuration == "paid"
    ops = db.session.scalars(db.select(StripeOperation.action).where(StripeOperation.subject_type == "customer")).all()
    assert "end_startup_plan:metadata" in ops
