"""Idempotency keys keep their format (writes already recorded must replay, not repeat), and every
planned verb runs the gateway method it names, with its arguments in the right places."""
from datetime import date
from types import SimpleNamespace

import pytest

from app.billing.plan_stages import ACTION_STAGES, stage_on_subscription
from app.billing.stripe_requests import (
    PlannedCall,
    bespoke_price_key,
    catalog_key,
    credit_grant_key,
    credit_grant_params,
    customer_change_key,
    row_customer_key,
    step_key,
)
from app.services.stripe_writes import WRITE_VERBS

PLAN = SimpleNamespace(id=12, stripe_attempt=2, version=7, stripe_customer_id="cus_1", company="Acme",
                       start_date=date(2027, 2, 1))


@pytest.mark.parametrize(("key", "expected"), [
    (step_key(12, 2, "create_subscription", "invoice"), "annual-plan-12-a2-create_subscription-invoice"),
    (step_key(12, 2, "start-over", "archive-session_replay"), "annual-plan-12-a2-start-over-archive-session_replay"),
    (credit_grant_key(PLAN, "in_9"), "annual-plan-12-a2-credit-in_9"),
    (row_customer_key(PLAN), "annual-plan-12-v7-create-customer"),
    (customer_change_key(SimpleNamespace(id=4, version=3), "coupon-sub_1-none"), "customer-4-v3-coupon-sub_1-none"),
    (catalog_key("price", "session_replay_standard"), "catalog-price-session_replay_standard"),
])
def test_keys_keep_the_format_recorded_writes_were_made_with(key, expected):
    assert key == expected


def test_a_bespoke_price_key_is_the_same_for_the_same_parameters_in_any_order():
    assert bespoke_price_key("sr", {"a": 1, "b": 2}) == bespoke_price_key("sr", {"b": 2, "a": 1})
    assert bespoke_price_key("sr", {"a": 1}) != bespoke_price_key("sr", {"a": 2})


def test_the_credit_grant_expires_with_the_first_contract_year_and_starts_no_earlier_than_now():
    params = credit_grant_params(PLAN, {"id": "in_9", "currency": "usd", "amount_paid": 5880000}, now_unix=0)
    assert params["amount"]["monetary"] == {"currency": "usd", "value": 5880000}
    assert (params["effective_at"], params["expires_at"]) == (1801440000, 1832976000)  # 2027-02-01, 2028-02-01
    assert credit_grant_params(PLAN, {"id": "in_9", "amount_paid": 1}, now_unix=1900000000)["effective_at"] == 1900000000


class _Recorder:
    def __getattr__(self, name):
        return lambda *args: (name, args)


@pytest.mark.parametrize(("verb", "expected"), [
    ("create_price", ("create_price", ({"p": 1}, "k"))),
    ("create_invoice", ("create_invoice", ({"p": 1}, "k"))),
    ("create_coupon", ("create_coupon", ({"p": 1}, "k"))),
    ("create_schedule", ("create_schedule", ({"p": 1}, "k"))),
    ("add_invoice_lines", ("add_invoice_lines", ("in_1", {"p": 1}, "k"))),
    ("update_invoice_item", ("update_invoice_item", ("in_1", {"p": 1}, "k"))),
    ("update_invoice", ("update_invoice", ("in_1", {"p": 1}, "k"))),
    ("finalize_invoice", ("finalize_invoice", ("in_1", "k"))),
    ("send_invoice", ("send_invoice", ("in_1", "k"))),
])
def test_each_verb_calls_its_gateway_method_with_target_params_and_key(verb, expected):
    call = PlannedCall("step", verb, "summary", {"p": 1}, "k", target="in_1")
    assert WRITE_VERBS[verb](_Recorder(), call) == expected


def test_a_verb_nobody_listed_is_refused_rather_than_looked_up():
    assert "delete_customer" not in WRITE_VERBS


@pytest.mark.parametrize(("stage", "subscription", "after"), [
    ("scheduled", "sub_1", "live"), ("sent", "sub_1", "live"), ("sent", None, "sent"),
    ("amortized", "sub_1", "amortized"), ("live", "sub_1", "live"),
])
def test_a_row_goes_live_when_stripe_starts_its_scheduled_subscription(stage, subscription, after):
    assert stage_on_subscription(stage, subscription) == after


def test_each_button_moves_the_row_one_stage_along():
    assert [ACTION_STAGES[a] for a in ("create_subscription", "amortize", "schedule", "send_invoice")] == [
        ("ready", "invoiced"), ("invoiced", "amortized"), ("amortized", "scheduled"), ("scheduled", "sent")]
