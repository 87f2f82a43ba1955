"""The bulk-read half of the Stripe seam: whole lists for a sync of many customers.

One page at a time, so the caller can report progress (and read several lists side by side);
every page retried with backoff when Stripe fails it in a retryable way. A mixin of
StripeGateway, like CatalogVerbs; it never imports `stripe` itself.
"""
from __future__ import annotations

import random
from collections.abc import Callable, Iterator

from app.gateways.stripe_errors import StripeGatewayError

PAGE_ATTEMPTS = 4  # a bulk read's page (or price) after the SDK's own retries: backed off, then given up


class BulkReadVerbs:
    """Expects `_call`, `_plain_http`, `cached_price`, `v1`, `http`, `sleep` and `request_ids` from StripeGateway."""

    def customer_pages(self) -> Iterator[list[dict]]:
        """Customers with their tax ids (the first 10 of them, `has_more` set when there are more)."""
        return self._pages("/v1/customers", self.v1.customers.list, {"expand": ["data.tax_ids"]})

    def subscription_pages(self) -> Iterator[list[dict]]:
        """Every customer's subscriptions as `customer_subscriptions` reads one customer's (not canceled)."""
        for page in self._pages("/v1/subscriptions", self.v1.subscriptions.list,
                                {"expand": ["data.discounts.source.coupon"]}):
            for sub in page:
                for item in sub.get("items", {}).get("data", []):
                    price_id = item["price"]["id"]
                    item["price"] = self._with_backoff(lambda p=price_id: self.cached_price(p))
            yield page

    def schedule_pages(self) -> Iterator[list[dict]]:
        return self._pages("/v1/subscription_schedules", self.v1.subscription_schedules.list, {})

    def invoice_pages(self, created_since: int | None = None, created_before: int | None = None,
                      customer: str | None = None) -> Iterator[list[dict]]:
        """Every invoice (of `customer` when given; created in [`created_since`, `created_before`), unix seconds,
        as given), newest first."""
        created = {k: v for k, v in (("gte", created_since), ("lt", created_before)) if v is not None}
        params = {"created": created} if created else {}
        return self._pages("/v1/invoices", self.v1.invoices.list, params | ({"customer": customer} if customer else {}))

    def invoice_page(self, created_since: int, created_before: int | None = None,
                     starting_after: str | None = None) -> tuple[list[dict], bool]:
        """One page of `invoice_pages` (after the invoice `starting_after` when given) and whether more follow:
        for a reader that splits a long list into ranges read side by side."""
        created = {k: v for k, v in (("gte", created_since), ("lt", created_before)) if v is not None}
        page = self._page("/v1/invoices", self.v1.invoices.list,
                          {"limit": 100, "created": created} | ({"starting_after": starting_after} if starting_after else {}))
        return page["data"], bool(page.get("has_more")) and bool(page["data"])

    def price_pages(self, type_: str | None = None) -> Iterator[list[dict]]:
        """Every price (of `type_`, recurring or one_time, when given), active or archived: old invoices name
        archived prices too."""
        return self._pages("/v1/prices", self.v1.prices.list, {"type": type_} if type_ else {})

    def product_pages(self) -> Iterator[list[dict]]:
        return self._pages("/v1/products", self.v1.products.list, {})

    def _pages(self, path: str, list_fn: Callable, params: dict) -> Iterator[list[dict]]:
        """Over plain HTTP when the app set it up: stripe-python spends ~0.5 s turning a page of
        100 subscriptions into StripeObjects and back into dicts."""
        params = {"limit": 100, **params}
        while True:
            page = self._page(path, list_fn, params)
            yield page["data"]
            if not page.get("has_more") or not page["data"]:
                return
            params["starting_after"] = page["data"][-1]["id"]

    def _page(self, path: str, list_fn: Callable, params: dict) -> dict:
        if self.http is None:
            return self._with_backoff(lambda: self._call(list_fn, params=dict(params)))
        return self._with_backoff(lambda: self._plain_http(lambda: self._http_page(path, dict(params))))

    def _http_page(self, path: str, params: dict) -> dict:
        page, request_id = self.http.list_page(path, params)
        if request_id:
            self.request_ids.append(request_id)
        return page

    def _with_backoff(self, read: Callable[[], dict]) -> dict:
        for attempt in range(1, PAGE_ATTEMPTS + 1):
            try:
                return read()
            except StripeGatewayError as exc:
                if not exc.retryable or attempt == PAGE_ATTEMPTS:
                    raise
                self.sleep(min(0.5 * 2 ** attempt, 8.0) * (0.5 + random.random() / 2))
        raise AssertionError("unreachable")  # pragma: no cover
