"""The daily move off time-limited prices: find the subscriptions whose `valid_days` ran out, move them.

Each move is one subscription update (every item at once, no proration) under a key made of the
moves themselves, so a second run, or a retry after a crash, makes no second change.
"""
from __future__ import annotations

import hashlib
from contextlib import suppress
from datetime import datetime

from app.billing.catalog_config import Catalog
from app.billing.catalog_rules import product_keys
from app.billing.price_expiry import Transition, due_transition, valid_days
from app.services.audit import Actor, record_audit
from app.services.catalog import CatalogNotBootstrapped, catalog_id
from app.services.customer_sync import find_by_stripe_id
from app.services.stripe_writes import stripe_write

TRANSITIONS_ACTOR = Actor.system("price-transitions")


def find_due_transitions(session, gateway, catalog: Catalog, now: datetime) -> list[Transition]:
    """Reads only: the prices with valid_days, the live subscriptions on them, and what is due."""
    keys = product_keys(gateway.list_products(), catalog.product_key_metadata)
    subscriptions: dict[str, dict] = {}
    for price in gateway.list_prices():
        if valid_days(price):
            subscriptions.update((s["id"], s) for s in gateway.subscriptions_on_price(price["id"]))
    targets = {key: _targets(session, key) for key in catalog.products}
    due = (due_transition(s, keys, targets, now) for s in subscriptions.values())
    return sorted((t for t in due if t is not None), key=lambda t: (t.due_at, t.subscription_id))


def _targets(session, product_key: str) -> dict[str, str]:
    found = {}
    for variant in ("standard", "free"):
        with suppress(CatalogNotBootstrapped):
            found[variant] = catalog_id(session, "price", f"{product_key}_{variant}")
    return found


def transition_key(transition: Transition) -> str:
    moves = ",".join(f"{m.item_id}:{m.from_price}>{m.to_price}" for m in transition.moves)
    return f"price-transition-{transition.subscription_id}-{hashlib.sha256(moves.encode()).hexdigest()[:16]}"


def apply_transition(session, gateway, actor: Actor, transition: Transition) -> str:
    """Move every item at once, without proration; audited on our customer when we have one."""
    key = transition_key(transition)
    params = {"items": [{"id": m.item_id, "price": m.to_price} for m in transition.moves], "proration_behavior": "none"}
    stripe_write(session, gateway, key=key, subject=("subscription", transition.subscription_id),
                 action="expire_price", summary={"moves": [m.__dict__ for m in transition.moves]},
                 call=lambda: gateway.update_subscription(transition.subscription_id, params, key))
    customer = find_by_stripe_id(session, transition.stripe_customer_id)
    record_audit(session, actor, "subscription.price_expired", "customer" if customer else "subscription",
                 customer.id if customer else transition.subscription_id,
                 before={m.item_id: m.from_price for m in transition.moves},
                 after={m.item_id: m.to_price for m in transition.moves},
                 stripe_request_ids=gateway.request_ids[-1:], note=transition.reason)
    return key


def expire_prices(session, gateway, catalog: Catalog, now: datetime, actor: Actor = TRANSITIONS_ACTOR,
                  dry_run: bool = False, progress=None) -> list[str]:
    """One line per due subscription; `progress(done, total, line)` after each (commits in a job)."""
    transitions = find_due_transitions(session, gateway, catalog, now)
    lines = [] if transitions else ["No subscription has a valid_days price that ran out."]
    for done, transition in enumerate(transitions, start=1):
        moves = ", ".join(f"{m.product_key or m.item_id}: {m.from_price} -> {m.to_price}" for m in transition.moves)
        if transition.moves and not dry_run:
            apply_transition(session, gateway, actor, transition)
        verb = "would move" if dry_run else "moved"
        line = f"{transition.subscription_id} ({transition.stripe_customer_id}) {verb} {moves or 'nothing'}"
        lines.append(line + "".join(f"; problem: {p}" for p in transition.problems))
        if progress:
            progress(done, len(transitions), lines[-1])
    return lines
