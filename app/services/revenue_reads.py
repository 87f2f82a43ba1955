"""What a revenue snapshot reads from Stripe: products, prices, and a month's invoices, read side by side.

Nothing here writes: the snapshot reads everything first, so Stripe failing mid-read leaves the previous
snapshot as it was. The caller's own database reads run while the invoices are read (`meanwhile`).
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from app.billing import revenue
from app.billing.catalog_rules import product_keys
from app.billing.revenue import Invoice
from app.billing.revenue_inputs import (
    PriceFacts,
    bills_in,
    counted,
    day_start_ts,
    invoice_for_rules,
    month_bounds,
    month_start_ts,
)

READERS = 6  # invoice lists read side by side: enough to keep 100 requests/s busy at ~50 ms a page
DAY = 86_400
WINDOW_DAYS = 7  # each reader lists a week of invoice creation at a time
CUT_PAGES = 10  # a window cut in two leaves the later part about this many pages: each part ends on a short page
LOOKBACK_MONTHS = 13  # an instalment or up-front invoice covering the month was made up to a year (and a bit) before

T = TypeVar("T")


@dataclass
class StripeReads:
    prices: dict[str, PriceFacts]
    product_keys: dict[str, str]
    invoices_by_customer: dict[str, list[dict]]
    invoices_by_id: dict[str, dict]
    invoices_read: int
    billed: dict[str, Invoice]  # by id: each counted invoice that bills the month, as the rules read it


def read_stripe(gateway, catalog, month: date, today: date, long_period_customers: set[str],
                meanwhile: Callable[[], T]) -> tuple[StripeReads, T]:
    """Products, prices and invoices, each as whole lists, READERS lists side by side so the reads wait on
    Stripe's rate limit rather than on each page; and what `meanwhile` returns, called while they are read.

    Every invoice made since the month before `month` (what bills the month: in advance, in arrears, and
    what later months took of a startup credit), a week of creation at a time; and, for the few customers whose
    invoices cover more than a month (an up-front year, a quarter's instalment), their own invoices of the
    LOOKBACK_MONTHS before. Reading a year of every customer's invoices instead cost ten times the pages."""
    keys = product_keys([p for page in gateway.product_pages() for p in page], catalog.product_key_metadata)
    # recurring prices only: a one-off line (price_data on an invoice item) is neither metered nor recurring,
    # and its product names its key; listing every one-off price would cost a page per hundred invoice items
    prices = {p["id"]: _price_facts(p, keys) for page in gateway.price_pages("recurring") for p in page}
    since = month_start_ts(revenue._add_months(month, -LOOKBACK_MONTHS))
    collected = _Collected(month_bounds(month), prices, keys)
    with ThreadPoolExecutor(READERS, thread_name_prefix="stripe-invoices") as pool:
        reader = _InvoiceReader(gateway, pool, collected.add)
        for customer in sorted(long_period_customers):
            reader.submit(_customer_invoices, gateway, customer, since)
        for start, end in _windows(month, today):
            reader.submit(reader.window, start, end)
        done_meanwhile = meanwhile()
        reader.finish()
    for invoices in collected.by_customer.values():  # pages arrive in any order; the stored inputs list them in one
        invoices.sort(key=lambda i: (i["created"], i["id"]))
    return StripeReads(prices, keys, collected.by_customer, collected.by_id, len(collected.seen),
                       collected.billed), done_meanwhile


class _Collected:
    """The counted invoices by customer and by id, and those that bill the month as the rules read them,
    gathered on the readers' threads as each page arrives (while other readers wait on Stripe)."""

    def __init__(self, bounds: tuple[int, int], prices: dict[str, PriceFacts], keys: dict[str, str]):
        self.bounds, self.prices, self.keys = bounds, prices, keys
        self.by_customer: dict[str, list[dict]] = defaultdict(list)
        self.by_id: dict[str, dict] = {}
        self.billed: dict[str, Invoice] = {}
        self.seen: set[str] = set()  # every invoice listed, counted or not
        self.lock = threading.Lock()

    def add(self, invoices: list[dict]) -> None:
        counted_ones = [i for i in invoices if counted(i)]
        billed = {i["id"]: invoice_for_rules(i, self.prices, self.keys)
                  for i in counted_ones if bills_in(i, self.bounds)}
        with self.lock:
            self.seen.update(i["id"] for i in invoices)
            for invoice in counted_ones:
                if invoice["id"] in self.by_id:  # a long-period customer's invoice is in a window too
                    continue
                customer = invoice["customer"]
                self.by_customer[customer["id"] if isinstance(customer, dict) else customer].append(invoice)
                self.by_id[invoice["id"]] = invoice
            self.billed.update(billed)


def _windows(month: date, today: date) -> list[tuple[int, int | None]]:
    """Week-long windows of creation time from the start of the month before `month` to now, the last one open
    (the month's own usage is invoiced after it, and startup credit taken since counts back)."""
    first = month_start_ts(revenue._add_months(month, -1))
    edges = list(range(first, day_start_ts(today), WINDOW_DAYS * DAY)) or [first]
    return list(zip(edges, edges[1:] + [None], strict=True))


class _InvoiceReader:
    """Windows of invoices a page at a time on READERS threads, each page queueing what follows it, so the
    caller's thread is free meanwhile. Invoices come in bursts (a month's subscriptions all bill on the 1st), and
    a window read page after page would leave the other readers idle: while two are, a window with more to read
    is cut in two at a second before its last invoice so far, the later part followed on from that invoice,
    the earlier part read anew."""

    def __init__(self, gateway, pool: ThreadPoolExecutor, each: Callable[[list[dict]], None]):
        self.gateway, self.pool, self.each = gateway, pool, each  # `each` read's invoices, as they arrive
        self.lock = threading.Lock()
        self.futures: list[Future] = []
        self.busy = 0  # reads queued or running

    def submit(self, read: Callable[..., list[dict]], *args) -> None:
        with self.lock:
            self.busy += 1
            self.futures.append(self.pool.submit(self._run, read, *args))

    def _run(self, read: Callable[..., list[dict]], *args) -> list[dict]:
        try:
            invoices = read(*args)
            self.each(invoices)
            return invoices
        finally:
            with self.lock:
                self.busy -= 1

    def window(self, start: int, end: int | None, after: str | None = None) -> list[dict]:
        """One page of a window's invoices, queueing the rest of the window (cut in two at a second about
        CUT_PAGES pages on at this page's pace, when two readers are idle and that second is inside it)."""
        invoices, more = self.gateway.invoice_page(start, end, after)
        _whole_lines(self.gateway, invoices)
        if more:
            newest, last = invoices[0]["created"], invoices[-1]["created"]
            cut = last - max(1, (newest - last) * CUT_PAGES)
            with self.lock:
                idle = READERS - self.busy  # this read still counts as busy
            if cut > start and idle >= 1:
                self.submit(self.window, cut, end, invoices[-1]["id"])
                self.submit(self.window, start, cut)
            else:
                self.submit(self.window, start, end, invoices[-1]["id"])
        return invoices

    def finish(self) -> None:
        """Returns once every read is done (a read queues what follows it before it ends); the first failure
        stops the rest and is raised."""
        while True:
            with self.lock:
                futures = list(self.futures)
            done, pending = wait(futures, return_when=FIRST_EXCEPTION)
            failed = next((f for f in done if f.exception() is not None), None)
            if failed is not None:
                self.pool.shutdown(cancel_futures=True)
                raise failed.exception()
            with self.lock:
                if not pending and len(self.futures) == len(futures):
                    return


def _whole_lines(gateway, invoices: list[dict]) -> None:
    """A counted invoice with more lines than its list page holds gets all of them."""
    for invoice in invoices:
        if counted(invoice) and invoice["lines"].get("has_more"):
            invoice["lines"] = {"data": gateway.invoice_lines(invoice["id"]), "has_more": False}


def _customer_invoices(gateway, customer: str, created_since: int) -> list[dict]:
    invoices = []
    for page in gateway.invoice_pages(customer=customer, created_since=created_since):
        _whole_lines(gateway, page)
        invoices += page
    return invoices


def _price_facts(price: dict, keys: dict[str, str]) -> PriceFacts:
    recurring = price.get("recurring") or {}
    interval = recurring.get("interval")
    months = None
    if interval in ("month", "year"):
        months = {"month": 1, "year": 12}[interval] * int(recurring.get("interval_count") or 1)
    product = price["product"]["id"] if isinstance(price.get("product"), dict) else price.get("product")
    return PriceFacts(keys.get(product or ""), bool(recurring.get("meter")) or recurring.get("usage_type") == "metered",
                      months)
