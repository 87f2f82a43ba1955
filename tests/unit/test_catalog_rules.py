"""Each catalog rule with a passing and a failing case, on Stripe-shaped dicts."""
from pathlib import Path

import pytest

from app.billing.catalog_config import load_catalog
from app.billing.catalog_rules import (
    check_catalog,
    meter_violations,
    move_to_violations,
    product_key_violations,
    startup_violations,
    tier_alignment_violations,
)

CATALOG = load_catalog(Path(__file__).parents[2] / "config" / "billing.toml")
KEYS = list(CATALOG.products)
PA_BOUNDS = [1_000_000, 2_000_000, 15_000_000, 50_000_000, None]


def product(key, pid=None):
    return {"id": pid or f"prod_{key}", "name": key, "metadata": {"posthog_product_key": key} if key else {}}


def price(pid, key, bounds=None, lookup=None, metadata=None, active=True, meter=None, currency="usd"):
    tiers = [{"up_to": b, "unit_amount_decimal": "0.01"} for b in bounds] if bounds else None
    return {"id": pid, "product": f"prod_{key}", "active": active, "currency": currency, "lookup_key": lookup,
            "nickname": None, "metadata": metadata or {}, "billing_scheme": "tiered" if tiers else "per_unit",
            "tiers_mode": "graduated" if tiers else None, "tiers": tiers,
            "recurring": {"usage_type": "metered", "meter": meter or f"mtr_{key}"}}


PRODUCTS = [product(k) for k in KEYS]
METERS = [{"id": f"mtr_{p.key}", "event_name": p.meter_event} for p in CATALOG.products.values() if p.metered]
STANDARD = [price(f"price_{k}_std", k, PA_BOUNDS if k in ("product_analytics", "group_analytics") else [10, None],
                  lookup=f"{k}_standard") for k in KEYS if CATALOG.products[k].metered]


def test_the_bootstrapped_catalog_breaks_no_rule():
    assert check_catalog(CATALOG, PRODUCTS, STANDARD, METERS) == []


@pytest.mark.parametrize("products, expected", [
    (PRODUCTS + [product("session_replay", "prod_copy")], "2 products (prod_session_replay, prod_copy)"),
    (PRODUCTS + [product("heatmaps", "prod_x")], "'heatmaps', which config/billing.toml does not know"),
    (PRODUCTS + [product(None, "prod_x")], "has no posthog_product_key metadata"),
    (PRODUCTS[1:], f"lists '{KEYS[0]}' but no active Stripe product carries it"),
])
def test_product_keys_are_unique_and_known(products, expected):
    assert product_key_violations(CATALOG, PRODUCTS) == []
    (violation,) = product_key_violations(CATALOG, products)
    assert expected in violation.message


def test_startup_prices_carry_valid_days():
    good = price("price_ok", "session_replay", [5, None], metadata={"plan": "startup", "valid_days": "365"})
    bad = price("price_bad", "session_replay", [5, None], metadata={"plan": "startup"})
    assert startup_violations([good]) == []
    (violation,) = startup_violations([good, bad])
    assert violation.subject == "price_bad" and "plan=startup but no valid_days" in violation.message


def test_valid_days_must_be_a_whole_number():
    (violation,) = startup_violations([price("price_x", "session_replay", metadata={"valid_days": "thirty"})])
    assert "valid_days='thirty' is not a whole number" in violation.message


@pytest.mark.parametrize("target, expected", [
    (None, "price_target, which does not exist"),
    (price("price_target", "session_replay", active=False), "which is archived"),
    (price("price_target", "feature_flags"), "a price of another product (prod_feature_flags)"),
    (price("price_target", "session_replay", currency="eur"), "priced in eur, not usd"),
])
def test_move_to_price_id_names_an_active_price_of_the_same_product_and_currency(target, expected):
    startup = price("price_startup", "session_replay", metadata={"move_to_price_id": "price_target"})
    fine = price("price_target", "session_replay")
    assert move_to_violations([startup, fine]) == []
    (violation,) = move_to_violations([startup] + ([target] if target else []))
    assert violation.subject == "price_startup" and expected in violation.message


def test_custom_tiers_of_a_product_and_its_add_ons_line_up():
    aligned = price("price_custom", "product_analytics", PA_BOUNDS)
    assert tier_alignment_violations(CATALOG, PRODUCTS, STANDARD + [aligned]) == []
    shifted = price("price_custom", "product_analytics", [1_000_000, 2_000_000, 16_000_000, 50_000_000, None])
    (violation,) = tier_alignment_violations(CATALOG, PRODUCTS, STANDARD + [shifted])
    assert violation.subject == "price_custom"
    assert "16,000,000" in violation.message and "no price of group_analytics uses those bounds" in violation.message


def test_a_custom_add_on_price_matching_a_custom_base_price_is_aligned():
    bounds = [500, 1_000, None]
    custom = [price("price_pa", "product_analytics", bounds), price("price_ga", "group_analytics", bounds)]
    assert tier_alignment_violations(CATALOG, PRODUCTS, STANDARD + custom) == []


def test_metered_prices_sit_on_their_products_meter():
    right = price("price_sr", "session_replay", [5, None], meter="mtr_session_replay")
    wrong = price("price_sr2", "session_replay", [5, None], meter="mtr_feature_flags")
    assert meter_violations(CATALOG, PRODUCTS, [right], METERS) == []
    (violation,) = meter_violations(CATALOG, PRODUCTS, [right, wrong], METERS)
    assert violation.subject == "price_sr2" and "reads meter mtr_feature_flags, not session_replay's" in violation.message


def test_a_metered_price_on_an_unmetered_product_is_flagged():
    (violation,) = meter_violations(CATALOG, PRODUCTS, [price("price_e", "enterprise")], METERS)
    assert "enterprise is not a metered product" in violation.message
