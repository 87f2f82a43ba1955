"""The month's snapshot against the emulator's invoices: each configuration's figure as worked by hand."""
from sqlalchemy import func, select

from app.models import AuditEntry, RevenueLine, RevenueMonth
from app.services.audit import Actor
from app.services.revenue_report import month_report
from app.services.revenue_snapshot import snapshot_month

ACTOR = Actor.system("test")


def _take(db, gateway, catalog_obj, month):
    result = snapshot_month(db.session, gateway, catalog_obj, month, ACTOR)
    db.session.commit()
    return result


def _rows(db, month):
    return {row.customer_id: row for row in db.session.scalars(select(RevenueLine).where(RevenueLine.month == month))}


def test_each_configuration_is_counted_by_its_rule(app, db, gateway, seeded_month):
    from app import collaborators
    result = _take(db, gateway, collaborators.catalog(), seeded_month.month)
    rows, ids = _rows(db, seeded_month.month), seeded_month.customers
    assert (rows[ids["free"]].mrr_cents, rows[ids["free"]].rule) == (0, "free")
    paid = rows[ids["paid"]]
    assert (paid.mrr_cents, paid.product_cents["product_analytics"], paid.rule) == (4_000, 4_000, "paid")
    startup = rows[ids["startup"]]
    assert (startup.mrr_cents, startup.product_cents, startup.rule) == (0, {}, "startup")
    assert startup.inputs["remaining_cents_at_month_end"] == 7_000  # $100.00 granted, $30.00 used
    yearly = rows[ids["enterprise_yearly"]]
    assert yearly.mrr_cents == 490_000  # $58,800.00 / 12
    assert yearly.product_cents == {"product_analytics": 2_000}  # $25.00 at list price less 20%
    amortized = rows[ids["enterprise_amortized"]]
    assert amortized.mrr_cents == 1_000_000  # $30,000.00 a quarter / 3
    assert amortized.product_cents["product_analytics"] == 7_560  # $50.00 + $34.00 = $84.00, less 10%
    assert ids["credits_half"] not in rows  # counted on its usage half
    unresolved = rows[ids["unresolved"]]
    assert unresolved.mrr_cents is None and unresolved.unresolved_reason == "startup without a credit grant " \
        "(no startup credit recorded)"
    assert result.total_mrr_cents == 4_000 + 490_000 + 1_000_000 and result.unresolved == 1
    report = month_report(db.session, seeded_month.month)
    assert report["by_configuration"] == {"enterprise_amortized": 1_000_000, "enterprise_yearly": 490_000,
                                          "free": 0, "paid": 4_000, "startup": 0}
    assert [u["customer_id"] for u in report["unresolved"]] == [ids["unresolved"]]


def test_the_same_snapshot_twice_gives_the_same_rows_and_audits_no_change(app, db, gateway, seeded_month):
    from app import collaborators
    first = _take(db, gateway, collaborators.catalog(), seeded_month.month)
    before = {k: (r.id, r.mrr_cents, r.product_cents, r.inputs) for k, r in _rows(db, seeded_month.month).items()}
    second = _take(db, gateway, collaborators.catalog(), seeded_month.month)
    after = {k: (r.id, r.mrr_cents, r.product_cents, r.inputs) for k, r in _rows(db, seeded_month.month).items()}
    assert after == before and second.changed == 0
    assert db.session.get(RevenueMonth, seeded_month.month).fingerprint and first.total_mrr_cents == second.total_mrr_cents
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "revenue.recomputed")) == 0


def test_an_invoice_voided_in_stripe_is_recomputed_and_audited(app, db, gateway, stripe_client, seeded_month):
    from app import collaborators
    from app.models import AnnualPlan
    _take(db, gateway, collaborators.catalog(), seeded_month.month)
    up_front = db.session.scalar(select(AnnualPlan.invoice_id).where(AnnualPlan.document_id == "doc_yearly"))
    stripe_client.v1.invoices.void_invoice(up_front)
    result = _take(db, gateway, collaborators.catalog(), seeded_month.month)
    yearly = _rows(db, seeded_month.month)[seeded_month.customers["enterprise_yearly"]]
    assert yearly.mrr_cents is None and "is void" in yearly.unresolved_reason and result.changed == 1
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "revenue.recomputed")).one()
    assert entry.before["mrr_cents"] == 490_000 and entry.after["mrr_cents"] is None


def test_a_year_old_up_front_invoice_is_read_by_its_customer_and_old_monthly_invoices_not_at_all(
        app, db, gateway, stripe_client, stripe_emulator, make_customer):
    """The snapshot lists every invoice made since the month before, plus the long-period customers' own year:
    an up-front invoice from four months ago still counts; a paid customer's invoice from then is not read."""
    from datetime import UTC, datetime

    from app import collaborators
    from app.billing.revenue import _add_months

    now = stripe_emulator.state.clock.now()
    month = datetime.fromtimestamp(now, UTC).date().replace(day=1)
    then = _add_months(month, -4)

    def invoice(customer: str, cents: int, metadata: dict) -> str:
        made = stripe_client.v1.invoices.create(params={"customer": customer, "collection_method": "send_invoice",
                                                        "days_until_due": 30, "metadata": metadata})
        stripe_client.v1.invoice_items.create(params={"customer": customer, "invoice": made.id, "amount": cents,
                                                      "currency": "usd", "description": "Up front"})
        return stripe_client.v1.invoices.finalize_invoice(made.id).id

    yearly_stripe = stripe_client.v1.customers.create(params={"name": "Old Yearly Co"}).id
    paid_stripe = stripe_client.v1.customers.create(params={"name": "Old Paid Co"}).id
    yearly = make_customer(name="Old Yearly Co", stripe_customer_id=yearly_stripe,
                           billing_configuration="enterprise_yearly")
    make_customer(name="Old Paid Co", stripe_customer_id=paid_stripe, billing_configuration="paid")
    db.session.commit()
    stripe_emulator.state.clock.set(int(datetime(then.year, then.month, 2, tzinfo=UTC).timestamp()))
    try:
        up_front = invoice(yearly_stripe, 5_880_000, {"amortize": "true", "amortize_start": then.isoformat(),
                                                      "amortize_months": "12"})
        invoice(paid_stripe, 4_000, {})
    finally:
        stripe_emulator.state.clock.set(now)

    result = _take(db, gateway, collaborators.catalog(), month)
    row = _rows(db, month)[yearly.id]
    assert (row.mrr_cents, row.rule) == (490_000, "enterprise_yearly")
    assert up_front in str(row.inputs)
    assert result.invoices_read == 1  # the paid customer's invoice of four months ago was never listed


def test_a_burst_of_invoices_longer_than_a_page_is_read_whole_and_once(
        app, db, gateway, stripe_client, stripe_emulator, make_customer):
    """Invoices made seconds apart fill pages of a single week: the snapshot cuts that week in ranges read side by
    side, and still counts every invoice once."""
    from datetime import UTC, datetime

    from app import collaborators

    now = stripe_emulator.state.clock.now()
    month = datetime.fromtimestamp(now, UTC).date().replace(day=1)
    customer = stripe_client.v1.customers.create(params={"name": "Busy Co"}).id
    busy = make_customer(name="Busy Co", stripe_customer_id=customer, billing_configuration="paid")
    db.session.commit()
    try:
        for i in range(230):
            stripe_emulator.state.clock.set(now + i // 20)
            made = stripe_client.v1.invoices.create(params={"customer": customer, "collection_method": "send_invoice",
                                                            "days_until_due": 30})
            stripe_client.v1.invoice_items.create(params={"customer": customer, "invoice": made.id, "amount": 100 + i,
                                                          "currency": "usd", "description": "Usage"})
            stripe_client.v1.invoices.finalize_invoice(made.id)
    finally:
        stripe_emulator.state.clock.set(now)

    result = _take(db, gateway, collaborators.catalog(), month)
    row = _rows(db, month)[busy.id]
    assert result.invoices_read == 230
    assert row.mrr_cents == sum(100 + i for i in range(230))
    assert len(row.inputs["invoices"]) == 230


def test_a_customer_billed_in_euros_is_listed_with_why_never_added_to_dollars(app, db, gateway, stripe_client,
                                                                               seeded_month, make_customer):
    from app import collaborators
    euro_stripe = stripe_client.v1.customers.create(params={"name": "Euro Co"}).id
    invoice = stripe_client.v1.invoices.create(params={"customer": euro_stripe, "currency": "eur",
                                                       "collection_method": "send_invoice", "days_until_due": 30})
    stripe_client.v1.invoice_items.create(params={"customer": euro_stripe, "invoice": invoice.id, "amount": 250_000,
                                                  "currency": "eur", "description": "Usage"})
    stripe_client.v1.invoices.finalize_invoice(invoice.id)
    euro = make_customer(name="Euro Co", stripe_customer_id=euro_stripe, billing_configuration="paid")
    db.session.commit()
    result = _take(db, gateway, collaborators.catalog(), seeded_month.month)
    row = _rows(db, seeded_month.month)[euro.id]
    assert row.mrr_cents is None
    assert row.unresolved_reason == ("billed in EUR: revenue is counted in USD and no exchange rate is set, so it is "
                                     "listed here, not added")
    assert result.total_mrr_cents == 4_000 + 490_000 + 1_000_000 and result.unresolved == 2  # the €2,500 not in $
