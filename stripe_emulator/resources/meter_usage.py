"""Compact storage and aggregation of meter events (shared by v1, the v2 stream and invoicing).

Recording an event is O(1): dict lookups and a list append. Everything lives in
`state.extra("meter_usage")` as plain JSON:

- `ids`: identifier -> [received_at, meter_id, customer_id, event_name, canceled] (dedupe
  and cancel; forgotten after 48 h)
- `events`: meter_id -> customer_id -> [[timestamp, value, identifier], ...] (append order;
  a canceled event's row is removed)

Aggregation sorts a (meter, customer) list by timestamp when asked (summaries, invoices).
"""

from __future__ import annotations

import re

from ..hooks import on_tick
from .meters import active_meter_for

DEDUPE_SECONDS = 24 * 3600
CANCEL_SECONDS = 24 * 3600
PAST_SECONDS = 35 * 24 * 3600
FUTURE_SECONDS = 5 * 60
_SPACE = "meter_usage"
INTEGER = re.compile(r"-?\d{1,15}\Z")


class UsageError(Exception):
    """A meter event Stripe would refuse; `code` is the error-report code of the v2 stream."""

    def __init__(self, code, message, param=None, meter_id=None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param
        self.meter_id = meter_id


def space(state):
    usage = state.extras.get(_SPACE)
    if usage is None:
        usage = state.extras[_SPACE] = {"ids": {}, "events": {}}
    return usage


def check(state, event_name, payload, timestamp, now, param_prefix=""):
    """Validate one event: `(meter, customer_id, value)` or `UsageError`."""
    meter = meter_for(state, event_name, param_prefix)
    customer_id, value = check_payload(state, meter, payload, timestamp, now, param_prefix)
    return meter, customer_id, value


def meter_for(state, event_name, param_prefix=""):
    meter = active_meter_for(state, event_name)
    if meter is None:
        for other in state.objects.get("billing.meter", _EMPTY).values():
            if other["event_name"] == event_name:
                raise UsageError("archived_meter", f"The meter for event_name `{event_name}` "
                                 f"(`{other['id']}`) is inactive.", f"{param_prefix}event_name",
                                 other["id"])
        raise UsageError("no_meter", f"No active meter was found with event_name `{event_name}`.",
                         f"{param_prefix}event_name")
    return meter


def check_payload(state, meter, payload, timestamp, now, param_prefix="", customers=None):
    """`(customer_id, value)` of one event for `meter`; `customers` caches known ids."""
    try:
        return _check_payload(state, meter, payload, timestamp, now, param_prefix, customers)
    except UsageError as exc:
        exc.meter_id = meter["id"]
        raise


def _check_payload(state, meter, payload, timestamp, now, param_prefix, customers):
    customer_key = meter["customer_mapping"]["event_payload_key"]
    customer_id = payload.get(customer_key)
    if not customer_id:
        raise UsageError("meter_event_no_customer_defined",
                         f"The payload is missing the customer key `{customer_key}`.",
                         f"{param_prefix}payload[{customer_key}]")
    if customers is None or customer_id not in customers:
        if customer_id not in state.objects.get("customer", _EMPTY):
            raise UsageError("meter_event_customer_not_found",
                             f"No such customer: '{customer_id}'",
                             f"{param_prefix}payload[{customer_key}]")
        if customers is not None:
            customers.add(customer_id)
    if meter["default_aggregation"]["formula"] == "count":
        value = 1
    else:
        value_key = meter["value_settings"]["event_payload_key"]
        raw = payload.get(value_key)
        if not isinstance(raw, str) or not INTEGER.match(raw):
            raise UsageError("meter_event_invalid_value",
                             f"The payload value `{value_key}` must be a string holding an "
                             f"integer, got {raw!r}.", f"{param_prefix}payload[{value_key}]")
        value = int(raw)
    if timestamp < now - PAST_SECONDS:
        raise UsageError("timestamp_too_far_in_past",
                         "The event timestamp must be within the past 35 calendar days.",
                         f"{param_prefix}timestamp")
    if timestamp > now + FUTURE_SECONDS:
        raise UsageError("timestamp_in_future",
                         "The event timestamp cannot be more than 5 minutes in the future.",
                         f"{param_prefix}timestamp")
    return customer_id, value


@on_tick
def _forget_old_identifiers(state, previous, now):
    """Identifiers go a day after their 24 h dedupe/cancel window closes (checked hourly)."""
    usage = state.extras.get(_SPACE)
    if not usage or now - usage.get("purged_at", 0) < 3600:
        return
    usage["purged_at"] = now
    ids = usage["ids"]
    for identifier in [i for i, seen in ids.items() if now - seen[0] >= 2 * DEDUPE_SECONDS]:
        del ids[identifier]


def is_duplicate(usage, identifier, now):
    seen = usage["ids"].get(identifier)
    return seen is not None and now - seen[0] < DEDUPE_SECONDS


def record(usage, meter, customer_id, value, timestamp, identifier, now):
    usage["ids"][identifier] = [now, meter["id"], customer_id, meter["event_name"], False]
    per_meter = usage["events"].get(meter["id"])
    if per_meter is None:
        per_meter = usage["events"][meter["id"]] = {}
    rows = per_meter.get(customer_id)
    if rows is None:
        per_meter[customer_id] = [[timestamp, value, identifier]]
    else:
        rows.append([timestamp, value, identifier])


def cancel(state, event_name, identifier, now):
    """Cancel an event recorded less than 24 h ago; raises `UsageError` otherwise."""
    usage = space(state)
    seen = usage["ids"].get(identifier)
    if seen is None or seen[3] != event_name:
        raise UsageError("not_found", f"No meter event with identifier `{identifier}` was found "
                         f"for event_name `{event_name}`.", "cancel[identifier]")
    if now - seen[0] >= CANCEL_SECONDS:
        raise UsageError("too_old", "Meter events can only be canceled within 24 hours of "
                         "being sent.", "cancel[identifier]")
    if seen[4]:
        raise UsageError("already_canceled", f"The meter event with identifier `{identifier}` "
                         "has already been canceled.", "cancel[identifier]")
    seen[4] = True
    rows = usage["events"][seen[1]][seen[2]]
    for i in range(len(rows) - 1, -1, -1):
        if rows[i][2] == identifier:
            del rows[i]
            break


def _rows(state, meter_id, customer_id):
    rows = space(state)["events"].get(meter_id, _EMPTY).get(customer_id)
    if not rows:
        return []
    rows.sort(key=_by_time)  # stable: equal timestamps keep arrival order
    return rows


def _by_time(row):
    return row[0]


def _fold(formula, rows):
    if formula == "count":
        return len(rows)
    if formula == "last":
        return rows[-1][1] if rows else 0
    return sum(r[1] for r in rows)


def aggregate(state, meter, customer_id, start, end):
    """The meter's formula over events with `start <= timestamp < end` (integer)."""
    rows = [r for r in _rows(state, meter["id"], customer_id) if start <= r[0] < end]
    return _fold(meter["default_aggregation"]["formula"], rows)


def buckets(state, meter, customer_id, start, end, window=None):
    """`[(bucket_start, bucket_end, value)]` oldest first; one bucket without `window`."""
    rows = [r for r in _rows(state, meter["id"], customer_id) if start <= r[0] < end]
    formula = meter["default_aggregation"]["formula"]
    if window is None:
        return [(start, end, _fold(formula, rows))]
    size = 3600 if window == "hour" else 86400
    out, i = [], 0
    lo = start
    while lo < end:
        hi = min(end, (lo // size + 1) * size)
        j = i
        while j < len(rows) and rows[j][0] < hi:
            j += 1
        out.append((lo, hi, _fold(formula, rows[i:j])))
        i, lo = j, hi
    return out


_EMPTY = {}
