"""The Stripe seam as a rehearsal sees it: the product's own verbs, on a test clock.

The product's services compute a row's idempotency keys from the row (`annual-plan-12-a1-...`); a
rehearsal runs those same services on a copy of the row, so every key is prefixed with the clock's id
here: Stripe never replays the row's real objects, and a second rehearsal makes its own. Every
customer a service creates (an instalment contract's credits customer) is made on the clock.
"""
from __future__ import annotations

from app.gateways.stripe import StripeGateway


class RehearsalGateway(StripeGateway):
    def __init__(self, base: StripeGateway, clock_id: str):
        super().__init__(base.client, base.sleep, base.pacer, base.stream_pacer, base.http)
        self.clock_id = clock_id

    def rehearsal_key(self, key: str) -> str:
        return f"rehearsal-{self.clock_id}-{key}"

    def _call(self, fn, *args, **kwargs):
        options = kwargs.get("options") or {}
        if "idempotency_key" in options:
            kwargs["options"] = {**options, "idempotency_key": self.rehearsal_key(options["idempotency_key"])}
        return super()._call(fn, *args, **kwargs)

    def create_customer_raw(self, params: dict, idempotency_key: str) -> dict:
        return super().create_customer_raw({**params, "test_clock": self.clock_id}, idempotency_key)
