"""config/contract_mapping.toml is checked at start-up: a bad key stops the app with a
one-line message naming it."""
import copy
import tomllib

import pytest

from app.billing.mapping_config import (
    DEFAULT_MAPPING_PATH,
    MappingError,
    build_mapping,
    load_mapping,
)


@pytest.fixture(scope="module")
def config() -> dict:
    return tomllib.loads(DEFAULT_MAPPING_PATH.read_text(encoding="utf-8"))


def test_the_shipped_mapping_covers_order_form_v1():
    mapping = load_mapping()

    assert (mapping.template, mapping.currency, mapping.signer_type) == (
        "Order Form v1", "USD", "signer")
    assert [p.product_key for p in mapping.products] == [
        "product_analytics", "group_analytics", "session_replay", "feature_flags", "enterprise"]
    enterprise = mapping.products[-1]
    assert "volume" not in enterprise.fields
    assert enterprise.fields["upfront_amount_cents"] == "ent_price"
    assert mapping.products[1].requires == "product_analytics"
    assert mapping.columns["term_months"].key == "Contract.Term"
    assert set(mapping.overage_choices.values()) == {"standard", "custom", "none", "free"}


def _set(data: dict, path: str, value) -> None:
    *parents, last = path.split("/")
    for key in parents:
        data = data[key]
    if value is DELETE:
        del data[last]
    else:
        data[last] = value


DELETE = object()

BROKEN = [
    ("columns/start_date/normaliser", "dates", "unknown normaliser 'dates'"),
    ("columns/start_date/normaliser", "dates", "columns.start_date"),
    ("columns/start_date/normaliser", "volume", "cannot fill columns.start_date"),
    ("line_columns/volume/normaliser", "magic", "line_columns.volume"),
    ("products/web_analytics", {"prefix": "wa"}, "unknown product key 'web_analytics'"),
    ("products/group_analytics/requires", "heatmaps", "products.group_analytics.requires"),
    ("products/enterprise/without", ["included"], "products.enterprise.without"),
    ("products/enterprise/prefix", "pa", "reuses field id 'pa_included'"),
    ("products/enterprise/colour", "blue", "products.enterprise.colour"),
    ("products/session_replay/prefix", DELETE, "products.session_replay.prefix"),
    ("columns", DELETE, "missing section 'columns'"),
    ("line_columns", DELETE, "missing section 'line_columns'"),
    ("products", DELETE, "missing section 'products'"),
    ("overage_choices", DELETE, "missing section 'overage_choices'"),
    ("contacts", DELETE, "missing section 'contacts'"),
    ("columns/company", DELETE, "missing section 'columns.company'"),
    ("columns/company/field", "company", "exactly one of 'token' or 'field'"),
    ("columns/churn_risk", {"token": "X", "normaliser": "text"}, "'columns.churn_risk'"),
    ("line_columns/volume/field", "volume", "line_columns.volume.field"),
    ("overage_choices/Custom", "bespoke", "overage_choices.'Custom'"),
    ("overage_choices/custom", "custom", "repeats a label"),
    ("currency", "dollars", "currency 'dollars'"),
    ("template", "", "'template'"),
    ("prodcuts", {}, "unknown key 'prodcuts'"),
    ("pricing/check", "yes", "pricing.check"),
]


@pytest.mark.parametrize(("path", "value", "message"), BROKEN)
def test_a_broken_mapping_names_the_key(config, path, value, message):
    data = copy.deepcopy(config)
    _set(data, path, value)

    with pytest.raises(MappingError) as caught:
        build_mapping(data)

    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "contract_mapping.toml"
    path.write_text('template = "Order Form v1"\ncurrency = \n', encoding="utf-8")

    with pytest.raises(MappingError, match="invalid TOML") as caught:
        load_mapping(path)

    assert str(path) in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_missing_file_is_a_mapping_error(tmp_path):
    with pytest.raises(MappingError, match="cannot read"):
        load_mapping(tmp_path / "absent.toml")


def test_errors_from_a_file_name_the_file_and_the_key(tmp_path):
    text = DEFAULT_MAPPING_PATH.read_text(encoding="utf-8")
    path = tmp_path / "contract_mapping.toml"
    path.write_text(text.replace('normaliser = "percent"', 'normaliser = "percentage"'),
                    encoding="utf-8")

    with pytest.raises(MappingError) as caught:
        load_mapping(path)

    assert str(path) in str(caught.value)
    assert "columns.credit_discount_percent" in str(caught.value)
