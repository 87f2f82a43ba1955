"""Catalog bootstrap: find or create each product, meter, Standard and Free price, and record them.

Finding comes first (by product-key metadata, meter event name, price lookup key), so a
second run, or a run against a Stripe account set up by hand, creates nothing new.
"""
from __future__ import annotations

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.stripe_requests import (
    FREE_TIERS,
    catalog_key,
    currency_options_key,
    meter_params,
    metered_price_params,
    price_currency_options,
    price_lookup_key,
    product_params,
    same_tiers,
)
from app.models import CatalogItem
from app.refusals import Invalid
from app.services.stripe_writes import stripe_write


class CatalogNotBootstrapped(Invalid):
    """A Stripe id the catalog should hold is missing: run `flask catalog bootstrap`."""


def catalog_id(session, kind: str, key: str) -> str:
    stripe_id = session.scalar(select(CatalogItem.stripe_id).where(CatalogItem.kind == kind, CatalogItem.key == key))
    if stripe_id is None:
        raise CatalogNotBootstrapped(f"no Stripe {kind} recorded for '{key}': run `flask catalog bootstrap`")
    return stripe_id


def bootstrap_catalog(session, gateway, catalog: Catalog) -> list[str]:
    products = {p.get("metadata", {}).get(catalog.product_key_metadata): p for p in gateway.list_products()}
    meters = {m["event_name"]: m for m in gateway.list_meters()}
    report = []
    for product in catalog.products.values():
        product_id, how = _ensure(session, gateway, "product", product.key, products.get(product.key),
                                  lambda p=product: gateway.create_product(product_params(catalog, p),
                                                                           catalog_key("product", p.key)))
        report.append(f"{product.key}: product {product_id} ({how})")
        if not product.metered:
            continue
        meter_id, how = _ensure(session, gateway, "meter", product.meter_event, meters.get(product.meter_event),
                                lambda p=product: gateway.create_meter(meter_params(p), catalog_key("meter", p.meter_event)))
        report.append(f"{product.key}: meter {meter_id} '{product.meter_event}' ({how})")
        for variant, tiers in (("standard", [t.as_stripe() for t in product.tiers]), ("free", FREE_TIERS)):
            lookup = price_lookup_key(product.key, variant)
            options = price_currency_options(catalog, product, variant)
            params = metered_price_params(catalog, product, product_id, meter_id, tiers,
                                          nickname=variant.capitalize(), lookup_key=lookup)
            if options:
                params["currency_options"] = options
            price_id, how = _ensure(session, gateway, "price", lookup, gateway.find_price(lookup),
                                    lambda k=lookup, p=params: gateway.create_price(p, catalog_key("price", k)))
            report.append(f"{product.key}: {variant} price {price_id} ({how})")
            if how == "found":
                report += _ensure_currency_options(session, gateway, product.key, variant, price_id, options)
    return report


def _ensure_currency_options(session, gateway, product_key: str, variant: str, price_id: str,
                             wanted: dict) -> list[str]:
    """A price found without (or with other) amounts in a supported currency gets them, in one update;
    a price that has them all is left alone, so a re-run writes nothing."""
    have = gateway.price_currency_options(price_id)
    missing = {code: option for code, option in wanted.items() if not same_tiers(have.get(code), option["tiers"])}
    if not missing:
        return []
    key = currency_options_key(price_lookup_key(product_key, variant), missing)
    stripe_write(session, gateway, key=key, subject=("catalog", price_lookup_key(product_key, variant)),
                 action="update_price", summary={"currency_options": sorted(missing)},
                 call=lambda: gateway.update_price(price_id, {"currency_options": missing}, key))
    return [f"{product_key}: {variant} price {price_id} gains {', '.join(sorted(missing))} (updated)"]


def _ensure(session, gateway, kind: str, key: str, found: dict | None, create) -> tuple[str, str]:
    if found is not None:
        _record(session, kind, key, found["id"])
        return found["id"], "found"
    outcome = stripe_write(session, gateway, key=catalog_key(kind, key), subject=("catalog", key),
                           action=f"create_{kind}", summary={"kind": kind, "key": key}, call=create)
    _record(session, kind, key, outcome.object_id)
    return outcome.object_id, "created"


def _record(session, kind: str, key: str, stripe_id: str) -> None:
    item = session.scalar(select(CatalogItem).where(CatalogItem.kind == kind, CatalogItem.key == key))
    if item is None:
        session.add(CatalogItem(kind=kind, key=key, stripe_id=stripe_id))
    else:
        item.stripe_id = stripe_id
    session.flush()

