"""Every route validates against the params class the SDK itself sends for that call."""

import re
from pathlib import Path

import pytest
import stripe

from stripe_emulator import forms, schema
from stripe_emulator.routing import ROUTES, load_resources

_METHOD = re.compile(
    r"\n    def \w+\(.*?params: (?:Optional\[)?\"(?P<cls>\w+)\".*?"
    r"self\._request\(\s*\"(?P<verb>\w+)\",\s*\"(?P<path>[^\"]+)\"", re.S)


def _sdk_routes():
    """`(METHOD, path template) -> params class name`, read from stripe-python's services."""
    table = {}
    for path in Path(stripe.__file__).parent.rglob("_*_service.py"):
        for block in path.read_text().split("\n    def ")[1:]:
            m = _METHOD.search("\n    def " + block)
            if m and "async" not in block.split("(")[0]:
                table[(m["verb"].upper(), m["path"])] = m["cls"]
    return table


def test_routes_use_the_sdks_params_classes():
    load_resources()
    sdk = _sdk_routes()
    checked = 0
    for r in ROUTES:
        if r.params is None:
            continue
        key = (r.method, r.path)
        assert key in sdk, f"{key} is not a stripe-python call"
        assert r.params.__name__ == sdk[key], f"{key}: SDK sends {sdk[key]}"
        checked += 1
    assert checked >= 20


def test_no_duplicate_routes():
    load_resources()
    keys = [(r.method, r.path) for r in ROUTES]
    assert len(keys) == len(set(keys))


def test_every_sdk_params_class_compiles():
    from stripe.params import CustomerCreateParams
    from stripe.params.billing import CreditGrantCreateParams
    from stripe.params.v2.billing import MeterEventStreamCreateParams

    for cls in (CustomerCreateParams, CreditGrantCreateParams, MeterEventStreamCreateParams):
        assert schema.schema_for(cls).fields


@pytest.mark.parametrize("raw, expected", [
    ("a=1&b[c]=2&b[d][0]=x&b[d][1]=y", {"a": "1", "b": {"c": "2", "d": {"0": "x", "1": "y"}}}),
    ("expand[]=tiers&expand[]=product", {"expand": ["tiers", "product"]}),
    ("metadata[k]=&x=", {"metadata": {"k": ""}, "x": ""}),
    ("email=a%40b.c", {"email": "a@b.c"}),
])
def test_form_decoding(raw, expected):
    assert forms.decode_form(raw) == expected


def test_request_options_are_not_params():
    from stripe.params import CustomerCreateParams

    fields = schema.schema_for(CustomerCreateParams).fields
    assert "idempotency_key" not in fields and "api_key" not in fields
    assert "email" in fields


def test_readme_lists_every_route():
    load_resources()
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    missing = [f"{r.method} {r.path}" for r in ROUTES if f"`{r.method} {r.path}`" not in readme
               and f"{r.method} {r.path}`" not in readme]
    assert not missing, f"add to the README coverage table: {missing}"
