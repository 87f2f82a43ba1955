"""The one helper every change uses to leave a trace."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from app.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who did it: a logged-in user, or a machine such as `system:webhook`."""

    label: str
    user_id: int | None = None

    @classmethod
    def of(cls, user) -> Actor:
        return cls(label=user.email, user_id=user.id)

    @classmethod
    def system(cls, name: str) -> Actor:
        return cls(label=f"system:{name}")


def jsonable(value: Any) -> Any:
    """Decimals as strings (never floats), dates as ISO text."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    return value


def record_audit(
    session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: Any,
    before: dict | None = None,
    after: dict | None = None,
    stripe_request_ids: list[str] | tuple[str, ...] = (),
    note: str = "",
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.user_id,
        actor_label=actor.label,
        object_type=object_type,
        object_id=str(object_id),
        action=action,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        stripe_request_ids=list(stripe_request_ids),
        note=note,
    )
    session.add(entry)
    session.flush()
    return entry


def changed_fields(before: dict, after: dict) -> tuple[dict, dict]:
    """Only what differs, so an entry reads as the change it records."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
