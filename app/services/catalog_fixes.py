"""Fixes the catalog report offers for a flagged price: archive it, or add the `valid_days` it lacks.

Each is one Stripe write through the gateway with a deterministic idempotency key, recorded before and
after (stripe_writes) and audited; one already done is refused in words rather than made again.
"""
from __future__ import annotations

from app.billing.catalog_rules import valid_days_problem
from app.gateways.stripe import StripeGatewayError
from app.refusals import Conflict, Invalid
from app.services.audit import Actor, record_audit
from app.services.stripe_writes import stripe_write


def _price(gateway, price_id: str) -> dict:
    try:
        return gateway.retrieve_price(price_id)
    except StripeGatewayError as exc:
        if exc.http_status == 404:
            raise Invalid(f"there is no price '{price_id}' in Stripe", field="price_id") from None
        raise


def archive_flagged_price(session, gateway, actor: Actor, price_id: str) -> str:
    """Archive the price, so no new subscription takes it (those on it keep it, as Stripe does)."""
    price = _price(gateway, price_id)
    if not price.get("active"):
        raise Conflict(f"Price {price_id} is already archived: nothing to do.")
    key = f"catalog-archive-{price_id}"
    stripe_write(session, gateway, key=key, subject=("price", price_id), action="archive_price",
                 summary={"price": price_id}, call=lambda: gateway.archive_price(price_id, key))
    record_audit(session, actor, "catalog.price_archived", "price", price_id, before={"active": True},
                 after={"active": False}, stripe_request_ids=gateway.request_ids[-3:],
                 note="fixed from the catalog report")
    return price_id


def add_price_valid_days(session, gateway, actor: Actor, price_id: str, raw_days: str) -> str:
    """Add the `valid_days` a plan=startup price lacks, so its customers move to the default prices in time."""
    days = raw_days.strip()
    if not (days.isascii() and days.isdigit() and 0 < int(days) <= 3650):
        raise Invalid(f"valid_days must be a whole number of days from 1 to 3650 (got '{days}')", field="valid_days")
    price = _price(gateway, price_id)
    metadata = price.get("metadata") or {}
    if str(metadata.get("valid_days", "")).strip():
        raise Conflict(f"Price {price_id} already has valid_days={metadata['valid_days']}: nothing to add.")
    problem = valid_days_problem(metadata | {"valid_days": str(int(days))})
    if problem:
        raise Invalid(problem, field="valid_days")
    key = f"catalog-valid-days-{price_id}-{int(days)}"
    stripe_write(session, gateway, key=key, subject=("price", price_id), action="update_price_metadata",
                 summary={"price": price_id, "valid_days": int(days)},
                 call=lambda: gateway.update_price_metadata(price_id, {"valid_days": str(int(days))}, key))
    record_audit(session, actor, "catalog.price_metadata_added", "price", price_id, before={"valid_days": None},
                 after={"valid_days": str(int(days))}, stripe_request_ids=gateway.request_ids[-3:],
                 note="fixed from the catalog report")
    return price_id
