"""The editable cells of an Annual Plan row: how a person's input is read, and shown back.

Field names are the JSON export's: `start_date`, `line.session_replay.volume`. The same
parsers serve the grid and `flask annual-plans set`, so both refuse the same input.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import partial

from app.billing.instalments import PAYMENT_SCHEDULE_KEYS, parse_payment_schedule, schedule_label
from app.billing.normalize import (
    OVERAGE_KINDS,
    parse_amount_cents,
    parse_date,
    parse_organisation_ids,
    parse_payment_terms_days,
    parse_percent,
    parse_rate_cents,
    parse_term_months,
    parse_volume,
)
from app.billing.parsed import Parsed, accept, as_text, plain, refuse
from app.formatting import money, unit_price

LINE_FIELDS = ("included", "volume", "upfront_amount_cents", "overage", "overage_unit_amount_decimal")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_CUSTOMER_ID = re.compile(r"^cus_[A-Za-z0-9]+$")


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    parse: Callable[[str], Parsed]
    input_type: str = "text"  # text | date | checkbox | select | email
    choices: tuple[str, ...] = ()
    required: bool = False


def _text(raw: str) -> Parsed:
    text = as_text(raw).strip()
    return accept(text, text) if text else refuse(text, "cannot be empty")


def _email(raw: str) -> Parsed:
    text = as_text(raw).strip().lower()
    return accept(text, text) if _EMAIL.match(text) else refuse(text, "not an email address")


def _customer_id(raw: str) -> Parsed:
    text = as_text(raw).strip()
    if not text:
        return accept(text, None)
    return accept(text, text) if _CUSTOMER_ID.match(text) else refuse(text, "not a Stripe customer id (cus_...)")


def _checkbox(raw: str) -> Parsed:
    text = as_text(raw).strip().lower()
    if text in ("true", "on", "yes", "1"):
        return accept(text, True)
    if text in ("false", "off", "no", "0", ""):
        return accept(text, False)
    return refuse(text, "must be true or false")


def _choice(raw: str) -> Parsed:
    text = as_text(raw).strip().lower()
    return accept(text, text) if text in OVERAGE_KINDS else refuse(text, f"must be one of {', '.join(OVERAGE_KINDS)}")


def _rate(raw: str, currency: str = "usd") -> Parsed:
    """A bare number is cents per unit (the column's unit); "$0.004" goes through the contract parser."""
    text = as_text(raw).strip()
    if not text:
        return accept(text, None)
    try:
        value = Decimal(text)
    except InvalidOperation:
        return parse_rate_cents(text, currency)
    if not value.is_finite() or value <= 0:
        return refuse(text, "must be a positive number of cents per unit")
    return accept(text, value)


def _whole_cents(raw: str, currency: str = "usd") -> Parsed:
    """The CLI's `upfront_amount_cents` takes whole cents, or an amount written with the row's currency sign."""
    text = as_text(raw).strip()
    if text.isdigit():
        return accept(text, int(text))
    if text[:1] in ("$", "€", "£") or text[:3].isalpha():
        return parse_amount_cents(text, currency)
    return refuse(text, f"give whole cents (6000000) or an amount with its sign ({money(6000000, currency)})")


def _organisations(raw: str) -> Parsed:
    parsed = parse_organisation_ids(raw)
    return parsed if not parsed.ok else accept(parsed.raw, list(parsed.value))


def _payment_schedule(raw: str) -> Parsed:
    """A person picks one the template knows; empty is not "annual" here, as it is in a contract."""
    text = as_text(raw).strip()
    return parse_payment_schedule(text) if text else refuse(text, "choose a payment schedule")


def _optional(parser: Callable[[str], Parsed]) -> Callable[[str], Parsed]:
    def parse(raw: str) -> Parsed:
        text = as_text(raw).strip()
        return accept(text, None) if not text else parser(text)

    return parse


ROW_FIELDS = {
    spec.name: spec
    for spec in (
        FieldSpec("company", "Company", _text, required=True),
        FieldSpec("contact_email", "Contact email", _email, "email"),
        FieldSpec("stripe_customer_id", "Stripe customer", _customer_id),
        FieldSpec("start_date", "Start", _optional(parse_date), "date"),
        FieldSpec("term_months", "Term (months)", _optional(parse_term_months)),
        FieldSpec("payment_terms_days", "Payment terms (days)", parse_payment_terms_days),
        FieldSpec("credit_discount_percent", "Discount %", parse_percent),
        FieldSpec("organization_ids", "Organisations", _organisations),
        FieldSpec("payment_schedule", "Payment schedule", _payment_schedule, "select", PAYMENT_SCHEDULE_KEYS),
    )
}


def line_field_spec(column: str, money_in: str = "dollars", currency: str = "usd") -> FieldSpec:
    """`money_in="cents"` for the CLI, whose field name says cents; the grid takes amounts in the row's
    `currency` ("$60,000", "€18,000")."""
    amount = partial(parse_amount_cents if money_in == "dollars" else _whole_cents, currency=currency)
    specs = {
        "included": FieldSpec("included", "Included", _checkbox, "checkbox"),
        "volume": FieldSpec("volume", "Volume", _optional(parse_volume)),
        "upfront_amount_cents": FieldSpec("upfront_amount_cents", "Up-front", _optional(amount)),
        "overage": FieldSpec("overage", "Overage", _choice, "select", OVERAGE_KINDS),
        "overage_unit_amount_decimal": FieldSpec("overage_unit_amount_decimal", "Rate (¢/unit)",
                                                 partial(_rate, currency=currency)),
    }
    if column not in specs:
        raise KeyError(column)
    return specs[column]


LINE_LABELS = {"included": "included", "volume": "included volume", "upfront_amount_cents": "up-front amount",
               "overage": "overage", "overage_unit_amount_decimal": "overage rate"}
# Contract checks that warn about something other than an editable field.
OTHER_LABELS = {"currency": "Currency", "grand_total": "Grand total", "template": "Contract template", "plans_map": "Plans",
                "subscription_id": "Subscription"}


def product_label(product_key: str, product_names: Mapping[str, str] | None = None) -> str:
    """A product as people call it: the catalog's name, else its key in words."""
    return (product_names or {}).get(product_key) or product_key.replace("_", " ").capitalize()


def field_label(name: str, product_names: Mapping[str, str] | None = None) -> str:
    """A field as people read it: "line.product_analytics.overage_unit_amount_decimal" ->
    "Product analytics: overage rate"; the one place field names become words."""
    if name.startswith("line."):
        _, product_key, *rest = name.split(".")
        column = rest[0] if rest else ""
        label = LINE_LABELS.get(column, column.replace("_", " "))
        return f"{product_label(product_key, product_names)}: {label}" if label else product_label(product_key, product_names)
    if name in ROW_FIELDS:
        return ROW_FIELDS[name].label
    return OTHER_LABELS.get(name) or _words(name.removesuffix("_cents"))


ACRONYMS = {"mrr": "MRR", "api": "API", "url": "URL", "sso": "SSO", "id": "id", "ids": "ids"}


def _words(name: str) -> str:
    """"total_mrr_cents" (its suffix cut by the caller) -> "Total MRR": an unlabelled key read as words."""
    words = [ACRONYMS.get(w, w) for w in name.split("_") if w]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def changes_note(names: list[str]) -> str:
    """An audit note naming what changed, in words: "Subscription id, Has discount, Stripe schedules"."""
    return ", ".join(field_label(name) for name in names) or "no changes"


def split_field(name: str) -> tuple[str | None, str]:
    """"line.session_replay.volume" -> ("session_replay", "volume"); "company" -> (None, "company")."""
    if name.startswith("line."):
        parts = name.split(".")
        if len(parts) != 3 or parts[2] not in LINE_FIELDS:
            raise KeyError(name)
        return parts[1], parts[2]
    if name not in ROW_FIELDS:
        raise KeyError(name)
    return None, name


def display(value) -> str:
    """A stored value as a person reads it in a cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return str(value)


def dollars(cents: int | None, currency: str | None = "usd") -> str:
    """`money` for a cell, in the row's currency: an empty cell reads empty, not as a dash."""
    return "" if cents is None else money(cents, currency)


ROW_VALUE_FIELDS = ("company", "contact_email", "start_date", "term_months", "payment_terms_days",
                    "credit_discount_percent", "organization_ids", "payment_schedule")
_INT_FIELDS = {"term_months", "payment_terms_days", "volume", "upfront_amount_cents"}
_DECIMAL_FIELDS = {"credit_discount_percent", "overage_unit_amount_decimal"}


def field_names(product_keys) -> list[str]:
    """Every field a contract fills, in the grid's order."""
    return list(ROW_VALUE_FIELDS) + [f"line.{p}.{c}" for p in product_keys for c in LINE_FIELDS]


def value_to_json(value):
    """Exact JSON for a stored value: Decimals and dates as text, never floats."""
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def value_from_json(name: str, raw):
    """The inverse of `value_to_json` for the field `name`."""
    if raw is None:
        return None
    column = split_field(name)[1] if name.startswith("line.") else name
    if column == "start_date":
        return date.fromisoformat(raw)
    if column in _INT_FIELDS:
        return int(raw)
    if column in _DECIMAL_FIELDS:
        return Decimal(str(raw))
    if column == "included":
        return bool(raw)
    if column == "organization_ids":
        return list(raw)
    return raw


def format_cell(name: str, value, currency: str = "usd") -> str:
    """How a cell reads on the grid: money in the row's currency, grouped volumes, money per unit, Net N."""
    if value is None:
        return ""
    column = name.rsplit(".", 1)[-1]
    if column == "upfront_amount_cents":
        return dollars(value, currency)
    if column == "volume":
        return f"{value:,}"
    if column == "overage_unit_amount_decimal":
        return unit_price(value)
    if column == "credit_discount_percent":
        return f"{plain(value)}%"
    if column == "payment_terms_days":
        return f"Net {value}"
    if column == "term_months":
        return f"{value} mo"
    if column == "payment_schedule":
        return schedule_label(value)
    return display(value)


def edit_text(name: str, value, currency: str = "usd") -> str:
    """The text an editor starts with: what the parser reads back to the same value."""
    if value is None:
        return ""
    column = name.rsplit(".", 1)[-1]
    if column == "upfront_amount_cents":
        return dollars(value, currency)
    if column == "payment_schedule":
        return schedule_label(value)
    if column == "overage_unit_amount_decimal":
        return unit_price(value, currency)  # "$0.004": the rate parser reads it back to the same cents
    return display(value)
