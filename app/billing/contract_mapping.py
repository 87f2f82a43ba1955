"""A signed order form (PandaDoc document details) to the values of an Annual Plan row.

`map_contract` fills what the contract states plainly, leaves the rest empty with a
warning quoting the contract, and records where every value came from.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from app.billing import contract_checks as checks
from app.billing.contract_result import (
    ContractWarning,
    MappedContract,
    MappedLine,
    Provenance,
    SourceKind,
    due_date,
    upfront_total_cents,
)
from app.billing.instalments import ANNUAL
from app.billing.mapping_config import (
    DEFAULT_MAPPING_PATH,
    ContractMapping,
    MappingError,
    ProductMapping,
    Source,
    build_mapping,
    load_mapping,
)
from app.billing.normalize import NORMALISERS, Normaliser, Parsed, parse_overage_kind
from app.billing.parsed import plain

__all__ = [
    "DEFAULT_MAPPING_PATH", "ContractMapping", "ContractWarning", "MappedContract",
    "MappedLine", "MappingError", "Provenance", "build_mapping", "due_date", "load_mapping",
    "map_contract", "upfront_total_cents",
]

RATE = "overage_unit_amount_decimal"


def map_contract(
    details: Mapping[str, Any], mapping: ContractMapping, own_email_domains: list[str]
) -> MappedContract:
    loader = _Loader(details, mapping)
    row = {column: loader.column(column, source) for column, source in mapping.columns.items()}
    row.setdefault("organization_ids", ())
    row.setdefault("payment_schedule", ANNUAL)
    lines = tuple(loader.line(product) for product in mapping.products)
    contact, candidates = loader.contacts(own_email_domains)
    loader.check_document(lines)
    return MappedContract(
        document_id=details.get("id"),
        **row,
        contact_email=contact,
        contact_candidates=candidates,
        lines=lines,
        warnings=tuple(loader.warnings),
        provenance=tuple(loader.provenance),
    )


class _Loader:
    """Reads one document through the mapping, collecting warnings and provenance."""

    def __init__(self, details: Mapping[str, Any], mapping: ContractMapping):
        self.details, self.mapping = details, mapping
        self.tokens = _by_key(details.get("tokens"), "name")
        self.fields = _by_key(details.get("fields"), "field_id")
        self.warnings: list[ContractWarning] = []
        self.provenance: list[Provenance] = []

    def column(self, column: str, source: Source) -> Any:
        present = source.key in (self.tokens if source.kind == "token" else self.fields)
        if source.optional and not present:
            return self._record(column, source.kind, source.key, self._normaliser(source.normaliser)(None), warn=False)
        parsed = self._read(source.kind, source.key, source.normaliser)
        return self._record(column, source.kind, source.key, parsed, warn=True)

    def line(self, product: ProductMapping) -> MappedLine:
        """Empty cells of a line that is not included are fine; anything else is checked."""
        included = bool(self._line_value(product, "included", warn=True))
        values = {
            column: self._line_value(product, column, warn=included)
            if column in product.fields else None
            for column in ("volume", "upfront_amount_cents", "overage")
        }
        values[RATE] = self._rate(product, values["overage"], included)
        return MappedLine(product.product_key, included, **values)

    def contacts(self, own_domains: list[str]) -> tuple[str | None, tuple[str, ...]]:
        signers = checks.signers_in_order(self.details, self.mapping.signer_type)
        candidates = tuple(email for _, email in signers)
        chosen = next(((rid, e) for rid, e in signers if not checks.is_own_email(e, own_domains)),
                      None)
        if chosen:
            rid, email = chosen
            self._record("contact_email", "recipient", rid, Parsed(email, email), warn=True)
            return email, candidates
        reason = "only our own people signed" if signers else "no signer on the contract"
        raw = ", ".join(candidates)
        self._record("contact_email", "recipient", "", Parsed(raw, None, reason), warn=True)
        return None, candidates

    def check_document(self, lines: tuple[MappedLine, ...]) -> None:
        currency = self.mapping.currency
        provenance, warning = checks.currency_check(self.details, currency)
        if provenance:
            self.provenance.append(provenance)
        found = [warning, checks.template_warning(self.details, self.mapping.template)]
        found += checks.addon_warnings(lines, self.mapping)
        if self.mapping.check_pricing:
            prices = {p.field.split(".")[1]: p.raw for p in self.provenance
                      if p.field.endswith(".upfront_amount_cents")}
            found += checks.pricing_warnings(self.details, lines, currency, prices)
            found.append(checks.grand_total_warning(self.details, lines, currency))
        self.warnings += [w for w in found if w]

    def _line_value(self, product: ProductMapping, column: str, warn: bool) -> Any:
        field_id = product.fields[column]
        parsed = self._read("field", field_id, self.mapping.line_normalisers[column])
        if not warn and not parsed.raw:
            parsed = Parsed(parsed.raw)
        field = f"line.{product.product_key}.{column}"
        return self._record(field, "field", field_id, parsed, warn)

    def _rate(self, product: ProductMapping, kind: str | None, included: bool) -> Decimal | None:
        """A rate only means something for a custom overage; custom without one is flagged."""
        field = f"line.{product.product_key}.{RATE}"
        field_id = product.fields.get(RATE)
        if field_id is None:
            if kind == "custom" and included:
                self._warn(field, "custom overage, but the template has no rate field", "")
            return None
        parsed = self._read("field", field_id, self.mapping.line_normalisers[RATE])
        if kind == "custom":
            if not parsed.ok:
                warning = f"custom overage without a usable rate; {parsed.warning}"
                parsed = Parsed(parsed.raw, None, warning)
        elif not parsed.raw:
            parsed = Parsed("")
        elif kind is not None:
            warning = f'a rate is given but the overage is {kind}: "{parsed.raw}"'
            parsed = Parsed(parsed.raw, None, warning)
        return self._record(field, "field", field_id, parsed, warn=included)

    def _read(self, kind: str, key: str, normaliser: str) -> Parsed:
        source = self.tokens if kind == "token" else self.fields
        parsed = self._normaliser(normaliser)(source.get(key))
        if key not in source:
            return Parsed("", parsed.value, f"{kind} {key!r} is not in the contract")
        return parsed

    def _normaliser(self, name: str) -> Normaliser:
        if name == "overage_kind":
            return partial(parse_overage_kind, choices=self.mapping.overage_choices)
        return NORMALISERS[name]

    def _record(self, field: str, kind: SourceKind, key: str, parsed: Parsed, warn: bool) -> Any:
        self.provenance.append(
            Provenance(field, kind, key, parsed.raw, _as_str(parsed.value), parsed.warning)
        )
        if warn and parsed.warning:
            self._warn(field, parsed.warning, parsed.raw)
        return parsed.value

    def _warn(self, field: str, message: str, raw: str) -> None:
        self.warnings.append(ContractWarning(field, message, raw))


def _by_key(items: Any, key: str) -> dict[str, Any]:
    """First value per name: a template repeats a merge field when it shows it twice."""
    found: dict[str, Any] = {}
    for item in items or []:
        if isinstance(item, Mapping) and item.get(key) and item[key] not in found:
            found[item[key]] = item.get("value")
    return found


def _as_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)
