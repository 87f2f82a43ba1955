"""An annual plan going live hands its credit discount to the customer record, so the record and the
coupon the row's schedule put on its phase agree from the first day; later edits follow the record."""
from datetime import UTC, datetime
from decimal import Decimal

from app import collaborators
from app.models import AuditEntry, Customer
from app.services.audit import Actor
from app.services.configuration_report import customer_mismatches
from app.services.credit_discount import set_credit_discount
from tests.annual_plans.helpers import press
from tests.annual_plans.test_go_live import _events, deliver_stripe


def _live(client, db, stripe_emulator, plan, start: datetime) -> Customer:
    stripe_emulator.set_time(int(start.replace(second=5, tzinfo=UTC).timestamp()))
    for event in _events(stripe_emulator, "subscription_schedule.updated", "customer.subscription.created"):
        assert deliver_stripe(client, event).status_code == 200
    db.session.expire_all()
    return db.session.scalar(db.select(Customer).where(Customer.stripe_customer_id == plan.stripe_customer_id))


def test_the_row_percent_becomes_the_customers_and_the_checker_agrees(app, client, db, ready_plan, stripe_emulator):
    plan = ready_plan("globex")  # a 15% credit discount
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    customer = _live(client, db, stripe_emulator, plan, datetime(2027, 3, 15))
    assert customer.credit_discount_percent == Decimal(15)
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.object_id == str(customer.id),
                                                          AuditEntry.action == "customer.credit_discount_set"))
    assert entry.after == {"credit_discount_percent": "15"} and entry.note == f"annual plan row {plan.id} went live"
    assert not [m for m in customer_mismatches(db.session, customer) if "our record says" in m]


def test_a_later_edit_replaces_the_rows_coupon_on_the_current_phase(app, client, db, ready_plan, stripe_client,
                                                                   stripe_emulator):
    plan = ready_plan("globex")
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    customer = _live(client, db, stripe_emulator, plan, datetime(2027, 3, 15))
    [phase] = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id).to_dict()["phases"]
    assert [d["coupon"] for d in phase["discounts"]] == [f"annual-plan-{plan.id}-a1-schedule-discount"]
    with app.test_request_context():
        set_credit_discount(db.session, collaborators.stripe_gateway(), Actor.system("tests"), customer.id, "10",
                            None, collaborators.catalog().product_key_metadata)
    db.session.commit()
    [phase] = stripe_client.v1.subscription_schedules.retrieve(plan.subscription_schedule_id).to_dict()["phases"]
    assert [d["coupon"] for d in phase["discounts"]] == ["credit-discount-10"]
    sub = stripe_client.v1.subscriptions.retrieve(plan.subscription_id, params={"expand": ["discounts"]})
    assert [d.source.coupon for d in sub.discounts] == ["credit-discount-10"]
    customer = db.session.get(Customer, customer.id)
    assert customer.credit_discount_percent == Decimal(10)
    assert not [m for m in customer_mismatches(db.session, customer) if "our record says" in m]


def test_a_row_without_discount_leaves_the_customer_without_one(app, client, db, ready_plan, stripe_emulator):
    plan = ready_plan("acme")  # 0%
    for action in ("create_subscription", "amortize", "schedule"):
        plan = press(app, db, plan.id, action)
    customer = _live(client, db, stripe_emulator, plan, datetime(2027, 2, 1))
    assert customer.credit_discount_percent is None
    assert not [m for m in customer_mismatches(db.session, customer) if "our record says" in m]
