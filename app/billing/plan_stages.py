"""The Annual Plan Table's stages, which button each allows, and what keeps a row from ready."""
from __future__ import annotations

from dataclasses import dataclass

STAGES = ("received", "loaded", "ready", "invoiced", "amortized", "scheduled", "sent", "live")
EDITABLE_STAGES = frozenset({"received", "loaded", "ready"})
# A Stripe button's action: the stage it needs, and the stage it leaves the row in.
ACTION_STAGES = {"create_subscription": ("ready", "invoiced"), "amortize": ("invoiced", "amortized"),
                 "schedule": ("amortized", "scheduled"), "send_invoice": ("scheduled", "sent")}


@dataclass(frozen=True)
class Button:
    action: str
    label: str
    stages: frozenset[str]
    permission: str


BUTTONS = (
    Button("load", "Load from contract", frozenset({"received", "loaded", "ready"}), "annual_plans.edit"),
    Button("create_subscription", "Create Annual Subscription", frozenset({"ready"}), "stripe.write"),
    Button("amortize", "Amortize Invoice", frozenset({"invoiced"}), "stripe.write"),
    Button("schedule", "Schedule Subscription", frozenset({"amortized"}), "stripe.write"),
)


def readiness_blockers(plan) -> list[str]:
    """Why a loaded row is not ready for Create Annual Subscription; empty when it is.

    `plan` needs the AnnualPlan attributes only (no database), so this is testable alone.
    """
    reasons = []
    currency = other_currency(plan)
    if currency:
        reasons.append(f"the contract is in {currency}: contracts in other currencies are not supported yet, "
                       "so it cannot be billed")
    open_fields = sorted({w.field for w in plan.warnings if w.resolved_at is None})
    if open_fields:
        reasons.append(f"{len(open_fields)} warning(s) to resolve: {', '.join(open_fields)}")
    if not plan.contact_email:
        reasons.append("choose a contact email")
    if not plan.stripe_customer_id:
        reasons.append("choose or create the Stripe customer")
    if plan.start_date is None:
        reasons.append("set the start date")
    if not plan.term_months:
        reasons.append("set the term")
    if getattr(plan, "payment_schedule", "annual") is None:
        reasons.append("set the payment schedule")
    if not plan.organization_ids:
        reasons.append("no organisation: usage would never be billed; set the organisation ids")
    included = [ln for ln in plan.lines if ln.included]
    if not any(ln.upfront_amount_cents for ln in included):
        reasons.append("include at least one product with an up-front amount")
    for line in included:
        if line.overage is None:
            reasons.append(f"choose the overage for {line.product_key}")
        elif line.overage == "custom" and line.overage_unit_amount_decimal is None:
            reasons.append(f"set the custom overage rate for {line.product_key}")
    return reasons


def other_currency(plan) -> str | None:
    """The currency the contract is in when it is not the one we bill in (its load says so), else None.

    Until contracts in other currencies are billed end to end, such a row must not reach Stripe at all:
    confirming the warning would bill "€10.000" as $10,000."""
    found = next((p for p in getattr(plan, "provenance", ()) if p.field == "currency"), None)
    return (found.raw or "another currency").upper() if found is not None and found.warning else None


def stage_after_edit(stage: str, blockers: list[str]) -> str:
    """Edits move a row between loaded and ready; later stages are left to the buttons."""
    if stage not in ("loaded", "ready"):
        return stage
    return "loaded" if blockers else "ready"


def stage_on_subscription(stage: str, subscription_id: str | None) -> str:
    """Stripe started the schedule's subscription: a scheduled or sent row goes live."""
    return "live" if subscription_id and stage in ("scheduled", "sent") else stage


def stage_after_action(action: str, instalments: bool) -> str:
    """Where a button leaves the row: a row paid in instalments has no up-front invoice, so Create
    Annual Subscription takes it past Amortize Invoice straight to Schedule Subscription."""
    if action == "create_subscription" and instalments:
        return "amortized"
    return ACTION_STAGES[action][1]


def button_blocker(button: Button, stage: str, blockers: list[str], instalments: bool = False) -> str | None:
    """The reason shown on a disabled button, or None when it may be pressed."""
    if button.action == "amortize" and instalments:
        return "does not apply: paid in instalments, so there is no up-front invoice to amortize"
    if stage not in button.stages:
        allowed = " or ".join(s for s in STAGES if s in button.stages)
        return f"only when the row is {allowed} (it is {stage})"
    if button.action == "create_subscription" and blockers:
        return "; ".join(blockers)
    return None
