"""config/billing.toml: products, add-ons, meters, default tiers and plans, checked at start-up."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

FORMULAS = ("sum", "count", "last")
PLAN_PRICES = ("free", "standard")  # the two prices `flask catalog bootstrap` makes per metered product


class CatalogConfigError(ValueError):
    """One line naming the file and the key that is wrong."""


@dataclass(frozen=True)
class Tier:
    up_to: int | None  # None is "inf"
    unit_amount_decimal: Decimal  # cents per unit

    def as_stripe(self) -> dict:
        return {"up_to": "inf" if self.up_to is None else self.up_to,
                "unit_amount_decimal": format(self.unit_amount_decimal, "f")}


@dataclass(frozen=True)
class Product:
    key: str
    name: str
    addon_of: str | None
    unit_label: str | None
    meter_event: str | None
    aggregation: str
    tiers: tuple[Tier, ...]
    default_plan: str | None = None  # the plan of a customer whose plans_map omits this product
    trial_plan: str | None = None  # the premium plan whose features a free trial adds
    paid_plan: str | None = None  # the plan a paid (non-Free) price on the subscription puts it on
    # the Standard tiers in each supported currency other than the catalog's own (same bounds)
    currency_tiers: dict[str, tuple[Tier, ...]] = field(default_factory=dict)

    @property
    def metered(self) -> bool:
        return self.meter_event is not None

    @property
    def bounds(self) -> tuple[int | None, ...]:
        return tuple(t.up_to for t in self.tiers)


@dataclass(frozen=True)
class Plan:
    key: str
    product: str
    name: str
    features: tuple[str, ...]
    price: str | None = None  # "free" or "standard": the product's catalog price this plan costs; None: none


@dataclass(frozen=True)
class Catalog:
    currency: str
    product_key_metadata: str
    products: dict[str, Product]
    plans: dict[str, Plan] = field(default_factory=dict)
    currencies: tuple[str, ...] = ()  # every currency a contract may be billed in, the catalog's own first

    @property
    def other_currencies(self) -> tuple[str, ...]:
        """The supported currencies the default prices carry as `currency_options`."""
        return tuple(c for c in self.currencies if c != self.currency)

    def supports(self, currency: str) -> bool:
        return currency.lower() in (self.currencies or (self.currency,))

    def plans_of(self, product_key: str) -> list[Plan]:
        return [p for p in self.plans.values() if p.product == product_key]

    def product(self, key: str) -> Product:
        if key not in self.products:
            raise CatalogConfigError(f"unknown product key '{key}' (known: {', '.join(self.products)})")
        return self.products[key]

    def base_of(self, key: str) -> Product:
        product = self.product(key)
        return self.product(product.addon_of) if product.addon_of else product


def load_catalog(path: str | Path) -> Catalog:
    try:
        data = tomllib.loads(Path(path).read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise CatalogConfigError(f"{path}: {exc}") from exc
    products = {key: _product(key, entry, path) for key, entry in data.get("products", {}).items()}
    for product in products.values():
        if product.addon_of and product.addon_of not in products:
            raise CatalogConfigError(f"{path}: products.{product.key}.addon_of names unknown '{product.addon_of}'")
    if not products:
        raise CatalogConfigError(f"{path}: no [products.*] tables")
    plans = {key: _plan(key, entry, path, products) for key, entry in data.get("plans", {}).items()}
    for product in products.values():
        for kind in ("default_plan", "trial_plan", "paid_plan"):
            named = getattr(product, kind)
            if named is not None and (named not in plans or plans[named].product != product.key):
                raise CatalogConfigError(f"{path}: products.{product.key}.{kind} names '{named}', "
                                         f"which is not a plan of {product.key}")
    currency = str(data.get("currency", "usd")).lower()
    currencies = _currencies(data, currency, path)
    for product in products.values():
        _check_currency_tiers(product, currencies, currency, f"{path}: products.{product.key}.currency_tiers")
    return Catalog(currency, str(data.get("product_key_metadata", "product_key")), products, plans, currencies)


def _currencies(data: dict, currency: str, path) -> tuple[str, ...]:
    listed = data.get("currencies", [currency])
    if not isinstance(listed, list) or not all(isinstance(c, str) and len(c) == 3 and c.isalpha() for c in listed):
        raise CatalogConfigError(f"{path}: currencies must be a list of 3-letter ISO codes such as \"eur\"")
    codes = tuple(dict.fromkeys(c.lower() for c in listed))
    if currency not in codes:
        raise CatalogConfigError(f"{path}: currencies must include the catalog's currency \"{currency}\"")
    return (currency, *(c for c in codes if c != currency))


def _check_currency_tiers(product: Product, currencies: tuple[str, ...], own: str, where: str) -> None:
    """A metered product's Standard price needs tiers in every other supported currency, on its own bounds."""
    unknown = set(product.currency_tiers) - set(currencies[1:])
    if unknown:
        raise CatalogConfigError(f"{where}: {', '.join(sorted(unknown))} is not one of the other supported "
                                 f"currencies ({', '.join(currencies[1:]) or 'none'}; {own} is the catalog's own)")
    if not product.metered:
        return
    for code in currencies[1:]:
        tiers = product.currency_tiers.get(code)
        if tiers is None:
            raise CatalogConfigError(f"{where}.{code} is missing: the Standard price needs its tiers in {code}")
        if tuple(t.up_to for t in tiers) != product.bounds:
            raise CatalogConfigError(f"{where}.{code}: the up_to bounds must be the product's own tiers' bounds")


def _plan(key: str, entry: dict, path, products: dict[str, Product]) -> Plan:
    where = f"{path}: plans.{key}"
    unknown = set(entry) - {"product", "name", "features", "price"}
    if unknown:
        raise CatalogConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    if entry.get("product") not in products:
        raise CatalogConfigError(f"{where}.product must name a product (known: {', '.join(products)})")
    price = entry.get("price")
    if price is not None and (price not in PLAN_PRICES or not products[entry["product"]].metered):
        raise CatalogConfigError(f"{where}.price must be one of {', '.join(PLAN_PRICES)}, and only on a metered "
                                 "product (the catalog has prices for those alone)")
    features = entry.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) and f for f in features):
        raise CatalogConfigError(f"{where}.features must be a list of feature keys")
    return Plan(key, entry["product"], str(entry.get("name", key)), tuple(features), price)


def _product(key: str, entry: dict, path) -> Product:
    where = f"{path}: products.{key}"
    unknown = set(entry) - {"name", "addon_of", "unit_label", "meter_event", "aggregation", "tiers",
                            "default_plan", "trial_plan", "paid_plan", "currency_tiers"}
    if unknown:
        raise CatalogConfigError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    aggregation = entry.get("aggregation", "last")
    if aggregation not in FORMULAS:
        raise CatalogConfigError(f"{where}.aggregation must be one of {', '.join(FORMULAS)}")
    tiers = tuple(_tier(t, f"{where}.tiers[{i}]") for i, t in enumerate(entry.get("tiers", [])))
    if entry.get("meter_event") and (not tiers or tiers[-1].up_to is not None):
        raise CatalogConfigError(f"{where}.tiers must end with up_to = \"inf\"")
    bounds = [t.up_to for t in tiers[:-1]]
    if bounds != sorted(set(bounds)) or None in bounds:
        raise CatalogConfigError(f"{where}.tiers up_to bounds must rise strictly")
    currency_tiers = {
        str(code).lower(): tuple(_tier(t, f"{where}.currency_tiers.{code}[{i}]") for i, t in enumerate(listed))
        for code, listed in (entry.get("currency_tiers") or {}).items()}
    return Product(key, entry.get("name", key), entry.get("addon_of"), entry.get("unit_label"),
                   entry.get("meter_event"), aggregation, tiers, entry.get("default_plan"), entry.get("trial_plan"),
                   entry.get("paid_plan"), currency_tiers)


def _tier(entry: dict, where: str) -> Tier:
    up_to = entry.get("up_to")
    if up_to != "inf" and not (isinstance(up_to, int) and up_to > 0):
        raise CatalogConfigError(f"{where}.up_to must be a positive integer or \"inf\"")
    raw = entry.get("unit_amount_decimal")
    if not isinstance(raw, str):
        raise CatalogConfigError(f"{where}.unit_amount_decimal must be a string of cents (no floats)")
    try:
        amount = Decimal(raw)
    except InvalidOperation:
        raise CatalogConfigError(f"{where}.unit_amount_decimal '{raw}' is not a number") from None
    if amount < 0:
        raise CatalogConfigError(f"{where}.unit_amount_decimal must not be negative")
    return Tier(None if up_to == "inf" else up_to, amount)


def custom_tiers(catalog: Catalog, product_key: str, rate: Decimal) -> list[dict]:
    """A custom overage at `rate` cents/unit, on the base product's tier bounds.

    Using the base product's bounds keeps a product and its add-ons aligned whether either
    is custom or standard (the billing service rejects misaligned tiers).
    """
    bounds = catalog.base_of(product_key).bounds or (None,)
    return [Tier(b, rate).as_stripe() for b in bounds]
