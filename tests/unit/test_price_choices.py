"""Change price's list: only prices the item may take, each read as nickname, amount and id."""
import pytest

from app.billing.subscription_changes import price_amount, price_choices

CURRENT = {"id": "price_now", "product": "prod_1", "currency": "usd", "usage_type": "metered", "interval": "month",
           "interval_count": 1}


def _price(id_, **fields):
    return {"id": id_, "product": "prod_1", "currency": "usd", "active": True, "type": "recurring",
            "recurring": {"interval": "month", "usage_type": "metered"}, **fields}


@pytest.mark.parametrize("price, shown", [
    (_price("p", unit_amount_decimal="0.0045"), "$0.000045 per unit"),
    (_price("p", unit_amount=2000, recurring={"interval": "month", "usage_type": "licensed"}), "$20.00 a month"),
    (_price("p", unit_amount=1250002, recurring={"interval": "month", "interval_count": 3, "usage_type": "licensed"}),
     "$12,500.02 every 3 months"),
    (_price("p", unit_amount_decimal="12345.5"), "$123.455 per unit"),
    (_price("p", unit_amount_decimal="0.5", currency="eur"), "€0.005 per unit"),
    (_price("p", unit_amount=1800, currency="gbp", recurring={"interval": "year", "usage_type": "licensed"}),
     "£18.00 a year"),
    (_price("p", billing_scheme="tiered", tiers=[{}, {}, {}], tiers_mode="volume"), "tiered (3 tiers, volume)"),
])
def test_amounts_read_exactly(price, shown):
    assert price_amount(price) == shown


def test_only_prices_the_item_may_take_are_offered():
    prices = [_price("price_now"), _price("price_ok", nickname="Cheaper", unit_amount_decimal="0.2"),
              _price("price_eur", currency="eur"), _price("price_other", product="prod_2"),
              _price("price_licensed", recurring={"interval": "month", "usage_type": "licensed"}),
              _price("price_once", type="one_time"),
              _price("price_yearly", recurring={"interval": "year", "usage_type": "metered"}),
              _price("price_quarterly", recurring={"interval": "month", "interval_count": 3, "usage_type": "metered"})]
    assert price_choices(CURRENT, prices) == [{"id": "price_ok", "label": "Cheaper — $0.002 per unit — price_ok"}]


def test_a_snapshot_without_the_period_lets_every_period_through():
    """Snapshots synced before the period was recorded: Stripe stays the judge of the period."""
    older = {k: v for k, v in CURRENT.items() if k not in ("interval", "interval_count")}
    prices = [_price("price_ok"), _price("price_yearly", recurring={"interval": "year", "usage_type": "metered"})]
    assert [c["id"] for c in price_choices(older, prices)] == ["price_ok", "price_yearly"]


@pytest.mark.parametrize("recurring, read", [
    (None, ""), ({"interval": "month", "usage_type": "licensed"}, "a month"),
    ({"interval": "month", "interval_count": 3, "usage_type": "licensed"}, "every 3 months"),
    ({"interval": "year", "interval_count": 1}, "a year"), ({"interval": "month", "usage_type": "metered"}, "per unit"),
])
def test_billing_periods_read_as_words(recurring, read):
    from app.formatting import billing_period

    assert billing_period(recurring) == read


def test_an_audit_note_names_what_changed_in_words():
    from app.billing.plan_fields import changes_note

    assert changes_note(["subscription_id", "has_discount", "plans_map", "stripe schedules", "total_mrr_cents"]) == (
        "Subscription, Has discount, Plans, Stripe schedules, Total MRR")
    assert changes_note([]) == "no changes"
