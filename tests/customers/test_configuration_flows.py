"""A customer's configuration is set by what happens to it: its subscription, a flow, or a person with a reason."""
import pytest

from app.models import AuditEntry, Customer
from app.services.customer_sync import sync_customer


def _reload(db, customer):
    db.session.expire_all()
    return db.session.get(Customer, customer.id)


def test_a_subscription_on_default_prices_is_paid_and_none_is_free(db, gateway, stripe_client, subscribed_customer,
                                                                   make_customer):
    paid = subscribed_customer(name="Payer Co")
    free = make_customer(name="Window Shopper", stripe_customer_id=stripe_client.v1.customers.create(
        params={"name": "Window Shopper"}).id)
    for customer in (paid, free):
        sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    assert [(_reload(db, c).billing_configuration, _reload(db, c).configuration_source) for c in (paid, free)] == [
        ("paid", "subscription"), ("free", "subscription")]


def test_a_canceled_subscription_makes_a_paid_customer_free_at_the_next_sync(db, gateway, stripe_client,
                                                                               subscribed_customer):
    customer = subscribed_customer(name="Leaver Co")
    sync_customer(db.session, gateway, customer.id)
    stripe_client.v1.subscriptions.cancel(customer.subscription_id)
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    customer = _reload(db, customer)
    assert customer.billing_configuration == "free"
    synced = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "customer.synced")
                                .order_by(AuditEntry.id)).all()
    assert synced[-1].after["billing_configuration"] == "free" and synced[-1].actor_label == "system:stripe-sync"


def test_an_override_needs_a_reason_and_survives_a_sync(client, login_as, db, gateway, synced_customer,
                                                         nothing_written):
    customer = synced_customer(name="Legacy Co")
    login_as("finance")
    with nothing_written():
        refused = client.post(f"/customers/{customer.id}/configuration", headers={"HX-Request": "true"},
                              data={"configuration": "enterprise_yearly", "reason": " ", "version": customer.version})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    response = client.post(f"/customers/{customer.id}/configuration", headers={"HX-Request": "true"},
                           data={"configuration": "enterprise_yearly", "reason": "legacy contract, billed by hand",
                                 "version": customer.version})
    assert response.status_code == 200 and "legacy contract, billed by hand" in response.get_data(as_text=True)
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    customer = _reload(db, customer)
    assert (customer.billing_configuration, customer.configuration_source) == ("enterprise_yearly", "override")
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "customer.configuration_set"))
    assert entry.after == {"configuration": "enterprise_yearly", "source": "override"}
    assert entry.note == "legacy contract, billed by hand"
    back = client.post(f"/customers/{customer.id}/configuration", headers={"HX-Request": "true"},
                       data={"configuration": "automatic", "reason": "contract ended", "version": customer.version})
    assert back.status_code == 200
    customer = _reload(db, customer)
    assert (customer.billing_configuration, customer.configuration_source) == ("paid", "subscription")


@pytest.mark.parametrize("configuration", ["gold", ""])
def test_an_unknown_configuration_is_refused(client, login_as, db, make_customer, nothing_written, configuration):
    customer = make_customer(name="Odd Co")
    login_as("finance")
    with nothing_written():
        response = client.post(f"/customers/{customer.id}/configuration", headers={"HX-Request": "true"},
                               data={"configuration": configuration, "reason": "why not", "version": customer.version})
    assert response.status_code == 422 and "is not a billing configuration" in response.get_data(as_text=True)
