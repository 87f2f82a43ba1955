"""One clock for the product: naive UTC datetimes everywhere, replaceable in tests, and the Stripe
emulator's time when the app follows it (APP_CLOCK=emulator), so moving that one clock moves Stripe
and the product together.

The app's clock lives in `app.extensions["clock"]` (built by `collaborators.init_app`); outside an
app context, and under APP_CLOCK=system, it is this machine's.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta

from flask import current_app, has_app_context

CLOCK_EXTENSION = "clock"
log = logging.getLogger(__name__)
_frozen: datetime | None = None


class PinnedClock:
    """The business's now for one context (a rehearsal runs the product on a Stripe test clock's time)."""

    def __init__(self, moment: datetime):
        self.moment = moment


_pinned: ContextVar[PinnedClock | None] = ContextVar("pinned_clock", default=None)


def utcnow() -> datetime:
    """Now in UTC without tzinfo (SQLite and PostgreSQL store it the same way): the business's now
    (dates people see, usage days, trials, expiry, due dates)."""
    pinned = _pinned.get()
    if pinned is not None:
        return pinned.moment
    if _frozen is not None:
        return _frozen
    clock = current_app.extensions.get(CLOCK_EXTENSION) if has_app_context() else None
    return _system() if clock is None else clock.now()


def system_utcnow() -> datetime:
    """This machine's now, for durations kept as datetimes (login throttles, row locks): moving the
    emulator's clock must not lift a throttle or free a lock. `freeze()` pins it too."""
    return _frozen if _frozen is not None else _system()


def freeze(moment: datetime | None) -> None:
    """Pin the clock (tests and demos); None releases it."""
    global _frozen
    _frozen = moment


@contextmanager
def pinned(moment: datetime) -> Iterator[PinnedClock]:
    """`utcnow()` is the pin's moment (moved with `pin.moment = ...`) in this context only: other
    requests and jobs of the process keep their clock, and `system_utcnow()` (locks, throttles) is untouched."""
    pin = PinnedClock(moment)
    token = _pinned.set(pin)
    try:
        yield pin
    finally:
        _pinned.reset(token)


def _system() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SystemClock:
    mode = "system"

    def now(self) -> datetime:
        return _system()

    def describe(self) -> str:
        return "system (this machine's clock)"


class EmulatorClock:
    """The Stripe emulator's time, kept per process as its offset from this machine's clock (or the
    moment it is frozen at) and re-read at most every `interval` seconds, so `now()` stays as cheap
    as the system clock's on hot paths.

    `read()` returns the emulator's (unix now, frozen) or raises. While it fails, the last reading
    stands (said once in the log) and it is tried again every `retry_after` seconds."""

    mode = "emulator"

    def __init__(self, read: Callable[[], tuple[int, bool]], source: str = "", interval: float = 1.0,
                 retry_after: float = 5.0):
        self._read, self.source, self.interval, self.retry_after = read, source, interval, retry_after
        self._lock = threading.Lock()
        self._state: tuple[timedelta, datetime | None] = (timedelta(0), None)  # (offset, frozen at)
        self._due = 0.0  # time.monotonic() of the next reading
        self.answering: bool | None = None  # unknown until the first reading
        self.error = ""  # why the last reading failed

    def now(self) -> datetime:
        if time.monotonic() >= self._due:
            self.refresh(wait=False)
        offset, frozen_at = self._state
        return frozen_at if frozen_at is not None else _system() + offset

    def refresh(self, wait: bool = True) -> None:
        """Read the emulator's clock now (call it right after moving that clock). Without `wait`, a
        caller that finds another thread reading, or the reading not due, keeps the last one."""
        if not self._lock.acquire(blocking=wait):
            return
        try:
            if wait or time.monotonic() >= self._due:
                self._reread()
        finally:
            self._lock.release()

    def offset(self) -> timedelta:
        """How far the product's time is from this machine's."""
        now = self.now()
        offset, frozen_at = self._state
        return offset if frozen_at is None else now - _system()

    def describe(self) -> str:
        now = self.now()
        stale = "; not answering, last reading kept" if self.answering is False else ""
        return f"emulator at {self.source}: {now:%Y-%m-%d %H:%M:%S} UTC ({self._reading()}{stale})"

    def _reading(self) -> str:
        offset, frozen_at = self._state
        return f"frozen at {frozen_at:%Y-%m-%d %H:%M:%S}" if frozen_at else f"{_signed(offset)} from this machine"

    def _reread(self) -> None:
        before = time.time()
        try:
            reading = self._read()
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the time must not fail a request
            self._due, self.error = time.monotonic() + self.retry_after, str(exc)
            if self.answering:
                log.warning("the Stripe emulator's clock at %s did not answer (%s): keeping its last "
                            "reading (%s)", self.source, exc, self._reading())
            self.answering = False
            return
        if self.answering is False:
            log.warning("the Stripe emulator's clock at %s answers again", self.source)
        self._take(reading, before, time.time())

    def _take(self, reading: tuple[int, bool], before: float, after: float) -> None:
        """The emulator counts whole seconds from this machine's clock, so the offset is kept in whole
        seconds: an emulator nobody moved gives exactly this machine's time."""
        now, frozen = reading
        here = int(before) if int(before) == int(after) else round((before + after) / 2)
        frozen_at = datetime.fromtimestamp(now, UTC).replace(tzinfo=None) if frozen else None
        self._state = (timedelta(seconds=now - here), frozen_at)
        self._due = time.monotonic() + self.interval
        self.answering = True


def _signed(offset: timedelta) -> str:
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else "+"
    days, rest = divmod(abs(seconds), 86_400)
    return f"{sign}{days}d {rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}"
