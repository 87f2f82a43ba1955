"""The one seam to Stripe: a shared StripeClient, our verbs, plain dicts out, one error type.

Every write takes the caller's deterministic idempotency key, so a retry or a double click
replays Stripe's first answer instead of making a second object. A plain 429 is not
retried by stripe-python; we back off and retry it here.
"""
from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import stripe

from app.gateways.stripe_bulk import BulkReadVerbs
from app.gateways.stripe_catalog import CatalogVerbs
from app.gateways.stripe_errors import StripeGatewayError, StripeNotConfigured
from app.gateways.stripe_http import StripeHTTP, StripeRefused
from app.gateways.stripe_meters import MeterVerbs

API_VERSION = stripe.api_version
RATE_LIMIT_ATTEMPTS = 6


@dataclass(frozen=True)
class CustomerSummary:
    id: str
    name: str | None
    email: str | None
    address: dict | None
    tax_ids: tuple[str, ...] = ()


class RequestPacer:
    """A process-wide token bucket, so a long run stays under Stripe's rate limit instead of
    hitting 429s and backing off (test mode allows 25 requests/s, live mode 100).

    `slack` seconds of missed turns may be caught up at once: senders on a busy machine arrive
    late, and without it that time is lost for good. Paced at 95% of a limit, a slack of 0.05 s
    keeps any one second under the limit (0.95 + 0.0475)."""

    def __init__(self, per_second: float, slack: float = 0.0):
        self.per_second, self.slack = per_second, slack
        self._lock = threading.Lock()
        self._next = time.monotonic()

    def wait(self, units: int = 1) -> None:
        """Block until `units` more (requests, or events for the v2 stream) fit under the rate."""
        if self.per_second <= 0:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now - self.slack, self._next)
            self._next = start + units / self.per_second
        if start > now:
            time.sleep(start - now)


def default_rate(api_key: str) -> float:
    return 90.0 if api_key.startswith(("sk_live", "rk_live")) else 24.0


def build_http(api_key: str, api_base: str | None = None) -> StripeHTTP:
    return StripeHTTP(api_key, api_base, API_VERSION, f"BillingConsole stripe-python/{stripe.VERSION}")


def build_client(api_key: str, api_base: str | None = None) -> stripe.StripeClient:
    addresses = {"api": api_base, "meter_events": api_base} if api_base else None
    return stripe.StripeClient(api_key, base_addresses=addresses, max_network_retries=2)


class StripeGateway(CatalogVerbs, BulkReadVerbs, MeterVerbs):
    """Cheap to make per request or job; it collects the request ids of the calls it made."""

    def __init__(self, client: stripe.StripeClient | None, sleep: Callable[[float], None] = time.sleep,
                 pacer: RequestPacer | None = None, stream_pacer: RequestPacer | None = None,
                 http: StripeHTTP | None = None):
        self.client, self.sleep, self.pacer, self.stream_pacer = client, sleep, pacer, stream_pacer
        self.http = http  # meter events and bulk list pages without stripe-python's per-call cost
        self.request_ids: list[str] = []
        self.calls = 0  # counted under a lock: bulk reads and sends call from several threads
        self._counting = threading.Lock()
        self._prices: dict[str, dict] = {}  # per gateway, i.e. per request or job: prices barely change

    @property
    def v1(self):
        if self.client is None:
            raise StripeNotConfigured("Stripe is not configured: set STRIPE_SECRET_KEY (make run starts the emulator)")
        return self.client.v1

    def _call(self, fn: Callable, *args, **kwargs) -> dict:
        for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
            if self.pacer is not None:
                self.pacer.wait()
            self._count_call()
            try:
                result = fn(*args, **kwargs)
            except stripe.RateLimitError as exc:
                if attempt == RATE_LIMIT_ATTEMPTS:
                    raise _translate(exc) from exc
                self.sleep(min(0.25 * 2 ** attempt, 8.0) * (0.5 + random.random() / 2))
                continue
            except stripe.StripeError as exc:
                raise _translate(exc) from exc
            return self._plain(result)
        raise AssertionError("unreachable")  # pragma: no cover

    def _plain_http(self, send: Callable[[], dict | None]) -> dict | None:
        if self.pacer is not None:
            self.pacer.wait()
        self._count_call()
        try:
            return send()
        except StripeRefused as exc:
            prefix = "Could not reach Stripe: " if exc.status == 0 else "Stripe: "
            raise StripeGatewayError(prefix + str(exc), code=exc.code, http_status=exc.status or None,
                                     request_id=exc.request_id, param=exc.param,
                                     retryable=exc.status in (0, 429) or exc.status >= 500) from exc

    def _count_call(self) -> None:
        with self._counting:
            self.calls += 1

    def _plain(self, result) -> dict:
        response = getattr(result, "last_response", None)
        if response is not None and response.request_id:
            self.request_ids.append(response.request_id)
        return result.to_dict() if result is not None else {}

    def _list(self, fn: Callable, params: dict) -> list[dict]:
        return self._call(fn, params=params)["data"]

    # customers
    def find_customers(self, text: str, limit: int = 10) -> list[CustomerSummary]:
        """By exact email through a list filter (no search lag), else by name through search."""
        text = text.strip()
        if "@" in text:
            found = self._list(self.v1.customers.list, {"email": text, "limit": limit})
        else:
            escaped = text.replace("\\", "\\\\").replace("'", "\\'")
            found = self._call(self.v1.customers.search,
                               params={"query": f"name~'{escaped}'", "limit": limit})["data"]
        return [_customer(c) for c in found]

    def retrieve_customer(self, customer_id: str) -> CustomerSummary:
        customer = self._call(self.v1.customers.retrieve, customer_id)
        customer["tax_ids"] = {"data": self.customer_tax_ids(customer_id)}
        return _customer(customer)

    def create_customer_raw(self, params: dict, idempotency_key: str) -> dict:
        return self._call(self.v1.customers.create, params=params,
                          options={"idempotency_key": idempotency_key})

    def update_customer(self, customer_id: str, params: dict, idempotency_key: str) -> dict:
        return self._call(self.v1.customers.update, customer_id, params=params,
                          options={"idempotency_key": idempotency_key})

    def create_tax_id(self, customer_id: str, type_: str, value: str, idempotency_key: str) -> dict:
        return self._call(self.v1.customers.tax_ids.create, customer_id,
                          params={"type": type_, "value": value}, options={"idempotency_key": idempotency_key})

    def delete_tax_id(self, customer_id: str, tax_id: str) -> dict:
        """Stripe ignores idempotency keys on DELETE: deleting twice is refused as `resource_missing`."""
        return self._call(self.v1.customers.tax_ids.delete, customer_id, tax_id)

    def list_customers(self) -> list[dict]:
        return self.list_all(self.v1.customers.list)

    def retrieve_customer_raw(self, customer_id: str) -> dict:
        return self._call(self.v1.customers.retrieve, customer_id)

    def customer_subscriptions(self, customer_id: str) -> list[dict]:
        """Live subscriptions with their discounts' coupons, and items' prices with tiers and product."""
        subscriptions = self.list_all(self.v1.subscriptions.list, params={
            "customer": customer_id, "expand": ["data.discounts.source.coupon"]})
        for sub in subscriptions:
            for item in sub.get("items", {}).get("data", []):
                item["price"] = self.cached_price(item["price"]["id"])
        return subscriptions

    def cached_price(self, price_id: str) -> dict:
        """A price with its tiers and product (Stripe expands at most four levels, so not from the list)."""
        if price_id not in self._prices:
            self._prices[price_id] = self._call(self.v1.prices.retrieve, price_id,
                                                params={"expand": ["tiers", "product"]})
        return self._prices[price_id]

    def recent_invoices(self, customer_id: str, limit: int = 5) -> list[dict]:
        return self.list_invoices({"customer": customer_id, "limit": limit})

    def update_subscription(self, subscription_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.subscriptions.update, subscription_id, params=params,
                          options={"idempotency_key": key})

    def update_schedule(self, schedule_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.subscription_schedules.update, schedule_id, params=params,
                          options={"idempotency_key": key})

    def create_subscription(self, params: dict, key: str) -> dict:
        return self._call(self.v1.subscriptions.create, params=params, options={"idempotency_key": key})

    def preview_invoice(self, subscription_id: str) -> dict | None:
        """The upcoming invoice as Stripe previews it; None when nothing is due."""
        try:
            return self._call(self.v1.invoices.create_preview, params={"subscription": subscription_id})
        except StripeGatewayError as exc:
            if exc.code == "invoice_upcoming_none":
                return None
            raise

    def preview_schedule_invoice(self, schedule_id: str) -> dict:
        """The first invoice a schedule that has not started will issue (or its next one once it has)."""
        return self._call(self.v1.invoices.create_preview, params={"schedule": schedule_id})

    def list_coupons(self) -> list[dict]:
        return self.list_all(self.v1.coupons.list)

    def retrieve_coupon(self, coupon_id: str) -> dict:
        return self._call(self.v1.coupons.retrieve, coupon_id)

    # lists
    def list_all(self, list_fn: Callable, *args, params: dict | None = None) -> list[dict]:
        """Every page of a list (catalogs and invoices are small); newest first, as Stripe returns them."""
        params = {"limit": 100, **(params or {})}
        found: list[dict] = []
        while True:
            page = self._call(list_fn, *args, params=params)
            found += page["data"]
            if not page.get("has_more"):
                return found
            params["starting_after"] = page["data"][-1]["id"]

    # invoices
    def create_invoice(self, params: dict, key: str) -> dict:
        return self._call(self.v1.invoices.create, params=params, options={"idempotency_key": key})

    def create_invoice_item(self, params: dict, key: str) -> dict:
        return self._call(self.v1.invoice_items.create, params=params, options={"idempotency_key": key})

    def add_invoice_lines(self, invoice_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.invoices.add_lines, invoice_id, params=params,
                          options={"idempotency_key": key})

    def update_invoice_item(self, item_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.invoice_items.update, item_id, params=params,
                          options={"idempotency_key": key})

    def retrieve_invoice(self, invoice_id: str) -> dict:
        """With the customer expanded and its tax ids (from their own list) under customer.tax_ids."""
        invoice = self._call(self.v1.invoices.retrieve, invoice_id, params={"expand": ["customer"]})
        if isinstance(invoice.get("customer"), dict):
            invoice["customer"]["tax_ids"] = {"data": self.customer_tax_ids(invoice["customer"]["id"])}
        return invoice

    def invoice(self, invoice_id: str) -> dict:
        """One invoice as Stripe returns it, nothing expanded."""
        return self._call(self.v1.invoices.retrieve, invoice_id)

    def customer_tax_ids(self, customer_id: str) -> list[dict]:
        return self.list_all(self.v1.customers.tax_ids.list, customer_id)

    def invoice_lines(self, invoice_id: str) -> list[dict]:
        return self.list_all(self.v1.invoices.line_items.list, invoice_id)

    def customer_invoices(self, customer_id: str) -> list[dict]:
        """Every invoice of a customer, newest first (drafts included)."""
        return self.list_all(self.v1.invoices.list, params={"customer": customer_id})

    def list_invoices(self, params: dict) -> list[dict]:
        return self._call(self.v1.invoices.list, params=params)["data"]

    def update_invoice(self, invoice_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.invoices.update, invoice_id, params=params, options={"idempotency_key": key})

    def finalize_invoice(self, invoice_id: str, key: str) -> dict:
        return self._call(self.v1.invoices.finalize_invoice, invoice_id, params={"auto_advance": False},
                          options={"idempotency_key": key})

    def send_invoice(self, invoice_id: str, key: str) -> dict:
        return self._call(self.v1.invoices.send_invoice, invoice_id, options={"idempotency_key": key})

    def void_invoice(self, invoice_id: str, key: str) -> dict:
        return self._call(self.v1.invoices.void_invoice, invoice_id, options={"idempotency_key": key})

    def delete_invoice(self, invoice_id: str) -> dict:
        return self._call(self.v1.invoices.delete, invoice_id)

    # coupons and schedules
    def create_coupon(self, params: dict, key: str) -> dict:
        return self._call(self.v1.coupons.create, params=params, options={"idempotency_key": key})

    def create_schedule(self, params: dict, key: str) -> dict:
        return self._call(self.v1.subscription_schedules.create, params=params,
                          options={"idempotency_key": key})

    def retrieve_schedule(self, schedule_id: str) -> dict:
        return self._call(self.v1.subscription_schedules.retrieve, schedule_id)

    def list_schedules(self, customer_id: str) -> list[dict]:
        return self._call(self.v1.subscription_schedules.list, params={"customer": customer_id, "limit": 100})["data"]

    def cancel_schedule(self, schedule_id: str, key: str) -> dict:
        return self._call(self.v1.subscription_schedules.cancel, schedule_id, options={"idempotency_key": key})

    # customers' credit
    def create_balance_transaction(self, customer_id: str, params: dict, key: str) -> dict:
        return self._call(self.v1.customers.balance_transactions.create, customer_id, params=params,
                          options={"idempotency_key": key})

    def create_credit_grant(self, params: dict, key: str) -> dict:
        return self._call(self.v1.billing.credit_grants.create, params=params, options={"idempotency_key": key})

    def credit_grant_balance(self, customer_id: str, grant_id: str) -> int | None:
        """What is left of one credit grant, in cents (None when Stripe reports no balance for it)."""
        summary = self._call(self.v1.billing.credit_balance_summary.retrieve, params={
            "customer": customer_id, "filter": {"type": "credit_grant", "credit_grant": grant_id}})
        balances = summary.get("balances") or []
        return balances[0]["available_balance"]["monetary"]["value"] if balances else None

    # test clocks (the demo's history; rehearsals)
    def create_test_clock(self, frozen_time: int, name: str, key: str) -> dict:
        return self._call(self.v1.test_helpers.test_clocks.create, params={"frozen_time": frozen_time, "name": name},
                          options={"idempotency_key": key})

    def advance_test_clock(self, clock_id: str, frozen_time: int) -> dict:
        return self._call(self.v1.test_helpers.test_clocks.advance, clock_id, params={"frozen_time": frozen_time})

    def retrieve_test_clock(self, clock_id: str) -> dict:
        return self._call(self.v1.test_helpers.test_clocks.retrieve, clock_id)

    def delete_test_clock(self, clock_id: str) -> dict:
        """Stripe deletes every object on the clock with it (customers, subscriptions, invoices, grants)."""
        return self._call(self.v1.test_helpers.test_clocks.delete, clock_id)

    def clock_customers(self, clock_id: str) -> list[dict]:
        """A test clock's customers: Stripe lists them only when asked by `test_clock`."""
        return self.list_all(self.v1.customers.list, params={"test_clock": clock_id})

    def pay_invoice_out_of_band(self, invoice_id: str, key: str) -> dict:
        """Mark an open invoice paid without moving money (a rehearsal's customer pays on time)."""
        return self._call(self.v1.invoices.pay, invoice_id, params={"paid_out_of_band": True},
                          options={"idempotency_key": key})

    def retrieve_subscription(self, subscription_id: str) -> dict:
        return self._call(self.v1.subscriptions.retrieve, subscription_id)

    # webhooks
    def verify_webhook(self, payload: bytes, signature: str, secret: str, now: float | None = None) -> None:
        """Verify Stripe-Signature on the raw body, dated within the tolerance either side of `now`
        (stripe-python checks only the past); StripeGatewayError when it does not hold."""
        if not signature.isascii():  # the SDK's compare_digest raises TypeError on non-ASCII text
            raise StripeGatewayError("bad Stripe webhook signature: not ASCII", code="signature")
        tolerance = stripe.Webhook.DEFAULT_TOLERANCE
        try:
            stripe.WebhookSignature.verify_header(payload.decode("utf-8"), signature, secret, tolerance)
            stamp = next(int(part.split("=", 2)[1]) for part in signature.split(",") if part.startswith("t="))  # as stripe-python reads it
        except UnicodeDecodeError as exc:
            raise StripeGatewayError("bad Stripe webhook: the body is not UTF-8 text", code="signature") from exc
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise StripeGatewayError(f"bad Stripe webhook signature: {exc}", code="signature") from exc
        if stamp > (time.time() if now is None else now) + tolerance:
            raise StripeGatewayError(f"bad Stripe webhook signature: timestamp {stamp} is more than "
                                     f"{tolerance} s in the future", code="signature")


def _customer(data: dict) -> CustomerSummary:
    tax_ids = data.get("tax_ids") or {}
    values = tuple(t["value"] for t in tax_ids.get("data", [])) if isinstance(tax_ids, dict) else ()
    return CustomerSummary(data["id"], data.get("name"), data.get("email"), data.get("address"), values)


def _translate(exc: stripe.StripeError) -> StripeGatewayError:
    error = getattr(exc, "error", None)
    message = getattr(error, "message", None) or exc.user_message or str(exc) or type(exc).__name__
    retryable = isinstance(exc, stripe.RateLimitError | stripe.APIConnectionError) or (exc.http_status or 0) >= 500
    prefix = {
        stripe.RateLimitError: "Stripe rate limit: ",
        stripe.APIConnectionError: "Could not reach Stripe: ",
        stripe.AuthenticationError: "Stripe refused the API key: ",
        stripe.IdempotencyError: "Stripe idempotency conflict: ",
    }.get(type(exc), "Stripe: ")
    return StripeGatewayError(prefix + message, code=exc.code, http_status=exc.http_status,
                              request_id=exc.request_id, param=getattr(exc, "param", None),
                              retryable=retryable)
