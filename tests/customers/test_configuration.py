"""Configuration mismatches on the customer page and on the report page, after a sync."""
from app.services.customer_sync import sync_customer


def test_a_paid_customer_on_a_custom_price_is_listed_with_the_reason(client, login_as, db, gateway, stripe_client,
                                                                    subscribed_customer, price_of):
    ok = subscribed_customer("Fine Co")
    odd = subscribed_customer("Odd Co", products=("product_analytics",))
    stripe_client.v1.subscriptions.create(params={"customer": odd.stripe_customer_id,
                                                  "items": [{"price": price_of("session_replay")}]})
    for customer in (ok, odd):
        sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    login_as("viewer")

    report = client.get("/customers/configuration").get_data(as_text=True)
    assert f'id="customer-{odd.id}"' in report and f'id="customer-{ok.id}"' not in report
    assert "exactly one active subscription; Stripe has 2" in report
    page = client.get(f"/customers/{odd.id}").get_data(as_text=True)
    assert "Billing configuration: Paid" in page and "Stripe has 2" in page
    assert "Stripe matches this configuration" in client.get(f"/customers/{ok.id}").get_data(as_text=True)


def test_a_startup_customer_without_startup_metadata_is_flagged(client, login_as, db, gateway, synced_customer):
    customer = synced_customer("Young Co", billing_configuration="startup")
    login_as("viewer")
    html = client.get(f"/customers/{customer.id}/fragments/configuration").get_data(as_text=True)
    assert "lacks is_startup_plan_customer=true" in html and "lacks credit_expires_at" in html
