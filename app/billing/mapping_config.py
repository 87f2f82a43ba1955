"""config/contract_mapping.toml, read and checked once at start-up, so a changed template
is a config change and a typo in it fails loudly with the key it is about."""
from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.billing.normalize import NORMALISERS, OVERAGE_KINDS

DEFAULT_MAPPING_PATH = Path(__file__).resolve().parents[2] / "config" / "contract_mapping.toml"

KNOWN_PRODUCT_KEYS = (
    "product_analytics", "group_analytics", "session_replay", "feature_flags", "enterprise",
)
# row column -> normalisers that produce the kind of value the column holds
ROW_COLUMNS: dict[str, tuple[str, ...]] = {
    "company": ("text",),
    "start_date": ("date",),
    "term_months": ("term_months",),
    "payment_terms_days": ("payment_terms_days",),
    "credit_discount_percent": ("percent",),
    "organization_ids": ("organisation_ids",),
    "payment_schedule": ("payment_schedule",),
}
OPTIONAL_COLUMNS = frozenset({"organization_ids", "payment_schedule"})  # templates added them later: older documents lack them
LINE_COLUMNS: dict[str, tuple[str, ...]] = {
    "included": ("checkbox",),
    "volume": ("volume",),
    "upfront_amount_cents": ("amount_cents",),
    "overage": ("overage_kind",),
    "overage_unit_amount_decimal": ("rate_cents",),
}
_TOP_KEYS = (
    "template", "currency", "contacts", "columns", "line_columns", "products",
    "overage_choices", "pricing",
)


class MappingError(ValueError):
    """The mapping file is unusable; the message is one line naming the offending key."""


@dataclass(frozen=True)
class Source:
    kind: Literal["token", "field"]
    key: str
    normaliser: str
    optional: bool = False  # a document without it is fine: empty, no warning


@dataclass(frozen=True)
class ProductMapping:
    product_key: str
    fields: Mapping[str, str]  # line column -> field_id, only the columns the template has
    requires: str | None = None


@dataclass(frozen=True)
class ContractMapping:
    template: str
    currency: str
    signer_type: str
    columns: Mapping[str, Source]
    line_normalisers: Mapping[str, str]
    products: tuple[ProductMapping, ...]
    overage_choices: Mapping[str, str]
    check_pricing: bool = True


def load_mapping(path: str | Path = DEFAULT_MAPPING_PATH) -> ContractMapping:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(f"contract mapping {path}: cannot read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"contract mapping {path}: invalid TOML ({exc})") from exc
    try:
        return build_mapping(data)
    except MappingError as exc:
        raise MappingError(f"contract mapping {path}: {exc}") from exc


def build_mapping(data: Mapping[str, Any]) -> ContractMapping:
    _only_keys(data, _TOP_KEYS, "")
    currency = _text(data, "currency", "")
    if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
        raise MappingError(f"currency {currency!r} is not a 3-letter ISO code such as 'USD'")
    contacts = _table(data, "contacts", "")
    _only_keys(contacts, ("recipient_type",), "contacts")
    line_columns = _line_columns(_table(data, "line_columns", ""))
    pricing = _table(data, "pricing", "", required=False)
    _only_keys(pricing, ("check",), "pricing")
    return ContractMapping(
        template=_text(data, "template", ""),
        currency=currency,
        signer_type=_text(contacts, "recipient_type", "contacts"),
        columns=_columns(_table(data, "columns", "")),
        line_normalisers={col: norm for col, (_, norm) in line_columns.items()},
        products=_products(_table(data, "products", ""), line_columns),
        overage_choices=_overage_choices(_table(data, "overage_choices", "")),
        check_pricing=_flag(pricing, "check", "pricing", default=True),
    )


def _columns(table: Mapping[str, Any]) -> dict[str, Source]:
    _only_keys(table, tuple(ROW_COLUMNS), "columns")
    columns = {}
    for column, allowed in ROW_COLUMNS.items():
        where = f"columns.{column}"
        if column in OPTIONAL_COLUMNS and column not in table:
            continue
        entry = _table(table, column, "columns")
        _only_keys(entry, ("token", "field", "normaliser", "optional"), where)
        if ("token" in entry) == ("field" in entry):
            raise MappingError(f"{where} needs exactly one of 'token' or 'field'")
        kind = "token" if "token" in entry else "field"
        normaliser = _normaliser(entry, where, allowed)
        columns[column] = Source(kind, _text(entry, kind, where), normaliser,
                                 _flag(entry, "optional", where, default=column in OPTIONAL_COLUMNS))
    return columns


def _line_columns(table: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    _only_keys(table, tuple(LINE_COLUMNS), "line_columns")
    columns = {}
    for column, allowed in LINE_COLUMNS.items():
        where = f"line_columns.{column}"
        entry = _table(table, column, "line_columns")
        _only_keys(entry, ("field", "normaliser"), where)
        pattern = _text(entry, "field", where)
        if "{prefix}" not in pattern:
            raise MappingError(f"{where}.field {pattern!r} must contain '{{prefix}}'")
        columns[column] = (pattern, _normaliser(entry, where, allowed))
    return columns


def _products(
    table: Mapping[str, Any], line_columns: Mapping[str, tuple[str, str]]
) -> tuple[ProductMapping, ...]:
    if not table:
        raise MappingError("products has no product")
    products, seen = [], {}
    for key in table:
        where = f"products.{key}"
        if key not in KNOWN_PRODUCT_KEYS:
            raise MappingError(
                f"unknown product key {key!r} at {where} (known: {', '.join(KNOWN_PRODUCT_KEYS)})"
            )
        product = _product(key, _table(table, key, "products"), line_columns)
        if product.requires and product.requires not in table:
            raise MappingError(f"{where}.requires names {product.requires!r}, not a product here")
        for field_id in product.fields.values():
            if field_id in seen:
                raise MappingError(f"{where} reuses field id {field_id!r} of products.{seen[field_id]}")
            seen[field_id] = key
        products.append(product)
    return tuple(products)


def _product(key: str, entry: Mapping[str, Any], line_columns) -> ProductMapping:
    where = f"products.{key}"
    _only_keys(entry, ("prefix", "requires", "without", "fields"), where)
    prefix = _text(entry, "prefix", where)
    without = entry.get("without", [])
    optional = [c for c in LINE_COLUMNS if c != "included"]
    if not isinstance(without, list) or any(c not in optional for c in without):
        raise MappingError(f"{where}.without must list some of: {', '.join(optional)}")
    overrides = _table(entry, "fields", where, required=False)
    _only_keys(overrides, tuple(LINE_COLUMNS), f"{where}.fields")
    for column in overrides:
        _text(overrides, column, f"{where}.fields")
    fields = {
        column: overrides.get(column) or pattern.replace("{prefix}", prefix)
        for column, (pattern, _) in line_columns.items()
        if column not in without
    }
    requires = entry.get("requires")
    if requires is not None and not isinstance(requires, str):
        raise MappingError(f"{where}.requires must be a product key")
    return ProductMapping(key, fields, requires)


def _overage_choices(table: Mapping[str, Any]) -> dict[str, str]:
    if not table:
        raise MappingError("overage_choices has no choice")
    folded = set()
    for label, kind in table.items():
        if kind not in OVERAGE_KINDS:
            raise MappingError(
                f"overage_choices.{label!r} is {kind!r}, not one of {', '.join(OVERAGE_KINDS)}"
            )
        if label.casefold() in folded:
            raise MappingError(f"overage_choices.{label!r} repeats a label (case-insensitively)")
        folded.add(label.casefold())
    return dict(table)


def _normaliser(entry: Mapping[str, Any], where: str, allowed: tuple[str, ...]) -> str:
    name = _text(entry, "normaliser", where)
    if name not in NORMALISERS:
        raise MappingError(
            f"unknown normaliser {name!r} at {where}.normaliser (known: {', '.join(NORMALISERS)})"
        )
    if name not in allowed:
        raise MappingError(f"normaliser {name!r} cannot fill {where} (use: {', '.join(allowed)})")
    return name


def _only_keys(table: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in table:
        if key not in allowed:
            place = f"{where}.{key}" if where else key
            raise MappingError(f"unknown key {place!r} (expected: {', '.join(allowed)})")


def _table(data: Mapping[str, Any], key: str, where: str, required: bool = True) -> Mapping:
    place = f"{where}.{key}" if where else key
    if key not in data:
        if required:
            raise MappingError(f"missing section {place!r}")
        return {}
    if not isinstance(data[key], Mapping):
        raise MappingError(f"{place!r} must be a table")
    return data[key]


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    place = f"{where}.{key}" if where else key
    value = data.get(key)
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"missing or empty text at {place!r}")
    return value


def _flag(data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise MappingError(f"{where}.{key} must be true or false")
    return value
