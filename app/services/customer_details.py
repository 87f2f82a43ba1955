"""A Stripe customer's billing address, shipping address and tax ids: read fresh, and edited in Stripe.

The editors take a Stripe customer id, not our record: the customer an annual plan row invoices
usually has no record of ours before go-live, and the review of its invoice needs these set first.
When we have a record, its version makes the keys (`customer_change_key`), the audit entry is on it,
and it is re-synced after the write, as the customer page's other Stripe writes are.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from app.billing.customer_details import (
    TAX_ID_TYPES,
    address_from,
    details_of,
    shipping_from,
    tax_id_from,
)
from app.billing.stripe_requests import (
    address_params,
    customer_details_key,
    details_change,
    shipping_params,
)
from app.gateways.stripe import StripeGatewayError
from app.models import Customer, StripeOperation
from app.refusals import Invalid, NotFound
from app.services.audit import Actor, record_audit
from app.services.customer_sync import KEY_METADATA, find_by_stripe_id, sync_customer
from app.services.stripe_writes import stripe_write

STRIPE_CUSTOMER_ID = re.compile(r"cus_[A-Za-z0-9]+")


@dataclass(frozen=True)
class Target:
    """The Stripe customer written to, and our record of it when there is one."""

    stripe_customer_id: str
    record: Customer | None

    @property
    def subject(self) -> tuple[str, object]:
        return ("customer", self.record.id) if self.record else ("stripe_customer", self.stripe_customer_id)


def read_details(session, gateway, stripe_customer_id: str) -> tuple[dict, Customer | None]:
    """Stripe's addresses and tax ids of the customer as they are now (not our snapshot), and our record."""
    customer = _stripe_customer(gateway, stripe_customer_id)
    details = details_of(customer, gateway.customer_tax_ids(stripe_customer_id))
    return details, find_by_stripe_id(session, stripe_customer_id)


def details_section(session, gateway, catalog, customer: Customer, today) -> dict:
    """The customer page's section: the editors over our snapshot (as of the last sync; every save re-syncs)."""
    stripe_customer = (customer.stripe_snapshot or {}).get("customer")
    details = None
    if stripe_customer and customer.stripe_customer_id:  # a snapshot copied without its id is still this one's
        details = details_of(stripe_customer | {"id": customer.stripe_customer_id}, stripe_customer.get("tax_ids", []))
    return {"details": details, "details_live": False, "tax_id_types": TAX_ID_TYPES, "review": None}


def set_billing_address(session, gateway, actor: Actor, stripe_customer_id: str, form,
                        key_metadata: str = KEY_METADATA) -> None:
    """Replace the billing address with `form`'s fields; `form` None removes it."""
    address = None if form is None else address_from(form)
    current, record = read_details(session, gateway, stripe_customer_id)
    if address is None and current["address"] is None:
        raise Invalid("The customer has no billing address to remove.")
    params = address_params(address)
    _write(session, gateway, actor, Target(stripe_customer_id, record),
           "billing_address_set" if address else "billing_address_removed", details_change("billing-address", address),
           lambda key: gateway.update_customer(stripe_customer_id, params, key),
           {"address": current["address"]}, {"address": address}, key_metadata)


def set_shipping(session, gateway, actor: Actor, stripe_customer_id: str, form,
                 key_metadata: str = KEY_METADATA) -> None:
    """Replace the shipping name and address with `form`'s; `form` None removes them."""
    shipping = None if form is None else shipping_from(form)
    current, record = read_details(session, gateway, stripe_customer_id)
    if shipping is None and current["shipping"] is None:
        raise Invalid("The customer has no shipping address to remove.")
    params = shipping_params(shipping)
    _write(session, gateway, actor, Target(stripe_customer_id, record),
           "shipping_set" if shipping else "shipping_removed", details_change("shipping", shipping),
           lambda key: gateway.update_customer(stripe_customer_id, params, key),
           {"shipping": current["shipping"]}, {"shipping": shipping}, key_metadata)


def add_tax_id(session, gateway, actor: Actor, stripe_customer_id: str, type_: str, value: str,
               key_metadata: str = KEY_METADATA) -> None:
    """Stripe checks the value against the type; its refusal ("Invalid value for eu_vat.") is shown as is."""
    current, record = read_details(session, gateway, stripe_customer_id)
    type_, value = tax_id_from(type_, value, current["tax_ids"])
    tax_id = {"type": type_, "value": value}
    _write(session, gateway, actor, Target(stripe_customer_id, record), "tax_id_added",
           details_change("tax-id", tax_id), lambda key: gateway.create_tax_id(stripe_customer_id, type_, value, key),
           None, {"tax_id": tax_id}, key_metadata)


def remove_tax_id(session, gateway, actor: Actor, stripe_customer_id: str, type_: str, value: str,
                  key_metadata: str = KEY_METADATA) -> None:
    _stripe_customer(gateway, stripe_customer_id)
    found = next((t for t in gateway.customer_tax_ids(stripe_customer_id)
                  if t["type"] == type_ and t["value"] == value), None)
    if found is None:
        raise Invalid(f"{TAX_ID_TYPES.get(type_, type_)} {value} is not on the customer (any more); "
                      "its current tax ids are shown.")
    target = Target(stripe_customer_id, find_by_stripe_id(session, stripe_customer_id))
    _write(session, gateway, actor, target, "tax_id_removed", f"tax-id-remove-{found['id']}",
           lambda key: gateway.delete_tax_id(stripe_customer_id, found["id"]),
           {"tax_id": {"type": type_, "value": value}}, None, key_metadata)


def _stripe_customer(gateway, stripe_customer_id: str) -> dict:
    if not STRIPE_CUSTOMER_ID.fullmatch(stripe_customer_id or ""):
        raise NotFound(f"'{stripe_customer_id}' is not a Stripe customer id (cus_...)")
    try:
        customer = gateway.retrieve_customer_raw(stripe_customer_id)
    except StripeGatewayError as exc:
        if exc.http_status == 404:
            raise NotFound(f"Stripe has no customer {stripe_customer_id}") from None
        raise
    if customer.get("deleted"):
        raise NotFound(f"Stripe customer {stripe_customer_id} was deleted")
    return customer


def _write(session, gateway, actor: Actor, target: Target, action: str, what: str, call: Callable[[str], dict],
           before: dict | None, after: dict | None, key_metadata: str) -> None:
    """One recorded, keyed Stripe write, its audit entry, and our record re-read from Stripe."""
    key = customer_details_key(target.record, target.stripe_customer_id, _writes_so_far(session, target), what)
    stripe_write(session, gateway, key=key, subject=target.subject, action=action,
                 summary={"stripe_customer": target.stripe_customer_id, **(after or before or {})},
                 call=lambda: call(key))
    record_audit(session, actor, f"customer.{action}", *target.subject, before=before, after=after,
                 stripe_request_ids=gateway.request_ids, note=f"Stripe customer {target.stripe_customer_id}")
    if target.record is not None:
        sync_customer(session, gateway, target.record.id, actor, key_metadata)


def _writes_so_far(session, target: Target) -> int:
    """Only for a Stripe customer without our record, whose keys have no version to change with."""
    if target.record is not None:
        return 0
    return session.scalar(select(func.count(StripeOperation.id)).where(
        StripeOperation.subject_type == "stripe_customer", StripeOperation.subject_id == target.stripe_customer_id,
        StripeOperation.status == "succeeded"))
