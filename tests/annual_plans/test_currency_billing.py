"""bluth-eur, a contract in euros, through the buttons: every Stripe object in `eur`, amounts shown in euros;
and a Stripe customer already billed in dollars refused before any write."""
from datetime import UTC, datetime

from app.models import AnnualPlan, StripeOperation
from app.services.catalog import catalog_id
from tests.annual_plans.helpers import loaded_sample, press
from tests.annual_plans.test_go_live import _events, deliver_stripe


def _ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())


def test_bluth_eur_loads_as_a_euro_row_without_warnings(client, db, login_as):
    login_as("viewer")
    plan = loaded_sample(client, db, "bluth-eur")
    data = client.get(f"/annual-plans/{plan.id}.json").get_json()
    assert data["warnings"] == [] and data["currency"] == "eur"
    lines = {ln["product_key"]: ln for ln in data["lines"] if ln["included"]}
    assert {k: (v["volume"], v["upfront_amount_cents"], v["overage"], v["overage_unit_amount_decimal"])
            for k, v in lines.items()} == {"product_analytics": (15000000, 1800000, "standard", None),
                                           "session_replay": (100000, 600000, "custom", "0.5")}
    grid = client.get("/annual-plans").get_data(as_text=True)
    assert "€24,000.00" in grid and "€18,000.00" in grid and "2027-05-01" in grid
    assert 'id="plan-currency">EUR<' in client.get(f"/annual-plans/{plan.id}").get_data(as_text=True)


def test_bluth_eur_every_stripe_object_is_in_euros(app, client, db, login_as, ready_plan, stripe_client, stripe_emulator):
    plan = ready_plan("bluth-eur")
    plan = press(app, db, plan.id, "create_subscription")
    invoice = stripe_client.v1.invoices.retrieve(plan.invoice_id)
    assert (invoice.currency, invoice.total, invoice.due_date) == ("eur", 2400000, _ts("2027-05-01"))
    lines = stripe_client.v1.invoices.line_items.list(plan.invoice_id, params={"limit": 100}).data
    assert {(ln.metadata["product_key"], ln.currency, ln.amount) for ln in lines} == {
        ("product_analytics", "eur", 1800000), ("session_replay", "eur", 600000)}
    items = stripe_emulator.state.collection("invoiceitem").values()
    assert sorted((i["currency"], i["amount"]) for i in items) == [("eur", 600000), ("eur", 1800000)]
    custom = stripe_client.v1.prices.retrieve(plan.line("session_replay").price_id, params={"expand": ["tiers"]})
    assert custom.currency == "eur" and {str(t.unit_amount_decimal) for t in custom.tiers} == {"0.5"}

    login_as("growth")
    review = client.get(f"/annual-plans/{plan.id}/review").get_data(as_text=True)
    assert "€18,000.00" in review and "€24,000.00" in review and "$" not in review.split('id="invoice-lines"')[1][:3000]
    assert "Invoice is in the contract&#39;s currency" in review and "Stripe EUR, contract EUR" in review

    for action in ("amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    [phase] = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id).phases
    standard = catalog_id(db.session, "price", "product_analytics_standard")
    assert phase.currency == "eur" and {i.price for i in phase.items} == {custom.id, standard}

    stripe_client.v1.invoices.finalize_invoice(plan.invoice_id)
    stripe_client.v1.invoices.pay(plan.invoice_id, params={"paid_out_of_band": True})
    [paid] = _events(stripe_emulator, "invoice.paid")
    assert deliver_stripe(client, paid).get_json() == {"result": "processed"}
    db.session.expire_all()
    plan = db.session.get(AnnualPlan, plan.id)
    grant = stripe_client.v1.billing.credit_grants.retrieve(plan.credit_grant_id)
    assert (grant.amount.monetary.currency, grant.amount.monetary.value) == ("eur", 2400000)

    stripe_emulator.set_time(_ts("2027-04-01") + 5)
    schedule = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id)
    subscription = stripe_client.v1.subscriptions.retrieve(schedule.subscription)
    assert subscription.currency == "eur"
    assert stripe_client.v1.customers.retrieve(plan.stripe_customer_id).currency == "eur"


def test_a_customer_already_billed_in_dollars_is_refused_and_nothing_is_written(
        client, db, login_as, ready_plan, stripe_client, stripe_emulator, nothing_written):
    plan = ready_plan("bluth-eur")
    dollars = stripe_client.v1.invoices.create(params={
        "customer": plan.stripe_customer_id, "collection_method": "send_invoice", "days_until_due": 30})
    stripe_client.v1.invoices.finalize_invoice(dollars.id)  # the customer is now billed in usd
    reason = (f"the Stripe customer {plan.stripe_customer_id} is already billed in USD and Stripe allows one "
              "currency per customer, but this contract is in EUR")
    login_as("finance")
    with nothing_written():
        preview = client.get(f"/annual-plans/{plan.id}/actions/create_subscription")
    assert reason in preview.get_data(as_text=True)
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription")  # takes and frees the row's lock
    assert response.status_code == 422 and reason in response.get_data(as_text=True)
    assert db.session.get(AnnualPlan, plan.id).stage == "ready"
    assert [i["id"] for i in stripe_emulator.state.collection("invoice").values()] == [dollars.id]
    assert stripe_emulator.state.collection("invoiceitem") == {}
    assert db.session.scalar(db.select(db.func.count(StripeOperation.id)).where(
        StripeOperation.subject_type == "annual_plan")) == 0


def test_an_euro_rows_up_front_cell_is_edited_in_euros(client, db, login_as, nothing_written):
    plan = loaded_sample(client, db, "bluth-eur")
    login_as("cs")
    field = "line.product_analytics.upfront_amount_cents"
    editor = client.get(f"/annual-plans/{plan.id}/cells/{field}/edit").get_data(as_text=True)
    assert 'value="€18,000.00"' in editor
    with nothing_written():
        refused = client.post(f"/annual-plans/{plan.id}/cells/{field}", data={"value": "$20,000", "version": plan.version},
                              headers={"HX-Request": "true"})
    assert refused.status_code == 422 and "another currency (USD), expected EUR" in refused.get_data(as_text=True)
    saved = client.post(f"/annual-plans/{plan.id}/cells/{field}", data={"value": "€20,000", "version": plan.version},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200 and "€20,000.00" in saved.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(AnnualPlan, plan.id).line("product_analytics").upfront_amount_cents == 2000000


def test_a_later_contract_year_of_an_euro_row_is_drafted_in_euros(app, db, ready_plan, stripe_client, stripe_emulator):
    """No sample is a multi-year euro contract: the 36-month sample, its row made an euro row before year one."""
    from app import timeutil
    from tests.annual_plans.renewal_helpers import on_day, sent_on_test_clock, ts, year_invoices

    def ready_in_euros(name):
        plan = ready_plan(name)
        plan.currency = "eur"
        db.session.commit()
        return plan

    plan, clock = sent_on_test_clock(app, db, ready_in_euros, stripe_client)
    try:
        stripe_client.v1.test_helpers.test_clocks.advance(clock, params={"frozen_time": ts("2028-01-01")})
        on_day("2028-01-01")
        result = app.test_cli_runner().invoke(args=["annual-plans", "draft-renewals"])
    finally:
        timeutil.freeze(None)
    assert result.exit_code == 0, result.output
    [invoice] = year_invoices(stripe_emulator, plan.id, 2)
    lines = stripe_client.v1.invoices.line_items.list(invoice["id"]).data
    assert invoice["currency"] == "eur" and {(ln.currency, ln.amount) for ln in lines} == {
        ("eur", 7000000), ("eur", 2000000)}
    [phase] = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id).phases
    assert phase.currency == "eur"
