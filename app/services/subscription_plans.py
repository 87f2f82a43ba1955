"""A sync puts each product the subscription pays for on its paid plan (billing/subscription_plans.py).

The change is the rule's, not the syncing person's: it is audited by the system with the reason, on
both sync paths (one customer here; many in customer_bulk_sync, which inserts `audit_row`s).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.billing.catalog_config import Catalog
from app.billing.subscription_plans import PlanChange, plans_following_subscription
from app.models import CatalogItem
from app.services.audit import Actor, jsonable, record_audit

PLANS_ACTOR = Actor.system("stripe-sync")
ACTION = "customer.plans_map_changed"  # as when a person edits the plans


def app_catalog(catalog: Catalog | None) -> Catalog:
    """The catalog given, else the app's: callers written before this rule pass none, and it must apply."""
    if catalog is not None:
        return catalog
    from app import collaborators

    return collaborators.catalog()


def free_price_ids(session) -> set[str]:
    """The Free prices `flask catalog bootstrap` recorded (`<product>_free`)."""
    return set(session.scalars(select(CatalogItem.stripe_id).where(
        CatalogItem.kind == "price", CatalogItem.key.like("%\\_free", escape="\\"))))


def reasons(changes: list[PlanChange]) -> str:
    return "; ".join(change.reason for change in changes)


def plans_after_sync(session, catalog: Catalog, plans_map: dict, snapshot: dict) -> tuple[dict, list[PlanChange]]:
    """Reads only: the plans_map the snapshot's paid prices imply, and each change. Called before the
    sync sets anything, so the record is written (and its version moves) once."""
    return plans_following_subscription(catalog, dict(plans_map or {}), snapshot, free_price_ids(session))


def record_plans_change(session, customer_id: int, before: dict, after: dict, changes: list[PlanChange]) -> None:
    record_audit(session, PLANS_ACTOR, ACTION, "customer", customer_id, before={"plans_map": before},
                 after={"plans_map": after}, note=reasons(changes))


def audit_row(customer_id: int, before: dict, after: dict, changes: list[PlanChange], now: datetime) -> dict:
    """The audit entry `record_plans_change` writes, as a row for a chunk's one INSERT."""
    return {"at": now, "actor_id": PLANS_ACTOR.user_id, "actor_label": PLANS_ACTOR.label, "object_type": "customer",
            "object_id": str(customer_id), "action": ACTION, "before": jsonable({"plans_map": before}),
            "after": jsonable({"plans_map": after}), "stripe_request_ids": [], "note": reasons(changes)}
