"""A bulk sync writes its customers a chunk at a time, without losing an edit made meanwhile."""
from app.models import AuditEntry, Customer
from app.services import customer_bulk_sync
from app.services.customer_bulk_sync import sync_customers
from app.services.customer_sync import import_customers_from_stripe, read_stripe_state


def _imported(db, gateway, stripe_client, n):
    for i in range(n):
        stripe_client.v1.customers.create(params={"name": f"Chunked {i}", "email": f"c{i}@chunk.example"})
    import_customers_from_stripe(db.session, gateway)
    db.session.commit()
    return list(db.session.scalars(db.select(Customer.id).order_by(Customer.id)))


def test_a_chunk_writes_every_snapshot_and_one_audit_entry_each(db, gateway, stripe_client):
    ids = _imported(db, gateway, stripe_client, 30)
    result = sync_customers(db.session, gateway, ids, lambda done, line: None)
    assert result["synced"] == 30 and [r["id"] for r in result["results"]] == ids
    customer = db.session.get(Customer, ids[0])
    assert result["results"][0]["name"] == customer.name and "stripe customer" in result["results"][0]["changed"]
    assert customer.stripe_snapshot == read_stripe_state(gateway, customer.stripe_customer_id)
    assert customer.last_synced_at and customer.version == 2
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "customer.synced")).all()
    assert sorted(int(e.object_id) for e in entries) == ids


def test_a_customer_edited_while_its_chunk_is_compared_keeps_the_edit(db, gateway, stripe_client, monkeypatch):
    """Stripe has no email for this one, so the sync keeps ours: the one typed in meanwhile."""
    no_email = stripe_client.v1.customers.create(params={"name": "No email"}).id
    ids = _imported(db, gateway, stripe_client, 30)
    edited_id = db.session.scalar(db.select(Customer.id).where(Customer.stripe_customer_id == no_email))
    read_rows = customer_bulk_sync._rows

    def rows_then_an_edit(session, customer_ids):
        rows = read_rows(session, customer_ids)
        db.session.get(Customer, edited_id).email = "typed@meanwhile.example"  # after the chunk read its rows
        db.session.commit()
        return rows

    monkeypatch.setattr(customer_bulk_sync, "_rows", rows_then_an_edit)
    result = sync_customers(db.session, gateway, ids, lambda done, line: None)
    assert result["synced"] == 31 and result["failed"] == 0
    edited = db.session.get(Customer, edited_id)
    assert edited.email == "typed@meanwhile.example" and edited.stripe_snapshot and edited.last_synced_at
    assert all(db.session.get(Customer, i).last_synced_at for i in ids)


def test_a_customer_handed_out_twice_is_reported_once_with_its_final_state(db, gateway, stripe_client, monkeypatch):
    """The bulk read hands a customer out again when more of it arrived after it was written."""
    ids = _imported(db, gateway, stripe_client, 3)
    read, again = customer_bulk_sync.read_in_batches, []

    def twice(state, gateway, report, batch):
        batches = list(read(state, gateway, report, batch))
        yield from batches
        again.append(batches[0][0])
        yield [again[0]]

    monkeypatch.setattr(customer_bulk_sync, "read_in_batches", twice)
    progress = []
    result = sync_customers(db.session, gateway, ids, lambda done, line: progress.append(done))
    assert result["synced"] == 3 and [r["id"] for r in result["results"]] == ids
    assert max(progress) == 3
    db.session.expire_all()
    twice_written = db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == again[0]))
    assert twice_written.version == 3  # imported, then written twice
    entries = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "customer.synced",
                                                             AuditEntry.object_id == str(twice_written.id))
                                 .order_by(AuditEntry.id)).all()
    assert len(entries) == 2 and entries[-1].note == "no changes"
