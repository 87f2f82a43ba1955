"""Many customers' Stripe state from whole lists, handed out while the lists are still read.

Four lists (customers, subscriptions, schedules, invoices) hold 10,000 customers' state in
about 200 pages instead of 50,000 single reads. Each list is paged in a thread of its own
through the gateway's pacer; the caller's thread merges the pages and takes the customers
whose state is complete, so they are written while Stripe is still being read. Stripe lists
newest first and a customer's subscriptions, schedules and invoices are created after it:
once every list has been read past a customer's `created`, nothing more of it can come.
"""
from __future__ import annotations

import math
import queue
import threading
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

from app.billing.customer_snapshot import snapshot_of

RECENT_INVOICES = 5  # as `gateway.recent_invoices` reads them
SCHEDULES_PAGE = 100  # as `gateway.list_schedules` reads them
DEPENDENT_LISTS = ("subscriptions", "schedules", "invoices")


class BulkStripeState:
    """What the pages read so far say about the wanted customers; fed by one thread only."""

    def __init__(self, wanted: set[str]):
        self.wanted = wanted
        self.customers: dict[str, dict] = {}
        self.owned: dict[str, defaultdict[str, list[dict]]] = {name: defaultdict(list) for name in DEPENDENT_LISTS}
        # `created` of the last object each list returned: everything newer has been read; -inf once it ended
        self.read_down_to = dict.fromkeys(DEPENDENT_LISTS, math.inf)
        self.invoices_cut = False  # the invoice list was left unread past `read_down_to["invoices"]`
        self._waiting: deque[str] = deque()  # customers read, newest first, not yet complete
        self.handed_out: set[str] = set()
        self.late: set[str] = set()  # handed out, then more of them came (never, if Stripe lists newest first)

    def has(self, stripe_customer_id: str | None) -> bool:
        return stripe_customer_id in self.customers

    def add_customers(self, page: list[dict]) -> None:
        for customer in page:
            if customer["id"] in self.wanted:
                self.customers[customer["id"]] = customer
                self._waiting.append(customer["id"])

    def add(self, name: str, page: list[dict]) -> None:
        owned = self.owned[name]
        for obj in page:
            owner = _owner(obj)
            if owner not in self.wanted or (name == "invoices" and len(owned[owner]) == RECENT_INVOICES):
                continue
            owned[owner].append(obj)
            if owner in self.handed_out:
                self.late.add(owner)
        if page:
            self.read_down_to[name] = min(self.read_down_to[name], page[-1]["created"])

    def end(self, name: str) -> None:
        self.read_down_to[name] = -math.inf

    def invoices_known(self, stripe_customer_id: str) -> bool:
        """Its recent invoices are read: its five newest, or every one it has."""
        return (len(self.owned["invoices"].get(stripe_customer_id, ())) == RECENT_INVOICES
                or self.customers[stripe_customer_id]["created"] > self.read_down_to["invoices"])

    def short_of_invoices(self) -> list[str]:
        return [c for c in self.customers if not self.invoices_known(c)]

    def take_complete(self) -> list[str]:
        """The customers no list still being read can add to, oldest last."""
        unfinished = [read for name, read in self.read_down_to.items() if not (name == "invoices" and self.invoices_cut)]
        bar = max(unfinished, default=-math.inf)
        taken = []
        while self._waiting and self.customers[self._waiting[0]]["created"] > bar:
            taken.append(self._waiting.popleft())
        self.handed_out.update(taken)
        return taken

    def snapshot(self, gateway, stripe_customer_id: str, key_metadata: str) -> dict:
        """The same snapshot as `read_stripe_state`; a call only for what the lists left out."""
        customer = self.customers[stripe_customer_id]
        tax_ids = customer.get("tax_ids") or {}
        tax_ids = (gateway.customer_tax_ids(stripe_customer_id) if tax_ids.get("has_more")
                   else tax_ids.get("data", []))
        invoices = (self.owned["invoices"].get(stripe_customer_id, []) if self.invoices_known(stripe_customer_id)
                    else gateway.recent_invoices(stripe_customer_id, RECENT_INVOICES))
        # parsed JSON holds no Decimals or dates, so unlike `read_stripe_state` no `jsonable` pass
        return snapshot_of(customer, tax_ids, self.owned["subscriptions"].get(stripe_customer_id, []),
                           self.owned["schedules"].get(stripe_customer_id, [])[:SCHEDULES_PAGE], invoices,
                           key_metadata)


def _owner(obj: dict) -> str | None:
    owner = obj.get("customer")
    return owner.get("id") if isinstance(owner, dict) else owner


def read_in_batches(state: BulkStripeState, gateway, report: Callable[[str], None],
                    batch: int) -> Iterator[list[str]]:
    """Complete customers `batch` at a time while the lists are read, then the rest, then any
    that more came for after they were handed out. A page that still fails after its retries
    raises its StripeGatewayError."""
    readers = {"customers": gateway.customer_pages, "subscriptions": gateway.subscription_pages,
               "schedules": gateway.schedule_pages, "invoices": gateway.invoice_pages}
    pages: queue.SimpleQueue = queue.SimpleQueue()
    stop = {name: threading.Event() for name in readers}
    with ThreadPoolExecutor(len(readers), thread_name_prefix="stripe-list") as pool:
        for name, read in readers.items():
            pool.submit(_read_list, name, read, stop[name], pages)
        try:
            yield from _merged(state, pages, set(readers), stop, report, batch)
        finally:
            for event in stop.values():
                event.set()


def _merged(state: BulkStripeState, pages: queue.SimpleQueue, reading: set[str], stop: dict,
            report: Callable[[str], None], batch: int) -> Iterator[list[str]]:
    count, ready = Counter(), []
    while reading:
        name, page = pages.get()
        if name not in reading:
            continue  # the end of a list we stopped reading
        if isinstance(page, BaseException):
            raise page
        if page is None:
            reading.discard(name)
            if name != "customers":
                state.end(name)
        else:
            count[name] += 1
            _add(state, name, page, count[name], report)
        customers_read = "customers" not in reading
        if name in ("customers", "invoices") and customers_read and "invoices" in reading \
                and _cheaper_one_by_one(state, count["invoices"]):
            reading.discard("invoices")
            stop["invoices"].set()
            state.invoices_cut = True
        ready += state.take_complete()
        while len(ready) >= batch:
            yield ready[:batch]
            ready = ready[batch:]
    ready += state.take_complete()
    for start in range(0, len(ready), batch):
        yield ready[start:start + batch]
    if state.late:
        report(f"{len(state.late)} customers changed in Stripe while they were read: written again")
        yield sorted(state.late)


def _add(state: BulkStripeState, name: str, page: list[dict], n: int, report: Callable[[str], None]) -> None:
    if name == "customers":
        state.add_customers(page)
        report(f"Stripe customers page {n}: {len(state.customers)} of {len(state.wanted)} found")
    else:
        state.add(name, page)
        report(f"Stripe {name} page {n}")


def _cheaper_one_by_one(state: BulkStripeState, invoice_pages: int) -> bool:
    """Stop paging invoices once the customers still short of their recent five are no more
    than the pages already read (each costs one call to read alone)."""
    short = state.short_of_invoices()
    return not short or invoice_pages >= len(short)


def _read_list(name: str, pages: Callable[[], Iterator[list[dict]]], stop: threading.Event,
               out: queue.SimpleQueue) -> None:
    """Every page of one list onto `out`, then None; or the exception that stopped it."""
    try:
        for page in pages():
            if stop.is_set():
                return
            out.put((name, page))
        out.put((name, None))
    except BaseException as exc:  # noqa: BLE001 - handed to the merging thread, which raises it
        out.put((name, exc))
