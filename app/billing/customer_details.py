"""A Stripe customer's billing address, shipping address and tax ids: what a person may enter.

Checked before Stripe is called, so a missing line or a country that is not a two-letter code is
refused in our words with nothing sent; whether a tax id's value is valid for its type is Stripe's
call, and its refusal is shown in its own words.
"""
from __future__ import annotations

import re

from app.refusals import Invalid

ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code", "country")
LABELS = {"line1": "address line 1", "line2": "address line 2", "city": "the city", "state": "the state or region",
          "postal_code": "the postal code", "country": "the country"}
REQUIRED = ("line1", "country")
COUNTRY = re.compile(r"[A-Z]{2}")
LONGEST = 200  # characters in one field: far more than any address line, well under Stripe's limits
# The tax id types the team invoices with, in the order the select offers them
TAX_ID_TYPES = {"eu_vat": "EU VAT number", "gb_vat": "UK VAT number", "us_ein": "US EIN",
                "au_abn": "Australian Business Number", "ca_bn": "Canadian Business Number"}
LONGEST_TAX_ID = 50


def address_from(form) -> dict:
    """The six address fields, trimmed and the country upper-cased; line 1 and the country are required,
    since an invoice without them fails the review."""
    address = _cleaned(form)
    _refuse(_problems(address), _first_bad(address))
    return address


def shipping_from(form) -> dict:
    """The same address, and the name it is addressed to (Stripe requires one)."""
    name, address = (form.get("name") or "").strip(), _cleaned(form)
    named = [] if name else ["the name to ship to is required"]
    named += [f"the name is longer than {LONGEST} characters"] if len(name) > LONGEST else []
    _refuse(named + _problems(address), "name" if named else _first_bad(address))
    return {"name": name, "address": address}


def tax_id_from(type_: str, value: str, current: list[dict]) -> tuple[str, str]:
    """(type, value) to add: a type the team uses, a value, not already on the customer."""
    type_, value = (type_ or "").strip(), (value or "").strip()
    if type_ not in TAX_ID_TYPES:
        raise Invalid("Choose the tax id's type.", field="type")
    if not value:
        raise Invalid("Enter the tax id's value.", field="value")
    if len(value) > LONGEST_TAX_ID:
        raise Invalid(f"A tax id is at most {LONGEST_TAX_ID} characters.", field="value")
    if any(t["type"] == type_ and t["value"] == value for t in current):
        raise Invalid(f"{TAX_ID_TYPES[type_]} {value} is already on the customer.", field="value")
    return type_, value


def details_of(customer: dict, tax_ids: list[dict]) -> dict:
    """What the editors show of a Stripe customer (as Stripe returns it, or our snapshot's copy)."""
    return {"stripe_customer_id": customer.get("id"), "name": customer.get("name"), "email": customer.get("email"),
            "address": _present(customer.get("address")), "shipping": customer.get("shipping") or None,
            "tax_ids": [{"type": t["type"], "value": t["value"]} for t in tax_ids]}


def _present(address: dict | None) -> dict | None:
    return address if address and any(address.values()) else None


def _cleaned(form) -> dict:
    address = {k: (form.get(k) or "").strip() for k in ADDRESS_FIELDS}
    address["country"] = address["country"].upper()
    return address


def _problems(address: dict) -> list[str]:
    found = [f"{LABELS[k]} is required" for k in REQUIRED if not address[k]]
    if address["country"] and not COUNTRY.fullmatch(address["country"]):
        found.append(f"'{address['country']}' is not a two-letter country code such as US, GB or DE")
    return found + [f"{LABELS[k]} is longer than {LONGEST} characters" for k, v in address.items() if len(v) > LONGEST]


def _first_bad(address: dict) -> str | None:
    """The first field a problem is about, so the form can point at it."""
    return next((k for k in ADDRESS_FIELDS if (k in REQUIRED and not address[k]) or len(address[k]) > LONGEST
                 or (k == "country" and address[k] and not COUNTRY.fullmatch(address[k]))), None)


def _refuse(problems: list[str], field: str | None) -> None:
    if problems:
        message = "; ".join(problems)
        raise Invalid(message[0].upper() + message[1:] + ".", field=field, reasons=problems)
