"""Reading customers' Stripe state into our records: sync, import, and ensure-on-go-live.

Reads only: nothing here writes to Stripe. Services flush; the request or job commits.
A Stripe failure is recorded on the customer (sync_error), never raised to a bulk caller.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.billing.catalog_config import Catalog
from app.billing.configuration_rules import configuration_after_sync
from app.billing.customer_snapshot import changed_sections, live_subscription, snapshot_of
from app.billing.plan_fields import changes_note
from app.gateways.stripe import StripeGatewayError
from app.models import Customer, CustomerOrganisation
from app.refusals import NotFound
from app.services.audit import Actor, changed_fields, jsonable, record_audit
from app.services.subscription_plans import app_catalog, plans_after_sync, record_plans_change
from app.timeutil import utcnow

SYNC_ACTOR = Actor.system("stripe-sync")
ORG_METADATA_KEYS = ("organisation_id", "organization_id", "posthog_organization_id")
TRACKED = ("name", "email", "subscription_id", "has_discount", "billing_configuration")
KEY_METADATA = "posthog_product_key"


@dataclass
class SyncResult:
    customer_id: int
    status: str  # synced | error
    changed: list[str] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict:
        return {"id": self.customer_id, "status": self.status, "changed": self.changed, "error": self.error}


def read_stripe_state(gateway, stripe_customer_id: str, key_metadata: str = KEY_METADATA) -> dict:
    customer = gateway.retrieve_customer_raw(stripe_customer_id)
    if customer.get("deleted"):
        raise StripeGatewayError(f"Stripe customer {stripe_customer_id} was deleted", code="customer_deleted")
    return jsonable(snapshot_of(customer, gateway.customer_tax_ids(stripe_customer_id),
                                gateway.customer_subscriptions(stripe_customer_id),
                                gateway.list_schedules(stripe_customer_id),
                                gateway.recent_invoices(stripe_customer_id), key_metadata))


def sync_customer(session, gateway, customer_id: int, actor: Actor = SYNC_ACTOR,
                  key_metadata: str = KEY_METADATA, catalog: Catalog | None = None) -> SyncResult:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    try:
        if not customer.stripe_customer_id:
            raise StripeGatewayError("this customer has no Stripe customer id", code="no_stripe_customer")
        snapshot = read_stripe_state(gateway, customer.stripe_customer_id, key_metadata)
    except StripeGatewayError as exc:
        return record_failure(session, gateway, actor, customer, exc)
    return apply_snapshot(session, gateway, actor, customer, snapshot, catalog)


def record_failure(session, gateway, actor, customer: Customer, exc: StripeGatewayError) -> SyncResult:
    customer.sync_error = str(exc)
    session.flush()
    record_audit(session, actor, "customer.sync_failed", "customer", customer.id, after={"error": str(exc)},
                 stripe_request_ids=gateway.request_ids[-5:])
    return SyncResult(customer.id, "error", error=str(exc))


def apply_snapshot(session, gateway, actor, customer: Customer, snapshot: dict,
                   catalog: Catalog | None = None) -> SyncResult:
    """Stripe's state onto our record; then the plans its paid prices imply (audited apart, by the system)."""
    before, plans_before = {k: getattr(customer, k) for k in TRACKED}, dict(customer.plans_map or {})
    plans, plan_changes = plans_after_sync(session, app_catalog(catalog), plans_before, snapshot)
    sections = changed_sections(customer.stripe_snapshot, snapshot)
    for k, value in tracked_from(snapshot, customer).items():
        setattr(customer, k, value)
    customer.stripe_snapshot, customer.last_synced_at, customer.sync_error = snapshot, utcnow(), ""
    if plan_changes:
        customer.plans_map = plans
    session.flush()
    old, new = changed_fields(before, {k: getattr(customer, k) for k in TRACKED})
    changed = list(new) + (["plans_map"] if plan_changes else []) + [f"stripe {s}" for s in sections]
    if plan_changes:
        record_plans_change(session, customer.id, plans_before, plans, plan_changes)
    record_audit(session, actor, "customer.synced", "customer", customer.id, before=old, after=new,
                 stripe_request_ids=gateway.request_ids[-5:], note=changes_note(changed))
    return SyncResult(customer.id, "synced", changed)


def tracked_from(snapshot: dict, current) -> dict:
    """Our copies of what Stripe holds; a name or email Stripe lacks keeps ours. `current` is the record
    (or its row): its configuration follows Stripe unless a flow or a person set it."""
    stripe_customer, sub = snapshot["customer"], live_subscription(snapshot)
    return {"name": stripe_customer.get("name") or current.name, "email": stripe_customer.get("email") or current.email,
            "subscription_id": sub["id"] if sub else None, "has_discount": bool(sub and sub["discounts"]),
            "billing_configuration": configuration_after_sync(current.billing_configuration,
                                                              current.configuration_source, snapshot,
                                                              current.linked_customer_id)}


def find_by_stripe_id(session, stripe_customer_id: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.stripe_customer_id == stripe_customer_id))


def find_by_organisation(session, organisation_id: str) -> Customer | None:
    return session.scalar(select(Customer).join(CustomerOrganisation)
                          .where(CustomerOrganisation.organisation_id == organisation_id))


def organisation_of(stripe_customer: dict) -> str | None:
    metadata = stripe_customer.get("metadata") or {}
    return next((str(metadata[k]).strip() for k in ORG_METADATA_KEYS if str(metadata.get(k) or "").strip()), None)


def link_or_create(session, actor: Actor, stripe_customer: dict) -> tuple[Customer, str]:
    """Our record for a Stripe customer: its own, else one matched by organisation id or email, else new."""
    found = find_by_stripe_id(session, stripe_customer["id"])
    if found is not None:
        return found, "unchanged"
    org, email = organisation_of(stripe_customer), (stripe_customer.get("email") or "").strip().lower()
    by_org = find_by_organisation(session, org) if org else None
    match = by_org if by_org is not None and not by_org.stripe_customer_id else None
    if match is None and email and by_org is None:
        match = session.scalar(select(Customer).where(func.lower(Customer.email) == email,
                                                      Customer.stripe_customer_id.is_(None)).limit(1))
    if match is not None:
        match.stripe_customer_id = stripe_customer["id"]
        session.flush()
        record_audit(session, actor, "customer.linked", "customer", match.id,
                     after={"stripe_customer_id": stripe_customer["id"], "matched_by": "organisation" if org else "email"})
        return match, "linked"
    return _create(session, actor, stripe_customer, org, by_org), "created"


def _create(session, actor, stripe_customer: dict, org: str | None, other: Customer | None) -> Customer:
    """`other` already bills `org` from another Stripe customer: the two halves of an amortized pair."""
    metadata = stripe_customer.get("metadata") or {}
    startup = str(metadata.get("is_startup_plan_customer", "")).lower() in ("true", "1", "yes")
    customer = Customer(name=stripe_customer.get("name") or stripe_customer["id"], email=stripe_customer.get("email"),
                        stripe_customer_id=stripe_customer["id"], plans_map={}, billing_limits={},
                        billing_configuration="startup" if startup else "paid")
    if org and other is None:
        customer.organisations.append(CustomerOrganisation(organisation_id=org))
    session.add(customer)
    session.flush()
    if other is not None:
        customer.linked_customer_id, other.linked_customer_id = other.id, customer.id
        customer.billing_configuration = other.billing_configuration = "enterprise_amortized"
        session.flush()
    record_audit(session, actor, "customer.created", "customer", customer.id,
                 after={"stripe_customer_id": customer.stripe_customer_id, "organisation_id": org,
                        "linked_customer_id": customer.linked_customer_id})
    return customer


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    linked: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def import_customers_from_stripe(session, gateway, actor: Actor = SYNC_ACTOR) -> ImportReport:
    report = ImportReport()
    for stripe_customer in gateway.list_customers():
        customer, how = link_or_create(session, actor, stripe_customer)
        getattr(report, how).append(customer.id)
    return report


def ensure_customer_for_stripe_id(session, gateway, stripe_customer_id: str, subscription_id: str | None = None,
                                  actor: Actor = SYNC_ACTOR) -> Customer:
    """Our record for a Stripe customer (created when missing), given the subscription, then synced.

    For the Annual Plan go-live: flushes, does not commit; a failed sync is kept on the record.
    """
    customer = find_by_stripe_id(session, stripe_customer_id)
    if customer is None:
        customer, _ = link_or_create(session, actor, gateway.retrieve_customer_raw(stripe_customer_id))
    if subscription_id and customer.subscription_id != subscription_id:
        record_audit(session, actor, "customer.subscription_set", "customer", customer.id,
                     before={"subscription_id": customer.subscription_id}, after={"subscription_id": subscription_id})
        customer.subscription_id = subscription_id
        session.flush()
    sync_customer(session, gateway, customer.id, actor)
    return customer
