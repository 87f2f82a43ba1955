"""The contract's credit discount: the percent on our customer record, and its coupon in Stripe.

The record is the source; the coupon (credit-discount-N, one per percent) goes where the customer's
subscription takes its discounts: the active schedule's current phase (and any later ones) when a
schedule governs the subscription, else the subscription itself, and every phase of a schedule that
has not started. Promotional discounts are kept as they are. Stripe is written first, the record
after, so a refused write leaves the record as it was.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from app.billing.credit_discount import (
    PercentError,
    credit_discount_mismatch,
    current_phase_index,
    needs_change,
    parse_credit_percent,
    phase_specs,
    phases_from,
    promotional_discounts,
    show_percent,
    stripe_placements,
    subscription_only_discounts,
    subscription_specs,
    with_credit,
)
from app.billing.customer_snapshot import live_subscription
from app.billing.stripe_requests import (
    credit_discount_coupon_id,
    credit_discount_coupon_key,
    credit_discount_coupon_params,
    customer_change_key,
)
from app.formatting import plural
from app.gateways.stripe import StripeGatewayError
from app.models import Customer
from app.refusals import Invalid
from app.services.audit import Actor, record_audit
from app.services.customer_sync import read_stripe_state, sync_customer
from app.services.customers import load_customer
from app.services.stripe_writes import stripe_write


@dataclass(frozen=True)
class Placement:
    """One Stripe object the coupon goes on: what it is in words, and the write that puts it there."""

    object_id: str
    where: str
    action: str
    call: Callable[[str], dict]  # takes the idempotency key


@dataclass
class DiscountResult:
    percent: Decimal | None
    coupon_id: str | None
    applied_to: list[str] = field(default_factory=list)

    @property
    def notice(self) -> str:
        if self.percent is None:
            done = "; its coupon is off " + ", ".join(w.removeprefix("on ") for w in self.applied_to) \
                if self.applied_to else ""
            return f"Credit discount removed{done}."
        where = ", ".join(self.applied_to) if self.applied_to else "already in place in Stripe"
        return f"Credit discount {show_percent(self.percent)} saved: coupon {self.coupon_id} {where}."


def set_credit_discount(session, gateway, actor: Actor, customer_id: int, raw_percent: str | None,
                        version: int | None, key_metadata: str) -> DiscountResult:
    """Store the percent (0 clears it) and make Stripe's credit-discount coupon follow it."""
    try:
        percent = parse_credit_percent(raw_percent)
    except PercentError as exc:
        raise Invalid(str(exc), field="percent") from None
    customer = load_customer(session, customer_id, version)
    coupon_id = credit_discount_coupon_id(percent) if percent else None
    placements = _placements(gateway, customer, coupon_id, key_metadata)
    if coupon_id and placements:
        _ensure_coupon(session, gateway, customer.id, percent)
    label = coupon_id or "none"
    keys = [customer_change_key(customer, f"credit-discount-{p.object_id}-{label}") for p in placements]
    result = DiscountResult(percent, coupon_id)
    for placement, key in zip(placements, keys, strict=True):
        stripe_write(session, gateway, key=key, subject=("customer", customer.id), action=placement.action,
                     summary={"object": placement.object_id, "coupon": coupon_id},
                     call=lambda p=placement, k=key: p.call(k))
        result.applied_to.append(placement.where)
    before = customer.credit_discount_percent
    if before != percent or placements:
        customer.credit_discount_percent = percent
        session.flush()
        record_audit(session, actor, "customer.credit_discount_set" if percent else "customer.credit_discount_removed",
                     "customer", customer.id, before={"credit_discount_percent": before},
                     after={"credit_discount_percent": percent, "coupon": coupon_id, "applied_to": result.applied_to},
                     stripe_request_ids=gateway.request_ids)
    if placements:
        sync_customer(session, gateway, customer.id, actor, key_metadata)
    return result


def _placements(gateway, customer: Customer, coupon_id: str | None, key_metadata: str) -> list[Placement]:
    """Every Stripe object whose credit discount is not yet `coupon_id`, read fresh from Stripe."""
    if not customer.stripe_customer_id:
        if coupon_id:
            raise Invalid("this customer has no Stripe customer to put the discount on", field="percent")
        return []
    state = read_stripe_state(gateway, customer.stripe_customer_id, key_metadata)
    sub = live_subscription(state)
    found = [_on_subscription(gateway, sub, coupon_id)] if sub else []
    found += [_on_schedule(gateway, gateway.retrieve_schedule(s["id"]), coupon_id, started=False)
              for s in state["schedules"] if s["status"] == "not_started"]
    if coupon_id and not found:
        raise Invalid("the customer has no active subscription or scheduled one in Stripe to put the discount on",
                      field="percent")
    return [p for p in found if p is not None]


def _on_subscription(gateway, sub: dict, coupon_id: str | None) -> Placement | None:
    if sub.get("schedule"):
        schedule = gateway.retrieve_schedule(sub["schedule"])
        if schedule.get("status") == "active":
            return _on_schedule(gateway, schedule, coupon_id, started=True, subscription=sub)
    specs = subscription_specs(sub)
    if not needs_change(specs, coupon_id):
        return None
    params = {"discounts": with_credit(specs, coupon_id) or ""}
    return Placement(sub["id"], f"on subscription {sub['id']}", "set_credit_discount",
                     lambda key: gateway.update_subscription(sub["id"], params, key))


def _on_schedule(gateway, schedule: dict, coupon_id: str | None, started: bool,
                 subscription: dict | None = None) -> Placement | None:
    """An active schedule from its current phase on (past phases stay as they were), or every phase."""
    first = current_phase_index(schedule) if started else 0
    phases = (schedule.get("phases") or [])[first:]
    if not any(needs_change(phase_specs(p), coupon_id) for p in phases):
        return None
    kept = subscription_only_discounts(subscription, phases[0]) if subscription and phases else []
    params = {"phases": phases_from(schedule, first, coupon_id, kept)}
    if started:
        params["proration_behavior"] = "none"
        later = f" and its {plural(len(phases) - 1, 'later phase')}" if len(phases) > 1 else ""
        where = f"on the current phase{later} of schedule {schedule['id']}"
    else:
        where = f"on every phase of schedule {schedule['id']} (not started yet)"
    return Placement(schedule["id"], where, "set_schedule_credit_discount",
                     lambda key: gateway.update_schedule(schedule["id"], params, key))


def _ensure_coupon(session, gateway, customer_id: int, percent: Decimal) -> None:
    """Find or create the percent's coupon; one made by hand under that id must give the same discount."""
    coupon_id = credit_discount_coupon_id(percent)
    found = _find_coupon(gateway, coupon_id)
    if found is None:
        key, params = credit_discount_coupon_key(percent), credit_discount_coupon_params(percent)
        stripe_write(session, gateway, key=key, subject=("customer", customer_id), action="create_credit_discount_coupon",
                     summary={"coupon": coupon_id, "percent_off": params["percent_off"]},
                     call=lambda: gateway.create_coupon(params, key), find=lambda: _find_coupon(gateway, coupon_id))
        return
    gives = Decimal(str(found.get("percent_off") or 0))
    if gives != percent or found.get("duration") != "forever" or not found.get("valid", True):
        raise Invalid(f"Stripe already has a coupon {coupon_id} that is not {show_percent(percent)} off forever "
                      f"(it gives {show_percent(gives)}, {found.get('duration')}"
                      f"{'' if found.get('valid', True) else ', no longer valid'}): delete or rename it in Stripe",
                      field="percent")


def _find_coupon(gateway, coupon_id: str) -> dict | None:
    try:
        return gateway.retrieve_coupon(coupon_id)
    except StripeGatewayError as exc:
        if exc.http_status == 404:
            return None
        raise


def adopt_plan_discount(session, actor: Actor, customer: Customer, plan) -> None:
    """An annual plan going live: the customer's record takes the row's percent, the percent of the
    coupon the row's schedule already put on its phase, so record and Stripe agree from the first day."""
    percent = plan.credit_discount_percent or None
    if customer.credit_discount_percent == percent:
        return
    before = customer.credit_discount_percent
    customer.credit_discount_percent = percent
    session.flush()
    record_audit(session, actor, "customer.credit_discount_set" if percent else "customer.credit_discount_removed",
                 "customer", customer.id, before={"credit_discount_percent": before},
                 after={"credit_discount_percent": percent}, note=f"annual plan row {plan.id} went live")


def discount_section(session, gateway, catalog, customer: Customer, today) -> dict:
    """The customer page's credit discount: our percent, where Stripe has its coupon, and any disagreement."""
    snapshot = customer.stripe_snapshot
    percent = customer.credit_discount_percent or None
    return {"credit": {"percent": percent, "shown": show_percent(percent),
                       "input": format(percent.normalize(), "f") if percent else "0",
                       "coupon_id": credit_discount_coupon_id(percent) if percent else None,
                       "placements": stripe_placements(snapshot), "promotional": promotional_discounts(snapshot),
                       "mismatch": credit_discount_mismatch(percent, snapshot) if snapshot is not None else None}}
