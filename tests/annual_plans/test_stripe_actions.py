"""The four buttons against the emulator: the exact Stripe objects for the sample contracts."""
from datetime import UTC, datetime

import pytest

from tests.annual_plans.helpers import press


def _ts(day: str) -> int:
    return int(datetime.fromisoformat(day).replace(tzinfo=UTC).timestamp())



def test_acme_whole_flow(app, db, ready_plan, stripe_emulator, stripe_client):
    plan = ready_plan("acme")
    plan = press(app, db, plan.id, "create_subscription")
    assert plan.stage == "invoiced" and plan.invoice_id.startswith("in_")
    invoice = stripe_client.v1.invoices.retrieve(plan.invoice_id)
    assert (invoice.collection_method, invoice.status, invoice.auto_advance) == ("send_invoice", "draft", False)
    assert invoice.due_date == _ts("2027-03-03")
    assert invoice.metadata["annual_plan_id"] == str(plan.id) and invoice.metadata["document_id"] == plan.document_id
    lines = stripe_client.v1.invoices.line_items.list(plan.invoice_id, params={"limit": 100}).data
    amounts = {ln.metadata["product_key"]: ln.amount for ln in lines}
    assert amounts == {"product_analytics": 6000000, "session_replay": 1250000, "feature_flags": 500000,
                       "enterprise": 2500000}
    assert {(ln.period.start, ln.period.end) for ln in lines} == {(_ts("2027-02-01"), _ts("2028-02-01"))}
    assert invoice.total == 10250000
    custom = plan.line("session_replay").price_id
    price = stripe_client.v1.prices.retrieve(custom, params={"expand": ["tiers"]})
    assert price.recurring.usage_type == "metered" and price.recurring.meter
    assert {str(t.unit_amount_decimal) for t in price.tiers} == {"0.4"}
    assert price.metadata["posthog_product_key"] == "session_replay" and price.nickname.startswith("Custom - ")

    plan = press(app, db, plan.id, "amortize")
    invoice = stripe_client.v1.invoices.retrieve(plan.invoice_id)
    assert invoice.metadata["amortize"] == "true" and invoice.metadata["amortize_months"] == "12"
    assert invoice.metadata["monthly_cents_product_analytics"] == "500000"
    assert plan.stage == "amortized"

    plan = press(app, db, plan.id, "schedule")
    schedule = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id)
    assert schedule.status == "not_started" and schedule.end_behavior == "release"
    assert schedule.start_date == _ts("2027-02-01") if "start_date" in schedule else True
    [phase] = schedule.phases
    assert phase.start_date == _ts("2027-02-01") and phase.end_date == _ts("2029-02-01")
    item_prices = {i.price if isinstance(i.price, str) else i.price.id for i in phase.items}
    from app.services.catalog import catalog_id

    assert item_prices == {custom, catalog_id(db.session, "price", "product_analytics_standard"),
                           catalog_id(db.session, "price", "feature_flags_free")}
    assert not phase.discounts
    assert phase.collection_method == "send_invoice" and phase.invoice_settings.days_until_due == 30
    assert plan.stage == "scheduled"


def test_buttons_in_the_browserless_flow(client, db, login_as, ready_plan, stripe_emulator):
    """Preview, confirm with the fingerprint, review page, start over."""
    plan = ready_plan("globex")
    login_as("finance")
    page = client.get(f"/annual-plans/{plan.id}/actions/create_subscription").get_data(as_text=True)
    assert "The Stripe calls this will make" in page and f"annual-plan-{plan.id}-a1-create_subscription-invoice" in page
    fingerprint = page.split('name="fingerprint" value="')[1].split('"')[0]
    response = client.post(f"/annual-plans/{plan.id}/actions/create_subscription", data={"fingerprint": fingerprint})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(plan)
    assert plan.stage == "invoiced"
    review = client.get(f"/annual-plans/{plan.id}/review").get_data(as_text=True)
    assert "$1,350,000.00" in review and "Billing address on the customer" in review
    assert client.post(f"/annual-plans/{plan.id}/start-over").status_code == 302
    db.session.refresh(plan)
    assert (plan.stage, plan.invoice_id, plan.stripe_attempt) == ("ready", None, 2)
    invoices = list(stripe_emulator.state.collection("invoice").values())
    assert invoices == [] or all(i.get("status") in ("void", "deleted") for i in invoices)


def test_globex_custom_price_discount_and_36_month_schedule(app, db, ready_plan, stripe_client):
    plan = ready_plan("globex")
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    invoice = stripe_client.v1.invoices.retrieve(plan.invoice_id)
    assert invoice.due_date == _ts("2027-04-29") and invoice.total == 135000000
    price = stripe_client.v1.prices.retrieve(plan.line("product_analytics").price_id, params={"expand": ["tiers"]})
    assert [str(t.unit_amount_decimal) for t in price.tiers] == ["0.002"] * 5
    group_default = stripe_client.v1.prices.list(params={"lookup_keys": ["group_analytics_standard"],
                                                         "expand": ["data.tiers"]}).data[0]
    assert [t.up_to for t in price.tiers] == [t.up_to for t in group_default.tiers]  # aligned with the add-on
    schedule = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id)
    [phase] = schedule.phases
    assert phase.start_date == _ts("2027-03-15") and phase.end_date == _ts("2030-03-15")
    [discount] = phase.discounts
    coupon = stripe_client.v1.coupons.retrieve(discount.coupon if isinstance(discount.coupon, str) else discount.coupon.id)
    assert float(coupon.percent_off) == 15.0 and coupon.duration == "forever"
    assert phase.invoice_settings.days_until_due == 45
    assert len(phase.items) == 2


@pytest.mark.parametrize("term, end", [(12, "2028-02-01"), (18, "2028-08-01"), (24, "2029-02-01"), (36, "2030-02-01")])
def test_terms_become_phase_durations(app, db, ready_plan, stripe_client, term, end):
    plan = ready_plan("acme")
    plan.term_months = term
    db.session.commit()
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    [phase] = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id).phases
    assert (phase.start_date, phase.end_date) == (_ts("2027-02-01"), _ts(end))


def test_amortize_waits_for_every_line(app, db, ready_plan, stripe_client):
    plan = ready_plan("acme")
    plan = press(app, db, plan.id, "create_subscription")
    line = next(ln for ln in stripe_client.v1.invoices.line_items.list(plan.invoice_id).data
                if ln.metadata["product_key"] == "enterprise")
    stripe_client.v1.invoice_items.delete(line.parent.invoice_item_details.invoice_item)
    with pytest.raises(Exception, match="does not have every expected line yet .*Enterprise"):
        press(app, db, plan.id, "amortize")
    db.session.refresh(plan)
    assert plan.stage == "invoiced"
