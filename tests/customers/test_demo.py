"""`flask seed-demo` gives a new user customers to try the editors on."""
from app.demo.customers import seed_demo_customers
from app.models import Customer


def test_demo_customers_exist_in_stripe_and_are_synced(app, db, stripe_client, stripe_emulator):
    with app.test_request_context():
        report = seed_demo_customers(db.session)
    assert all(line.endswith("synced") for line in report), report
    customers = {c.name: c for c in db.session.scalars(db.select(Customer))}
    assert len(customers) == 5
    otter = customers["Otter Works"]
    assert otter.has_discount and otter.organisation_ids == ["org-otter"]
    assert stripe_client.v1.subscriptions.retrieve(otter.subscription_id).discounts
    assert customers["Lemur Labs"].free_trial_until and customers["Lemur Labs"].billing_configuration == "startup"
    assert customers["Puffin Co"].subscription_id is None


def test_demo_customers_without_stripe_are_ours_only(app, db):
    with app.test_request_context():
        app.extensions["stripe_client"], saved = None, app.extensions["stripe_client"]
        try:
            report = seed_demo_customers(db.session)
        finally:
            app.extensions["stripe_client"] = saved
    assert len(report) == 5 and "ours only" in report[0]
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 5
