"""Available features: the plans' features, plus the premium plans' while a free trial runs."""
from datetime import date
from pathlib import Path

import pytest

from app.billing.catalog_config import CatalogConfigError, load_catalog
from app.billing.features import PlansMapError, available_features, check_plans_map, effective_plans

CATALOG = load_catalog(Path(__file__).resolve().parents[2] / "config" / "billing.toml")


def test_a_product_missing_from_plans_map_gets_its_default_plan():
    plans = effective_plans(CATALOG, {"session_replay": "session_replay_paid"})
    assert plans["session_replay"] == "session_replay_paid"
    assert plans["product_analytics"] == "product_analytics_free"


def test_without_a_trial_only_the_plans_features():
    result = available_features(CATALOG, {"group_analytics": "group_analytics_paid"}, None, date(2027, 1, 1))
    assert "group_analytics" in result.features
    assert "dashboard_permissioning" not in result.features
    assert not result.trial_active and result.changes_on is None


@pytest.mark.parametrize(("today", "active"), [
    (date(2027, 1, 10), True), (date(2027, 1, 31), True), (date(2027, 2, 1), False),
])
def test_trial_adds_premium_features_through_its_last_day(today, active):
    result = available_features(CATALOG, {}, date(2027, 1, 31), today)
    assert result.trial_active is active
    assert ("dashboard_permissioning" in result.features) is active
    assert ("saml" in result.features) is active
    assert "dashboards" in result.features
    if active:
        assert result.changes_on == date(2027, 2, 1)
        assert "saml" in result.trial_features and "saml" not in result.features_after_trial


@pytest.mark.parametrize(("plans_map", "message"), [
    ({"nope": "product_analytics_free"}, "unknown product"),
    ({"product_analytics": "gold"}, "unknown plan"),
    ({"product_analytics": "session_replay_paid"}, "belongs to session_replay"),
])
def test_check_plans_map_refuses(plans_map, message):
    with pytest.raises(PlansMapError, match=message):
        check_plans_map(CATALOG, plans_map)


def test_config_refuses_a_trial_plan_of_another_product(tmp_path):
    text = (Path(__file__).resolve().parents[2] / "config" / "billing.toml").read_text()
    bad = tmp_path / "billing.toml"
    bad.write_text(text.replace('trial_plan = "session_replay_premium"', 'trial_plan = "feature_flags_premium"'))
    with pytest.raises(CatalogConfigError, match="not a plan of session_replay"):
        load_catalog(bad)
