"""The Stripe emulator's clock, which the product follows under APP_CLOCK=emulator (app/timeutil.py).

`GET /_emulator/clock` is the emulator's own control endpoint, not Stripe's API: real Stripe has one
clock, this machine's, so this is never called without STRIPE_API_BASE.
"""
from __future__ import annotations

import orjson
import urllib3

from app.gateways.stripe_http import _pool


class EmulatorClockUnavailable(Exception):
    """The emulator's clock did not answer, or answered something that is not a clock."""


class EmulatorClockReader:
    """One GET per call, no retries and a one-second timeout: a reading is due again a second later,
    and while the emulator is away the product keeps the last one."""

    def __init__(self, api_base: str, timeout: float = 1.0):
        self.url = api_base.rstrip("/") + "/_emulator/clock"
        self.pool = _pool(self.url, timeout)

    def __call__(self) -> tuple[int, bool]:
        """(the emulator's unix now, whether its clock is frozen)."""
        try:
            response = self.pool.request("GET", self.url)
        except urllib3.exceptions.HTTPError as exc:
            raise EmulatorClockUnavailable(str(exc).rsplit(": ", 1)[-1]) from exc
        if response.status != 200:
            raise EmulatorClockUnavailable(f"HTTP {response.status}")
        try:
            body = orjson.loads(response.data)
            return int(body["now"]), bool(body.get("frozen"))
        except (ValueError, KeyError, TypeError) as exc:
            raise EmulatorClockUnavailable("the answer is not a clock") from exc
