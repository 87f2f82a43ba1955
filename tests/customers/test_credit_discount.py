"""The credit discount on the customer: our percent, and the coupon in Stripe that follows it, on a plain
subscription and on a live enterprise customer whose subscription follows an active schedule."""
import time
from decimal import Decimal

import pytest

from app.models import AuditEntry, Customer
from app.services.configuration_report import customer_mismatches
from app.services.customer_sync import sync_customer


def _post(client, customer, percent, version=None):
    data = {"version": customer.version if version is None else version, "percent": percent}
    return client.post(f"/customers/{customer.id}/discount", data=data, headers={"HX-Request": "true"})


def _reload(db, customer) -> Customer:
    db.session.expire_all()
    return db.session.get(Customer, customer.id)


def _audit(db, customer, action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_id == str(customer.id),
                                                          AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def _sub_coupons(stripe_client, subscription_id) -> list[str]:
    sub = stripe_client.v1.subscriptions.retrieve(subscription_id, params={"expand": ["discounts"]})
    return [d.source.coupon for d in sub.discounts]


def _discount_mismatches(db, customer) -> list[str]:
    return [m for m in customer_mismatches(db.session, _reload(db, customer)) if "our record says" in m]


# a plain subscription

def test_setting_the_percent_puts_its_coupon_on_the_subscription(client, login_as, db, stripe_client,
                                                                 synced_customer):
    customer = synced_customer()
    login_as("cs")
    response = _post(client, customer, "15")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert response.headers["HX-Trigger"] == "customer-changed"
    assert f"coupon credit-discount-15 on subscription {customer.subscription_id}" in html
    assert _sub_coupons(stripe_client, customer.subscription_id) == ["credit-discount-15"]
    coupon = stripe_client.v1.coupons.retrieve("credit-discount-15")
    assert (Decimal(str(coupon.percent_off)), coupon.duration) == (Decimal(15), "forever")
    customer = _reload(db, customer)
    assert customer.credit_discount_percent == Decimal(15) and customer.has_discount
    [entry] = _audit(db, customer, "customer.credit_discount_set")
    assert entry.before == {"credit_discount_percent": None}
    assert entry.after == {"credit_discount_percent": "15", "coupon": "credit-discount-15",
                           "applied_to": [f"on subscription {customer.subscription_id}"]}
    assert entry.stripe_request_ids
    assert _discount_mismatches(db, customer) == []


def test_changing_and_clearing_keep_the_promotional_coupon(client, login_as, db, stripe_client, synced_customer,
                                                           coupon):
    promo = coupon(percent_off=50, name="Launch", duration="repeating", duration_in_months=3)
    customer = synced_customer(coupon=promo)
    [promo_discount] = stripe_client.v1.subscriptions.retrieve(customer.subscription_id).discounts
    login_as("cs")
    assert _post(client, customer, "15").status_code == 200
    customer = _reload(db, customer)
    response = _post(client, customer, "12.5%")
    assert response.status_code == 200 and "Credit discount 12.5% saved" in response.get_data(as_text=True)
    assert _sub_coupons(stripe_client, customer.subscription_id) == [promo, "credit-discount-12_5"]
    assert stripe_client.v1.subscriptions.retrieve(customer.subscription_id).discounts[0] == promo_discount
    assert "Launch" in response.get_data(as_text=True)  # shown beside it, left alone
    customer = _reload(db, customer)
    assert customer.credit_discount_percent == Decimal("12.5")
    response = _post(client, customer, "0")
    assert response.status_code == 200 and "Credit discount removed" in response.get_data(as_text=True)
    assert _sub_coupons(stripe_client, customer.subscription_id) == [promo]
    customer = _reload(db, customer)
    assert customer.credit_discount_percent is None
    [removed] = _audit(db, customer, "customer.credit_discount_removed")
    assert removed.before == {"credit_discount_percent": "12.5"}
    assert _discount_mismatches(db, customer) == []


def test_the_coupon_editor_keeps_the_credit_discount(client, login_as, db, stripe_client, synced_customer, coupon):
    customer = synced_customer()
    login_as("cs")
    assert _post(client, customer, "15").status_code == 200
    promo = coupon(percent_off=20, name="Partner")
    page = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert 'value="credit-discount-15"' not in page and f'value="{promo}"' in page  # not offered as a coupon
    customer = _reload(db, customer)
    response = client.post(f"/customers/{customer.id}/coupon", data={"version": customer.version, "coupon": promo},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _sub_coupons(stripe_client, customer.subscription_id) == ["credit-discount-15", promo]
    customer = _reload(db, customer)
    response = client.post(f"/customers/{customer.id}/coupon", data={"version": customer.version, "remove": "1"},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert _sub_coupons(stripe_client, customer.subscription_id) == ["credit-discount-15"]
    assert _discount_mismatches(db, customer) == []


def test_the_coupon_editor_refuses_a_credit_discount_coupon(client, login_as, db, synced_customer, coupon,
                                                           nothing_written):
    customer, _ = synced_customer(), coupon()  # the section redrawn lists the coupons
    login_as("cs")
    with nothing_written():
        response = client.post(f"/customers/{customer.id}/coupon", headers={"HX-Request": "true"},
                               data={"version": customer.version, "coupon": "credit-discount-15"})
    assert response.status_code == 422 and "set its percent under Credit discount" in response.get_data(as_text=True)


def test_the_checker_flags_a_stripe_discount_that_differs(db, gateway, stripe_client, synced_customer, coupon):
    customer = synced_customer(credit_discount_percent=Decimal(15))
    stripe_client.v1.coupons.create(params={"id": "credit-discount-10", "percent_off": 10, "duration": "forever"})
    stripe_client.v1.subscriptions.update(customer.subscription_id, params={"discounts": [{"coupon": "credit-discount-10"}]})
    sync_customer(db.session, gateway, customer.id)
    assert _discount_mismatches(db, customer) == [
        "Stripe gives 10% off, our record says 15%: set 15% again on the customer page (or flask customers "
        "set-discount) to put the coupon back."]


def test_the_checker_flags_a_record_stripe_does_not_apply(client, login_as, db, gateway, stripe_client,
                                                          synced_customer):
    customer = synced_customer(credit_discount_percent=Decimal(15))
    login_as("viewer")
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    assert "Stripe gives no credit discount, our record says 15%" in html
    assert "No credit-discount coupon in Stripe" in html


# a live enterprise customer: the subscription follows an active schedule

ONE_YEAR = 365 * 86400


@pytest.fixture
def enterprise(db, gateway, stripe_client, make_customer, price_of):
    """A customer whose subscription follows a schedule that started now, one year, billed by invoice."""
    stripe_customer = stripe_client.v1.customers.create(params={"name": "Bigco"})
    schedule = stripe_client.v1.subscription_schedules.create(params={
        "customer": stripe_customer.id, "start_date": "now", "end_behavior": "release",
        "phases": [{"items": [{"price": price_of("product_analytics")}, {"price": price_of("session_replay")}],
                    "end_date": int(time.time()) + ONE_YEAR, "collection_method": "send_invoice",
                    "invoice_settings": {"days_until_due": 30}, "metadata": {"annual_plan_id": "7"}}]})
    customer = make_customer(name="Bigco", stripe_customer_id=stripe_customer.id, subscription_id=schedule.subscription,
                             billing_configuration="enterprise_yearly")
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    return customer, schedule


def _phase(stripe_client, schedule_id):
    [phase] = stripe_client.v1.subscription_schedules.retrieve(schedule_id).to_dict()["phases"]
    return phase


def test_on_a_live_enterprise_customer_the_coupon_goes_on_the_current_phase(client, login_as, db, stripe_client,
                                                                            enterprise, price_of):
    customer, schedule = enterprise
    before = _phase(stripe_client, schedule.id)
    login_as("finance")
    response = _post(client, customer, "15")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert f"coupon credit-discount-15 on the current phase of schedule {schedule.id}" in html
    phase = _phase(stripe_client, schedule.id)
    assert [d["coupon"] for d in phase["discounts"]] == ["credit-discount-15"]
    assert (phase["start_date"], phase["end_date"], phase["metadata"], phase["collection_method"]) == (
        before["start_date"], before["end_date"], before["metadata"], "send_invoice")
    assert [i["price"] for i in phase["items"]] == [price_of("product_analytics"), price_of("session_replay")]
    assert _sub_coupons(stripe_client, schedule.subscription) == ["credit-discount-15"]
    assert stripe_client.v1.subscription_schedules.retrieve(schedule.id).status == "active"
    customer = _reload(db, customer)
    [entry] = _audit(db, customer, "customer.credit_discount_set")
    assert entry.after["applied_to"] == [f"on the current phase of schedule {schedule.id}"]
    assert _discount_mismatches(db, customer) == []


def test_changing_then_clearing_on_the_active_schedule(client, login_as, db, stripe_client, enterprise):
    customer, schedule = enterprise
    login_as("finance")
    assert _post(client, customer, "15").status_code == 200
    assert _post(client, _reload(db, customer), "10").status_code == 200
    assert [d["coupon"] for d in _phase(stripe_client, schedule.id)["discounts"]] == ["credit-discount-10"]
    assert _sub_coupons(stripe_client, schedule.subscription) == ["credit-discount-10"]
    assert _discount_mismatches(db, customer) == []
    assert _post(client, _reload(db, customer), "0").status_code == 200
    assert _phase(stripe_client, schedule.id)["discounts"] == []
    assert _sub_coupons(stripe_client, schedule.subscription) == []
    assert _reload(db, customer).credit_discount_percent is None
    assert [e.after["credit_discount_percent"] for e in _audit(db, customer, "customer.credit_discount_set")] == ["15", "10"]
    assert len(_audit(db, customer, "customer.credit_discount_removed")) == 1
    assert _discount_mismatches(db, customer) == []


def test_a_coupon_put_on_the_scheduled_subscription_itself_stays(client, login_as, db, stripe_client, enterprise,
                                                                  coupon):
    """The Coupon editor writes the subscription, not the phase; the phase update must not drop it."""
    customer, schedule = enterprise
    promo = coupon(percent_off=5, name="Goodwill")
    login_as("finance")
    response = client.post(f"/customers/{customer.id}/coupon", data={"version": customer.version, "coupon": promo},
                           headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _post(client, _reload(db, customer), "15").status_code == 200
    assert _sub_coupons(stripe_client, schedule.subscription) == [promo, "credit-discount-15"]
    assert _post(client, _reload(db, customer), "0").status_code == 200
    assert _sub_coupons(stripe_client, schedule.subscription) == [promo]


def test_the_checker_flags_a_phase_coupon_that_differs(db, gateway, stripe_client, enterprise):
    customer, schedule = enterprise
    customer.credit_discount_percent = Decimal(15)
    db.session.commit()
    assert _discount_mismatches(db, customer) == [
        "Stripe gives no credit discount, our record says 15%: set 15% again on the customer page (or flask "
        "customers set-discount) to put the coupon back."]


def test_a_later_phase_keeps_it_and_a_past_phase_is_left_alone(client, login_as, db, gateway, stripe_client,
                                                                stripe_emulator, make_customer, price_of):
    """Two months in a three-phase schedule: the running phase and the one after get the coupon."""
    stripe_customer = stripe_client.v1.customers.create(params={"name": "Phased"})
    month, start = 30 * 86400, int(time.time())
    phase = {"items": [{"price": price_of("session_replay")}], "collection_method": "send_invoice",
             "invoice_settings": {"days_until_due": 30}}
    schedule = stripe_client.v1.subscription_schedules.create(params={
        "customer": stripe_customer.id, "start_date": "now",
        "phases": [dict(phase, end_date=start + month), dict(phase, end_date=start + 3 * month),
                   dict(phase, end_date=start + 6 * month)]})
    stripe_emulator.advance(2 * month)
    customer = make_customer(stripe_customer_id=stripe_customer.id, subscription_id=schedule.subscription)
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    login_as("cs")
    response = _post(client, customer, "15")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert f"on the current phase and its 1 later phase of schedule {schedule.id}" in response.get_data(as_text=True)
    phases = stripe_client.v1.subscription_schedules.retrieve(schedule.id).to_dict()["phases"]
    assert [[d["coupon"] for d in p["discounts"]] for p in phases] == [[], ["credit-discount-15"], ["credit-discount-15"]]
    assert [p["end_date"] for p in phases] == [start + month, start + 3 * month, start + 6 * month]
    assert _sub_coupons(stripe_client, schedule.subscription) == ["credit-discount-15"]


def test_a_second_customer_at_the_same_percent_reuses_the_coupon(client, login_as, db, stripe_client, synced_customer,
                                                                 enterprise, stripe_emulator):
    login_as("cs")
    assert _post(client, synced_customer(), "15").status_code == 200
    assert _post(client, enterprise[0], "15").status_code == 200
    ours = [c for c in stripe_emulator.state.collection("coupon") if c.startswith("credit-discount-")]
    assert ours == ["credit-discount-15"]


# bad input

@pytest.mark.parametrize(("percent", "message"), [
    ("abc", "is not a number"),
    ("", "Type the discount in percent"),
    ("-5", "is negative"),
    ("100.5", "is over 100%"),
    ("12.345", "more than 2 decimal places"),
])
def test_a_bad_percent_is_refused_in_place_and_nothing_is_written(client, login_as, db, synced_customer,
                                                                  nothing_written, percent, message):
    customer = synced_customer(credit_discount_percent=Decimal(15))
    login_as("cs")
    with nothing_written():
        response = _post(client, customer, percent)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html and 'role="alert"' in html
    assert 'id="discount"' in html and "HX-Trigger" not in response.headers


def test_a_discount_with_nothing_in_stripe_to_carry_it_is_refused(client, login_as, db, gateway, stripe_client,
                                                                  make_customer, nothing_written):
    customer = make_customer(stripe_customer_id=stripe_client.v1.customers.create(params={"name": "Lonely"}).id)
    sync_customer(db.session, gateway, customer.id)  # the emulator's first reads make its empty lists
    db.session.commit()
    login_as("cs")
    with nothing_written():
        response = _post(client, customer, "15")
    assert response.status_code == 422 and "no active subscription or scheduled one" in response.get_data(as_text=True)


def test_a_hand_made_coupon_under_our_id_is_refused(client, login_as, db, stripe_client, synced_customer,
                                                    nothing_written):
    stripe_client.v1.coupons.create(params={"id": "credit-discount-15", "percent_off": 20, "duration": "forever"})
    customer = synced_customer()
    login_as("cs")
    with nothing_written():
        response = _post(client, customer, "15")
    assert response.status_code == 422
    assert "coupon credit-discount-15 that is not 15% off forever (it gives 20%" in response.get_data(as_text=True)


def test_a_viewer_cannot_set_it(client, login_as, db, synced_customer, nothing_written):
    customer = synced_customer()
    login_as("viewer")
    with nothing_written():
        assert _post(client, customer, "15").status_code == 403


# the command

def test_the_command_sets_and_clears_by_organisation_id(app, db, stripe_client, synced_customer):
    customer = synced_customer(organisation_id="org-disc")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["customers", "set-discount", "org-disc", "20"])
    assert result.exit_code == 0, result.output
    assert f"Credit discount 20% saved: coupon credit-discount-20 on subscription {customer.subscription_id}" in result.output
    assert _sub_coupons(stripe_client, customer.subscription_id) == ["credit-discount-20"]
    result = runner.invoke(args=["customers", "set-discount", str(customer.id), "0"])
    assert result.exit_code == 0
    assert f"Credit discount removed; its coupon is off subscription {customer.subscription_id}." in result.output
    assert _sub_coupons(stripe_client, customer.subscription_id) == []


def test_the_command_refuses_a_bad_percent(app, db, synced_customer, nothing_written):
    customer = synced_customer()
    with nothing_written():
        result = app.test_cli_runner().invoke(args=["customers", "set-discount", str(customer.id), "150"])
    assert result.exit_code == 1 and result.output.startswith("Error: 150% is over 100%")
