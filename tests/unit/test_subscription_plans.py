"""A paid price on the subscription puts its product on the paid plan; the plans' catalog prices."""
from decimal import Decimal
from pathlib import Path

import pytest

from app.billing.catalog_config import CatalogConfigError, load_catalog
from app.billing.plan_prices import plan_price
from app.billing.subscription_plans import plans_following_subscription

CONFIG = Path(__file__).resolve().parents[2] / "config" / "billing.toml"
CATALOG = load_catalog(CONFIG)
FREE_IDS = {"price_sr_free", "price_pa_free"}


def _snapshot(*prices, status="active"):
    return {"subscriptions": [{"id": "sub_1", "status": status, "items": [
        {"id": f"si_{n}", "price": {"id": p["id"], "product_key": p["key"], "nickname": p.get("nickname"),
                                    "metadata": p.get("metadata", {})}} for n, p in enumerate(prices)]}]}


def _price(key, price_id, **fields):
    return {"key": key, "id": price_id, **fields}


def test_a_paid_price_moves_a_product_on_its_free_plan_to_the_paid_plan():
    snapshot = _snapshot(_price("session_replay", "price_sr_std", nickname="Standard"), _price("product_analytics", "price_pa_free"))
    plans, changes = plans_following_subscription(CATALOG, {}, snapshot, FREE_IDS)
    assert plans == {"session_replay": "session_replay_paid"}
    assert [c.reason for c in changes] == [
        "Session replay: session_replay_free → session_replay_paid (subscribed to its paid price price_sr_std (Standard))"]


@pytest.mark.parametrize("price", [
    _price("session_replay", "price_custom", nickname="Custom - 2027-01-05"),  # an annual plan's custom price
    _price("session_replay", "price_startup", metadata={"plan": "startup", "valid_days": "365"}),
])
def test_custom_and_startup_prices_are_paid_prices(price):
    plans, _ = plans_following_subscription(CATALOG, {"session_replay": "session_replay_free"}, _snapshot(price), FREE_IDS)
    assert plans == {"session_replay": "session_replay_paid"}


@pytest.mark.parametrize("price", [
    _price("session_replay", "price_sr_free"),  # the catalog's Free price
    _price("session_replay", "price_by_hand", nickname="Free"),  # one named Free, as the handbook makes them
])
@pytest.mark.parametrize("plans_map", [{}, {"session_replay": "session_replay_paid"}])
def test_a_free_price_leaves_the_plan_as_it_is(price, plans_map):
    assert plans_following_subscription(CATALOG, plans_map, _snapshot(price), FREE_IDS) == (plans_map, [])


def test_a_plan_a_person_chose_above_free_stays():
    plans_map = {"session_replay": "session_replay_premium", "enterprise": "enterprise_premium"}
    snapshot = _snapshot(_price("session_replay", "price_sr_std"), _price("enterprise", "price_ent"))
    assert plans_following_subscription(CATALOG, plans_map, snapshot, FREE_IDS) == (plans_map, [])


def test_an_enterprise_price_puts_enterprise_on_its_paid_plan():
    plans, changes = plans_following_subscription(CATALOG, {}, _snapshot(_price("enterprise", "price_ent")), FREE_IDS)
    assert plans == {"enterprise": "enterprise_standard"} and changes[0].before == "enterprise_none"


@pytest.mark.parametrize("snapshot", [
    _snapshot(_price("session_replay", "price_sr_std"), status="canceled"),
    _snapshot(_price("not_ours", "price_x")),
    None,
])
def test_nothing_changes_without_a_live_paid_price_of_a_known_product(snapshot):
    assert plans_following_subscription(CATALOG, {}, snapshot, FREE_IDS) == ({}, [])


def test_the_paid_plan_is_priced_at_the_products_tiers_in_whole_cents():
    price = plan_price(CATALOG, "session_replay_paid")
    assert price.per_text == "1,000 recordings" and not price.free
    assert [(s.up_from, s.up_to, s.cents) for s in price.steps] == [
        (0, 5000, 0), (5000, 15000, Decimal(500)), (15000, 50000, Decimal(400)), (50000, None, Decimal(300))]
    assert plan_price(CATALOG, "product_analytics_paid").steps[3].cents == Decimal(2950)  # $29.50 per million


def test_the_free_plan_is_free_and_premium_plans_have_no_catalog_price():
    assert plan_price(CATALOG, "feature_flags_free").free
    assert plan_price(CATALOG, "feature_flags_premium") is None and plan_price(CATALOG, "enterprise_standard") is None


@pytest.mark.parametrize(("old", "new", "message"), [
    ('paid_plan = "session_replay_paid"', 'paid_plan = "feature_flags_paid"', "not a plan of session_replay"),
    ('name = "Enterprise"\nfeatures', 'name = "Enterprise"\nprice = "standard"\nfeatures', "only on a metered product"),
    ('product = "session_replay"\nprice = "standard"', 'product = "session_replay"\nprice = "gold"', "must be one of"),
])
def test_config_refuses_a_wrong_paid_plan_or_plan_price(tmp_path, old, new, message):
    text = CONFIG.read_text()
    assert old in text
    bad = tmp_path / "billing.toml"
    bad.write_text(text.replace(old, new))
    with pytest.raises(CatalogConfigError, match=message):
        load_catalog(bad)
