"""Many customers are read from Stripe's list pages; the snapshots equal one-by-one reads."""
import gc

import pytest

from app.gateways.stripe import StripeGateway, StripeGatewayError
from app.models import Customer
from app.services.customer_bulk_read import BulkStripeState, read_in_batches
from app.services.customer_bulk_sync import sync_customers
from app.services.customer_sync import import_customers_from_stripe, read_stripe_state


def _read_all(gateway, wanted, report=lambda line: None) -> tuple[BulkStripeState, list[str]]:
    state = BulkStripeState(set(wanted))
    return state, [stripe_id for batch in read_in_batches(state, gateway, report, 500) for stripe_id in batch]


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
    bulk, handed_out = _read_all(gateway, varied_stripe_customers, lines.append)
    assert sorted(handed_out) == sorted(varied_stripe_customers) and not bulk.late
    calls = gateway.calls
    for stripe_id in varied_stripe_customers:
        assert bulk.snapshot(gateway, stripe_id, "posthog_product_key") == read_stripe_state(gateway, stripe_id)
    assert gateway.calls - calls == 5 * 4 + 1  # the single reads; the bulk snapshots took only the 13th tax id page
    churned = bulk.snapshot(gateway, varied_stripe_customers[3], "posthog_product_key")
    assert len(churned["invoices"]) == 5 and len(churned["subscriptions"]) == 1 and churned["schedules"]
    assert len(bulk.snapshot(gateway, varied_stripe_customers[2], "posthog_product_key")["customer"]["tax_ids"]) == 12
    assert sorted(line.split(":")[0] for line in lines) == [
        "Stripe customers page 1", "Stripe invoices page 1", "Stripe schedules page 1", "Stripe subscriptions page 1"]


def test_invoices_are_read_one_by_one_when_paging_on_would_cost_more(db, gateway, stripe_client,
                                                                    varied_stripe_customers):
    busy = stripe_client.v1.customers.create(params={"name": "Busy"}).id
    for _ in range(150):
        stripe_client.v1.invoices.create(params={"customer": busy, "collection_method": "send_invoice",
                                                 "days_until_due": 30})
    bulk, _ = _read_all(gateway, {busy})  # one customer: its five are on the first page
    assert bulk.invoices_known(busy)
    wanted = varied_stripe_customers[:2]
    bulk, _ = _read_all(gateway, wanted)  # the invoice list may or may not be read to its end meanwhile
    calls = gateway.calls
    snapshots = [bulk.snapshot(gateway, stripe_id, "posthog_product_key") for stripe_id in wanted]
    assert gateway.calls - calls == (2 if bulk.invoices_cut else 0)  # each one's recent invoices, when cut
    assert snapshots == [read_stripe_state(gateway, stripe_id) for stripe_id in wanted]


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
    assert [line for _, line in progress if line.startswith("Stripe customers")] == [
        "Stripe customers page 1: 100 of 120 found", "Stripe customers page 2: 120 of 120 found"]
    assert [done for done, line in progress if not line.startswith("Stripe ")] == list(range(1, 121))
    assert [r["id"] for r in result["results"]] == ids
    customer = db.session.get(Customer, ids[0])
    assert customer.stripe_snapshot == read_stripe_state(gateway, customer.stripe_customer_id)
    assert customer.subscription_id and customer.last_synced_at


def test_a_page_failing_past_its_retries_leaves_an_error_on_each_customer(db, gateway, stripe_client,
                                                                          stripe_emulator):
    for n in range(3):
        stripe_client.v1.customers.create(params={"name": f"Unread {n}"})
    import_customers_from_stripe(db.session, gateway)
    db.session.commit()
    gateway.sleep = gateway.http.sleep = lambda seconds: None
    stripe_emulator.faults.configure(fail_next=1000, path_prefix="/v1/invoices")
    progress = []
    result = sync_customers(db.session, gateway, list(db.session.scalars(db.select(Customer.id))),
                            lambda done, line: progress.append(line))
    assert result["synced"] == 0 and result["failed"] == 3  # the run went on to every customer
    assert any("reading the other customers one by one" in line for line in progress)
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


def test_pages_read_over_plain_http_equal_stripe_pythons(db, gateway, varied_stripe_customers):
    """The app reads list pages over its own HTTP pool; a gateway without one goes through the SDK."""
    sdk_only = StripeGateway(gateway.client)
    for pages in ("customer_pages", "subscription_pages", "schedule_pages", "invoice_pages"):
        assert list(getattr(gateway, pages)()) == list(getattr(sdk_only, pages)()), pages
    assert any(line.startswith("req_") for line in gateway.request_ids)


def test_a_refused_page_is_not_retried_and_says_why(db, gateway, stripe_emulator):
    gateway.sleep = gateway.http.sleep = lambda seconds: pytest.fail("a 401 must not be retried")
    gateway.http.api_key = "sk_live_revoked0000"
    calls = gateway.calls
    with pytest.raises(StripeGatewayError) as refused:
        list(gateway.customer_pages())
    assert refused.value.http_status == 401 and not refused.value.retryable and gateway.calls - calls == 1
    assert str(refused.value) == "Stripe: Invalid API Key provided: sk_live_****0000"


def test_a_page_answered_500_is_read_again(db, gateway, stripe_emulator, varied_stripe_customers):
    gateway.sleep = gateway.http.sleep = lambda seconds: None
    stripe_emulator.faults.configure(fail_next=2, path_prefix="/v1/subscriptions")
    calls = gateway.calls
    pages = list(gateway.subscription_pages())
    assert [sub["customer"] for page in pages for sub in page] == [varied_stripe_customers[3], varied_stripe_customers[1]]
    assert stripe_emulator.faults.to_json()["fail_next"] == 0 and gateway.calls - calls >= 1
