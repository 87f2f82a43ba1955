"""A sync puts a product the customer pays for on its paid plan (audited by the system, with the reason),
on the one-customer and the bulk path; a trial's end then keeps it; the page prices each plan."""
import re
from datetime import date, datetime

import pytest

from app import timeutil
from app.models import AuditEntry, Customer
from app.services import customer_bulk_sync
from app.services.audit import Actor
from app.services.customer_bulk_sync import sync_customers
from app.services.customer_sync import sync_customer

PERSON = Actor(label="cs@billing.example")


def _plan_entries(db, customer):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_id == str(customer.id),
                                                          AuditEntry.action == "customer.plans_map_changed")).all()


@pytest.fixture
def on_free_prices(db, gateway, subscribed_customer, price_of):
    """A customer subscribed to the Free prices only, synced: its plans are its defaults."""

    def factory(name="Free Co", **fields):
        customer = subscribed_customer(name=name, products=(), prices=[price_of("product_analytics", "free"),
                                                                       price_of("session_replay", "free")], **fields)
        sync_customer(db.session, gateway, customer.id)
        db.session.commit()
        return customer

    return factory


def _subscribe_to_standard(stripe_client, customer, product_key, price_of):
    """What a person does in Stripe's dashboard: swap the product's Free price for its paid one."""
    sub = stripe_client.v1.subscriptions.retrieve(customer.subscription_id)
    item = next(i for i in sub["items"]["data"] if i["price"]["id"] == price_of(product_key, "free"))
    stripe_client.v1.subscriptions.update(customer.subscription_id, params={
        "items": [{"id": item["id"], "price": price_of(product_key)}], "proration_behavior": "none"})


def test_a_sync_after_subscribing_puts_the_product_on_its_paid_plan(db, gateway, stripe_client, on_free_prices,
                                                                     price_of):
    customer = on_free_prices()
    assert customer.plans_map == {} and _plan_entries(db, customer) == []
    _subscribe_to_standard(stripe_client, customer, "session_replay", price_of)
    result = sync_customer(db.session, gateway, customer.id, PERSON)
    assert "plans_map" in result.changed
    assert customer.plans_map == {"session_replay": "session_replay_paid"}  # product analytics: still its Free price
    entry, = _plan_entries(db, customer)
    assert entry.actor_label == "system:stripe-sync" and entry.actor_id is None  # the rule's change, not the person's
    assert entry.note == (f"Session replay: session_replay_free → session_replay_paid (subscribed to its paid price "
                          f"{price_of('session_replay')} (Standard))")
    assert (entry.before, entry.after) == ({"plans_map": {}}, {"plans_map": {"session_replay": "session_replay_paid"}})
    assert sync_customer(db.session, gateway, customer.id).changed == [] and len(_plan_entries(db, customer)) == 1


def test_a_premium_plan_a_person_chose_stays(db, gateway, subscribed_customer):
    customer = subscribed_customer(products=("session_replay",), plans_map={"session_replay": "session_replay_premium"})
    sync_customer(db.session, gateway, customer.id)
    assert customer.plans_map == {"session_replay": "session_replay_premium"} and _plan_entries(db, customer) == []


def test_the_bulk_sync_writes_the_paid_plans_and_their_audit_entries(db, gateway, stripe_client, subscribed_customer,
                                                                      on_free_prices, price_of, monkeypatch):
    both, replay = subscribed_customer(name="Both Co"), subscribed_customer(name="Replay Co", products=("session_replay",))
    free = on_free_prices(name="Free Co")
    chunked, write_chunk = [], customer_bulk_sync._sync_chunk

    def spied(*args, **kwargs):
        written = write_chunk(*args, **kwargs)
        chunked.extend(written)
        return written

    monkeypatch.setattr(customer_bulk_sync, "_sync_chunk", spied)
    ids = [both.id, replay.id, free.id]
    result = sync_customers(db.session, gateway, ids, lambda done, line: None, actor=PERSON)
    assert result["failed"] == 0 and sorted(chunked) == sorted(ids)  # all three written by the chunk's statements
    db.session.expire_all()
    assert db.session.get(Customer, both.id).plans_map == {"product_analytics": "product_analytics_paid",
                                                           "session_replay": "session_replay_paid"}
    assert db.session.get(Customer, replay.id).plans_map == {"session_replay": "session_replay_paid"}
    assert db.session.get(Customer, free.id).plans_map == {} and _plan_entries(db, free) == []
    assert "plans_map" in result["results"][1]["changed"]
    entry, = _plan_entries(db, replay)
    assert entry.actor_label == "system:stripe-sync"
    assert entry.note.startswith("Session replay: ") and f"paid price {price_of('session_replay')} (Standard)" in entry.note
    assert "; Session replay: " in _plan_entries(db, both)[0].note  # one entry, both reasons


@pytest.fixture
def trial_customer(db, gateway, subscribed_customer, price_of):
    """Subscribed to session replay's paid price, product analytics on its Free price, on trial to 2027-01-31."""
    customer = subscribed_customer(products=("session_replay",), prices=[price_of("product_analytics", "free")],
                                   free_trial_until=date(2027, 1, 31))
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    yield customer
    timeutil.freeze(None)


def _features_on(client, customer, day: date) -> str:
    timeutil.freeze(datetime(day.year, day.month, day.day, 9, 0))
    return client.get(f"/customers/{customer.id}/fragments/features").get_data(as_text=True)


def test_when_the_trial_ends_the_subscribed_product_stays_on_its_paid_plan(client, login_as, trial_customer):
    login_as("viewer")
    last_day = _features_on(client, trial_customer, date(2027, 1, 31))
    assert "replay_retention_1y" in last_day and "dashboard_permissioning" in last_day  # the trial's premium
    after = _features_on(client, trial_customer, date(2027, 2, 1))
    assert "trial ended on 2027-01-31" in after and "replay_retention_1y" not in after
    assert "recordings_file_export" in after  # session replay: its paid plan
    assert "data_retention_1y" in after and "correlation_analysis" not in after  # product analytics: back to free


def _row(html: str, plan_key: str) -> str:
    return re.search(rf'<tr id="plan-price-{plan_key}".*?</tr>', html, re.S).group(0)


def test_the_page_shows_each_plans_catalog_price_beside_its_features(client, login_as, synced_customer):
    customer = synced_customer(products=("session_replay",))
    login_as("viewer")
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    paid = _row(html, "session_replay_paid")
    assert "current" in paid and "Recordings file export" in paid and "recordings_file_export" not in paid
    assert "first 5,000 recordings: Free" in paid and "5,000–15,000: $5.00 per 1,000 recordings" in paid
    assert "above 50,000: $3.00 per 1,000 recordings" in paid
    assert "15,000,000–50,000,000: $29.50 per 1,000,000 events" in _row(html, "product_analytics_paid")
    assert "Free" in _row(html, "session_replay_free") and "current" not in _row(html, "session_replay_free")
    assert "current" in _row(html, "product_analytics_free")
    assert "no price in the catalog" in _row(html, "session_replay_premium")
    assert "no price in the catalog" in _row(html, "enterprise_standard")
