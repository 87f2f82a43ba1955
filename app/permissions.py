"""Who may do what: the one table of roles and permissions."""
from __future__ import annotations

ROLES = ("admin", "finance", "cs", "growth", "viewer")

ROLE_DESCRIPTIONS = {
    "admin": "Everything, including users and API tokens",
    "finance": "Edits plans and customers, presses Stripe buttons, sends invoices, starts over",
    "cs": "Edits plans and customers, presses Stripe buttons, re-runs usage",
    "growth": "Reviews and sends draft invoices; reads everything else",
    "viewer": "Reads everything, changes nothing",
}

PERMISSIONS: dict[str, frozenset[str]] = {
    "annual_plans.edit": frozenset({"admin", "finance", "cs"}),
    "stripe.write": frozenset({"admin", "finance", "cs"}),
    "invoices.send": frozenset({"admin", "finance", "growth"}),
    "invoices.start_over": frozenset({"admin", "finance"}),
    "customers.edit": frozenset({"admin", "finance", "cs"}),
    "usage.rerun": frozenset({"admin", "finance", "cs"}),
    "jobs.run": frozenset({"admin", "finance", "cs"}),
    "webhooks.handle": frozenset({"admin", "finance", "cs"}),
    "audit.view": frozenset({"admin", "finance"}),
    "users.manage": frozenset({"admin"}),
    "api_tokens.manage": frozenset({"admin"}),
}


def allowed(role: str | None, permission: str) -> bool:
    """Unknown permissions are refused, so a typo fails closed."""
    return role in PERMISSIONS.get(permission, frozenset())


def permissions_of(role: str) -> list[str]:
    return sorted(p for p, roles in PERMISSIONS.items() if role in roles)
