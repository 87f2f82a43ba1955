"""What a mapped contract hands to the database layer: row values, lines, warnings and
where each value came from. Plain frozen data, so it can be compared and re-loaded."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

OverageKind = Literal["standard", "custom", "none", "free"]
SourceKind = Literal["token", "field", "pricing", "recipient", "document"]


@dataclass(frozen=True)
class ContractWarning:
    """Needs a person: `field` names the cell (`start_date`, `line.session_replay.volume`)."""

    field: str
    message: str
    raw: str


@dataclass(frozen=True)
class Provenance:
    """Where a loaded value came from, kept so re-loads and reviews can show the contract."""

    field: str
    source: SourceKind
    key: str  # token name, field_id, recipient id or JSON path in the document
    raw: str
    value: str | None  # the normalised value as text, None when refused or empty
    warning: str | None


@dataclass(frozen=True)
class MappedLine:
    product_key: str
    included: bool
    volume: int | None
    upfront_amount_cents: int | None
    overage: OverageKind | None
    overage_unit_amount_decimal: Decimal | None  # cents per unit


@dataclass(frozen=True)
class MappedContract:
    document_id: str | None
    company: str | None
    start_date: date | None
    term_months: int | None
    payment_terms_days: int | None
    credit_discount_percent: Decimal | None
    organization_ids: tuple[str, ...]  # the product's organisations this contract bills; () when none
    contact_email: str | None  # the default choice: first signer outside our own domains
    contact_candidates: tuple[str, ...]  # every signer, in signing order
    lines: tuple[MappedLine, ...]
    warnings: tuple[ContractWarning, ...]
    provenance: tuple[Provenance, ...]
    payment_schedule: str | None = "annual"  # app/billing/instalments.py; None when the contract's is unknown

    def line(self, product_key: str) -> MappedLine | None:
        return next((ln for ln in self.lines if ln.product_key == product_key), None)

    def warnings_for(self, field: str) -> tuple[ContractWarning, ...]:
        return tuple(w for w in self.warnings if w.field == field)

    @property
    def upfront_total_cents(self) -> int | None:
        """None while an included line has no price: a partial total would mislead."""
        return upfront_total_cents(self.lines)

    @property
    def due_date(self) -> date | None:
        if self.start_date is None or self.payment_terms_days is None:
            return None
        return due_date(self.start_date, self.payment_terms_days)


def due_date(start: date, payment_terms_days: int) -> date:
    """The up-front invoice is due `payment_terms_days` after the contract start."""
    return start + timedelta(days=payment_terms_days)


def upfront_total_cents(lines: tuple[MappedLine, ...]) -> int | None:
    amounts = [ln.upfront_amount_cents for ln in lines if ln.included]
    if any(a is None for a in amounts):
        return None
    return sum(amounts)
