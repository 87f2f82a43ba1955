"""Syncing a customer reads Stripe into its snapshot; failures stay on the customer."""
from app.models import AuditEntry, Customer
from app.services.customer_sync import (
    ensure_customer_for_stripe_id,
    import_customers_from_stripe,
    sync_customer,
)


def test_sync_reads_subscription_items_discount_and_invoices(db, gateway, subscribed_customer, coupon):
    customer = subscribed_customer(coupon=coupon(percent_off=25, name="Quarter off"), subscription_id=None)
    result = sync_customer(db.session, gateway, customer.id)
    assert result.status == "synced", result.error
    assert "subscription_id" in result.changed and "has_discount" in result.changed
    snap = customer.stripe_snapshot
    items = snap["subscriptions"][0]["items"]
    assert {i["price"]["product_key"] for i in items} == {"product_analytics", "session_replay"}
    assert items[0]["price"]["tiers"], "tiers are read so the billing-limit cap uses the customer's own price"
    assert snap["subscriptions"][0]["discounts"][0]["coupon"]["percent_off"] == "25"
    assert customer.has_discount and customer.subscription_id == snap["subscriptions"][0]["id"]
    assert customer.last_synced_at is not None and customer.sync_error == ""
    assert db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "customer.synced",
                                                         AuditEntry.object_id == str(customer.id)))


def test_a_second_sync_without_changes_reports_none(db, gateway, subscribed_customer):
    customer = subscribed_customer()
    sync_customer(db.session, gateway, customer.id)
    assert sync_customer(db.session, gateway, customer.id).changed == []


def test_a_stripe_error_is_recorded_on_the_customer(db, gateway, make_customer):
    customer = make_customer(stripe_customer_id="cus_doesnotexist")
    result = sync_customer(db.session, gateway, customer.id)
    assert result.status == "error" and "No such customer" in result.error
    assert "No such customer" in customer.sync_error and customer.last_synced_at is None


def test_import_matches_by_organisation_then_email_and_creates_the_rest(db, gateway, stripe_client, make_customer):
    by_org = make_customer(name="Org match", organisation_id="org-1", email="other@x.example")
    by_email = make_customer(name="Email match", email="Finance@Beta.example")
    stripe_client.v1.customers.create(params={"name": "A", "metadata": {"organisation_id": "org-1"}})
    stripe_client.v1.customers.create(params={"name": "B", "email": "finance@beta.example"})
    stripe_client.v1.customers.create(params={"name": "Startup C", "metadata": {"organization_id": "org-3",
                                                                                "is_startup_plan_customer": "true"}})
    report = import_customers_from_stripe(db.session, gateway)
    assert sorted(report.linked) == sorted([by_org.id, by_email.id]) and len(report.created) == 1
    new = db.session.get(Customer, report.created[0])
    assert new.organisation_ids == ["org-3"] and new.billing_configuration == "startup"
    assert import_customers_from_stripe(db.session, gateway).created == []  # a second run creates nothing


def test_a_second_stripe_customer_of_an_organisation_is_linked_as_an_amortized_pair(db, gateway, stripe_client):
    for name in ("Credits", "Usage"):
        stripe_client.v1.customers.create(params={"name": name, "metadata": {"organisation_id": "org-9"}})
    report = import_customers_from_stripe(db.session, gateway)
    first, second = (db.session.get(Customer, i) for i in report.created)
    assert first.linked_customer_id == second.id and second.linked_customer_id == first.id
    assert {first.billing_configuration, second.billing_configuration} == {"enterprise_amortized"}


def test_ensure_customer_creates_the_record_and_syncs_it(db, gateway, stripe_client, price_of):
    stripe_customer = stripe_client.v1.customers.create(params={"name": "Go Live Inc", "metadata": {"organisation_id": "org-7"}})
    sub = stripe_client.v1.subscriptions.create(params={"customer": stripe_customer.id,
                                                        "items": [{"price": price_of("product_analytics")}]})
    customer = ensure_customer_for_stripe_id(db.session, gateway, stripe_customer.id, subscription_id=sub.id)
    assert customer.subscription_id == sub.id and customer.organisation_ids == ["org-7"]
    assert customer.last_synced_at is not None
    again = ensure_customer_for_stripe_id(db.session, gateway, stripe_customer.id, subscription_id=sub.id)
    assert again.id == customer.id
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 1
