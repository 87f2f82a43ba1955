"""Sync selected / Sync all: a background job, a progress bar, one result per customer."""
from app.jobs import job_queue
from app.models import Customer, Job
from app.services.customer_sync import import_customers_from_stripe


def test_sync_all_over_200_customers_with_one_injected_failure(client, login_as, db, gateway, stripe_emulator,
                                                               stripe_client):
    """Read from list pages: a page failing past the SDK's retries is retried with backoff; a
    customer whose data can't be read (gone from Stripe) gets the error on its record."""
    ids = [stripe_client.v1.customers.create(params={"name": f"Bulk {n:03d}"}).id for n in range(200)]
    import_customers_from_stripe(db.session, gateway)
    db.session.commit()
    broken = ids[57]
    stripe_client.v1.customers.delete(broken)
    stripe_emulator.faults.configure(fail_next=3, path_prefix="/v1/subscriptions")  # the SDK retries twice
    login_as("cs")
    response = client.post("/customers/sync", data={"scope": "all"}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "<progress" in response.get_data(as_text=True)
    assert "hx-trigger=\"load delay:1s\"" in response.get_data(as_text=True)  # it polls until the job ends
    job_queue.drain()
    job = db.session.scalars(db.select(Job).where(Job.kind == "customers.sync")).one()
    html = client.get(f"/customers/sync/{job.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Synced 199, failed 1." in html and "hx-trigger" not in html  # finished: polling stops
    assert job.done == job.total == 200 and job.result["failed"] == 1
    failed = [r for r in job.result["results"] if r["status"] == "error"]
    assert failed[0]["name"] == "Bulk 057" and "Stripe" in failed[0]["error"]
    customers = db.session.scalars(db.select(Customer)).all()
    assert sum(1 for c in customers if c.last_synced_at) == 199
    assert "deleted" in db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == broken)).sync_error


def test_sync_selected_only_touches_those(client, login_as, db, subscribed_customer):
    one, two = subscribed_customer(name="One Co"), subscribed_customer(name="Two Co")
    login_as("finance")
    client.post("/customers/sync", data={"scope": "selected", "ids": [str(one.id)]}, headers={"HX-Request": "true"})
    job_queue.drain()
    db.session.expire_all()
    assert db.session.get(Customer, one.id).last_synced_at is not None
    assert db.session.get(Customer, two.id).last_synced_at is None
    job = db.session.scalars(db.select(Job).where(Job.kind == "customers.sync")).one()
    assert job.result["results"][0]["changed"]  # first sync: the snapshot arrived


def test_sync_selected_with_nothing_ticked_is_a_422(client, login_as, db):
    login_as("cs")
    response = client.post("/customers/sync", data={"scope": "selected"}, headers={"HX-Request": "true"})
    assert response.status_code == 422 and "Tick at least one customer" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Job.id))) == 0


def test_viewers_cannot_start_a_sync(client, login_as, subscribed_customer, nothing_written):
    login_as("viewer")
    subscribed_customer()
    with nothing_written():
        assert client.post("/customers/sync", data={"scope": "all"}).status_code == 403
