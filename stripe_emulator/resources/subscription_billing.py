"""Subscription billing over emulator time: renewals, trial ends, cancel_at, schedule phases.

`advance(state, sub, until)` walks a subscription through every boundary up to `until`, each
at its own time (`at_time`), creating the invoice for it: licensed items in advance, metered
items in arrears from the meter's aggregated usage through the price's tiers, discounts
applied by `invoicing.recompute`. Tick hooks find due work in `state.extra("billing_due")`
(`{clock_id or "": {object_id: due_time}}`), so an idle tick is one dict scan.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from decimal import Decimal

from .. import billing, helpers
from ..hooks import on_tick
from . import coupons, invoicing, meter_usage
from . import subscription_items as items_mod
from .invoice_actions import finalize_invoice, mark_paid
from .prices import in_currency

KIND = "subscription"
_DUE = "billing_due"
MAX_STEPS = 100_000
log = logging.getLogger("stripe_emulator")


class _FixedClock:
    """`now()` is fixed for the thread that holds the state lock; others see the real clock."""

    def __init__(self, real, now):
        self.real, self.fixed, self.owner = real, now, threading.get_ident()

    def now(self):
        return self.fixed if threading.get_ident() == self.owner else self.real.now()

    def __getattr__(self, name):
        return getattr(self.real, name)


@contextlib.contextmanager
def at_time(state, now):
    """Run with `state.now()` fixed at `now` (a test clock's time, or a past boundary).

    Callers hold `state.lock`; helper-1's invoice functions read `state.now()`, so this is
    how invoices, discounts and events get the boundary's time.
    """
    real = state.clock
    if real.now() == now:
        yield
        return
    state.clock = _FixedClock(real, now)
    try:
        yield
    finally:
        state.clock = real


def now_for(state, clock_id):
    """The time a customer sees: its test clock's frozen time, or the emulator clock."""
    if clock_id:
        clock = state.objects.get("test_helpers.test_clock", {}).get(clock_id)
        if clock is not None:
            return clock["frozen_time"]
    return state.now()


def set_due(state, clock_id, obj_id, when):
    space = state.extra(_DUE).setdefault(clock_id or "", {})
    if when is None:
        space.pop(obj_id, None)
    else:
        space[obj_id] = when


def run_due(state, clock_id, now):
    """Process every schedule and subscription on `clock_id` with work due by `now`."""
    space = state.extra(_DUE).get(clock_id or "")
    while space:
        due = [(t, oid) for oid, t in space.items() if t <= now]
        if not due:
            return
        for t, oid in sorted(due):
            obj = state.find(oid)
            try:
                if obj is None:
                    pass
                elif obj["object"] == "subscription_schedule":
                    from .subscription_schedules import advance_schedule

                    advance_schedule(state, obj, now)
                else:
                    advance(state, obj, now)
            except Exception:  # noqa: BLE001 - one broken object must not stall the clock
                log.exception("billing %s at %s failed; dropped from the schedule", oid, t)
            if space.get(oid, now + 1) <= t:
                space.pop(oid, None)  # made no progress: never loop on it


@on_tick
def _tick(state, previous, now):
    run_due(state, None, now)


def next_time(state, sub):
    if sub["status"] == "canceled" or not sub["items"]["data"]:
        return None
    times = [i["current_period_end"] for i in sub["items"]["data"]]
    if sub["cancel_at"]:
        times.append(sub["cancel_at"])
    if sub["status"] == "trialing" and sub["trial_end"]:
        times.append(sub["trial_end"])
    schedule = _schedule(state, sub)
    if schedule is not None and schedule["current_phase"]:
        times.append(schedule["current_phase"]["end_date"])
    return min(times)


def reindex(state, sub):
    set_due(state, sub["test_clock"], sub["id"], next_time(state, sub))


def advance(state, sub, until):
    """Bill every boundary of `sub` up to `until` (schedule phase ends are the schedule's)."""
    for _ in range(MAX_STEPS):
        t = next_time(state, sub)
        if t is None or t > until:
            break
        schedule = _schedule(state, sub)
        if schedule is not None and schedule["current_phase"] and \
                schedule["current_phase"]["end_date"] <= t:
            from .subscription_schedules import advance_schedule

            advance_schedule(state, schedule, schedule["current_phase"]["end_date"])
            continue
        with at_time(state, t):
            step(state, sub, t)
    reindex(state, sub)


def _schedule(state, sub):
    schedule = state.find(sub["schedule"]) if sub["schedule"] else None
    return schedule if schedule and schedule["status"] == "active" else None


def step(state, sub, t, extra_lines=(), before=None):
    """Everything due at `t`: cancellation, trial end, item renewals; one invoice for it."""
    before = before or helpers.snapshot(state, sub)
    lines = list(extra_lines)
    if sub["cancel_at"] and sub["cancel_at"] <= t:
        end_subscription(state, sub, t, lines, bill_usage=True)
        return
    in_trial = sub["status"] == "trialing"
    if in_trial and sub["trial_end"] and sub["trial_end"] <= t:
        sub["status"] = "active"
        sub["billing_cycle_anchor"] = sub["trial_end"]
        for item in sub["items"]["data"]:
            items_mod.restart(item, sub["trial_end"], item["current_period_start"],
                              item["current_period_end"])
    for item in sub["items"]["data"]:
        if item["current_period_end"] <= t:
            old = items_mod.roll(item)
            if not items_mod.is_metered(item["price"]):
                lines.append(advance_line(state, sub, item))
            elif not in_trial:  # usage during a trial is free
                lines.append(usage_line(state, sub, item, old))
    if lines:
        start = min((ln["period"]["start"] for ln in lines), default=t)
        issue_invoice(state, sub, lines, "subscription_cycle", (min(start, t), t))
    state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(state, sub))
    if changed:
        state.emit_event("customer.subscription.updated", sub, changed)


def end_subscription(state, sub, t, lines=(), bill_usage=False, details=None):
    """Cancel now: final usage invoice if asked, status canceled, `customer.subscription.deleted`."""
    lines = list(lines)
    if bill_usage:
        for item in sub["items"]["data"]:
            if items_mod.is_metered(item["price"]) and item["current_period_start"] < t:
                lines.append(usage_line(state, sub, item, (item["current_period_start"], t)))
    if lines:
        issue_invoice(state, sub, lines, "subscription_cycle", (t, t))
    sub.update(status="canceled", canceled_at=sub["canceled_at"] or t, ended_at=t,
               cancel_at=sub["cancel_at"] if sub["cancel_at"] and sub["cancel_at"] <= t else None)
    if details:
        sub["cancellation_details"].update(details)
    set_due(state, sub["test_clock"], sub["id"], None)
    state.touch()
    state.emit_event("customer.subscription.deleted", sub)


def _parent(sub, item, proration=False):
    return {"invoice_item_details": None, "type": "subscription_item_details",
            "subscription_item_details": {"invoice_item": None, "proration": proration,
                                          "proration_details": {"credited_items": None},
                                          "subscription": sub["id"],
                                          "subscription_item": item["id"]}}


def _money(price):
    if price["unit_amount_decimal"] is None:
        return ""
    amount = Decimal(price["unit_amount_decimal"]) / 100
    sign = "$" if price["currency"] == "usd" else f"{price['currency'].upper()} "
    return f" (at {sign}{amount:f} / {price['recurring']['interval']})"


def _name(state, price):
    product = state.find(price["product"])
    return product["name"] if product else price["product"]


def advance_line(state, sub, item, trial=False):
    """A licensed item billed in advance for its current period (0 during a trial)."""
    price = in_currency(state.find(item["price"]["id"]) or item["price"], sub["currency"])
    quantity = item["quantity"]
    amount = 0 if trial else billing.price_amount(price, quantity)
    text = (f"Trial period for {_name(state, price)}" if trial else
            f"{quantity} × {_name(state, price)}{_money(price)}")
    return {"amount": amount, "price": price, "quantity": quantity, "description": text,
            "discounts": list(item["discounts"]), "parent": _parent(sub, item),
            "period": {"start": item["current_period_start"], "end": item["current_period_end"]}}


def usage_line(state, sub, item, period):
    """A metered item billed in arrears: the meter's aggregate over `period` through the tiers."""
    price = in_currency(state.find(item["price"]["id"]) or item["price"], sub["currency"])
    meter = state.find(price["recurring"]["meter"])
    usage = meter_usage.aggregate(state, meter, sub["customer"], *period) if meter else 0
    usage = max(0, usage)
    return {"amount": billing.price_amount(price, usage), "price": price, "quantity": usage,
            "description": f"{usage} × {_name(state, price)} (usage)",
            "discounts": list(item["discounts"]), "parent": _parent(sub, item),
            "period": {"start": period[0], "end": period[1]}}


def active_discounts(state, sub, t):
    out = []
    for did in sub["discounts"]:
        discount = state.find(did)
        if discount is not None and (discount["end"] is None or discount["end"] > t):
            out.append(did)
    return out


def build_invoice(state, sub, specs, reason, period, now=None, store=True):
    """A draft subscription invoice holding `specs` (see `advance_line`), totals computed, as
    of `now` (default: `state.now()`); `store=False` for previews (nothing stored)."""
    now = state.now() if now is None else now
    customer = state.get("customer", sub["customer"], param="customer")
    invoice = invoicing.create_invoice(
        state, customer, collection_method=sub["collection_method"], currency=sub["currency"],
        days_until_due=sub["days_until_due"], auto_advance=True, billing_reason=reason,
        subscription=sub["id"], subscription_metadata=dict(sub["metadata"]),
        period_start=period[0], period_end=period[1], now=now, store=store)
    invoice["discounts"] = active_discounts(state, sub, now)
    for spec in specs:
        invoice["_all_lines"].append(invoicing.make_line(
            state, invoice, amount=spec["amount"], price=spec["price"],
            quantity=spec["quantity"], description=spec["description"],
            period=spec["period"], discounts=spec["discounts"], parent=spec["parent"]))
    invoicing.recompute(state, invoice, now=now)
    return invoice


def issue_invoice(state, sub, specs, reason, period):
    """Create the invoice; the first is finalized at once, renewals wait an hour as drafts.

    `charge_automatically` invoices are paid on finalization, as if by a test card (the
    emulator has no payment methods); `send_invoice` ones stay open until paid.
    """
    invoice = build_invoice(state, sub, specs, reason, period)
    state.emit_event("invoice.created", invoice)
    if reason == "subscription_create" or sub["collection_method"] == "charge_automatically":
        finalize_invoice(state, invoice)
        if invoice["status"] == "open" and sub["collection_method"] == "charge_automatically":
            mark_paid(state, invoice, 0)
    sub["latest_invoice"] = invoice["id"]
    _drop_once_discounts(state, sub)
    return invoice


def _drop_once_discounts(state, sub):
    keep = []
    for did in sub["discounts"]:
        coupon = coupons.discount_coupon(state, did)
        if coupon is None or coupon["duration"] != "once":
            keep.append(did)
    sub["discounts"] = keep
