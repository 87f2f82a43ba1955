"""The sample order forms mapped end to end, and the cross-checks that flag disagreement."""
import copy
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from app.billing.contract_mapping import (
    MappedLine,
    build_mapping,
    due_date,
    load_mapping,
    map_contract,
)
from app.billing.mapping_config import DEFAULT_MAPPING_PATH

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "contracts"
OWN = ["seller.example"]


@pytest.fixture(scope="module")
def mapping():
    return load_mapping(DEFAULT_MAPPING_PATH)


def sample(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.details.json").read_text(encoding="utf-8"))


def set_token(details: dict, name: str, value) -> dict:
    next(t for t in details["tokens"] if t["name"] == name)["value"] = value
    return details


def set_field(details: dict, field_id: str, value) -> dict:
    next(f for f in details["fields"] if f["field_id"] == field_id)["value"] = value
    return details


def fields_warned(result) -> set[str]:
    return {w.field for w in result.warnings}


def test_acme_maps_exactly_as_the_template_says(mapping):
    result = map_contract(sample("acme"), mapping, OWN)

    assert result.document_id == "AcmeOrdrFrm2027v1xQ7Lp"
    assert (result.company, result.start_date, result.term_months) == (
        "Acme Corp", date(2027, 2, 1), 24)
    assert (result.payment_terms_days, result.credit_discount_percent) == (30, 0)
    assert result.contact_email == "carla.fo@acme.example"
    assert result.contact_candidates == (
        "carla.fo@acme.example", "ap@acme.example", "ann@seller.example")
    assert result.lines == (
        MappedLine("product_analytics", True, 60000000, 6000000, "standard", None),
        MappedLine("group_analytics", False, None, None, "standard", None),
        MappedLine("session_replay", True, 500000, 1250000, "custom", Decimal("0.4")),
        MappedLine("feature_flags", True, 10000000, 500000, "free", None),
        MappedLine("enterprise", True, None, 2500000, "none", None),
    )
    assert result.warnings == ()
    assert result.upfront_total_cents == 10250000
    assert result.due_date == date(2027, 3, 3)


def test_globex_maps_exactly_as_the_template_says(mapping):
    result = map_contract(sample("globex"), mapping, OWN)

    assert (result.company, result.start_date, result.term_months) == (
        "Globex Corporation", date(2027, 3, 15), 36)
    assert (result.payment_terms_days, result.credit_discount_percent) == (45, 15)
    assert result.contact_email == "hank.scorpio@globex.example"
    assert result.line("product_analytics") == MappedLine(
        "product_analytics", True, 1500000000, 120000000, "custom", Decimal("0.002"))
    assert result.line("group_analytics") == MappedLine(
        "group_analytics", True, 1500000000, 15000000, "standard", None)
    assert [ln.product_key for ln in result.lines if ln.included] == [
        "product_analytics", "group_analytics"]
    assert result.warnings == ()
    assert result.due_date == date(2027, 4, 29)
    assert result.upfront_total_cents == 135000000


def test_initech_is_flagged_not_guessed(mapping):
    result = map_contract(sample("initech-needs-review"), mapping, OWN)

    warned = {w.field: w for w in result.warnings}
    assert {
        "start_date", "term_months", "line.product_analytics.volume",
        "line.product_analytics.upfront_amount_cents",
        "line.product_analytics.overage_unit_amount_decimal",
        "line.session_replay.upfront_amount_cents", "currency",
    } <= set(warned)
    assert warned["term_months"].raw == "TBD"
    assert warned["line.product_analytics.volume"].raw == "sixty milion"
    assert warned["line.product_analytics.upfront_amount_cents"].raw == "TBD"
    assert warned["line.session_replay.upfront_amount_cents"].raw == "€10.000"
    assert "EUR" in warned["line.session_replay.upfront_amount_cents"].message
    assert "ambiguous" in warned["line.session_replay.upfront_amount_cents"].message
    assert "custom overage" in warned["line.product_analytics.overage_unit_amount_decimal"].message
    assert warned["currency"].raw == "EUR"
    pa, sr = result.line("product_analytics"), result.line("session_replay")
    assert (result.start_date, result.term_months) == (None, None)
    assert (pa.volume, pa.upfront_amount_cents, pa.overage_unit_amount_decimal) == (None,) * 3
    assert (sr.volume, sr.upfront_amount_cents) == (1000, None)
    assert result.upfront_total_cents is None
    assert result.contact_email == "bill.lumbergh@initech.example"


@pytest.mark.parametrize("name", ["acme", "globex", "initech-needs-review"])
def test_every_loaded_value_records_where_it_came_from(mapping, name):
    details = sample(name)
    result = map_contract(details, mapping, OWN)

    recorded = {p.field: p for p in result.provenance}
    expected = set(mapping.columns) | {"contact_email", "currency"}
    for product in mapping.products:
        expected |= {f"line.{product.product_key}.{col}" for col in product.fields}
    assert set(recorded) == expected
    fields = {f["field_id"]: f["value"] for f in details["fields"]}
    for p in result.provenance:
        if p.source == "field" and isinstance(fields[p.key], str):
            assert p.raw == fields[p.key].strip()


def test_provenance_names_the_token_and_the_normalised_value(mapping):
    result = map_contract(sample("globex"), mapping, OWN)

    recorded = {p.field: p for p in result.provenance}
    assert recorded["term_months"].source == "token"
    assert recorded["term_months"].key == "Contract.Term"
    assert (recorded["term_months"].raw, recorded["term_months"].value) == ("36 months", "36")
    rate = recorded["line.product_analytics.overage_unit_amount_decimal"]
    assert (rate.key, rate.raw, rate.value) == ("pa_overage_rate", "$0.02 per 1,000 events",
                                                "0.002")
    assert recorded["contact_email"].source == "recipient"


def test_only_own_domain_signers_gives_candidates_but_no_default(mapping):
    details = sample("globex")
    details["recipients"][0]["email"] = "sam@eu.seller.example"

    result = map_contract(details, mapping, ["@Seller.example"])

    assert result.contact_candidates == ("sam@eu.seller.example", "ann@seller.example")
    assert result.contact_email is None
    assert "contact_email" in fields_warned(result)


def test_signers_come_in_signing_order_and_cc_recipients_are_not_candidates(mapping):
    details = sample("acme")
    details["recipients"].reverse()
    details["recipients"][0]["recipient_type"] = "CC"  # ann@seller.example

    result = map_contract(details, mapping, OWN)

    assert result.contact_candidates == ("carla.fo@acme.example", "ap@acme.example")


def test_a_pricing_item_that_disagrees_with_the_price_field_is_flagged(mapping):
    details = set_field(sample("acme"), "pa_price", "$65,000")

    result = map_contract(details, mapping, OWN)

    [warning] = result.warnings_for("line.product_analytics.upfront_amount_cents")
    assert "$65,000" in warning.message and warning.raw == "60000"
    assert result.line("product_analytics").upfront_amount_cents == 6500000
    assert "grand_total" in fields_warned(result)


def test_a_grand_total_that_disagrees_with_the_lines_is_flagged(mapping):
    details = sample("acme")
    details["grand_total"]["amount"] = "99999.00"

    result = map_contract(details, mapping, OWN)

    assert [(w.field, w.raw) for w in result.warnings] == [("grand_total", "99999.00")]


def test_a_priced_product_that_is_not_included_is_flagged(mapping):
    details = set_field(sample("acme"), "ff_included", False)

    result = map_contract(details, mapping, OWN)

    assert "line.feature_flags.included" in fields_warned(result)


def test_an_add_on_without_its_base_product_is_flagged(mapping):
    details = set_field(sample("globex"), "pa_included", False)

    result = map_contract(details, mapping, OWN)

    assert "line.group_analytics.included" in fields_warned(result)


@pytest.mark.parametrize("rate", ["", "TBD", "€0.01 per event", "see appendix"])
def test_a_custom_overage_without_a_usable_rate_is_flagged(mapping, rate):
    details = set_field(sample("acme"), "sr_overage_rate", rate)

    result = map_contract(details, mapping, OWN)

    [warning] = result.warnings_for("line.session_replay.overage_unit_amount_decimal")
    assert warning.raw == rate and "custom overage" in warning.message
    assert result.line("session_replay").overage_unit_amount_decimal is None


def test_a_rate_next_to_a_standard_overage_is_flagged_not_used(mapping):
    details = set_field(sample("acme"), "pa_overage_rate", "$0.004")

    result = map_contract(details, mapping, OWN)

    [warning] = result.warnings_for("line.product_analytics.overage_unit_amount_decimal")
    assert warning.raw == "$0.004"
    assert result.line("product_analytics").overage_unit_amount_decimal is None


def test_an_unknown_overage_label_is_flagged(mapping):
    details = set_field(sample("acme"), "pa_overage", "Premium")

    result = map_contract(details, mapping, OWN)

    assert [w.raw for w in result.warnings_for("line.product_analytics.overage")] == ["Premium"]
    assert result.line("product_analytics").overage is None


def test_an_included_line_without_volume_or_price_is_flagged(mapping):
    details = set_field(set_field(sample("acme"), "ff_volume", ""), "ff_price", "")

    result = map_contract(details, mapping, OWN)

    assert {"line.feature_flags.volume", "line.feature_flags.upfront_amount_cents"} <= (
        fields_warned(result))


def test_leftover_text_on_an_excluded_line_is_kept_in_provenance_only(mapping):
    details = set_field(sample("acme"), "ga_volume", "lots")

    result = map_contract(details, mapping, OWN)

    assert result.warnings == ()
    [prov] = [p for p in result.provenance if p.field == "line.group_analytics.volume"]
    assert (prov.raw, prov.value) == ("lots", None) and "lots" in prov.warning


def test_a_missing_token_is_flagged_and_defaults_still_apply(mapping):
    details = sample("acme")
    details["tokens"] = [t for t in details["tokens"] if t["name"] != "Contract.PaymentTerms"]

    result = map_contract(details, mapping, OWN)

    [warning] = result.warnings_for("payment_terms_days")
    assert "Contract.PaymentTerms" in warning.message
    assert result.payment_terms_days == 30


def test_a_document_from_another_template_is_flagged(mapping):
    details = sample("acme")
    details["template"]["name"] = "Order Form v2"

    result = map_contract(details, mapping, OWN)

    assert [(w.field, w.raw) for w in result.warnings] == [("template", "Order Form v2")]


def test_a_renamed_template_field_is_a_config_change_only():
    import tomllib

    data = tomllib.loads(DEFAULT_MAPPING_PATH.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["products"]["product_analytics"]["fields"] = {"volume": "pa_events"}
    data["columns"]["start_date"] = {"field": "start_date", "normaliser": "date"}
    details = sample("acme")
    next(f for f in details["fields"] if f["field_id"] == "pa_volume")["field_id"] = "pa_events"
    details["fields"].append({"field_id": "start_date", "type": "date",
                              "value": "2027-05-01T00:00:00"})

    result = map_contract(details, build_mapping(data), OWN)

    assert result.line("product_analytics").volume == 60000000
    assert result.start_date == date(2027, 5, 1)
    assert result.warnings == ()


def test_due_date_is_start_plus_payment_terms():
    assert due_date(date(2027, 2, 1), 30) == date(2027, 3, 3)
    assert due_date(date(2027, 3, 15), 45) == date(2027, 4, 29)
    assert due_date(date(2027, 3, 15), 0) == date(2027, 3, 15)
