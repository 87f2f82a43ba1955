"""Change price's list: only prices the item may take, each read as nickname, amount and id."""
import pytest

from app.billing.subscription_changes import price_amount, price_choices

CURRENT = {"id": "price_now", "product": "prod_1", "currency": "usd", "usage_type": "metered"}


def _price(id_, **fields):
    return {"id": id_, "product": "prod_1", "currency": "usd", "active": True, "type": "recurring",
            "recurring": {"interval": "month", "usage_type": "metered"}, **fields}


@pytest.mark.parametrize("price, shown", [
    (_price("p", unit_amount_decimal="0.0045"), "$0.000045 per unit USD"),
    (_price("p", unit_amount=2000, recurring={"interval": "month", "usage_type": "licensed"}), "$20.00 per month USD"),
    (_price("p", unit_amount_decimal="12345.5"), "$123.455 per unit USD"),
    (_price("p", billing_scheme="tiered", tiers=[{}, {}, {}], tiers_mode="volume"), "tiered (3 tiers, volume)"),
])
def test_amounts_read_exactly(price, shown):
    assert price_amount(price) == shown


def test_only_prices_the_item_may_take_are_offered():
    prices = [_price("price_now"), _price("price_ok", nickname="Cheaper", unit_amount_decimal="0.2"),
              _price("price_eur", currency="eur"), _price("price_other", product="prod_2"),
              _price("price_licensed", recurring={"interval": "month", "usage_type": "licensed"}),
              _price("price_once", type="one_time")]
    assert price_choices(CURRENT, prices) == [{"id": "price_ok", "label": "Cheaper — $0.002 per unit USD — price_ok"}]
