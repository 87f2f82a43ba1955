"""Subscription schedule phases: validation, dates (`duration` or `end_date`), and what a phase
sets on its subscription.

`iterations` is gone from the current API (the schema rejects it); `duration` and `end_date`
are exclusive. A phase without either lasts one period of its longest-interval price.
"""

from __future__ import annotations

from .. import errors, helpers
from . import subscription_items as items_mod

_UNIT = {"day": 1, "week": 7, "month": 30, "year": 365}


def _check_discounts(state, specs, param):
    """Phase discounts are stored as specs and redeemed when the phase starts."""
    out = []
    for i, spec in enumerate(specs or ()):
        where = f"{param}[{i}]"
        if len([k for k in ("coupon", "discount", "promotion_code") if k in spec]) != 1:
            raise errors.invalid("Each discount needs exactly one of coupon, discount or "
                                 "promotion_code.", param=where)
        if "promotion_code" in spec:
            raise errors.no_such("promotion code", spec["promotion_code"],
                                 f"{where}[promotion_code]")
        if "coupon" in spec:
            state.get("coupon", spec["coupon"], param=f"{where}[coupon]")
        else:
            state.get("discount", spec["discount"], param=f"{where}[discount]")
        out.append({"coupon": spec.get("coupon"), "discount": spec.get("discount"),
                    "promotion_code": None})
    return out


def _end(phase, start, resolved, where):
    if "duration" in phase and "end_date" in phase:
        raise errors.exclusive(f"{where}[duration]", f"{where}[end_date]")
    if "duration" in phase:
        d = phase["duration"]
        count = d.get("interval_count", 1)
        if count < 1:
            raise errors.invalid("`duration[interval_count]` must be at least 1.",
                                 param=f"{where}[duration][interval_count]")
        return items_mod.add_interval(start, d["interval"], count, 1)
    if "end_date" in phase and phase["end_date"] != "now":
        if phase["end_date"] <= start:
            raise errors.invalid("The phase's `end_date` must be after its start date.",
                                 param=f"{where}[end_date]")
        return phase["end_date"]
    longest = max((p["recurring"] for p, _, _ in resolved),
                  key=lambda r: _UNIT[r["interval"]] * r["interval_count"])
    return items_mod.add_interval(start, longest["interval"], longest["interval_count"], 1)


def build_phases(ctx, specs, start, defaults, mode, param="phases"):
    """Validated phase objects, contiguous from `start`."""
    from .subscriptions import check_mode, resolve_items

    if not specs:
        raise errors.missing_param(param)
    state = ctx.state
    settings = defaults or {}
    phases = []
    for i, spec in enumerate(specs):
        where = f"{param}[{i}]"
        given = spec.get("start_date")
        if given is not None and i > 0 and given != "now" and given != start:
            raise errors.invalid("Phases must be contiguous: each phase starts when the "
                                 "previous one ends.", param=f"{where}[start_date]")
        currency = (spec.get("currency") or "").lower() or None
        resolved = resolve_items(ctx, spec.get("items"), f"{where}[items]", currency=currency)
        check_mode(resolved, mode, f"{where}[items]")
        method = spec.get("collection_method") or settings.get("collection_method") \
            or "charge_automatically"
        days = (spec.get("invoice_settings") or {}).get("days_until_due", (
            settings.get("invoice_settings") or {}).get("days_until_due"))
        if method == "send_invoice" and days is None:
            raise errors.missing_param(f"{where}[invoice_settings][days_until_due]")
        end = _end(spec, start, resolved, where)
        items = [{"billing_thresholds": None,
                  "discounts": _check_discounts(state, s.get("discounts"),
                                                f"{where}[items][{n}][discounts]"),
                  "metadata": helpers.merge_metadata({}, s.get("metadata"),
                                                     f"{where}[items][{n}][metadata]"),
                  "plan": price["id"], "price": price["id"], "quantity": quantity,
                  "tax_rates": []}
                 for n, (price, quantity, s) in enumerate(resolved)]
        trial_end = spec.get("trial_end")
        if trial_end is not None and not start < trial_end <= end:
            raise errors.invalid("The phase's `trial_end` must fall within the phase.",
                                 param=f"{where}[trial_end]")
        phases.append({
            "add_invoice_items": [], "application_fee_percent": None, "automatic_tax": None,
            "billing_cycle_anchor": spec.get("billing_cycle_anchor"), "billing_thresholds": None,
            "collection_method": spec.get("collection_method"),
            "currency": currency or resolved[0][0]["currency"], "default_payment_method": None,
            "default_tax_rates": [], "description": spec.get("description") or None,
            "discounts": _check_discounts(state, spec.get("discounts"), f"{where}[discounts]"),
            "end_date": end,
            "invoice_settings": {"account_tax_ids": None, "custom_fields": None,
                                 "days_until_due": spec["invoice_settings"].get(
                                     "days_until_due"), "footer": None, "issuer": None}
            if spec.get("invoice_settings") else None,
            "items": items, "metadata": helpers.merge_metadata({}, spec.get("metadata"),
                                                               f"{where}[metadata]"),
            "on_behalf_of": None,
            "proration_behavior": spec.get("proration_behavior", "create_prorations"),
            "start_date": start, "transfer_data": None, "trial_end": trial_end})
        start = end
    return phases


def default_settings(spec):
    spec = spec or {}
    invoice = spec.get("invoice_settings") or {}
    return {"application_fee_percent": None, "automatic_tax": {"disabled_reason": None,
                                                              "enabled": False,
                                                              "liability": None},
            "billing_cycle_anchor": spec.get("billing_cycle_anchor", "automatic"),
            "billing_thresholds": None,
            "collection_method": spec.get("collection_method"),
            "default_payment_method": None, "description": spec.get("description") or None,
            "invoice_settings": {"account_tax_ids": None, "custom_fields": None,
                                 "days_until_due": invoice.get("days_until_due"),
                                 "footer": None, "issuer": {"type": "self"}},
            "on_behalf_of": None, "transfer_data": None}


def subscription_params(schedule, phase):
    """What a phase sets on its subscription (create- or update-style params)."""
    settings = schedule["default_settings"]
    method = phase["collection_method"] or settings["collection_method"] or \
        "charge_automatically"
    days = (phase["invoice_settings"] or {}).get("days_until_due")
    if days is None:
        days = settings["invoice_settings"]["days_until_due"]
    return {"collection_method": method, "currency": phase["currency"],
            "days_until_due": days if method == "send_invoice" else None,
            "discounts": [{k: v for k, v in d.items() if v} for d in phase["discounts"]],
            "metadata": dict(phase["metadata"]),
            "description": phase["description"] or settings["description"],
            "billing_mode": {"type": schedule["billing_mode"]["type"]},
            "trial_end": phase["trial_end"]}


def phase_items(state, phase):
    """`[(price, quantity, spec)]` as `subscriptions.resolve_items` returns them."""
    out = []
    for item in phase["items"]:
        price = state.get("price", item["price"], param="price")
        spec = {"metadata": dict(item["metadata"]),
                "discounts": [{k: v for k, v in d.items() if v} for d in item["discounts"]]}
        out.append((price, item["quantity"], spec))
    return out


def active_phases(ctx, schedule, specs, settings, now, param="phases"):
    """An active schedule's phases after an update that sets `phases`: `(phases, k)`.

    Past phases stay as they were: the request may leave them out or repeat them unchanged.
    The request's phase starting when the current phase started (request index `k`) replaces
    the current phase; the ones after it replace the future phases. As on Stripe, the first
    phase needs a `start_date` to anchor the others, the current phase keeps its start
    date, and a phase that has already ended cannot change.
    """
    if not specs:
        raise errors.missing_param(param)
    first = specs[0].get("start_date")
    if first is None:
        raise errors.invalid("The subscription schedule update is missing at least one phase "
                             "with a `start_date` to anchor end dates to.", param=param)
    current_start = schedule["phases"][schedule["_phase"]]["start_date"]
    built = build_phases(ctx, specs, now if first == "now" else first, settings,
                         schedule["billing_mode"]["type"], param)
    starts = [phase["start_date"] for phase in built]
    if current_start not in starts:
        raise errors.invalid("You can not modify the start date of the current phase.",
                             param=f"{param}[0][start_date]")
    k = starts.index(current_start)
    past = schedule["phases"][:schedule["_phase"]]
    for i, given in enumerate(built[:k]):
        stored = past[len(past) - k + i] if k <= len(past) else None
        if stored is None or _outline(given) != _outline(stored):
            raise errors.invalid("You can not update a phase that has already ended.",
                                 param=f"{param}[{i}]")
    if built[k]["end_date"] <= now:
        raise errors.invalid("The current phase must end in the future.",
                             param=f"{param}[{k}][end_date]")
    return past + built[k:], k


def _outline(phase):
    """What must match for a past phase repeated in an update to count as unchanged."""
    return (phase["start_date"], phase["end_date"], phase["metadata"],
            [(item["price"], item["quantity"]) for item in phase["items"]])
