"""Checks across a contract's parts: currency, the pricing table and grand total against
the fields, add-ons without their base product, the template name, and the signers.
They never change a value; they only add warnings for a person to resolve."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from app.billing.contract_result import ContractWarning, MappedLine, Provenance
from app.billing.mapping_config import ContractMapping
from app.formatting import money

_PLAIN = re.compile(r"\d+(?:\.\d+)?")


def signers_in_order(details: Mapping[str, Any], signer_type: str) -> list[tuple[str, str]]:
    """(recipient id, email) of each signer by signing order, each address once."""
    signers = [
        r for r in details.get("recipients") or []
        if isinstance(r, Mapping) and r.get("recipient_type") == signer_type
        and isinstance(r.get("email"), str) and r["email"].strip()
    ]
    signers.sort(key=lambda r: (r.get("signing_order") is None, r.get("signing_order") or 0))
    seen, ordered = set(), []
    for r in signers:
        email = r["email"].strip()
        if email.casefold() not in seen:
            seen.add(email.casefold())
            ordered.append((str(r.get("id") or email), email))
    return ordered


def is_own_email(email: str, own_domains: Iterable[str]) -> bool:
    """Our own domains and their subdomains: a seller who signs is never the billing contact."""
    domain = email.rpartition("@")[2].casefold()
    for own in own_domains:
        own = own.strip().lstrip("@").casefold()
        if own and (domain == own or domain.endswith("." + own)):
            return True
    return False


def currency_check(
    details: Mapping[str, Any], expected: str
) -> tuple[Provenance | None, ContractWarning | None]:
    """The document's currency (grand total first, else the pricing tables) must be `expected`."""
    sources = [("document", "grand_total.currency", "grand total",
                (details.get("grand_total") or {}).get("currency"))]
    for i, table in enumerate(_tables(details)):
        name = f"pricing table {table.get('name') or i}"
        sources.append(("pricing", f"pricing.tables[{i}].currency", name, table.get("currency")))
    sources = [(kind, key, label, str(cur).strip()) for kind, key, label, cur in sources if cur]
    if not sources:
        return None, None
    kind, key, _, raw = sources[0]
    wrong = [(label, cur) for _, _, label, cur in sources if cur.upper() != expected]
    warning = None
    if wrong:
        where = ", ".join(f"{label} {cur}" for label, cur in wrong)
        raws = ", ".join(dict.fromkeys(cur for _, cur in wrong))
        warning = ContractWarning("currency", f"the contract is not in {expected} ({where})", raws)
    value = raw.upper() if raw.upper() == expected else None
    message = warning.message if warning else None
    return Provenance("currency", kind, key, raw, value, message), warning


def pricing_warnings(
    details: Mapping[str, Any], lines: Iterable[MappedLine], expected: str,
    raw_prices: Mapping[str, str],
) -> list[ContractWarning]:
    """Each product's pricing-table subtotal must equal its price field."""
    items = _items_by_sku(details, expected)
    if items is None:
        return []
    warnings = []
    for line in lines:
        found = items.get(line.product_key, [])
        warning = _line_pricing_warning(line, found, raw_prices.get(line.product_key, ""))
        if warning:
            warnings.append(warning)
    return warnings


def _line_pricing_warning(line: MappedLine, found: list[str], raw_price: str):
    field = f"line.{line.product_key}"
    if found and not line.included:
        return ContractWarning(f"{field}.included", (
            f"the pricing table lists {line.product_key} ({', '.join(found)}) "
            "but the order form does not include it"), ", ".join(found))
    if not line.included or line.upfront_amount_cents is None:
        return None
    if not found:
        if line.upfront_amount_cents == 0:
            return None
        return ContractWarning(f"{field}.upfront_amount_cents", (
            f'the price field says "{raw_price}" but the pricing table has no '
            f"{line.product_key} item"), raw_price)
    cents = [_plain_cents(text) for text in found]
    if None in cents or sum(cents) != line.upfront_amount_cents:
        return ContractWarning(f"{field}.upfront_amount_cents", (
            f'the price field says "{raw_price}" but the pricing table says '
            f"{', '.join(found)}"), ", ".join(found))
    return None


def grand_total_warning(
    details: Mapping[str, Any], lines: Iterable[MappedLine], expected: str
) -> ContractWarning | None:
    """The grand total must be the sum of the included up-front prices (before discount
    on usage credits, which is not part of the up-front invoice)."""
    total = details.get("grand_total") or {}
    amount, currency = str(total.get("amount") or "").strip(), total.get("currency")
    if not amount or (currency and str(currency).upper() != expected):
        return None
    included = [ln.upfront_amount_cents for ln in lines if ln.included]
    if None in included:
        return None
    cents = _plain_cents(amount)
    if cents == sum(included):
        return None
    return ContractWarning("grand_total", (
        f'the grand total "{amount}" is not the sum of the included up-front prices '
        f"({money(sum(included), expected)})"), amount)


def addon_warnings(lines: Iterable[MappedLine], mapping: ContractMapping) -> list[ContractWarning]:
    """An add-on (group analytics) is sold only with its base product."""
    included = {ln.product_key for ln in lines if ln.included}
    return [
        ContractWarning(f"line.{p.product_key}.included",
                        f"{p.product_key} is an add-on of {p.requires}, which is not included",
                        "true")
        for p in mapping.products
        if p.requires and p.product_key in included and p.requires not in included
    ]


def template_warning(details: Mapping[str, Any], expected: str) -> ContractWarning | None:
    """A document from another template may put values where this mapping does not look."""
    name = (details.get("template") or {}).get("name")
    if not name or name == expected:
        return None
    return ContractWarning(
        "template", f'the contract uses template "{name}", the mapping is for "{expected}"', name
    )


def _tables(details: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    tables = (details.get("pricing") or {}).get("tables") or []
    return [t for t in tables if isinstance(t, Mapping)]


def _items_by_sku(details: Mapping[str, Any], expected: str) -> dict[str, list[str]] | None:
    """sku -> the subtotal texts of its items; None when there is nothing comparable."""
    tables = [t for t in _tables(details) if t.get("items")]
    if not tables or any(str(t.get("currency") or expected).upper() != expected for t in tables):
        return None
    items: dict[str, list[str]] = {}
    for table in tables:
        for item in table["items"]:
            if isinstance(item, Mapping) and item.get("sku"):
                items.setdefault(str(item["sku"]), []).append(_item_amount(item))
    return items


def _item_amount(item: Mapping[str, Any]) -> str:
    subtotal = str(item.get("subtotal") or "").strip()
    if subtotal:
        return subtotal
    price, qty = str(item.get("price") or "").strip(), str(item.get("qty") or "1").strip()
    if _PLAIN.fullmatch(price) and _PLAIN.fullmatch(qty):
        return str(Decimal(price) * Decimal(qty))
    return price or "(no price)"


def _plain_cents(text: str) -> int | None:
    """PandaDoc's pricing numbers are plain decimal strings in the table's currency."""
    if not _PLAIN.fullmatch(text):
        return None
    cents = Decimal(text) * 100
    return int(cents) if cents == cents.to_integral_value() else None
