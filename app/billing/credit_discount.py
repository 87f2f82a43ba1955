"""The contract's credit discount: our record's percent, and the coupon in Stripe derived from it.

Pure: parsing what a person types, which discounts a write keeps and which it replaces, what
Stripe's live subscription gives as the credit discount, and whether that agrees with our record.
A credit-discount coupon is recognised by its id (stripe_requests.is_credit_discount_coupon); every
other discount is promotional and is never touched here.
"""
from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.billing.customer_snapshot import live_subscription
from app.billing.stripe_requests import is_credit_discount_coupon
from app.billing.subscription_changes import discount_spec, phase_params

HUNDRED = Decimal(100)
PERCENT_PLACES = 2  # Stripe keeps percent_off to two decimal places
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


class PercentError(ValueError):
    """What is wrong with the typed percent, in words fit to show."""


def parse_credit_percent(raw: str | None) -> Decimal | None:
    """"15", "12.5" or "15%" to a Decimal; "0" means no discount (None)."""
    text = (raw or "").strip().removesuffix("%").strip()
    if not text:
        raise PercentError("Type the discount in percent, e.g. 15 (0 removes it).")
    try:
        value = Decimal(text) if _NUMBER.fullmatch(text) else None
    except InvalidOperation:
        value = None
    if value is None:
        raise PercentError(f"'{raw.strip()}' is not a number: type the discount in percent, e.g. 15 or 12.5.")
    if value < 0:
        raise PercentError(f"{text}% is negative: a discount is between 0 and 100%.")
    if value > HUNDRED:
        raise PercentError(f"{text}% is over 100%: a discount is between 0 and 100%.")
    if value != round(value, PERCENT_PLACES):
        raise PercentError(f"{text}% has more than {PERCENT_PLACES} decimal places, which is all Stripe's "
                           "percent_off keeps: round it, e.g. 12.35.")
    return Decimal(format(value.normalize(), "f")) if value else None  # 12.50 -> 12.5, 1E+1 -> 10


def show_percent(percent: Decimal | None) -> str:
    return f"{format(percent.normalize(), 'f')}%" if percent else "none"


# What a write sends

def with_credit(specs: list[dict], coupon_id: str | None) -> list[dict]:
    """Discount parameters: the promotional ones kept as they are, the credit coupon (if any) after them."""
    kept = [spec for spec in specs if not is_credit_discount_coupon(spec.get("coupon"))]
    return kept + ([{"coupon": coupon_id}] if coupon_id else [])


def credit_coupons(specs: list[dict]) -> list[str]:
    return [spec["coupon"] for spec in specs if is_credit_discount_coupon(spec.get("coupon"))]


def subscription_specs(subscription: dict) -> list[dict]:
    """A synced subscription's discounts as parameters: each existing discount reused by its id, so a
    promotional coupon keeps its start (and its remaining months)."""
    return [{"discount": d["id"]} if not is_credit_discount_coupon(d["coupon"]["id"]) else {"coupon": d["coupon"]["id"]}
            for d in subscription.get("discounts") or []]


def phase_specs(phase: dict) -> list[dict]:
    return [discount_spec(d) for d in phase.get("discounts") or []]


def needs_change(specs: list[dict], coupon_id: str | None) -> bool:
    """Whether the credit coupons differ from the one wanted (none when `coupon_id` is None)."""
    return credit_coupons(specs) != ([coupon_id] if coupon_id else [])


def phases_from(schedule: dict, first: int, coupon_id: str | None, also_first: list[dict] = ()) -> list[dict]:
    """The schedule's phases from `first` on, each unchanged but for its credit discount; past phases
    are left out (Stripe keeps them), the first one sent keeps its start date and also gets `also_first`."""
    phases = (schedule.get("phases") or [])[first:]
    return [phase_params(p, with_credit(phase_specs(p) + (list(also_first) if i == 0 else []), coupon_id) or "",
                         with_start=i == 0)
            for i, p in enumerate(phases)]


def subscription_only_discounts(subscription: dict, phase: dict) -> list[dict]:
    """Promotional discounts put on a scheduled subscription itself (the Coupon editor), not on its current
    phase: a phase update sets the subscription's discounts to the phase's, so they go on it by their id."""
    on_phase = {v for d in phase.get("discounts") or [] for v in (d.get("coupon"), d.get("discount")) if v}
    return [{"discount": d["id"]} for d in subscription.get("discounts") or []
            if not is_credit_discount_coupon(d["coupon"].get("id")) and not {d["id"], d["coupon"].get("id")} & on_phase]


def current_phase_index(schedule: dict) -> int:
    """The running phase of an active schedule (Stripe's current_phase names it by its dates)."""
    start = (schedule.get("current_phase") or {}).get("start_date")
    starts = [p.get("start_date") for p in schedule.get("phases") or []]
    return starts.index(start) if start in starts else 0


# What Stripe gives

def stripe_credit_percents(snapshot: dict | None) -> list[Decimal]:
    """The percent off of each credit-discount coupon on the live subscription (as last synced)."""
    sub = live_subscription(snapshot)
    return [_percent(d) for d in (sub or {}).get("discounts") or []
            if is_credit_discount_coupon(d["coupon"].get("id"))]


def credit_discount_mismatch(record: Decimal | None, snapshot: dict | None) -> str | None:
    """One sentence when Stripe's credit discount is not our record's percent; None when they agree."""
    found = stripe_credit_percents(snapshot)
    wanted = [record] if record else []
    if found == wanted:
        return None
    gives = " + ".join(show_percent(p) for p in found) + " off" if found else "no credit discount"
    action = (f"set {show_percent(record)} again on the customer page (or flask customers set-discount) to put "
              "the coupon back" if record else "set the percent the contract says on the customer page, or 0 to "
              "remove the coupon from Stripe")
    return f"Stripe gives {gives}, our record says {show_percent(record)}: {action}."


def stripe_placements(snapshot: dict | None) -> list[str]:
    """Where the last sync found credit-discount coupons, in words for the customer page."""
    found, sub = [], live_subscription(snapshot)
    for d in (sub or {}).get("discounts") or []:
        if is_credit_discount_coupon(d["coupon"].get("id")):
            where = (f"on the current phase of schedule {sub['schedule']} (subscription {sub['id']})"
                     if sub.get("schedule") else f"on subscription {sub['id']}")
            found.append(f"coupon {d['coupon']['id']} ({show_percent(_percent(d))} off) {where}")
    for schedule in (snapshot or {}).get("schedules") or []:
        coupons = sorted({c for p in schedule.get("phases") or [] for c in p.get("discounts") or []
                          if is_credit_discount_coupon(c)})
        if schedule.get("status") == "not_started" and coupons:
            found.append(f"coupon {', '.join(coupons)} on the phases of schedule {schedule['id']} (not started yet)")
    return found


def promotional_discounts(snapshot: dict | None) -> list[dict]:
    """The live subscription's other coupons: shown beside the credit discount, never changed by it."""
    sub = live_subscription(snapshot)
    return [d["coupon"] for d in (sub or {}).get("discounts") or [] if not is_credit_discount_coupon(d["coupon"].get("id"))]


def _percent(discount: dict) -> Decimal:
    return Decimal(discount["coupon"].get("percent_off") or 0)
