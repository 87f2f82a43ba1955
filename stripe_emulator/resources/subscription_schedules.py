"""Subscription schedules: `not_started` until their start date passes on the customer's
clock, then `active` with a real subscription that follows the phases; at the end, `release`
(the subscription carries on alone) or `cancel` (subscription canceled, schedule `completed`).
"""

from stripe.params import (
    SubscriptionScheduleCancelParams,
    SubscriptionScheduleCreateParams,
    SubscriptionScheduleListParams,
    SubscriptionScheduleReleaseParams,
    SubscriptionScheduleRetrieveParams,
    SubscriptionScheduleUpdateParams,
)

from .. import errors, helpers
from ..routing import route
from . import schedule_phases as phases_mod
from . import subscription_billing as engine
from .schedule_transitions import (
    apply_phase,
    check_phase_coupons,
    start_schedule,
    update_current_phase,
)

KIND = "subscription_schedule"
LABEL = "subscription schedule"


def _settle_index(state, schedule):
    due = None
    if schedule["status"] == "not_started":
        due = schedule["phases"][0]["start_date"]
    engine.set_due(state, schedule["test_clock"], schedule["id"], due)


def advance_schedule(state, schedule, now):
    """Start the schedule and cross phase boundaries up to `now`, each at its own time."""
    while True:
        if schedule["status"] == "not_started":
            start = schedule["phases"][0]["start_date"]
            if start > now:
                break
            with engine.at_time(state, start):
                start_schedule(state, schedule)
            continue
        if schedule["status"] != "active" or schedule["current_phase"]["end_date"] > now:
            break
        end = schedule["current_phase"]["end_date"]
        sub = state.get("subscription", schedule["subscription"])
        engine.advance(state, sub, end - 1)
        with engine.at_time(state, end):
            _cross(state, schedule, sub, end)
    _settle_index(state, schedule)
    sub = state.find(schedule["subscription"] or schedule["released_subscription"] or "")
    if sub is not None and sub["status"] != "canceled":
        engine.advance(state, sub, now)


def _cross(state, schedule, sub, t):
    index = schedule["_phase"] + 1
    if index < len(schedule["phases"]):
        before = helpers.snapshot(state, schedule)
        sub_before = helpers.snapshot(state, sub)
        lines = apply_phase(state, schedule, sub, schedule["phases"][index], t)
        schedule["_phase"] = index
        phase = schedule["phases"][index]
        schedule["current_phase"] = {"end_date": phase["end_date"],
                                     "start_date": phase["start_date"]}
        state.emit_event("subscription_schedule.updated", schedule, helpers.previous_attributes(
            before, helpers.snapshot(state, schedule)))
        engine.step(state, sub, t, lines, before=sub_before)
        return
    if schedule["end_behavior"] == "cancel":
        engine.end_subscription(state, sub, t, bill_usage=True)
        schedule.update(status="completed", completed_at=t, current_phase=None)
        state.emit_event("subscription_schedule.completed", schedule)
    else:
        _release(state, schedule, sub, t)


def _release(state, schedule, sub, t):
    schedule.update(status="released", released_at=t, current_phase=None, subscription=None,
                    released_subscription=sub["id"] if sub else None)
    if sub is not None:
        before = {"schedule": sub["schedule"]}
        sub["schedule"] = None
        state.emit_event("customer.subscription.updated", sub, before)
        engine.reindex(state, sub)
    state.touch()
    state.emit_event("subscription_schedule.released", schedule)


def on_subscription_canceled(state, sub):
    """The subscription was canceled directly: its schedule is canceled with it."""
    schedule = state.find(sub["schedule"])
    if schedule is not None and schedule["status"] == "active":
        schedule.update(status="canceled", canceled_at=state.now(), current_phase=None)
        _settle_index(state, schedule)
        state.emit_event("subscription_schedule.canceled", schedule)


def _start_date(p, now):
    start = p.get("start_date", "now")
    return now if start == "now" else start


@route("POST", "/v1/subscription_schedules", params=SubscriptionScheduleCreateParams)
def create(ctx):
    p, state = ctx.params, ctx.state
    if "from_subscription" in p:
        from .schedule_transitions import from_subscription

        for name in ("customer", "phases", "start_date"):
            if name in p:
                raise errors.invalid(f"You cannot set `{name}` when `from_subscription` is set.",
                                     param=name)
        return from_subscription(ctx, state.get("subscription", p["from_subscription"],
                                                param="from_subscription"))
    if "customer" not in p:
        raise errors.missing_param("customer")
    customer = state.get("customer", p["customer"], param="customer")
    now = engine.now_for(state, customer["test_clock"])
    start = _start_date(p, now)
    mode = (p.get("billing_mode") or {}).get("type", "flexible")
    defaults = phases_mod.default_settings(p.get("default_settings"))
    phases = phases_mod.build_phases(ctx, p.get("phases"), start, p.get("default_settings"),
                                     mode)
    with engine.at_time(state, now):
        schedule = new_schedule(state, customer["id"], customer["test_clock"], p, mode,
                                defaults, phases)
        state.emit_event("subscription_schedule.created", schedule)
        advance_schedule(state, schedule, now)
    return schedule


def new_schedule(state, customer_id, clock, p, mode, defaults, phases):
    schedule = helpers.new_object(
        state, KIND, "sub_sched", application=None,
        billing_mode={"flexible": {"proration_discounts": "included"} if mode == "flexible"
                      else None, "type": mode, "updated_at": state.now()},
        canceled_at=None, completed_at=None, current_phase=None, customer=customer_id,
        customer_account=None, default_settings=defaults,
        end_behavior=p.get("end_behavior", "release"),
        metadata=helpers.merge_metadata({}, p.get("metadata")), pause_schedules=[],
        phases=phases, released_at=None, released_subscription=None, status="not_started",
        subscription=None, test_clock=clock, _phase=-1)
    return state.insert(schedule)


def _get(ctx):
    return ctx.state.get(KIND, ctx.path["schedule"], param="schedule", label=LABEL)


@route("GET", "/v1/subscription_schedules/{schedule}", params=SubscriptionScheduleRetrieveParams)
def retrieve(ctx):
    return _get(ctx)


@route("POST", "/v1/subscription_schedules/{schedule}", params=SubscriptionScheduleUpdateParams)
def update(ctx):
    schedule, p, state = _get(ctx), ctx.params, ctx.state
    if schedule["status"] not in ("not_started", "active"):
        raise errors.invalid(f"You cannot update a subscription schedule that is currently in "
                             f"the `{schedule['status']}` status.")
    now = engine.now_for(state, schedule["test_clock"])
    active = schedule["status"] == "active"
    phases, current_at = None, 0
    if "phases" in p:
        settings = p.get("default_settings") or schedule["default_settings"]
        if active:
            phases, current_at = phases_mod.active_phases(ctx, schedule, p["phases"], settings,
                                                          now)
            check_phase_coupons(state, state.get("subscription", schedule["subscription"]),
                                phases[schedule["_phase"]], f"phases[{current_at}]")
        else:
            first = p["phases"][0].get("start_date") if p["phases"] else None
            start = now if first == "now" else first or schedule["phases"][0]["start_date"]
            phases = phases_mod.build_phases(ctx, p["phases"], start, settings,
                                             schedule["billing_mode"]["type"])
    before = helpers.snapshot(state, schedule)
    if phases is not None:
        schedule["phases"] = phases
    if active:
        current = schedule["phases"][schedule["_phase"]]
        schedule["current_phase"] = {"end_date": current["end_date"],
                                     "start_date": current["start_date"]}
    if "default_settings" in p:
        schedule["default_settings"] = phases_mod.default_settings(p["default_settings"])
    helpers.set_fields(schedule, p, ("end_behavior",))
    schedule["metadata"] = helpers.merge_metadata(schedule["metadata"], p.get("metadata"))
    state.touch()
    changed = helpers.previous_attributes(before, helpers.snapshot(state, schedule))
    if changed:
        ctx.emit_event("subscription_schedule.updated", schedule, changed)
    with engine.at_time(state, now):
        if active and ("phases" in p or "default_settings" in p):
            sub = state.get("subscription", schedule["subscription"], param="schedule")
            if "proration_behavior" in p:
                sub["_proration_behavior"] = p["proration_behavior"]
            update_current_phase(state, schedule, sub, schedule["phases"][schedule["_phase"]],
                                 now, f"phases[{current_at}]")
        advance_schedule(state, schedule, now)
    return schedule


@route("POST", "/v1/subscription_schedules/{schedule}/release",
       params=SubscriptionScheduleReleaseParams)
def release(ctx):
    schedule = _get(ctx)
    if schedule["status"] not in ("not_started", "active"):
        raise errors.invalid(f"You cannot release a subscription schedule that is currently "
                             f"in the `{schedule['status']}` status.")
    now = engine.now_for(ctx.state, schedule["test_clock"])
    with engine.at_time(ctx.state, now):
        _release(ctx.state, schedule, ctx.state.find(schedule["subscription"] or ""), now)
        _settle_index(ctx.state, schedule)
    return schedule


@route("POST", "/v1/subscription_schedules/{schedule}/cancel",
       params=SubscriptionScheduleCancelParams)
def cancel(ctx):
    schedule, state = _get(ctx), ctx.state
    if schedule["status"] not in ("not_started", "active"):
        raise errors.invalid(f"You cannot cancel a subscription schedule that is currently in "
                             f"the `{schedule['status']}` status.")
    now = engine.now_for(state, schedule["test_clock"])
    with engine.at_time(state, now):
        sub = state.find(schedule["subscription"] or "")
        if sub is not None and sub["status"] != "canceled":
            sub["canceled_at"] = now
            engine.end_subscription(state, sub, now,
                                    bill_usage=ctx.params.get("invoice_now", True))
        schedule.update(status="canceled", canceled_at=now, current_phase=None)
        _settle_index(state, schedule)
        state.touch()
        ctx.emit_event("subscription_schedule.canceled", schedule)
    return schedule


@route("GET", "/v1/subscription_schedules", params=SubscriptionScheduleListParams)
def list_schedules(ctx):
    p = ctx.params
    tests = []
    if "customer" in p:
        tests.append(lambda s, customer=p["customer"]: s["customer"] == customer)
    if p.get("scheduled") is not None:
        tests.append(lambda s, scheduled=p["scheduled"]: (s["status"] == "not_started") == scheduled)
    for field in ("created", "canceled_at", "completed_at", "released_at"):
        if field in p:
            tests.append(lambda s, f=field: s[f] is not None)
            tests.append(helpers.created_test(p[field], field))
    return helpers.list_collection(ctx, KIND, helpers.all_of(*tests), label=LABEL)
