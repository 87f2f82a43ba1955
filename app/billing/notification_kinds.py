"""The kinds of event people can be told about, who is told by default, and when a startup credit is
running out. No I/O."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

CHANNELS = ("email", "slack")
STARTUP_CREDIT_SHARE_LEFT = 10  # percent of the grant left: "about to run out"
STARTUP_CREDIT_DAYS_LEFT = 14  # days before the credit expires: "about to run out"


@dataclass(frozen=True)
class EventKind:
    key: str
    title: str
    description: str
    default_roles: frozenset[str]  # roles told (email and Slack) until a user chooses otherwise


OPERATORS = frozenset({"admin", "finance", "cs"})
KINDS: dict[str, EventKind] = {k.key: k for k in (
    EventKind("usage_gap", "Usage gap found", "An instance sent fewer usage reports for a day than usual, or none",
              OPERATORS),
    EventKind("usage_send_errors", "Usage send ended with errors",
              "A send of a usage day to Stripe had meter events refused or organisations it could not send", OPERATORS),
    EventKind("job_failed", "Job failed", "A background job ended with an error", OPERATORS),
    EventKind("webhook_failed", "Webhook delivery failed", "A Stripe or PandaDoc delivery could not be handled",
              OPERATORS),
    EventKind("invoice_past_due", "Invoice past due", "An annual plan's invoice is still open after its due date",
              OPERATORS | {"growth"}),
    EventKind("startup_credit_low", "Startup credit about to run out",
              f"Under {STARTUP_CREDIT_SHARE_LEFT}% of a startup credit is left, or it expires within "
              f"{STARTUP_CREDIT_DAYS_LEFT} days", OPERATORS | {"growth"}),
    EventKind("renewal_due", "Contract year or term starting soon",
              "A contract year or a new term starts within the renewal lead time (RENEWAL_LEAD_DAYS)",
              OPERATORS | {"growth"}),
)}


def kind_title(key: str) -> str:
    return KINDS[key].title if key in KINDS else key


def default_on(kind: str, role: str) -> bool:
    return kind in KINDS and role in KINDS[kind].default_roles


def startup_credit_running_out(granted_cents: int | None, remaining_cents: int, expires_on: date | None,
                               today: date) -> str | None:
    """Why a startup credit is about to run out, or None. Used up or expired is not "about to": the
    daily job ends those plans."""
    if remaining_cents <= 0 or (expires_on is not None and today >= expires_on):
        return None
    if granted_cents and remaining_cents * 100 < granted_cents * STARTUP_CREDIT_SHARE_LEFT:
        return f"under {STARTUP_CREDIT_SHARE_LEFT}% of the credit is left"
    if expires_on is not None and expires_on - today <= timedelta(days=STARTUP_CREDIT_DAYS_LEFT):
        return f"the credit expires on {expires_on.isoformat()}"
    return None
