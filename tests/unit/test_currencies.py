"""Contracts in their own currency, without a database: GBP and EUR documents read in their currency, an
unsupported or mixed one flagged, Stripe parameters and amounts shown in the row's currency, and
billing.toml's currencies checked at start-up."""
import copy
import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.billing.catalog_config import CatalogConfigError, load_catalog
from app.billing.contract_mapping import load_mapping, map_contract
from app.billing.mapping_config import DEFAULT_MAPPING_PATH
from app.billing.plan_fields import format_cell
from app.billing.plan_stages import customer_currency_refusal
from app.billing.stripe_requests import invoice_params, schedule_params, upfront_line
from app.formatting import money

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "tests" / "fixtures" / "contracts"
BILLED = replace(load_mapping(DEFAULT_MAPPING_PATH), currencies=("USD", "EUR", "GBP"))


def bluth_in(currency: str, sign: str) -> dict:
    """bluth-eur with its document currency and prices rewritten in `currency`."""
    details = json.loads((SAMPLES / "bluth-eur.details.json").read_text())
    details["grand_total"]["currency"] = currency
    for table in details["pricing"]["tables"]:
        table["currency"] = currency
    prices = {"pa_price": f"{sign}18,000", "sr_price": f"{currency} 6,000.00", "sr_overage_rate": f"{sign}0.005"}
    for field in details["fields"]:
        field["value"] = prices.get(field["field_id"], field["value"])
    return details


def test_a_gbp_contract_is_read_in_pounds():
    result = map_contract(bluth_in("GBP", "£"), BILLED, ["seller.example"])
    assert result.currency == "gbp" and result.warnings == ()
    assert (result.line("product_analytics").upfront_amount_cents, result.line("session_replay").upfront_amount_cents,
            result.line("session_replay").overage_unit_amount_decimal) == (1800000, 600000, Decimal("0.5"))


def test_dollars_in_a_gbp_contract_are_refused_not_converted():
    details = bluth_in("GBP", "£")
    next(f for f in details["fields"] if f["field_id"] == "pa_price")["value"] = "$18,000"
    result = map_contract(details, BILLED, ["seller.example"])
    [warning] = [w for w in result.warnings if w.field == "line.product_analytics.upfront_amount_cents"]
    assert "another currency (USD), expected GBP" in warning.message
    assert result.line("product_analytics").upfront_amount_cents is None


@pytest.mark.parametrize("grand, table, message", [
    ("JPY", "JPY", "the contract is in JPY, which we do not bill in (supported: USD, EUR, GBP)"),
    ("EUR", "GBP", "the contract names more than one currency (grand total EUR, pricing table Annual fees GBP)"),
])
def test_an_unsupported_or_mixed_currency_warns_and_money_is_read_as_usd(grand, table, message):
    details = bluth_in("EUR", "€")
    details["grand_total"]["currency"] = grand
    details["pricing"]["tables"][0]["currency"] = table
    result = map_contract(details, BILLED, ["seller.example"])
    [warning] = [w for w in result.warnings if w.field == "currency"]
    assert message in warning.message
    assert result.currency == "usd" and result.line("product_analytics").upfront_amount_cents is None


def test_a_mapping_without_billed_currencies_keeps_warning_on_eur():
    result = map_contract(copy.deepcopy(bluth_in("EUR", "€")), load_mapping(DEFAULT_MAPPING_PATH), ["seller.example"])
    assert "currency" in {w.field for w in result.warnings}


def _gbp_plan():
    line = SimpleNamespace(product_key="product_analytics", upfront_amount_cents=1200000, included=True)
    return SimpleNamespace(id=3, company="Pied Piper UK", document_id="doc", stripe_customer_id="cus_1",
                           start_date=date(2027, 4, 1), payment_terms_days=30, term_months=12, currency="gbp",
                           lines=[line])


def test_gbp_stripe_parameters_name_the_rows_currency():
    plan = _gbp_plan()
    assert invoice_params(plan, "k")["currency"] == "gbp"
    assert upfront_line(plan, plan.lines[0], "prod_1", "Product analytics", plan.currency, "k")["price_data"] == {
        "currency": "gbp", "product": "prod_1", "unit_amount": 1200000}
    assert schedule_params(plan, ["price_1"], None, "k")["phases"][0]["currency"] == "gbp"


@pytest.mark.parametrize("cents, currency, shown", [
    (1200000, "gbp", "£12,000.00"), (2400000, "eur", "€24,000.00"), (10250000, "usd", "$102,500.00"),
    (1250, "chf", "CHF12.50"), (None, "eur", "—"),
])
def test_money_in_its_currency(cents, currency, shown):
    assert money(cents, currency) == shown


def test_the_grids_up_front_cell_is_in_the_rows_currency():
    assert format_cell("line.product_analytics.upfront_amount_cents", 1200000, "gbp") == "£12,000.00"


@pytest.mark.parametrize("billed_in, refused", [(None, False), ("gbp", False), ("usd", True)])
def test_a_customer_billed_in_another_currency_is_refused(billed_in, refused):
    reason = customer_currency_refusal("cus_1", billed_in, "gbp")
    assert (reason is not None) == refused
    if refused:
        assert "already billed in USD" in reason and "this contract is in GBP" in reason


@pytest.mark.parametrize("edit, message", [
    (lambda s: s.replace('currencies = ["usd", "eur", "gbp"]', 'currencies = ["eur", "gbp"]'),
     'currencies must include the catalog\'s currency "usd"'),
    (lambda s: s.replace('currencies = ["usd", "eur", "gbp"]', 'currencies = ["usd", "eur", "gbp", "chf"]'),
     "currency_tiers.chf is missing"),
    (lambda s: s.replace('{ up_to = 5000, unit_amount_decimal = "0" },\n  { up_to = 15000, unit_amount_decimal = "0.46" }',
                         '{ up_to = 6000, unit_amount_decimal = "0" },\n  { up_to = 15000, unit_amount_decimal = "0.46" }'),
     "session_replay.currency_tiers.eur: the up_to bounds must be the product's own"),
    (lambda s: s.replace('currencies = ["usd", "eur", "gbp"]', 'currencies = ["usd", "eur"]'),
     "gbp is not one of the other supported currencies"),
])
def test_billing_toml_currencies_are_checked_at_start_up(tmp_path, edit, message):
    bad = tmp_path / "billing.toml"
    text = (ROOT / "config" / "billing.toml").read_text()
    assert edit(text) != text
    bad.write_text(edit(text))
    with pytest.raises(CatalogConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_catalog(bad)
