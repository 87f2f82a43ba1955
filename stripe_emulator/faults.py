"""Fault knobs for tests and benchmarks: latency, a token-bucket rate limit, injected failures.

Injected failures come in two flavours: before execution (nothing happens, a retry executes)
and after execution (the change is made and saved under the idempotency key, but the client
sees a 500 or a dropped connection, so a retry with the same key replays the saved result).
"""

import random
import threading
import time

MODES = ("error", "disconnect")


class Faults:
    def __init__(self, latency_ms=0, rate_limit=None, fail_rate=0.0, seed=None):
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.reset()
        self.configure(latency_ms=latency_ms, rate_limit=rate_limit, fail_rate=fail_rate)

    def reset(self):
        with self._lock:
            self.latency_ms = 0
            self.rate_limit = None
            self.stream_event_rate = None
            self.fail_rate = 0.0
            self.fail_next = 0
            self.fail_after_execute_next = 0
            self.path_prefix = ""
            self.fail_mode = "error"
            self._tokens = 0.0
            self._stamp = time.monotonic()
            self._stream_tokens = 0.0
            self._stream_stamp = time.monotonic()

    def configure(self, **knobs):
        """Apply any of the knobs in `to_json()`; unknown names raise `ValueError`."""
        with self._lock:
            for name, value in knobs.items():
                if name not in self.to_json():
                    raise ValueError(f"unknown fault knob: {name}")
                if name == "fail_mode" and value not in MODES:
                    raise ValueError(f"fail_mode must be one of {', '.join(MODES)}")
                if name == "rate_limit":
                    value = float(value) if value else None
                    self._tokens = value or 0.0
                    self._stamp = time.monotonic()
                elif name == "stream_event_rate":
                    value = float(value) if value else None
                    self._stream_tokens = value or 0.0
                    self._stream_stamp = time.monotonic()
                elif name in ("fail_next", "fail_after_execute_next", "latency_ms"):
                    value = int(value or 0)
                elif name == "fail_rate":
                    value = float(value or 0.0)
                elif name == "path_prefix":
                    value = value or ""
                setattr(self, name, value)
        return self.to_json()

    def to_json(self):
        return {
            "latency_ms": self.latency_ms,
            "rate_limit": self.rate_limit,
            "stream_event_rate": self.stream_event_rate,
            "fail_rate": self.fail_rate,
            "fail_next": self.fail_next,
            "fail_after_execute_next": self.fail_after_execute_next,
            "path_prefix": self.path_prefix,
            "fail_mode": self.fail_mode,
        }

    def take_token(self):
        """False when the token bucket (burst = one second's worth) is empty."""
        rate = self.rate_limit
        if rate is None:
            return True
        with self._lock:
            now = time.monotonic()
            self._tokens = min(max(rate, 1.0), self._tokens + (now - self._stamp) * rate)
            self._stamp = now
            if self._tokens < 1.0:
                return False
            self._tokens -= 1.0
            return True

    def take_stream_events(self, count):
        """False when the v2 stream's events-per-second bucket (burst = one second's worth) can't
        take `count` events: Stripe's stream takes 10,000 events/s live, whatever the call count."""
        rate = self.stream_event_rate
        if rate is None:
            return True
        with self._lock:
            now = time.monotonic()
            self._stream_tokens = min(max(rate, float(count)), self._stream_tokens + (now - self._stream_stamp) * rate)
            self._stream_stamp = now
            if self._stream_tokens < count:
                return False
            self._stream_tokens -= count
            return True

    def before(self, path):
        """The failure mode to inject before executing `path`, or None."""
        if self.fail_next and path.startswith(self.path_prefix):
            with self._lock:
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return self.fail_mode
        if self.fail_rate and self._random.random() < self.fail_rate:
            return "error"
        return None

    def after(self, path):
        """The failure mode to inject after executing `path`, or None."""
        if self.fail_after_execute_next and path.startswith(self.path_prefix):
            with self._lock:
                if self.fail_after_execute_next > 0:
                    self.fail_after_execute_next -= 1
                    return self.fail_mode
        return None
