"""Each billing configuration against the Stripe shape it expects."""
from decimal import Decimal

import pytest

from app.billing.configuration_rules import (
    CustomerView,
    configuration_after_sync,
    configuration_from_stripe,
    configuration_mismatches,
)

DEFAULTS = {"price_pa_std", "price_sr_std"}


def item(price_id, **metadata):
    return {"id": f"si_{price_id}", "price": {"id": price_id, "product_key": "session_replay", "nickname": "Custom",
                                             "metadata": metadata}}


def snapshot(*subs, metadata=None, invoices=()):
    return {"customer": {"id": "cus_1", "metadata": metadata or {}}, "invoices": list(invoices),
            "subscriptions": [{"id": f"sub_{n}", "status": "active", "items": items} for n, items in enumerate(subs)]}


def view(configuration, snap, cid=1, stripe_id="cus_1", linked=None):
    return CustomerView(cid, configuration, stripe_id, snap, linked)


PAID_OK = snapshot([item("price_pa_std"), item("price_sr_std")])
STARTUP_META = {"is_startup_plan_customer": "true", "credit_expires_at": "2028-01-01"}
CREDITS = {"id": "in_1", "status": "paid", "total": 5_000_000}


@pytest.mark.parametrize("customer", [
    view("free", None, stripe_id=None),
    view("paid", PAID_OK),
    view("startup", snapshot([item("price_sr_startup", plan="startup")], metadata=STARTUP_META)),
    view("enterprise_yearly", snapshot([item("price_custom")], invoices=[CREDITS])),
])
def test_matching_configurations_have_no_mismatch(customer):
    assert configuration_mismatches(customer, DEFAULTS) == []


@pytest.mark.parametrize("customer, expected", [
    (view("paid", PAID_OK, stripe_id=None), "needs a Stripe customer"),
    (view("paid", None), "Not synced with Stripe yet"),
    (view("paid", snapshot([item("price_pa_std")], [item("price_sr_std")])), "exactly one active subscription; Stripe has 2"),
    (view("paid", snapshot()), "Stripe has none"),
    (view("paid", snapshot([item("price_custom")])), "session_replay is on price price_custom (Custom), not the default"),
    (view("paid", PAID_OK, linked=2), "is linked with customer #2"),
    (view("startup", snapshot([item("price_sr_std")])), "lacks is_startup_plan_customer=true"),
    (view("startup", snapshot([item("price_sr_std")], metadata={"is_startup_plan_customer": "true"})),
     "lacks credit_expires_at"),
    (view("enterprise_yearly", snapshot([item("price_custom")], invoices=[{**CREDITS, "status": "draft"}])),
     "No credits invoice"),
])
def test_each_mismatch_is_explained(customer, expected):
    assert any(expected in m for m in configuration_mismatches(customer, DEFAULTS)), \
        configuration_mismatches(customer, DEFAULTS)


def test_an_amortized_pair_is_two_linked_stripe_customers_each_with_a_subscription():
    credits = view("enterprise_amortized", snapshot([item("price_credits")]), cid=1, linked=2)
    usage = view("enterprise_amortized", snapshot([item("price_sr_std")]), cid=2, stripe_id="cus_2", linked=1)
    assert configuration_mismatches(credits, DEFAULTS, usage) == []


@pytest.mark.parametrize("linked, expected", [
    (None, "need a linked customer"),
    (view("enterprise_amortized", snapshot([item("x")]), cid=2, stripe_id="cus_2", linked=None), "does not link back"),
    (view("enterprise_amortized", snapshot([item("x")]), cid=2, stripe_id="cus_1", linked=1), "its own Stripe customer"),
    (view("enterprise_amortized", snapshot(), cid=2, stripe_id="cus_2", linked=1), "on the linked customer #2; Stripe has none"),
])
def test_a_broken_amortized_pair_is_explained(linked, expected):
    credits = view("enterprise_amortized", snapshot([item("price_credits")]), cid=1, linked=2)
    assert any(expected in m for m in configuration_mismatches(credits, DEFAULTS, linked))


@pytest.mark.parametrize("snap, linked, expected", [
    (None, None, "free"),
    (snapshot(), None, "free"),
    (PAID_OK, None, "paid"),
    (snapshot([item("price_custom")]), None, "paid"),  # a custom price does not make it enterprise: the check flags it
    (snapshot([item("price_sr_std")], metadata=STARTUP_META), None, "startup"),
    (PAID_OK, 7, "enterprise_amortized"),
])
def test_a_configuration_read_from_stripe(snap, linked, expected):
    assert configuration_from_stripe(snap, linked) == expected


@pytest.mark.parametrize("source, expected", [("subscription", "paid"), ("annual_plan", "enterprise_yearly"),
                                              ("startup_plan", "enterprise_yearly"), ("override", "enterprise_yearly")])
def test_a_sync_keeps_what_a_flow_or_a_person_set(source, expected):
    assert configuration_after_sync("enterprise_yearly", source, PAID_OK, None) == expected


# the credit discount, for every configuration

def discounted(snap, *coupons):
    """`snap` with its first subscription carrying `(coupon_id, percent_off)` discounts."""
    sub = snap["subscriptions"][0]
    discounts = [{"id": f"di_{n}", "coupon": {"id": cid, "percent_off": pct}} for n, (cid, pct) in enumerate(coupons)]
    return {**snap, "subscriptions": [{**sub, "discounts": discounts}, *snap["subscriptions"][1:]]}


def with_percent(customer, percent):
    return CustomerView(customer.id, customer.configuration, customer.stripe_customer_id, customer.snapshot,
                        customer.linked_customer_id, None if percent is None else Decimal(percent))


ENTERPRISE = view("enterprise_yearly", snapshot([item("price_custom")], invoices=[CREDITS]))
CONFIGURED = [view("paid", PAID_OK), view("startup", snapshot([item("price_sr_startup", plan="startup")], metadata=STARTUP_META)),
              ENTERPRISE]


@pytest.mark.parametrize("customer", CONFIGURED)
@pytest.mark.parametrize("percent, coupons", [
    (None, []), (None, [("demo-partner-20", 20.0)]), ("15", [("credit-discount-15", 15.0)]),
    ("12.5", [("demo-launch-50", 50.0), ("credit-discount-12_5", 12.5)]),
    ("15", [("annual-plan-4-a1-schedule-discount", "15.0")]),
])
def test_the_credit_discount_agrees(customer, percent, coupons):
    customer = with_percent(CustomerView(customer.id, customer.configuration, customer.stripe_customer_id,
                                         discounted(customer.snapshot, *coupons)), percent)
    assert configuration_mismatches(customer, DEFAULTS) == []


@pytest.mark.parametrize("customer", CONFIGURED)
@pytest.mark.parametrize("percent, coupons, expected", [
    ("15", [("credit-discount-10", 10.0)], "Stripe gives 10% off, our record says 15%: set 15% again"),
    ("15", [("demo-partner-15", 15.0)], "Stripe gives no credit discount, our record says 15%"),
    (None, [("credit-discount-10", 10.0)], "Stripe gives 10% off, our record says none: set the percent"),
    ("10", [("credit-discount-10", 10), ("annual-plan-4-a1-schedule-discount", 15)], "Stripe gives 10% + 15% off"),
])
def test_a_credit_discount_that_differs_is_flagged(customer, percent, coupons, expected):
    customer = with_percent(CustomerView(customer.id, customer.configuration, customer.stripe_customer_id,
                                         discounted(customer.snapshot, *coupons)), percent)
    assert any(m.startswith(expected) for m in configuration_mismatches(customer, DEFAULTS)), \
        configuration_mismatches(customer, DEFAULTS)


def test_a_free_customer_with_a_credit_discount_on_record_is_flagged():
    customer = with_percent(view("free", snapshot()), "15")
    assert configuration_mismatches(customer, DEFAULTS) == [
        "Stripe gives no credit discount, our record says 15%: set 15% again on the customer page "
        "(or flask customers set-discount) to put the coupon back."]
