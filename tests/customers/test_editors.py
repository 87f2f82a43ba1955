"""Each editor saves in place with an audit entry; bad input is a 422 in place with nothing written."""
from datetime import date, datetime

import pytest

from app import timeutil
from app.models import AuditEntry, Customer, StripeOperation
from app.services.customer_sync import sync_customer


def _audit(db, customer, action):
    return db.session.scalars(db.select(AuditEntry).where(AuditEntry.object_id == str(customer.id),
                                                          AuditEntry.action == action)).all()


def _customer_writes(db) -> int:
    return db.session.scalar(db.select(db.func.count(StripeOperation.id)).where(StripeOperation.subject_type == "customer"))


def _post(client, customer, editor, data, version=None):
    data = {"version": customer.version if version is None else version, **data}
    return client.post(f"/customers/{customer.id}/{editor}", data=data, headers={"HX-Request": "true"})


@pytest.fixture
def clock():
    timeutil.freeze(datetime(2027, 1, 10, 12, 0))
    yield date(2027, 1, 10)
    timeutil.freeze(None)


# plans_map

def test_plans_map_saves_and_audits(client, login_as, db, make_customer):
    login_as("cs")
    customer = make_customer()
    response = _post(client, customer, "plans", {"plan.session_replay": "session_replay_paid", "plan.product_analytics": ""})
    assert response.status_code == 200 and "Plans saved" in response.get_data(as_text=True)
    assert response.headers["HX-Trigger"] == "customer-changed"
    assert 'id="customer-version"' in response.get_data(as_text=True)  # out-of-band: the next save is not stale
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).plans_map == {"session_replay": "session_replay_paid"}
    assert _audit(db, customer, "customer.plans_map_changed")[0].after == {"plans_map": {"session_replay": "session_replay_paid"}}


@pytest.mark.parametrize(("data", "message"), [
    ({"plan.session_replay": "gold"}, "unknown plan"),
    ({"plan.session_replay": "feature_flags_paid"}, "belongs to feature_flags"),
    ({"plan.nope": "session_replay_paid"}, "unknown product"),
])
def test_plans_map_refuses_bad_plans(client, login_as, db, make_customer, data, message):
    login_as("cs")
    customer = make_customer(plans_map={"session_replay": "session_replay_free"})
    response = _post(client, customer, "plans", data)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).plans_map == {"session_replay": "session_replay_free"}
    assert _audit(db, customer, "customer.plans_map_changed") == []


def test_a_stale_version_is_a_409_with_the_current_values(client, login_as, db, make_customer):
    login_as("cs")
    customer = make_customer()
    response = _post(client, customer, "plans", {"plan.session_replay": "session_replay_paid"}, version=customer.version + 5)
    assert response.status_code == 409 and "Someone changed this customer" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).plans_map == {}


@pytest.mark.parametrize(("editor", "data"), [
    ("plans", {"plan.session_replay": "session_replay_paid"}), ("trial", {"free_trial_until": "2027-02-01"}),
    ("limits", {"limit.session_replay": "100"}), ("coupon", {"coupon": "x"}),
    ("price", {"product_key": "session_replay", "price_id": "price_x"}),
])
def test_viewers_and_growth_cannot_edit(client, login_as, db, subscribed_customer, nothing_written, editor, data):
    login_as("growth")
    customer = subscribed_customer()
    with nothing_written():
        assert _post(client, customer, editor, data).status_code == 403


# free trial and the features it gives

def test_trial_shows_premium_features_and_when_they_change_back(client, login_as, db, make_customer, clock):
    login_as("finance")
    customer = make_customer()
    response = _post(client, customer, "trial", {"free_trial_until": "2027-01-31"})
    assert response.status_code == 200
    features = client.get(f"/customers/{customer.id}/fragments/features").get_data(as_text=True)
    assert "dashboard_permissioning" in features and "2027-02-01" in features
    timeutil.freeze(datetime(2027, 2, 1, 0, 0))
    features = client.get(f"/customers/{customer.id}/fragments/features").get_data(as_text=True)
    assert "dashboard_permissioning" not in features and "trial ended on 2027-01-31" in features
    assert _audit(db, customer, "customer.free_trial_changed")[0].after == {"free_trial_until": "2027-01-31"}


@pytest.mark.parametrize("raw", ["31/01/2027", "2027-02-30", "tomorrow"])
def test_trial_refuses_an_invalid_date(client, login_as, db, make_customer, raw):
    login_as("cs")
    customer = make_customer()
    response = _post(client, customer, "trial", {"free_trial_until": raw})
    assert response.status_code == 422 and "is not a date" in response.get_data(as_text=True)
    assert f'value="{raw}"' in response.get_data(as_text=True)  # what they typed stays in the box
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).free_trial_until is None


def test_an_empty_date_ends_the_trial(client, login_as, db, make_customer):
    login_as("cs")
    customer = make_customer(free_trial_until=date(2099, 1, 1))
    assert _post(client, customer, "trial", {"free_trial_until": ""}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).free_trial_until is None


# billing limits and caps

def test_limit_shows_the_cap_with_the_discount_applied_first(client, login_as, db, gateway, synced_customer, coupon):
    customer = synced_customer(coupon=coupon(percent_off=20))
    login_as("cs")
    response = _post(client, customer, "limits", {"limit.session_replay": "200", "limit.product_analytics": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    # $200 at 20% off allows $250 of list price: 5,000 free, 10,000 at 0.5¢ ($50), 35,000 at 0.4¢ ($140),
    # then $60 at 0.3¢ = 20,000 more
    assert "$250.00" in html and "70,000 recordings" in html
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).billing_limits == {"session_replay": 20000}


@pytest.mark.parametrize(("raw", "message"), [
    ("-5", "cannot be negative"), ("lots", "not an amount"), ("1.001", "fractions of a cent"),
])
def test_limit_refuses_bad_amounts(client, login_as, db, make_customer, raw, message):
    login_as("cs")
    customer = make_customer(billing_limits={"session_replay": 1000})
    response = _post(client, customer, "limits", {"limit.session_replay": raw})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).billing_limits == {"session_replay": 1000}


def test_limit_refuses_a_product_without_metering(client, login_as, make_customer):
    login_as("cs")
    response = _post(client, make_customer(), "limits", {"limit.enterprise": "10"})
    assert response.status_code == 422 and "not a metered product" in response.get_data(as_text=True)


# coupons

def _subscription(stripe_client, customer):
    return stripe_client.v1.subscriptions.retrieve(customer.subscription_id).to_dict()


def test_apply_and_remove_a_coupon_on_the_subscription(client, login_as, db, gateway, stripe_client,
                                                       synced_customer, coupon):
    customer = synced_customer()
    login_as("cs")
    coupon_id = coupon(percent_off=15, name="Fifteen")
    response = _post(client, customer, "coupon", {"coupon": coupon_id})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Fifteen" in response.get_data(as_text=True)
    assert _subscription(stripe_client, customer)["discounts"]
    db.session.expire_all()
    customer = db.session.get(Customer, customer.id)
    assert customer.has_discount
    assert _audit(db, customer, "customer.coupon_applied")[0].after["coupon"] == coupon_id
    response = _post(client, customer, "coupon", {"remove": "1"})
    assert response.status_code == 200 and "Coupon removed" in response.get_data(as_text=True)
    assert _subscription(stripe_client, customer)["discounts"] == []


def test_a_double_click_applies_the_coupon_once(client, login_as, db, gateway, synced_customer, coupon):
    customer = synced_customer()
    login_as("cs")
    coupon_id, version = coupon(), customer.version
    assert _post(client, customer, "coupon", {"coupon": coupon_id}, version=version).status_code == 200
    assert _post(client, customer, "coupon", {"coupon": coupon_id}, version=version).status_code == 409
    assert _customer_writes(db) == 1


def test_coupon_goes_on_a_not_started_schedule_too(client, login_as, db, gateway, stripe_client, price_of,
                                                   subscribed_customer, coupon):
    customer = subscribed_customer()
    schedule = stripe_client.v1.subscription_schedules.create(params={
        "customer": customer.stripe_customer_id, "start_date": int(datetime(2030, 1, 1).timestamp()),
        "phases": [{"items": [{"price": price_of("product_analytics")}], "duration": {"interval": "month", "interval_count": 2}},
                   {"items": [{"price": price_of("session_replay")}], "duration": {"interval": "month", "interval_count": 1}}]})
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    login_as("cs")
    coupon_id = coupon()
    assert _post(client, customer, "coupon", {"coupon": coupon_id}).status_code == 200
    phases = stripe_client.v1.subscription_schedules.retrieve(schedule.id).to_dict()["phases"]
    assert [p["discounts"][0]["coupon"] for p in phases] == [coupon_id, coupon_id]
    assert [p["items"][0]["price"] for p in phases] == [price_of("product_analytics"), price_of("session_replay")]


def test_an_unknown_coupon_is_refused_and_nothing_is_written(client, login_as, db, gateway, stripe_client,
                                                             synced_customer):
    customer = synced_customer()
    login_as("cs")
    response = _post(client, customer, "coupon", {"coupon": "NOPE"})
    assert response.status_code == 422 and "no coupon &#39;NOPE&#39;" in response.get_data(as_text=True)
    assert _subscription(stripe_client, customer)["discounts"] == []
    assert _customer_writes(db) == 0


def test_no_coupon_without_a_subscription(client, login_as, db, stripe_client, make_customer, coupon):
    login_as("cs")
    stripe_customer = stripe_client.v1.customers.create(params={"name": "Lonely"})
    customer = make_customer(stripe_customer_id=stripe_customer.id)
    response = _post(client, customer, "coupon", {"coupon": coupon()})
    assert response.status_code == 422 and "no active subscription" in response.get_data(as_text=True)


# change price

def _custom_price(stripe_client, price_of, product_key="session_replay", **extra):
    standard = stripe_client.v1.prices.retrieve(price_of(product_key), params={"expand": ["tiers"]})
    return stripe_client.v1.prices.create(params={
        "product": standard.product, "currency": "usd", "billing_scheme": "tiered", "tiers_mode": "graduated",
        "nickname": "Custom - 2027-01-10", "recurring": {"interval": "month", "usage_type": "metered",
                                                         "meter": standard.recurring.meter},
        "tiers": [{"up_to": 5000, "unit_amount_decimal": "0"}, {"up_to": "inf", "unit_amount_decimal": "0.2"}],
        **extra}).id


def test_change_price_replaces_the_item_without_proration(client, login_as, db, gateway, stripe_client, price_of,
                                                          synced_customer):
    customer = synced_customer()
    new_price = _custom_price(stripe_client, price_of)
    login_as("finance")
    response = _post(client, customer, "price", {"product_key": "session_replay", "price_id": new_price})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "re-sent" in response.get_data(as_text=True)
    prices = {i["price"]["id"] for i in _subscription(stripe_client, customer)["items"]["data"]}
    assert new_price in prices and price_of("session_replay") not in prices
    entry = _audit(db, customer, "customer.price_changed")[0]
    assert entry.after == {"product": "session_replay", "price": new_price}
    op = db.session.scalar(db.select(StripeOperation).where(StripeOperation.action == "change_price"))
    assert op.status == "succeeded"


@pytest.mark.parametrize(("which", "message"), [
    ("other_product", "belongs to another product"), ("missing", "no price"), ("same", "already uses this price"),
])
def test_change_price_refuses_and_writes_nothing(client, login_as, db, gateway, stripe_client, price_of,
                                                 synced_customer, which, message):
    customer = synced_customer()
    price = {"other_product": price_of("feature_flags"), "missing": "price_missing",
             "same": price_of("session_replay")}[which]
    login_as("cs")
    response = _post(client, customer, "price", {"product_key": "session_replay", "price_id": price})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    prices = {i["price"]["id"] for i in _subscription(stripe_client, customer)["items"]["data"]}
    assert prices == {price_of("session_replay"), price_of("product_analytics")}
    assert _customer_writes(db) == 0


def test_stripe_failing_mid_coupon_is_a_502_in_the_coupon_section_and_nothing_is_written(
        client, login_as, db, gateway, stripe_client, stripe_emulator, subscribed_customer, coupon):
    customer = subscribed_customer()
    sync_customer(db.session, gateway, customer.id)
    db.session.commit()
    login_as("cs")
    coupon_id = coupon()
    stripe_emulator.faults.configure(fail_next=3, path_prefix="/v1/coupons")  # the SDK retries twice
    response = _post(client, customer, "coupon", {"coupon": coupon_id})
    body = response.get_data(as_text=True)
    assert response.status_code == 502 and 'role="alert"' in body and "Stripe" in body
    assert 'id="customer-version"' in body and "HX-Trigger" not in response.headers
    assert _subscription(stripe_client, customer)["discounts"] == []
    assert _customer_writes(db) == 0 and _audit(db, customer, "customer.coupon_applied") == []


def test_change_price_lists_only_prices_the_item_may_take_with_nickname_amount_and_id(
        client, login_as, db, stripe_client, price_of, synced_customer):
    customer = synced_customer()
    fits = _custom_price(stripe_client, price_of)
    in_euros = _custom_price(stripe_client, price_of, currency="eur")
    standard = stripe_client.v1.prices.retrieve(price_of("session_replay"))
    flat = stripe_client.v1.prices.create(params={
        "product": standard.product, "currency": "usd", "unit_amount": 2000, "nickname": "Flat monthly",
        "recurring": {"interval": "month", "usage_type": "licensed"}}).id
    login_as("cs")
    html = client.get(f"/customers/{customer.id}").get_data(as_text=True)
    section = html[html.index('id="price"'):html.index("</section>", html.index('id="price"'))]
    assert f'<option value="{fits}">Custom - 2027-01-10 — tiered (2 tiers, graduated) — {fits}</option>' in section
    for refused in (in_euros, flat, price_of("session_replay"), price_of("feature_flags")):
        assert f'<option value="{refused}">' not in section
