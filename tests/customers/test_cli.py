"""`flask customers import --from-stripe` and `flask customers sync [ID ...]`."""
from app.models import Customer


def test_import_then_sync_by_stripe_id(app, db, stripe_client, stripe_emulator):
    first = stripe_client.v1.customers.create(params={"name": "Cli One", "metadata": {"organisation_id": "org-c1"}})
    stripe_client.v1.customers.create(params={"name": "Cli Two"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["customers", "import", "--from-stripe"])
    assert result.exit_code == 0 and "Created 2, linked 0, already known 0" in result.output
    result = runner.invoke(args=["customers", "sync", first.id])
    assert result.exit_code == 0 and "Synced 1, failed 0" in result.output
    synced = db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == first.id))
    assert synced.last_synced_at is not None and synced.organisation_ids == ["org-c1"]


def test_sync_exits_non_zero_when_a_customer_fails(app, make_customer):
    make_customer(stripe_customer_id="cus_gone")
    result = app.test_cli_runner().invoke(args=["customers", "sync"])
    assert result.exit_code == 1 and "failed 1" in result.output


def test_sync_of_an_unknown_customer(app, db):
    result = app.test_cli_runner().invoke(args=["customers", "sync", "cus_nobody"])
    assert result.exit_code != 0 and "no customer 'cus_nobody'" in result.output
