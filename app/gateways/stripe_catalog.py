"""The catalog half of the Stripe seam: products, meters, prices, and who is on a price.

A mixin of StripeGateway (same `_call`, `list_all`, pacing and error translation), kept in
its own module so the gateway stays readable; it never imports `stripe` itself.
"""
from __future__ import annotations


class CatalogVerbs:
    """Expects `_call(fn, ...)`, `list_all(fn, params=...)` and `v1` from StripeGateway."""

    # reads
    def list_products(self) -> list[dict]:
        return self.list_all(self.v1.products.list, params={"active": True})

    def list_meters(self) -> list[dict]:
        return self.list_all(self.v1.billing.meters.list, params={"status": "active"})

    def list_prices(self, active: bool | None = None) -> list[dict]:
        """Every price with its tiers, in pages of 100 (archived ones too unless `active` is given)."""
        params: dict = {"expand": ["data.tiers"]}
        if active is not None:
            params["active"] = active
        return self.list_all(self.v1.prices.list, params=params)

    def product_prices(self, product_id: str) -> list[dict]:
        return self.list_all(self.v1.prices.list, params={"product": product_id, "active": True,
                                                          "expand": ["data.tiers"]})

    def find_price(self, lookup_key: str) -> dict | None:
        found = self._call(self.v1.prices.list, params={"lookup_keys": [lookup_key], "limit": 1})["data"]
        return found[0] if found else None

    def retrieve_price(self, price_id: str) -> dict:
        return self._call(self.v1.prices.retrieve, price_id, params={"expand": ["tiers"]})

    def price_currency_options(self, price_id: str) -> dict:
        """The price's amounts in other currencies (Stripe includes them only when expanded)."""
        price = self._call(self.v1.prices.retrieve, price_id, params={"expand": ["currency_options"]})
        return price.get("currency_options") or {}

    def subscriptions_on_price(self, price_id: str) -> list[dict]:
        """Live subscriptions holding `price_id` on one of their items."""
        return self.list_all(self.v1.subscriptions.list, params={"price": price_id})

    # writes
    def create_product(self, params: dict, key: str) -> dict:
        return self._call(self.v1.products.create, params=params, options={"idempotency_key": key})

    def create_meter(self, params: dict, key: str) -> dict:
        return self._call(self.v1.billing.meters.create, params=params, options={"idempotency_key": key})

    def create_price(self, params: dict, key: str) -> dict:
        return self._call(self.v1.prices.create, params=params, options={"idempotency_key": key})

    def update_price(self, price_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.prices.update, price_id, params=params, options={"idempotency_key": key})

    def archive_price(self, price_id: str, key: str) -> dict:
        return self._call(self.v1.prices.update, price_id, params={"active": False},
                          options={"idempotency_key": key})

    def update_price_metadata(self, price_id: str, metadata: dict, key: str) -> dict:
        """Stripe merges `metadata` into the price's own (keys not named are kept)."""
        return self._call(self.v1.prices.update, price_id, params={"metadata": metadata},
                          options={"idempotency_key": key})
