"""The upcoming invoice as Stripe previews it, with this period's usage grouped by meter.

Invoice lines name only their price's id, so each distinct price is read once for its meter;
the meters' names come from our catalog (the ids bootstrap recorded), not another Stripe call.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.invoice_usage import MeterGroup, MeterInfo, group_by_meter, price_ref
from app.models import CatalogItem


@dataclass(frozen=True)
class UpcomingInvoice:
    invoice: dict
    groups: list[MeterGroup]

    @property
    def lines_missing(self) -> bool:
        """Stripe returned the first page of lines only: the groups leave some out."""
        return bool((self.invoice.get("lines") or {}).get("has_more"))


def catalog_meters(session, catalog: Catalog) -> dict[str, MeterInfo]:
    """Stripe meter id -> its name, event name and unit, for the meters `flask catalog bootstrap` recorded."""
    ids = dict(session.execute(select(CatalogItem.key, CatalogItem.stripe_id).where(CatalogItem.kind == "meter")).all())
    return {ids[p.meter_event]: MeterInfo(p.name, p.meter_event, p.unit_label)
            for p in catalog.products.values() if p.metered and p.meter_event in ids}


def preview_upcoming_invoice(session, gateway, catalog: Catalog, subscription_id: str) -> UpcomingInvoice | None:
    """None when Stripe says nothing is due."""
    invoice = gateway.preview_invoice(subscription_id)
    if invoice is None:
        return None
    lines = (invoice.get("lines") or {}).get("data") or []
    prices = {ref: gateway.retrieve_price(ref) for ref in {price_ref(line) for line in lines} if isinstance(ref, str)}
    return UpcomingInvoice(invoice, group_by_meter(lines, prices, catalog_meters(session, catalog)))
