"""`flask catalog bootstrap` gives the default prices their amounts in every supported currency, once."""
from app.models import StripeOperation


def _options(stripe_client, lookup_key):
    price = stripe_client.v1.prices.list(params={"lookup_keys": [lookup_key], "expand": ["data.currency_options"]}).data[0]
    return {code: [(t["up_to"], str(t["unit_amount_decimal"])) for t in option["tiers"]]
            for code, option in price.currency_options.to_dict().items()}


def test_bootstrap_prices_standard_and_free_in_each_supported_currency(app, db, stripe_client):
    result = app.test_cli_runner().invoke(args=["catalog", "bootstrap"])
    assert result.exit_code == 0, result.output
    standard = _options(stripe_client, "session_replay_standard")
    assert standard == {
        "eur": [(5000, "0"), (15000, "0.46"), (50000, "0.37"), (None, "0.28")],
        "gbp": [(5000, "0"), (15000, "0.4"), (50000, "0.32"), (None, "0.24")],
    }
    assert _options(stripe_client, "product_analytics_free") == {"eur": [(None, "0")], "gbp": [(None, "0")]}


def test_a_price_found_without_them_gains_them_once(app, db, stripe_emulator, stripe_client):
    runner = app.test_cli_runner()
    runner.invoke(args=["catalog", "bootstrap"])
    by_hand = stripe_client.v1.prices.create(params={
        "product": stripe_client.v1.prices.list(params={"lookup_keys": ["feature_flags_standard"]}).data[0].product,
        "currency": "usd", "billing_scheme": "tiered", "tiers_mode": "graduated",
        "tiers": [{"up_to": 1000000, "unit_amount_decimal": "0"}, {"up_to": 2000000, "unit_amount_decimal": "0.01"},
                  {"up_to": "inf", "unit_amount_decimal": "0.005"}],
        "recurring": {"interval": "month", "usage_type": "metered",
                      "meter": next(m.id for m in stripe_client.v1.billing.meters.list().data
                                    if m.event_name == "feature_flag_requests")},
        "lookup_key": "feature_flags_standard", "transfer_lookup_key": True})

    second = runner.invoke(args=["catalog", "bootstrap"])
    assert second.exit_code == 0, second.output
    assert f"feature_flags: standard price {by_hand.id} gains eur, gbp (updated)" in second.output
    assert second.output.count("(updated)") == 1
    assert _options(stripe_client, "feature_flags_standard")["eur"] == [
        (1000000, "0"), (2000000, "0.0092"), (None, "0.0046")]
    prices, writes = len(stripe_emulator.state.collection("price")), db.session.scalar(
        db.select(db.func.count(StripeOperation.id)))

    third = runner.invoke(args=["catalog", "bootstrap"])
    assert third.exit_code == 0 and "(updated)" not in third.output and "(created)" not in third.output
    assert len(stripe_emulator.state.collection("price")) == prices
    assert db.session.scalar(db.select(db.func.count(StripeOperation.id))) == writes
