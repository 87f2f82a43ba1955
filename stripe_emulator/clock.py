"""The emulator clock: real time plus an offset, or frozen; the source of every timestamp."""

import time


class Clock:
    def __init__(self):
        self.offset = 0
        self.frozen_at = None

    def now(self):
        if self.frozen_at is not None:
            return self.frozen_at
        return int(time.time()) + self.offset

    def set(self, now, frozen=None):
        if frozen is None:
            frozen = self.frozen_at is not None
        self.frozen_at = int(now) if frozen else None
        self.offset = int(now) - int(time.time())

    def advance(self, seconds):
        self.set(self.now() + int(seconds))

    def freeze(self, frozen=True):
        self.set(self.now(), frozen=frozen)

    def to_json(self):
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    def load(self, data):
        self.offset = data.get("offset", 0)
        self.frozen_at = data.get("frozen_at")
