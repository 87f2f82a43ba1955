"""The rules Stripe's products and prices must follow for the billing service, as pure checks.

Inputs are Stripe's own dicts (products, prices listed with `expand=["data.tiers"]`, meters);
each rule returns Violations that say, in words, what is wrong and why it matters.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from app.billing.catalog_config import Catalog

CATALOG_VARIANTS = ("standard", "free")  # the prices `flask catalog bootstrap` makes per product


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str  # a product or price id (or a product key when Stripe has nothing)
    message: str


def product_keys(products: list[dict], key_metadata: str) -> dict[str, str]:
    """Stripe product id -> our product key (from metadata), for the products that carry one."""
    return {p["id"]: (p.get("metadata") or {})[key_metadata] for p in products
            if (p.get("metadata") or {}).get(key_metadata)}


def product_key_violations(catalog: Catalog, products: list[dict]) -> list[Violation]:
    meta = catalog.product_key_metadata
    found, by_key = [], defaultdict(list)
    for product in products:
        key = (product.get("metadata") or {}).get(meta)
        if not key:
            found.append(Violation("product_key", product["id"], f"Product '{product.get('name')}' has no {meta} "
                                   "metadata, so the billing service cannot map it to one of our products."))
        elif key not in catalog.products:
            found.append(Violation("product_key", product["id"], f"Product '{product.get('name')}' has {meta}="
                                   f"'{key}', which config/billing.toml does not know."))
        else:
            by_key[key].append(product["id"])
    for key, ids in by_key.items():
        if len(ids) > 1:
            found.append(Violation("product_key", ids[0], f"{len(ids)} products ({', '.join(ids)}) carry {meta}="
                                   f"'{key}'; there must never be more than one."))
    for key in catalog.products:
        if key not in by_key:
            found.append(Violation("product_key", key, f"config/billing.toml lists '{key}' but no active Stripe "
                                   "product carries it (run `flask catalog bootstrap`)."))
    return found


def valid_days_problem(metadata: dict) -> str | None:
    """Why a price's plan/valid_days metadata is unusable, or None."""
    raw = str(metadata.get("valid_days", "")).strip()
    if raw and not (raw.isdigit() and int(raw) > 0):
        return f"valid_days='{raw}' is not a whole number of days above zero"
    if metadata.get("plan") == "startup" and not raw:
        return ("it has plan=startup but no valid_days, so its customers are never moved to the default prices "
                "when the startup period ends")
    return None


def startup_violations(prices: list[dict]) -> list[Violation]:
    found = []
    for price in _active(prices):
        problem = valid_days_problem(price.get("metadata") or {})
        if problem:
            found.append(Violation("valid_days", price["id"], f"Price {_name(price)}: {problem}."))
    return found


def move_to_problem(price: dict, target: dict | None, target_id: str) -> str | None:
    """Why `target` cannot be where customers on `price` are moved, or None."""
    if target is None:
        return f"move_to_price_id names {target_id}, which does not exist"
    if not target.get("active"):
        return f"move_to_price_id names {target_id}, which is archived"
    if target.get("product") != price.get("product"):
        return f"move_to_price_id names {target_id}, a price of another product ({target.get('product')})"
    if target.get("currency") != price.get("currency"):
        return f"move_to_price_id names {target_id}, priced in {target.get('currency')}, not {price.get('currency')}"
    return None


def move_to_violations(prices: list[dict]) -> list[Violation]:
    by_id = {p["id"]: p for p in prices}
    found = []
    for price in _active(prices):
        target_id = str((price.get("metadata") or {}).get("move_to_price_id") or "").strip()
        problem = move_to_problem(price, by_id.get(target_id), target_id) if target_id else None
        if problem:
            found.append(Violation("move_to_price_id", price["id"], f"Price {_name(price)}: {problem}."))
    return found


def bounds_of(price: dict) -> tuple[int | None, ...] | None:
    """The `up_to` bounds of a graduated price with more than one tier (None for anything else)."""
    if price.get("billing_scheme") != "tiered" or price.get("tiers_mode") != "graduated":
        return None
    bounds = tuple(t.get("up_to") for t in price.get("tiers") or [])
    return bounds if len(bounds) > 1 else None


def family(catalog: Catalog, product_key: str) -> list[str]:
    """The other products whose tiers must line up with this one's: its base and the base's add-ons."""
    base = catalog.base_of(product_key).key
    members = [base] + [p.key for p in catalog.products.values() if p.addon_of == base]
    return [k for k in members if k != product_key]


def misaligned_with(catalog: Catalog, product_key: str, bounds: tuple, prices_by_key: dict[str, list[dict]]) -> list[str]:
    """Related products (with tiered prices) none of whose active prices share `bounds`."""
    problems = []
    for other in family(catalog, product_key):
        others = {bounds_of(p) for p in _active(prices_by_key.get(other, []))} - {None}
        if others and bounds not in others:
            shown = "; ".join(_bounds_text(b) for b in sorted(others, key=_bounds_text))
            problems.append(f"no price of {other} uses those bounds ({other} prices use {shown})")
    return problems


def tier_alignment_violations(catalog: Catalog, products: list[dict], prices: list[dict]) -> list[Violation]:
    keys = product_keys(products, catalog.product_key_metadata)
    by_key: dict[str, list[dict]] = defaultdict(list)
    for price in prices:
        if price.get("product") in keys:
            by_key[keys[price["product"]]].append(price)
    found = []
    for key, own in by_key.items():
        if key not in catalog.products:
            continue
        for price in _active(own):
            bounds = bounds_of(price)
            if bounds is None or not _custom(price, key):
                continue
            for problem in misaligned_with(catalog, key, bounds, by_key):
                found.append(Violation("tier_alignment", price["id"], f"Custom price {_name(price)} of {key} has "
                                       f"tiers {_bounds_text(bounds)}, but {problem}: a customer on both gets "
                                       "errors from the billing service."))
    return found


def meter_violations(catalog: Catalog, products: list[dict], prices: list[dict], meters: list[dict]) -> list[Violation]:
    keys = product_keys(products, catalog.product_key_metadata)
    meter_of_event = {m.get("event_name"): m["id"] for m in meters}
    found = []
    for price in _active(prices):
        recurring = price.get("recurring") or {}
        key = keys.get(price.get("product"))
        if recurring.get("usage_type") != "metered" or key not in catalog.products:
            continue
        product = catalog.products[key]
        expected = meter_of_event.get(product.meter_event) if product.metered else None
        if not product.metered:
            message = f"it is metered, but {key} is not a metered product in config/billing.toml"
        elif expected is None:
            message = f"no active meter '{product.meter_event}' exists for {key} (run `flask catalog bootstrap`)"
        elif recurring.get("meter") != expected:
            message = (f"it reads meter {recurring.get('meter')}, not {key}'s meter {expected} "
                       f"('{product.meter_event}'), so reported usage never reaches it")
        else:
            continue
        found.append(Violation("meter", price["id"], f"Price {_name(price)}: {message}."))
    return found


def check_catalog(catalog: Catalog, products: list[dict], prices: list[dict], meters: list[dict]) -> list[Violation]:
    return (product_key_violations(catalog, products) + startup_violations(prices) + move_to_violations(prices)
            + tier_alignment_violations(catalog, products, prices) + meter_violations(catalog, products, prices, meters))


def _custom(price: dict, product_key: str) -> bool:
    return price.get("lookup_key") not in {f"{product_key}_{v}" for v in CATALOG_VARIANTS}


def _active(prices: list[dict]) -> list[dict]:
    return [p for p in prices if p.get("active", True)]


def _name(price: dict) -> str:
    return f"{price['id']} ({price['nickname']})" if price.get("nickname") else price["id"]


def _bounds_text(bounds: tuple) -> str:
    return " / ".join("inf" if b is None else f"{b:,}" for b in bounds)
