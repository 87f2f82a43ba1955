"""The usage half of the Stripe seam: meter events (v1 and the v2 stream) and meter summaries.

A mixin of StripeGateway: over the app's plain-HTTP client when it has one (stripe-python
costs ~1-5 ms of CPU a call on the nightly send's hot path), else through the SDK.
"""
from __future__ import annotations

from decimal import Decimal

from app.gateways.stripe_errors import StripeNotConfigured


class MeterVerbs:
    """Expects `_call`, `_plain_http`, `client`, `v1`, `http` and `stream_pacer` from StripeGateway."""

    def create_meter_event(self, params: dict, key: str) -> None:
        """v1: one event; `identifier` is Stripe's dedupe key, `key` the idempotency key."""
        if self.http is None:
            self._call(self.v1.billing.meter_events.create, params=params, options={"idempotency_key": key})
            return
        self._plain_http(lambda: self.http.create_meter_event(params, key))

    def meter_event_session(self) -> str:
        """A v2 stream token (valid 15 minutes)."""
        if self.client is None:
            raise StripeNotConfigured("Stripe is not configured: set STRIPE_SECRET_KEY (make run starts the emulator)")
        return self._call(self.client.v2.billing.meter_event_session.create)["authentication_token"]

    def stream_meter_events(self, token: str, events: list[dict]) -> None:
        """v2: up to 100 events a call, validated by Stripe afterwards (errors arrive as v2 events)."""
        if self.stream_pacer is not None:
            self.stream_pacer.wait(len(events))  # Stripe counts the stream's events, not its calls
        if self.http is None:
            self._call(self.client.v2.billing.meter_event_stream.create, params={"events": events},
                       options={"api_key": token})
            return
        self._plain_http(lambda: self.http.stream_meter_events(token, events))

    def meter_event_summary(self, meter_id: str, customer_id: str, start: int, end: int) -> int:
        """The meter's aggregated value for a customer over [start, end) (minute boundaries)."""
        found = self._call(self.v1.billing.meters.event_summaries.list, meter_id, params={
            "customer": customer_id, "start_time": start, "end_time": end})["data"]
        return sum(int(Decimal(str(s["aggregated_value"]))) for s in found)
