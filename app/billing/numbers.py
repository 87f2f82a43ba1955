"""Numbers as people type them into contracts: separators, scale words, currencies.

Money is read in the contract's currency (USD unless the document says EUR or GBP: "$60,000",
"€18,000", "EUR 6,000.00", "£12,000"), always with US separators ("1,000.50"). Anything that reads
two ways (a European "1.000", "1.000,50"; a decimal comma "1,5"; another currency) is refused.
"""
from __future__ import annotations

import re
from decimal import Decimal, localcontext

from app.billing.parsed import Parsed, Refusal, accept, as_text, refuse, tidy

SCALES = {
    "k": 10**3, "thousand": 10**3, "thousands": 10**3,
    "m": 10**6, "mn": 10**6, "million": 10**6, "millions": 10**6,
    "b": 10**9, "bn": 10**9, "billion": 10**9, "billions": 10**9,
}
_SPACES = " \u00a0\u2009\u202f"
_NUMBER = re.compile(r"(?P<num>\d(?:[\d.,\u00a0\u2009\u202f ]*\d)?)\s*(?P<scale>[A-Za-z]+)?")
_COMMA_GROUPS = re.compile(r"\d{1,3}(?:,\d{3})+")
_SPACE_GROUPS = re.compile(r"\d{1,3}(?:[\u00a0\u2009\u202f ]\d{3})+")
_NEGATIVE = ("-", "\u2212", "(")

_OTHER_SYMBOLS = {
    "€": "EUR", "£": "GBP", "¥": "JPY/CNY", "₹": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₪": "ILS", "₫": "VND", "฿": "THB", "₴": "UAH", "₦": "NGN", "₱": "PHP",
}
_OTHER_CODES = {
    "EUR", "GBP", "JPY", "CNY", "RMB", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK", "DKK",
    "PLN", "CZK", "HUF", "INR", "HKD", "SGD", "BRL", "MXN", "ZAR", "KRW", "ILS", "TRY",
    "RUB", "AED", "SAR",
}
_OTHER_WORDS = re.compile(r"(?i)\b(euros?|pounds?|sterling|yen|yuan|francs?|rupees?)\b")
_CODE = re.compile(r"\b[A-Z]{3}\b")
_PREFIXED_DOLLAR = re.compile(r"(?i)(?<![A-Za-z])([A-Za-z]{1,3})\$")
_USD = re.compile(r"(?i)US\$|\$|\bUSD\b")
# How a contract writes its own currency: sign, code, words. A currency not listed has its code only.
_OWN_MARKERS = {
    "USD": _USD,
    "EUR": re.compile(r"(?i)€|\bEUR\b|\beuros?\b"),
    "GBP": re.compile(r"(?i)£|\bGBP\b|\bpounds?\b|\bsterling\b"),
}
_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£"}


def _own_marker(currency: str) -> re.Pattern:
    return _OWN_MARKERS.get(currency) or re.compile(rf"\b{re.escape(currency)}\b")


def other_currencies(text: str, currency: str = "USD") -> list[str]:
    """Currency markers that are not the contract's `currency`, in the order they appear to a reader."""
    if currency != "USD":
        text = _own_marker(currency).sub(" ", text)
    found = [code for sym, code in _OTHER_SYMBOLS.items() if sym in text]
    found += [c for c in _CODE.findall(text) if c in _OTHER_CODES]
    found += [f"{m}$" for m in _PREFIXED_DOLLAR.findall(text) if m.upper() not in ("US", "USD")]
    if currency != "USD" and _USD.search(_PREFIXED_DOLLAR.sub(" ", text)):
        found.append("USD")
    found += [w.lower() for w in _OTHER_WORDS.findall(text)]
    return list(dict.fromkeys(found))


def read_digits(num: str) -> Decimal:
    """Digits with US separators to a Decimal; raises Refusal on any second reading."""
    if "." in num and "," in num and num.index(".") < num.rindex(","):
        raise Refusal("ambiguous separators (European 1.000,00 or US 1,000.00?)")
    if num.count(".") > 1:
        raise Refusal("ambiguous separators (dots between digit groups: thousands or decimal?)")
    written, _, frac = num.partition(".")
    whole = _ungroup(written)
    if any(c in _SPACES + "," for c in frac):
        raise Refusal("separators after the decimal point")
    if len(frac) == 3 and whole == written and int(whole) != 0:
        # "1.000" is one in the US and a thousand in Europe; "0.004" and "1,000.000" are not
        raise Refusal("ambiguous separators (a decimal point or a European thousands dot?)")
    return Decimal(f"{whole}.{frac}" if frac else whole)


def _ungroup(whole: str) -> str:
    has_comma = "," in whole
    has_space = any(c in _SPACES for c in whole)
    if has_comma and has_space:
        raise Refusal("mixed thousands separators")
    if has_comma and not _COMMA_GROUPS.fullmatch(whole):
        raise Refusal("ambiguous separators (a comma that is not a thousands separator)")
    if has_space and not _SPACE_GROUPS.fullmatch(whole):
        raise Refusal("spaces that are not thousands separators")
    return "".join(c for c in whole if c.isdigit())


def read_quantity(text: str, what: str) -> Decimal:
    """"1.5 billion", "500k", "1 000 000" to a Decimal; raises Refusal otherwise."""
    text = text.strip()
    if not text:
        raise Refusal(f"empty {what}")
    if text.startswith(_NEGATIVE):
        raise Refusal(f"negative {what}")
    match = _NUMBER.fullmatch(text)
    if not match:
        raise Refusal(f"not a readable {what}")
    scale = match["scale"]
    if scale and scale.lower() not in SCALES:
        raise Refusal(f"not a readable {what} (unknown word {scale!r})")
    value = read_digits(match["num"])
    return value * SCALES[scale.lower()] if scale else value


def _currency_refusal(others: list[str], body: str, what: str, currency: str) -> str:
    reason = f"{what} in another currency ({', '.join(others)}), expected {currency}"
    try:
        read_quantity(body, what)
    except Refusal as extra:
        if "ambiguous" in str(extra):
            reason += f"; also {extra}"
    return reason


def _strip_currency(text: str, currency: str = "USD") -> str:
    body = _own_marker(currency).sub(" ", text)
    body = _PREFIXED_DOLLAR.sub(" ", body)
    body = _USD.sub(" ", body)
    for sym in _OTHER_SYMBOLS:
        body = body.replace(sym, " ")
    body = _CODE.sub(lambda m: " " if m[0] in _OTHER_CODES else m[0], body)
    return body.strip()


def parse_amount_cents(raw: object, currency: str = "USD") -> Parsed[int]:
    """An amount in `currency` ("$60,000", "$12,500.00", "$1.2M"; "€18,000") to integer cents."""
    text = as_text(raw).strip()
    currency = currency.upper()
    try:
        others = other_currencies(text, currency)
        body = _strip_currency(text, currency)
        if others:
            raise Refusal(_currency_refusal(others, body, "amount", currency))
        cents = read_quantity(body, "amount") * 100
        if cents != cents.to_integral_value():
            raise Refusal("an amount with a fraction of a cent")
    except Refusal as why:
        return refuse(text, str(why))
    return accept(text, int(cents))


def parse_volume(raw: object) -> Parsed[int]:
    """A unit count ("60 million", "500k", "1,000,000") to an integer."""
    text = as_text(raw).strip()
    try:
        if other_currencies(text) or "$" in text:
            raise Refusal("a volume written as money")
        units = read_quantity(text, "volume")
        if units != units.to_integral_value():
            raise Refusal("a volume that is not a whole number of units")
    except Refusal as why:
        return refuse(text, str(why))
    return accept(text, int(units))


_PER = re.compile(r"\s*(?:/|\bper\b)\s*", re.IGNORECASE)
_CENTS = re.compile(r"(?i)\s*(?:¢|\bcents?\b)\s*")
_UNIT = re.compile(
    r"(?P<qty>\d(?:[\d.,\u00a0\u2009\u202f ]*\d)?)?\s*"
    r"(?:(?P<scale>thousand|million|billion|k|m|b|bn|mn)(?![a-z]))?\s*"
    r"(?P<noun>[a-z][a-z\s()-]*)?",
    re.IGNORECASE,
)


def parse_rate_cents(raw: object, currency: str = "USD") -> Parsed[Decimal]:
    """A per-unit price in `currency` ("$0.004", "$0.02 per 1,000 events"; "€0.005") to decimal cents per unit."""
    text = as_text(raw).strip()
    currency = currency.upper()
    try:
        if not text:
            raise Refusal("empty rate")
        if not any(c.isdigit() for c in text):
            raise Refusal("a rate without a number")
        others = other_currencies(text, currency)
        if others:
            raise Refusal(f"a rate in another currency ({', '.join(others)}), expected {currency}")
        price, unit = _split_rate(text)
        cents = _price_cents(price, currency)
        per = _per_units(unit)
        value = _exact_ratio(cents, per)
    except Refusal as why:
        return refuse(text, str(why))
    return accept(text, tidy(value))


def _split_rate(text: str) -> tuple[str, str]:
    parts = _PER.split(text)
    if len(parts) > 2:
        raise Refusal("a rate with more than one 'per'")
    return parts[0], parts[1] if len(parts) == 2 else ""


def _price_cents(price: str, currency: str = "USD") -> Decimal:
    if _CENTS.search(price):
        return read_quantity(_CENTS.sub("", price), "rate")
    own = _own_marker(currency)
    if not own.search(price):
        sign = _SIGNS.get(currency, currency)
        raise Refusal(f"a rate without '{sign}' or 'cents' (whole {currency} or cents?)"
                      if currency != "USD" else "a rate without '$' or 'cents' (dollars or cents?)")
    return read_quantity(own.sub("", price).strip(), "rate") * 100


def _per_units(unit: str) -> Decimal:
    """"" or "event" is one unit; "1,000 events" is 1000; "million" and "1M" are 10**6."""
    match = _UNIT.fullmatch(unit.strip())
    if not match:
        raise Refusal("could not read the unit of a rate")
    qty, scale = match["qty"], (match["scale"] or "").lower()
    if scale and not qty and len(scale) < 3:
        raise Refusal("could not read the unit of a rate")
    units = read_digits(qty) if qty else Decimal(1)
    units *= SCALES.get(scale, 1)
    if units <= 0 or units != units.to_integral_value():
        raise Refusal("a rate per a non-whole number of units")
    return units


def _exact_ratio(cents: Decimal, per: Decimal) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        value = cents / per
        if value * per != cents:
            raise Refusal("a rate that is not an exact decimal")
    return value
