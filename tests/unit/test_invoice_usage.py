"""An upcoming invoice's lines grouped by meter: tiers of one meter add up, fixed lines stay alone."""
import pytest

from app.billing.invoice_usage import MeterGroup, MeterInfo, group_by_meter

METERS = {"mtr_events": MeterInfo("Product analytics", "product_analytics_events", "event"),
          "mtr_replay": MeterInfo("Session replay", "session_replay_recordings", "recording")}
PRICES = {"price_pa": {"id": "price_pa", "recurring": {"usage_type": "metered", "meter": "mtr_events"}},
          "price_pa_custom": {"id": "price_pa_custom", "recurring": {"usage_type": "metered", "meter": "mtr_events"}},
          "price_sr": {"id": "price_sr", "recurring": {"usage_type": "metered", "meter": "mtr_replay"}},
          "price_ent": {"id": "price_ent", "recurring": {"usage_type": "licensed", "meter": None}}}


def line(price, quantity, amount, description="", start=100, end=200):
    return {"amount": amount, "quantity": quantity, "description": description, "period": {"start": start, "end": end},
            "pricing": {"type": "price_details", "price_details": {"price": price, "product": "prod"}}}


def metered(meter, quantity, amount, lines=1, period=(100, 200)):
    info = METERS.get(meter) or MeterInfo(meter, "")
    return MeterGroup(meter, info.name, info.event_name or None, info.unit, quantity, amount, lines, period)


def fixed(description, quantity, amount):
    return MeterGroup(None, description, None, None, quantity, amount, 1, (100, 200))


@pytest.mark.parametrize("lines, expected", [
    pytest.param([line("price_pa", 1_000_000, 0, "Tier 1"), line("price_pa", 500_000, 2500, "Tier 2")],
                 [metered("mtr_events", 1_500_000, 2500, lines=2)], id="one meter, tiered lines"),
    pytest.param([line("price_pa", 10, 0, start=50, end=150), line("price_pa_custom", 5, 30, start=150, end=200)],
                 [metered("mtr_events", 15, 30, lines=2, period=(50, 200))], id="one meter, two prices"),
    pytest.param([line("price_sr", 6000, 500), line("price_pa", 1_500_000, 2500)],
                 [metered("mtr_replay", 6000, 500), metered("mtr_events", 1_500_000, 2500)], id="two meters"),
    pytest.param([line("price_ent", 1, 100_000, "1 × Enterprise"), line("price_sr", 6000, 500),
                  line("price_ent", 1, -5_000, "Unused time on Enterprise")],
                 [metered("mtr_replay", 6000, 500), fixed("1 × Enterprise", 1, 100_000),
                  fixed("Unused time on Enterprise", 1, -5_000)], id="fixed lines stay on their own"),
    pytest.param([line("price_unknown", 3, 9)], [fixed("Other", 3, 9)], id="a line without a known price is fixed"),
    pytest.param([], [], id="no lines"),
])
def test_group_by_meter(lines, expected):
    assert group_by_meter(lines, PRICES, METERS) == expected


def test_a_meter_outside_our_catalog_is_named_by_its_id():
    prices = {"price_x": {"recurring": {"meter": "mtr_other"}}}
    assert group_by_meter([line("price_x", 2, 4)], prices, METERS) == [
        MeterGroup("mtr_other", "mtr_other", None, None, 2, 4, 1, (100, 200))]


def test_a_line_carrying_its_price_needs_no_lookup():
    with_price = {"amount": 7, "quantity": 70, "price": PRICES["price_sr"], "period": {"start": 1, "end": 2}}
    assert group_by_meter([with_price], {}, METERS) == [metered("mtr_replay", 70, 7, period=(1, 2))]
