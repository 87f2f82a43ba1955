"""The emulator's whole state: typed collections of Stripe objects, the clock and the event log.

One `RLock` guards everything; handlers run with it held. Everything in here is plain JSON so
it can be dumped, persisted and reloaded.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections import deque
from itertools import pairwise

from . import errors, hooks
from .clock import Clock
from .render import render

API_VERSION = "2026-10-28.endive"
_ALPHANUMERIC = str.maketrans("+/", "xZ")
log = logging.getLogger("stripe_emulator")


def random_token(length=24):
    """Alphanumeric like Stripe's ids (base64 of random bytes with `+/` swapped out)."""
    return base64.b64encode(os.urandom(length)).decode()[:length].translate(_ALPHANUMERIC)


class State:
    def __init__(self, clock=None, config=None):
        self.lock = threading.RLock()
        self.clock = clock or Clock()
        self.config = dict(config or {})
        self.version = 0
        self.pinned = None
        self.context = threading.local()
        self.pending = deque()
        self.reset(run_hooks=False)

    def reset(self, run_hooks=True):
        with self.lock:
            self.pending.clear()
            self.objects = {}
            self.index = {}
            self.order = {}
            self.extras = {}
            self.idempotency = {}
            self.last_tick = self.clock.now()
            self.version += 1
            if run_hooks:
                for fn in hooks.RESET_HOOKS:
                    fn(self)

    def now(self):
        """Emulator time, constant for the duration of one request (the app pins it).

        Code that swaps `state.clock` for another clock (test clocks) sees that clock instead.
        """
        pinned = self.pinned
        if pinned is not None and pinned[0] is self.clock:
            return pinned[1]
        return self.clock.now()

    def defer(self, fn):
        """Queue `fn()` (under the lock) for after the current response is sent.

        For work whose result the response does not carry (the v2 meter event stream's
        per-event processing, which Stripe does asynchronously too). Nothing can observe the
        difference: the server runs the queue right after sending the response, and every
        request, tick, dump and save settles it first (`settle`).
        """
        self.pending.append(fn)

    def settle(self):
        """Run deferred work now (cheap no-op when there is none)."""
        if not self.pending:
            return
        with self.lock:
            pending = self.pending
            while pending:
                fn = pending.popleft()
                try:
                    fn()
                except Exception:  # noqa: BLE001 - the request was answered; keep state usable
                    log.exception("deferred work failed")

    def pin_time(self):
        self.pinned = (self.clock, self.clock.now())

    def new_id(self, prefix, length=24):
        return f"{prefix}_{random_token(length)}"

    def collection(self, kind):
        """`id -> object` in creation order (oldest first)."""
        coll = self.objects.get(kind)
        if coll is None:
            coll = self.objects[kind] = {}
        return coll

    def insert(self, obj):
        coll = self.collection(obj["object"])
        if obj["id"] not in coll:
            self.order.pop(obj["object"], None)
        coll[obj["id"]] = obj
        self.index[obj["id"]] = obj["object"]
        self.version += 1
        return obj

    def get(self, kind, obj_id, param="id", label=None):
        """The stored object, or Stripe's 404 `resource_missing` naming `param`."""
        obj = self.objects.get(kind, _NONE).get(obj_id) if isinstance(obj_id, str) else None
        if obj is None:
            raise errors.no_such(label or kind.split(".")[-1].replace("_", " "), obj_id, param)
        return obj

    def find(self, obj_id):
        """Any stored object by id (used by `expand`)."""
        kind = self.index.get(obj_id)
        return None if kind is None else self.objects.get(kind, _NONE).get(obj_id)

    def newest_first(self, kind):
        """`(ids, positions)` of a collection newest first (reverse creation order), for list
        cursors; kept until an object of the kind is added or removed."""
        return self._ordered(kind)[:2]

    def created_descending(self, kind):
        """Whether the collection newest first is also in `created` order (no object made after the clock
        was moved back): a list filtered by a `created` floor can then stop at the first object below it,
        as Stripe's index does, instead of testing every older object."""
        return self._ordered(kind)[2]

    def _ordered(self, kind):
        coll = self.collection(kind)
        cached = self.order.get(kind)
        if cached is None or len(cached[0]) != len(coll):
            ids = list(reversed(coll))
            created = [coll[i].get("created") for i in ids]
            descending = all(isinstance(c, int) for c in created) and all(a >= b for a, b in pairwise(created))
            cached = self.order[kind] = (ids, {obj_id: i for i, obj_id in enumerate(ids)}, descending)
        return cached

    def remove(self, kind, obj_id):
        self.order.pop(kind, None)
        obj = self.collection(kind).pop(obj_id, None)
        self.index.pop(obj_id, None)
        self.version += 1
        return obj

    def touch(self):
        """Mark state changed after an in-place edit (drives persistence)."""
        self.version += 1

    def extra(self, name):
        """A JSON-able dict a module owns for non-object state (dedupe keys, queues...)."""
        space = self.extras.get(name)
        if space is None:
            space = self.extras[name] = {}
        return space

    def emit_event(self, type, obj, previous_attributes=None):
        """Record a Stripe event (snapshot of `obj`) and hand it to every `on_event` listener."""
        ctx = getattr(self.context, "request", None)
        data = {"object": render(self, obj)}
        if previous_attributes:
            data["previous_attributes"] = previous_attributes
        event = {
            "id": self.new_id("evt"),
            "object": "event",
            "api_version": API_VERSION,
            "created": self.now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": 0,
            "request": {"id": ctx[0], "idempotency_key": ctx[1]} if ctx else
                       {"id": None, "idempotency_key": None},
            "type": type,
        }
        self.insert(event)
        for fn in hooks.EVENT_LISTENERS:
            fn(self, event)
        return event

    def tick(self):
        """Run tick hooks if emulator time moved since the last run."""
        with self.lock:
            self.settle()
            now = self.clock.now()
            previous = self.last_tick
            if now == previous:
                return False
            self.last_tick = now
            if not hooks.TICK_HOOKS:
                return False
            for fn in hooks.TICK_HOOKS:
                fn(self, previous, now)
            self.version += 1
            return True

    def set_time(self, now=None, advance=None, frozen=None):
        with self.lock:
            if advance is not None:
                self.clock.set(self.clock.now() + int(advance), frozen)
            elif now is not None:
                self.clock.set(now, frozen)
            elif frozen is not None:
                self.clock.freeze(frozen)
            self.tick()
            return self.clock.now()

    def to_json(self):
        with self.lock:
            self.settle()
            return {
                "api_version": API_VERSION,
                "clock": self.clock.to_json(),
                "objects": self.objects,
                "extras": self.extras,
                "idempotency": [[list(k), v] for k, v in self.idempotency.items()],
            }

    def load(self, data):
        with self.lock:
            self.clock.load(data.get("clock", {}))
            self.objects = data.get("objects", {})
            self.extras = data.get("extras", {})
            self.idempotency = {tuple(k): v for k, v in data.get("idempotency", [])}
            self.index = {oid: kind for kind, coll in self.objects.items() for oid in coll}
            self.order = {}
            self.last_tick = self.clock.now()


_NONE = {}
