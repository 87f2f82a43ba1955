"""Per-token request limits for the machine API: a token bucket per token id, per process."""
from __future__ import annotations

import threading
import time


class TokenBuckets:
    """`allow(key)` is False once a key has spent its burst faster than `per_second` refills it."""

    def __init__(self, per_second: float, burst: int, clock=time.monotonic):
        self.per_second, self.burst, self.clock = per_second, burst, clock
        self._lock = threading.Lock()
        self._state: dict[object, tuple[float, float]] = {}

    def allow(self, key) -> tuple[bool, float]:
        """(allowed, seconds until the next request would be)."""
        if self.per_second <= 0:
            return True, 0.0
        with self._lock:
            now = self.clock()
            tokens, last = self._state.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
            if tokens < 1:
                self._state[key] = (tokens, now)
                return False, (1 - tokens) / self.per_second
            self._state[key] = (tokens - 1, now)
            return True, 0.0
