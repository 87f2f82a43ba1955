"""Contract text to row values. Each normaliser returns a `Parsed`: a value, or a refusal
that quotes the raw text. None of them guesses: text with two readings is refused.

Money, volumes and rates live in `numbers`; they are re-exported here so callers import
every normaliser from one place.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal

from app.billing.instalments import parse_payment_schedule
from app.billing.numbers import (
    parse_amount_cents,
    parse_rate_cents,
    parse_volume,
    read_digits,
)
from app.billing.parsed import Parsed, Refusal, accept, as_text, refuse, tidy

__all__ = [
    "NORMALISERS", "OVERAGE_KINDS", "Parsed", "parse_amount_cents", "parse_checkbox",
    "parse_date", "parse_organisation_ids", "parse_overage_kind", "parse_payment_terms_days", "parse_percent",
    "parse_payment_schedule", "parse_rate_cents", "parse_term_months", "parse_text", "parse_volume",
]

DEFAULT_PAYMENT_TERMS_DAYS = 30
OVERAGE_KINDS = ("standard", "custom", "none", "free")

_MONTHS = {
    name: number
    for number, names in enumerate(
        [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
         ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
         ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
         ("december", "dec")],
        start=1,
    )
    for name in names
}
_ISO = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
    r"(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]00:?00)?)?"
)
_ORD = r"(?:st|nd|rd|th)?"
_MONTH_FIRST = re.compile(rf"(?P<mon>[a-z]+)\.?\s+(?P<d>\d{{1,2}}){_ORD},?\s+(?P<y>\d{{4}})")
_DAY_FIRST = re.compile(rf"(?P<d>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<mon>[a-z]+)\.?,?\s+(?P<y>\d{{4}})")
_NUMERIC = re.compile(r"(?P<a>\d{1,4})[/.\-](?P<b>\d{1,2})[/.\-](?P<c>\d{1,4})")


def parse_date(raw: object) -> Parsed[date]:
    """ISO dates (PandaDoc's "2027-02-01T00:00:00" too) and dates with a month name.

    Every all-numeric date other than ISO ("03/04/2027", "13/04/2027", "2027/04/13") is
    refused: the template writes ISO or month names, and one consistent rule is easier to
    trust than accepting a slash date only when a part happens to exceed 12.
    """
    text = as_text(raw).strip()
    try:
        return accept(text, _read_date(" ".join(text.lower().split())))
    except Refusal as why:
        return refuse(text, str(why))


def _read_date(text: str) -> date:
    if not text:
        raise Refusal("empty date")
    if m := _ISO.fullmatch(text.upper()):
        return _make_date(int(m["y"]), int(m["m"]), int(m["d"]))
    for pattern in (_MONTH_FIRST, _DAY_FIRST):
        if m := pattern.fullmatch(text):
            if m["mon"] not in _MONTHS:
                raise Refusal("not a readable date (unknown month)")
            return _make_date(int(m["y"]), _MONTHS[m["mon"]], int(m["d"]))
    if m := _NUMERIC.fullmatch(text):
        raise Refusal(_numeric_date_reason(m))
    raise Refusal("not a readable date")


def _make_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Refusal("an impossible date") from None


def _numeric_date_reason(m: re.Match) -> str:
    a, b = int(m["a"]), int(m["b"])
    if len(m["c"]) == 4 and a <= 12 and b <= 12 and a != b:
        return "ambiguous date (day/month or month/day?); write it as YYYY-MM-DD"
    return "a numeric date that is not YYYY-MM-DD (day/month order unknown)"


_TERM = re.compile(
    r"(?P<n>\d[\d.,]*)\s*-?\s*(?P<unit>years?|yrs?|y|months?|mos?|m)?", re.IGNORECASE
)


def parse_term_months(raw: object) -> Parsed[int]:
    """"2 years" is 24; a bare number is months, but only from 12 up, since "2" alone
    could mean two years as well as two months."""
    text = as_text(raw).strip()
    try:
        m = _TERM.fullmatch(text)
        if not m:
            raise Refusal("empty term" if not text else "not a readable term")
        months = _term_months(read_digits(m["n"]), (m["unit"] or "").lower())
    except Refusal as why:
        return refuse(text, str(why))
    return accept(text, months)


def _term_months(n: Decimal, unit: str) -> int:
    if not unit and n < 12:
        raise Refusal("a term without a unit (months or years?)")
    months = n * 12 if unit.startswith("y") else n
    if months <= 0 or months != months.to_integral_value():
        raise Refusal("a term that is not a whole number of months")
    return int(months)


_NET = re.compile(r"(?:net\s*-?\s*)?(?P<n>\d+)(?:\s*days?)?", re.IGNORECASE)
_ON_RECEIPT = re.compile(r"(?:due\s+)?(?:up)?on\s+receipt", re.IGNORECASE)


def parse_payment_terms_days(raw: object) -> Parsed[int]:
    """"Net 45" or "45 days" to 45; empty means the house default of 30 days."""
    text = as_text(raw).strip()
    if not text:
        return accept(text, DEFAULT_PAYMENT_TERMS_DAYS)
    if _ON_RECEIPT.fullmatch(text):
        return accept(text, 0)
    if m := _NET.fullmatch(text):
        return accept(text, int(m["n"]))
    return refuse(text, "not readable payment terms")


_PERCENT = re.compile(r"(?P<n>\d[\d.,]*)\s*(?P<sign>%|percent|pct)?", re.IGNORECASE)


def parse_percent(raw: object) -> Parsed[Decimal]:
    """"15%" to 15; empty means no discount. A bare number up to 1 is refused, since
    "0.15" could be a fraction (15%) as well as 0.15%."""
    text = as_text(raw).strip()
    if not text:
        return accept(text, Decimal(0))
    try:
        m = _PERCENT.fullmatch(text)
        if not m:
            raise Refusal("negative percent" if text.startswith("-") else "not a readable percent")
        value = read_digits(m["n"])
        if not m["sign"] and 0 < value <= 1:
            raise Refusal("a percent without '%' (a fraction or a percent?)")
        if value > 100:
            raise Refusal("a percent over 100")
    except Refusal as why:
        return refuse(text, str(why))
    return accept(text, tidy(value))


def parse_text(raw: object) -> Parsed[str]:
    """Free text such as the company name; only emptiness is refused."""
    text = " ".join(as_text(raw).split())
    return accept(text, text) if text else refuse(text, "empty text")


ORGANISATION_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


def parse_organisation_ids(raw: object) -> Parsed[tuple[str, ...]]:
    """The product's organisation ids, separated by commas or spaces ("org-a, org-b"); none is an
    empty tuple, not a refusal (older contracts lack the token). Repeats count once."""
    text = as_text(raw).strip()
    ids = [part for part in re.split(r"[,\s;]+", text) if part]
    bad = [part for part in ids if not ORGANISATION_ID.fullmatch(part)]
    if bad:
        return refuse(text, f"not an organisation id ({bad[0][:70]!r}: letters, digits and - _ . : only, "
                            "at most 64 characters)")
    return accept(text, tuple(dict.fromkeys(ids)))


def parse_checkbox(raw: object) -> Parsed[bool]:
    """PandaDoc sends checkboxes as JSON booleans; the strings "true"/"false" also pass."""
    if isinstance(raw, bool):
        return accept(as_text(raw), raw)
    text = as_text(raw).strip()
    if text.lower() in ("true", "false"):
        return accept(text, text.lower() == "true")
    return refuse(text, "not a checkbox value")


def parse_overage_kind(raw: object, choices: Mapping[str, str]) -> Parsed[str]:
    """The dropdown's label to an overage kind, through the template's configured labels."""
    text = as_text(raw).strip()
    folded = {label.casefold(): kind for label, kind in choices.items()}
    if text.casefold() in folded:
        return accept(text, folded[text.casefold()])
    return refuse(text, "empty overage choice" if not text else "unknown overage choice")


Normaliser = Callable[[object], Parsed]

# name in config/contract_mapping.toml -> function; "overage_kind" needs the template's
# dropdown labels, so the mapping binds it (see contract_mapping.normaliser).
NORMALISERS: dict[str, Normaliser | None] = {
    "text": parse_text,
    "date": parse_date,
    "term_months": parse_term_months,
    "payment_terms_days": parse_payment_terms_days,
    "percent": parse_percent,
    "checkbox": parse_checkbox,
    "volume": parse_volume,
    "amount_cents": parse_amount_cents,
    "rate_cents": parse_rate_cents,
    "overage_kind": None,
    "organisation_ids": parse_organisation_ids,
    "payment_schedule": parse_payment_schedule,
}
