"""Many customers are read from Stripe's list pages; the snapshots equal one-by-one reads."""
import gc

import pytest

from app.models import Customer
from app.services.customer_sync import (
    import_customers_from_stripe,
    read_stripe_state,
    read_stripe_states,
    sync_customers,
)


@pytest.fixture
def varied_stripe_customers(stripe_client, price_of, coupon):
    """Customers with and without subscriptions, discounts, tax ids (more than a page's 10),
    schedules, canceled subscriptions and more invoices than the recent five."""
    create = stripe_client.v1
    plain = create.customers.create(params={"name": "Plain"}).id
    discounted = create.customers.create(params={"name": "Discounted", "email": "d@x.example",
                                                 "address": {"country": "DE", "city": "Berlin"},
                                                 "tax_id_data": [{"type": "eu_vat", "value": "DE123456789"}]}).id
    create.subscriptions.create(params={"customer": discounted, "discounts": [{"coupon": coupon(percent_off=30)}],
                                        "items": [{"price": price_of("product_analytics")},
                                                  {"price": price_of("session_replay")}]})
    many_tax_ids = create.customers.create(params={"name": "Many tax ids"}).id
    for n in range(12):
        create.customers.tax_ids.create(many_tax_ids, params={"type": "us_ein", "value": f"12-34567{n:02d}"})
    churned = create.customers.create(params={"name": "Churned"}).id
    old = create.subscriptions.create(params={"customer": churned, "items": [{"price": price_of("session_replay")}]})
    create.subscriptions.cancel(old.id)
    create.subscriptions.create(params={"customer": churned, "items": [{"price": price_of("product_analytics")}]})
    create.subscription_schedules.create(params={"customer": churned, "start_date": 4_000_000_000,
                                                 "phases": [{"items": [{"price": price_of("product_analytics")}]}]})
    for _ in range(7):
        create.invoices.create(params={"customer": churned, "collection_method": "send_invoice",
                                       "days_until_due": 30})
    return [plain, discounted, many_tax_ids, churned]


def test_the_bulk_snapshot_equals_the_per_customer_one(db, gateway, varied_stripe_customers):
    lines = []
    bulk = read_stripe_states(gateway, set(varied_stripe_customers), lines.append)
    assert bulk is not None and bulk.invoices_complete
    for stripe_id in varied_stripe_customers:
        assert bulk.snapshot(gateway, stripe_id, "posthog_product_key") == read_stripe_state(gateway, stripe_id)
    churned = bulk.snapshot(gateway, varied_stripe_customers[3], "posthog_product_key")
    assert len(churned["invoices"]) == 5 and len(churned["subscriptions"]) == 1 and churned["schedules"]
    assert len(bulk.snapshot(gateway, varied_stripe_customers[2], "posthog_product_key")["customer"]["tax_ids"]) == 12
    assert [line.split(":")[0] for line in lines] == [
        "Stripe customers page 1", "Stripe subscriptions page 1", "Stripe schedules page 1", "Stripe invoices page 1"]


def test_invoices_are_read_one_by_one_when_paging_on_would_cost_more(db, gateway, stripe_client,
                                                                    varied_stripe_customers):
    busy = stripe_client.v1.customers.create(params={"name": "Busy"}).id
    for _ in range(150):
        stripe_client.v1.invoices.create(params={"customer": busy, "collection_method": "send_invoice",
                                                 "days_until_due": 30})
    bulk = read_stripe_states(gateway, {busy})  # one customer: its five are on the first page
    assert bulk is not None and bulk.invoices_complete
    bulk = read_stripe_states(gateway, set(varied_stripe_customers[:2]))
    assert not bulk.invoices_complete  # after two pages, two customers are still short of five invoices
    calls = gateway.calls
    snapshots = [bulk.snapshot(gateway, stripe_id, "posthog_product_key") for stripe_id in varied_stripe_customers[:2]]
    assert gateway.calls - calls == 2  # each one's recent invoices
    assert snapshots == [read_stripe_state(gateway, stripe_id) for stripe_id in varied_stripe_customers[:2]]


def test_sync_of_many_customers_reads_pages_and_reports_each(db, gateway, stripe_client, price_of):
    for n in range(120):
        customer = stripe_client.v1.customers.create(params={"name": f"Paged {n:03d}"})
        stripe_client.v1.subscriptions.create(params={"customer": customer.id,
                                                      "items": [{"price": price_of("product_analytics")}]})
    import_customers_from_stripe(db.session, gateway)
    db.session.commit()
    ids = list(db.session.scalars(db.select(Customer.id).order_by(Customer.id)))
    progress = []
    calls = gateway.calls
    result = sync_customers(db.session, gateway, ids, lambda done, line: progress.append((done, line)))
    assert result["synced"] == 120 and result["failed"] == 0
    assert gateway.calls - calls < 15  # 2 + 2 + 1 + 2 pages (+ prices once), not 600 calls
    assert [line for done, line in progress if done == 0][:2] == ["Stripe customers page 1: 100 of 120 found",
                                                                  "Stripe customers page 2: 120 of 120 found"]
    assert [done for done, _ in progress if done] == list(range(1, 121))
    customer = db.session.get(Customer, ids[0])
    assert customer.stripe_snapshot == read_stripe_state(gateway, customer.stripe_customer_id)
    assert customer.subscription_id and customer.last_synced_at


def test_a_page_failing_past_its_retries_leaves_an_error_on_each_customer(db, gateway, stripe_client,
                                                                          stripe_emulator):
    for n in range(3):
        stripe_client.v1.customers.create(params={"name": f"Unread {n}"})
    import_customers_from_stripe(db.session, gateway)
    db.session.commit()
    gateway.sleep = lambda seconds: None
    stripe_emulator.faults.configure(fail_next=1000, path_prefix="/v1/invoices")
    progress = []
    result = sync_customers(db.session, gateway, list(db.session.scalars(db.select(Customer.id))),
                            lambda done, line: progress.append(line))
    assert result["synced"] == 0 and result["failed"] == 3  # the run went on to every customer
    assert any("reading customers one by one" in line for line in progress)
    for customer in db.session.scalars(db.select(Customer)):
        assert customer.sync_error.startswith("Stripe") and customer.last_synced_at is None


@pytest.mark.parametrize("enabled", [True, False])
def test_a_bulk_sync_leaves_the_garbage_collector_as_it_found_it(db, gateway, stripe_client, enabled):
    for n in range(3):
        stripe_client.v1.customers.create(params={"name": f"Collected {n}"})
    import_customers_from_stripe(db.session, gateway)
    db.session.commit()
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        result = sync_customers(db.session, gateway, list(db.session.scalars(db.select(Customer.id))),
                                lambda done, line: None)
        assert (result["synced"], gc.isenabled()) == (3, enabled)
    finally:
        (gc.enable if was else gc.disable)()
