"""Reading Stripe's catalog (products, prices with tiers, meters) and checking it against our rules.

Reads only, in list pages of 100 with `expand`, never one call per price.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from app.billing.catalog_config import Catalog
from app.billing.catalog_rules import Violation, check_catalog, product_keys
from app.formatting import plural


@dataclass
class ProductRow:
    product: dict
    key: str | None
    prices: list[dict]


@dataclass
class CatalogReport:
    products: list[dict]
    prices: list[dict]
    meters: list[dict]
    violations: list[Violation]
    rows: list[ProductRow] = field(default_factory=list)

    def violations_of(self, subject: str) -> list[Violation]:
        return [v for v in self.violations if v.subject == subject]

    def lines(self) -> list[str]:
        """The report as `flask catalog check` prints it."""
        if not self.violations:
            return [f"Catalog OK: {plural(len(self.products), 'product')}, {plural(len(self.prices), 'price')}, no violations."]
        return [f"[{v.rule}] {v.subject}: {v.message}" for v in self.violations] + [
            f"{plural(len(self.violations), 'violation')} in {plural(len(self.products), 'product')} and "
            f"{plural(len(self.prices), 'price')}."]


def read_catalog(gateway, catalog: Catalog) -> CatalogReport:
    products, prices, meters = gateway.list_products(), gateway.list_prices(), gateway.list_meters()
    report = CatalogReport(products, prices, meters, check_catalog(catalog, products, prices, meters))
    keys = product_keys(products, catalog.product_key_metadata)
    order = list(catalog.products)
    for product in sorted(products, key=lambda p: (order.index(keys[p["id"]]) if keys.get(p["id"]) in order
                                                   else len(order), p.get("name") or "")):
        own = [p for p in prices if p.get("product") == product["id"]]
        own.sort(key=lambda p: (not p.get("active"), p.get("created") or 0))
        report.rows.append(ProductRow(product, keys.get(product["id"]), own))
    return report
