"""Process-wide registries that resource modules fill at import time.

Hooks receive the emulator's `State` (or `Emulator`) as their first argument, so several
emulators can live in one process.
"""

TICK_HOOKS = []
EVENT_LISTENERS = []
RESET_HOOKS = []
START_HOOKS = []
STOP_HOOKS = []


def on_tick(fn):
    """`fn(state, previous_now, now)` runs under the state lock whenever emulator time moves."""
    TICK_HOOKS.append(fn)
    return fn


def on_event(fn):
    """`fn(state, event)` runs under the state lock after every `emit_event` (webhook delivery)."""
    EVENT_LISTENERS.append(fn)
    return fn


def on_reset(fn):
    """`fn(state)` runs after the state is wiped (per test, or `POST /_emulator/reset`)."""
    RESET_HOOKS.append(fn)
    return fn


def on_start(fn):
    """`fn(emulator)` runs when a server starts serving (e.g. to start a delivery thread)."""
    START_HOOKS.append(fn)
    return fn


def on_stop(fn):
    """`fn(emulator)` runs when a server stops."""
    STOP_HOOKS.append(fn)
    return fn
