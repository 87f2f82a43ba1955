"""When a time-limited (`valid_days`) price runs out, and where each subscription item goes next.

The handbook's rules: the shortest validity wins when several items have one; each item moves
to its price's `move_to_price_id`, else to the product's default price when the expiring price
is a startup one (`plan=startup`), else to the product's Free price.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass(frozen=True)
class Move:
    item_id: str
    product_key: str | None
    from_price: str
    to_price: str


@dataclass(frozen=True)
class Transition:
    subscription_id: str
    stripe_customer_id: str
    due_at: datetime
    startup: bool
    moves: tuple[Move, ...]
    problems: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        target = "default prices" if self.startup else "Free prices"
        return f"valid_days ran out on {self.due_at:%Y-%m-%d %H:%M} UTC: moving to {target} (or move_to_price_id)"


def valid_days(price: dict) -> int | None:
    raw = str((price.get("metadata") or {}).get("valid_days", "")).strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def expires_at(item: dict, subscription: dict) -> datetime | None:
    """Measured from the item's creation (when the price was put on), else the subscription's start."""
    days = valid_days(item.get("price") or {})
    start = item.get("created") or subscription.get("start_date")
    if days is None or start is None:
        return None
    return datetime.fromtimestamp(start, UTC).replace(tzinfo=None) + timedelta(days=days)


def due_transition(subscription: dict, product_key_of: dict[str, str], targets: dict[str, dict[str, str]],
                   now: datetime) -> Transition | None:
    """The moves due on `subscription` at `now` (naive UTC), or None while every price is still valid.

    `targets[product_key]` holds the catalog's {"standard": price id, "free": price id}.
    """
    items = (subscription.get("items") or {}).get("data") or []
    timed = [(at, item) for item in items if (at := expires_at(item, subscription)) is not None]
    if not timed:
        return None
    due = min(at for at, _ in timed)
    if now < due:
        return None
    startup = any((item["price"].get("metadata") or {}).get("plan") == "startup" for at, item in timed if at == due)
    moves, problems = [], []
    for item in items:
        price = item["price"]
        key = product_key_of.get(_product_id(price))
        target = str((price.get("metadata") or {}).get("move_to_price_id") or "").strip() or \
            (targets.get(key) or {}).get("standard" if startup else "free")
        if not target:
            problems.append(f"item {item['id']} ({key or _product_id(price)}): no {'default' if startup else 'Free'} "
                            "price to move to")
        elif target != price["id"]:
            moves.append(Move(item["id"], key, price["id"], target))
    return Transition(subscription["id"], _customer_id(subscription), due, startup, tuple(moves), tuple(problems))


def _product_id(price: dict) -> str | None:
    product = price.get("product")
    return product.get("id") if isinstance(product, dict) else product


def _customer_id(subscription: dict) -> str:
    customer = subscription.get("customer")
    return customer.get("id") if isinstance(customer, dict) else customer
