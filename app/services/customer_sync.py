"""Reading customers' Stripe state into our records: sync, import, and ensure-on-go-live.

Reads only: nothing here writes to Stripe. Services flush; the request or job commits.
A Stripe failure is recorded on the customer (sync_error), never raised to a bulk caller.
"""
from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Row, bindparam, func, insert, select, update

from app.billing.customer_snapshot import changed_sections, live_subscription, snapshot_of
from app.gateways.stripe import StripeGatewayError
from app.models import AuditEntry, Customer, CustomerOrganisation
from app.services.audit import Actor, changed_fields, jsonable, record_audit
from app.services.customer_errors import CustomerNotFound
from app.timeutil import utcnow

SYNC_ACTOR = Actor.system("stripe-sync")
ORG_METADATA_KEYS = ("organisation_id", "organization_id", "posthog_organization_id")
TRACKED = ("name", "email", "subscription_id", "has_discount")
KEY_METADATA = "posthog_product_key"
RECENT_INVOICES = 5  # as `gateway.recent_invoices` reads them
SCHEDULES_PAGE = 100  # as `gateway.list_schedules` reads them
CALLS_PER_CUSTOMER = 5  # customer, tax ids, subscriptions, schedules, invoices
BULK_LISTS = 4  # customers, subscriptions, schedules, invoices
SYNC_CHUNK = 500  # customers written with one statement each and committed together


@dataclass
class SyncResult:
    customer_id: int
    status: str  # synced | error
    changed: list[str] = field(default_factory=list)
    error: str = ""

    def as_dict(self) -> dict:
        return {"id": self.customer_id, "status": self.status, "changed": self.changed, "error": self.error}


def read_stripe_state(gateway, stripe_customer_id: str, key_metadata: str = KEY_METADATA) -> dict:
    customer = gateway.retrieve_customer_raw(stripe_customer_id)
    if customer.get("deleted"):
        raise StripeGatewayError(f"Stripe customer {stripe_customer_id} was deleted", code="customer_deleted")
    return jsonable(snapshot_of(customer, gateway.customer_tax_ids(stripe_customer_id),
                                gateway.customer_subscriptions(stripe_customer_id),
                                gateway.list_schedules(stripe_customer_id),
                                gateway.recent_invoices(stripe_customer_id), key_metadata))


def sync_customer(session, gateway, customer_id: int, actor: Actor = SYNC_ACTOR,
                  key_metadata: str = KEY_METADATA) -> SyncResult:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise CustomerNotFound(f"no customer {customer_id}")
    try:
        if not customer.stripe_customer_id:
            raise StripeGatewayError("this customer has no Stripe customer id", code="no_stripe_customer")
        snapshot = read_stripe_state(gateway, customer.stripe_customer_id, key_metadata)
    except StripeGatewayError as exc:
        return _record_failure(session, gateway, actor, customer, exc)
    return _apply_snapshot(session, gateway, actor, customer, snapshot)


def _record_failure(session, gateway, actor, customer: Customer, exc: StripeGatewayError) -> SyncResult:
    customer.sync_error = str(exc)
    session.flush()
    record_audit(session, actor, "customer.sync_failed", "customer", customer.id, after={"error": str(exc)},
                 stripe_request_ids=gateway.request_ids[-5:])
    return SyncResult(customer.id, "error", error=str(exc))


def _apply_snapshot(session, gateway, actor, customer: Customer, snapshot: dict) -> SyncResult:
    before = {k: getattr(customer, k) for k in TRACKED}
    sections = changed_sections(customer.stripe_snapshot, snapshot)
    for k, value in _tracked_from(snapshot, customer.name, customer.email).items():
        setattr(customer, k, value)
    customer.stripe_snapshot, customer.last_synced_at, customer.sync_error = snapshot, utcnow(), ""
    session.flush()
    old, new = changed_fields(before, {k: getattr(customer, k) for k in TRACKED})
    changed = list(new) + [f"stripe {s}" for s in sections]
    record_audit(session, actor, "customer.synced", "customer", customer.id, before=old, after=new,
                 stripe_request_ids=gateway.request_ids[-5:], note=", ".join(changed) or "no changes")
    return SyncResult(customer.id, "synced", changed)


def _tracked_from(snapshot: dict, name: str, email: str | None) -> dict:
    """Our copies of what Stripe holds; a name or email Stripe lacks keeps ours."""
    stripe_customer, sub = snapshot["customer"], live_subscription(snapshot)
    return {"name": stripe_customer.get("name") or name, "email": stripe_customer.get("email") or email,
            "subscription_id": sub["id"] if sub else None, "has_discount": bool(sub and sub["discounts"])}


def find_by_stripe_id(session, stripe_customer_id: str) -> Customer | None:
    return session.scalar(select(Customer).where(Customer.stripe_customer_id == stripe_customer_id))


def find_by_organisation(session, organisation_id: str) -> Customer | None:
    return session.scalar(select(Customer).join(CustomerOrganisation)
                          .where(CustomerOrganisation.organisation_id == organisation_id))


def organisation_of(stripe_customer: dict) -> str | None:
    metadata = stripe_customer.get("metadata") or {}
    return next((str(metadata[k]).strip() for k in ORG_METADATA_KEYS if str(metadata.get(k) or "").strip()), None)


def link_or_create(session, actor: Actor, stripe_customer: dict) -> tuple[Customer, str]:
    """Our record for a Stripe customer: its own, else one matched by organisation id or email, else new."""
    found = find_by_stripe_id(session, stripe_customer["id"])
    if found is not None:
        return found, "unchanged"
    org, email = organisation_of(stripe_customer), (stripe_customer.get("email") or "").strip().lower()
    by_org = find_by_organisation(session, org) if org else None
    match = by_org if by_org is not None and not by_org.stripe_customer_id else None
    if match is None and email and by_org is None:
        match = session.scalar(select(Customer).where(func.lower(Customer.email) == email,
                                                      Customer.stripe_customer_id.is_(None)).limit(1))
    if match is not None:
        match.stripe_customer_id = stripe_customer["id"]
        session.flush()
        record_audit(session, actor, "customer.linked", "customer", match.id,
                     after={"stripe_customer_id": stripe_customer["id"], "matched_by": "organisation" if org else "email"})
        return match, "linked"
    return _create(session, actor, stripe_customer, org, by_org), "created"


def _create(session, actor, stripe_customer: dict, org: str | None, other: Customer | None) -> Customer:
    """`other` already bills `org` from another Stripe customer: the two halves of an amortized pair."""
    metadata = stripe_customer.get("metadata") or {}
    startup = str(metadata.get("is_startup_plan_customer", "")).lower() in ("true", "1", "yes")
    customer = Customer(name=stripe_customer.get("name") or stripe_customer["id"], email=stripe_customer.get("email"),
                        stripe_customer_id=stripe_customer["id"], plans_map={}, billing_limits={},
                        billing_configuration="startup" if startup else "paid")
    if org and other is None:
        customer.organisations.append(CustomerOrganisation(organisation_id=org))
    session.add(customer)
    session.flush()
    if other is not None:
        customer.linked_customer_id, other.linked_customer_id = other.id, customer.id
        customer.billing_configuration = other.billing_configuration = "enterprise_amortized"
        session.flush()
    record_audit(session, actor, "customer.created", "customer", customer.id,
                 after={"stripe_customer_id": customer.stripe_customer_id, "organisation_id": org,
                        "linked_customer_id": customer.linked_customer_id})
    return customer


@dataclass
class ImportReport:
    created: list[int] = field(default_factory=list)
    linked: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)


def import_customers_from_stripe(session, gateway, actor: Actor = SYNC_ACTOR) -> ImportReport:
    report = ImportReport()
    for stripe_customer in gateway.list_customers():
        customer, how = link_or_create(session, actor, stripe_customer)
        getattr(report, how).append(customer.id)
    return report


def ensure_customer_for_stripe_id(session, gateway, stripe_customer_id: str, subscription_id: str | None = None,
                                  actor: Actor = SYNC_ACTOR) -> Customer:
    """Our record for a Stripe customer (created when missing), given the subscription, then synced.

    For the Annual Plan go-live: flushes, does not commit; a failed sync is kept on the record.
    """
    customer = find_by_stripe_id(session, stripe_customer_id)
    if customer is None:
        customer, _ = link_or_create(session, actor, gateway.retrieve_customer_raw(stripe_customer_id))
    if subscription_id and customer.subscription_id != subscription_id:
        record_audit(session, actor, "customer.subscription_set", "customer", customer.id,
                     before={"subscription_id": customer.subscription_id}, after={"subscription_id": subscription_id})
        customer.subscription_id = subscription_id
        session.flush()
    sync_customer(session, gateway, customer.id, actor)
    return customer


class BulkStripeState:
    """Every wanted customer's Stripe state read from whole lists, a few hundred pages for
    10,000 customers instead of five calls each; `snapshot` builds the same snapshot as
    `read_stripe_state` from them."""

    def __init__(self, wanted: set[str]):
        self.wanted = wanted
        self.customers: dict[str, dict] = {}
        self.subscriptions: dict[str, list[dict]] = defaultdict(list)
        self.schedules: dict[str, list[dict]] = defaultdict(list)
        self.invoices: dict[str, list[dict]] = defaultdict(list)
        self.invoices_complete = False  # else a customer with fewer than RECENT_INVOICES seen is read alone

    def has(self, stripe_customer_id: str | None) -> bool:
        return stripe_customer_id in self.customers

    def read(self, gateway, report: Callable[[str], None], meanwhile: Callable[[], None] = lambda: None) -> None:
        """Page through the four lists; a page that still fails after its retries raises.

        Subscriptions and schedules are read in a thread beside the customers: each list is a
        chain of cursors, so two at once keep Stripe busy while a page travels or is parsed.
        `meanwhile` runs once the customers are read, while that thread is still reading."""
        stop = threading.Event()
        with ThreadPoolExecutor(1) as pool:
            beside = pool.submit(_read_pages, stop, ("subscriptions", gateway.subscription_pages),
                                 ("schedules", gateway.schedule_pages))
            try:
                for n, page in enumerate(gateway.customer_pages(), start=1):
                    self.customers.update((c["id"], c) for c in page if c["id"] in self.wanted)
                    report(f"Stripe customers page {n}: {len(self.customers)} of {len(self.wanted)} found")
                meanwhile()
            except BaseException:
                stop.set()
                raise
            lists = beside.result()
        for name, pages in lists:
            by_customer = getattr(self, name)
            for n, page in enumerate(pages, start=1):
                for obj in page:
                    if _owner(obj) in self.customers:
                        by_customer[_owner(obj)].append(obj)
                report(f"Stripe {name} page {n}")
        self._read_invoices(gateway, report)

    def _read_invoices(self, gateway, report) -> None:
        """Newest first until the list ends, unless reading on would cost more calls than
        reading the customers still short of RECENT_INVOICES one by one."""
        short = set(self.customers)
        pages = gateway.invoice_pages()
        for n, page in enumerate(pages, start=1):
            for invoice in page:
                owner = _owner(invoice)
                if owner in short:
                    self.invoices[owner].append(invoice)
                    if len(self.invoices[owner]) == RECENT_INVOICES:
                        short.discard(owner)
            report(f"Stripe invoices page {n}")
            if not short or n >= len(short):
                pages.close()
                self.invoices_complete = not short
                return
        self.invoices_complete = True

    def snapshot(self, gateway, stripe_customer_id: str, key_metadata: str) -> dict:
        customer = self.customers[stripe_customer_id]
        tax_ids = customer.get("tax_ids") or {}
        tax_ids = (gateway.customer_tax_ids(stripe_customer_id) if tax_ids.get("has_more")
                   else tax_ids.get("data", []))
        invoices = self.invoices.get(stripe_customer_id, [])
        if not self.invoices_complete and len(invoices) < RECENT_INVOICES:
            invoices = gateway.recent_invoices(stripe_customer_id, RECENT_INVOICES)
        # parsed JSON holds no Decimals or dates, so unlike `read_stripe_state` no `jsonable` pass
        return snapshot_of(customer, tax_ids, self.subscriptions.get(stripe_customer_id, []),
                           self.schedules.get(stripe_customer_id, [])[:SCHEDULES_PAGE], invoices, key_metadata)


def _read_pages(stop: threading.Event, *lists: tuple[str, Callable]) -> list[tuple[str, list[list[dict]]]]:
    """Every page of each list, in a thread of its own; the progress lines are the caller's."""
    read = []
    for name, pages in lists:
        read.append((name, []))
        for page in pages():
            if stop.is_set():
                return read
            read[-1][1].append(page)
    return read


def _owner(obj: dict) -> str | None:
    owner = obj.get("customer")
    return owner.get("id") if isinstance(owner, dict) else owner


def read_stripe_states(gateway, stripe_customer_ids: set[str], report: Callable[[str], None] = lambda line: None,
                       meanwhile: Callable[[], None] = lambda: None) -> BulkStripeState | None:
    """The bulk read, or None when a page could not be read even after its retries (the
    customers are then read one by one, each failure landing on its own record)."""
    state = BulkStripeState(set(stripe_customer_ids))
    try:
        state.read(gateway, report, meanwhile)
    except StripeGatewayError as exc:
        report(f"reading Stripe's lists failed ({exc}): reading customers one by one")
        return None
    return state


def _bulk_is_cheaper(session, customer_ids: list[int]) -> dict[int, str] | None:
    """Our customers' Stripe ids when reading whole lists takes fewer calls than 5 per customer."""
    stripe_ids = dict(session.execute(select(Customer.id, Customer.stripe_customer_id)
                                      .where(Customer.stripe_customer_id.is_not(None))).all())
    pages = BULK_LISTS * (len(stripe_ids) // 100 + 1)
    wanted = {i: stripe_ids[i] for i in customer_ids if i in stripe_ids}
    return wanted if CALLS_PER_CUSTOMER * len(wanted) > 2 * pages else None


def _sync_from_bulk(session, gateway, bulk: BulkStripeState, customer_id: int, actor: Actor,
                    key_metadata: str) -> SyncResult:
    customer = session.get(Customer, customer_id)
    if customer is None or not bulk.has(customer.stripe_customer_id):
        # unknown, without a Stripe id, or not in Stripe's list (deleted?): exactly as a single sync
        return sync_customer(session, gateway, customer_id, actor, key_metadata)
    try:
        snapshot = bulk.snapshot(gateway, customer.stripe_customer_id, key_metadata)
    except StripeGatewayError as exc:
        return _record_failure(session, gateway, actor, customer, exc)
    return _apply_snapshot(session, gateway, actor, customer, snapshot)


_customers = Customer.__table__
_READ = (_customers.c.id, _customers.c.version, _customers.c.stripe_customer_id, _customers.c.stripe_snapshot,
         *(_customers.c[k] for k in TRACKED))


def _synced_update(with_snapshot: bool):
    """One statement for a chunk's rows; `version` guards against an edit made since they were read."""
    values = {k: bindparam(f"b_{k}") for k in TRACKED} | {
        "last_synced_at": bindparam("b_now"), "updated_at": bindparam("b_now"), "sync_error": "",
        "version": _customers.c.version + 1}
    if with_snapshot:
        values["stripe_snapshot"] = bindparam("b_snapshot", type_=_customers.c.stripe_snapshot.type)
    return (update(_customers).values(values)
            .where(_customers.c.id == bindparam("b_id"), _customers.c.version == bindparam("b_version")))


class ChunkNotWritten(RuntimeError):
    """Raised to roll a chunk back; its customers are then synced one by one."""


def _current_rows(session, customer_ids: list[int]) -> dict[int, Row]:
    """What the chunks compare with, read while Stripe's lists are still being read."""
    rows = {}
    for start in range(0, len(customer_ids), SYNC_CHUNK):
        rows.update((r.id, r) for r in session.execute(
            select(*_READ).where(_customers.c.id.in_(customer_ids[start:start + SYNC_CHUNK]))))
    session.commit()  # nothing written: only SQLite's write lock released while Stripe is read
    return rows


def _sync_chunk(session, gateway, bulk: BulkStripeState, rows: list[Row], actor: Actor,
                key_metadata: str) -> dict[int, dict]:
    """The chunk's customers that the bulk read holds, compared in memory, then written with one
    UPDATE and one INSERT of audit entries; the others are left to the one-by-one path."""
    now, request_ids, results = utcnow(), gateway.request_ids[-5:], {}
    updates, audits = {True: [], False: []}, []
    for row in rows:
        if not bulk.has(row.stripe_customer_id):
            continue
        try:
            snapshot = bulk.snapshot(gateway, row.stripe_customer_id, key_metadata)
        except StripeGatewayError:
            continue  # read again, and recorded, one by one
        after = _tracked_from(snapshot, row.name, row.email)
        old, new = changed_fields({k: getattr(row, k) for k in TRACKED}, after)
        changed = list(new) + [f"stripe {s}" for s in changed_sections(row.stripe_snapshot, snapshot)]
        params = {f"b_{k}": v for k, v in after.items()} | {"b_id": row.id, "b_version": row.version, "b_now": now}
        if row.stripe_snapshot != snapshot:
            params["b_snapshot"] = snapshot
        updates["b_snapshot" in params].append(params)
        audits.append({"at": now, "actor_id": actor.user_id, "actor_label": actor.label, "object_type": "customer",
                       "object_id": str(row.id), "action": "customer.synced", "before": jsonable(old),
                       "after": jsonable(new), "stripe_request_ids": request_ids,
                       "note": ", ".join(changed) or "no changes"})
        results[row.id] = SyncResult(row.id, "synced", changed).as_dict() | {"name": after["name"]}
    for with_snapshot, batch in updates.items():
        if batch and session.execute(_synced_update(with_snapshot), batch).rowcount != len(batch):
            raise ChunkNotWritten("a customer changed while the chunk was read")
    if audits:
        session.execute(insert(AuditEntry.__table__), audits)
    return results


def _sync_one(session, gateway, bulk: BulkStripeState | None, customer_id: int, actor: Actor,
              key_metadata: str) -> dict:
    try:
        result = (_sync_from_bulk(session, gateway, bulk, customer_id, actor, key_metadata) if bulk
                  else sync_customer(session, gateway, customer_id, actor, key_metadata)).as_dict()
        session.commit()
    except Exception as exc:  # noqa: BLE001 - recorded per customer, the run goes on
        session.rollback()
        result = SyncResult(customer_id, "error", error=f"{type(exc).__name__}: {exc}").as_dict()
    customer = session.get(Customer, customer_id)
    return result | {"name": customer.name if customer else ""}


def _chunks(session, gateway, bulk: BulkStripeState | None, rows: dict[int, Row], customer_ids: list[int],
            actor: Actor, key_metadata: str):
    """Each customer's result in order: a chunk at a time from the bulk read (one commit), else,
    and for anyone the chunk left out, one by one (a commit each)."""
    for start in range(0, len(customer_ids), SYNC_CHUNK):
        chunk, written = customer_ids[start:start + SYNC_CHUNK], {}
        if bulk is not None:
            try:
                written = _sync_chunk(session, gateway, bulk, [rows[i] for i in chunk if i in rows], actor,
                                      key_metadata)
                session.commit()
            except Exception:  # noqa: BLE001 - a row edited meanwhile, or a failed write: one by one
                session.rollback()
                written = {}
        for customer_id in chunk:
            yield written.get(customer_id) or _sync_one(session, gateway, bulk, customer_id, actor, key_metadata)


def sync_customers(session, gateway, customer_ids: list[int], progress, key_metadata: str = KEY_METADATA,
                   actor: Actor = SYNC_ACTOR) -> dict:
    """Every customer, one failure never stopping the others.

    `progress(done, line)` reports (and commits) after each page read and each customer. Many
    customers are read from whole lists (`BulkStripeState`) and written a chunk at a time.
    """
    wanted, rows, results = _bulk_is_cheaper(session, customer_ids), {}, []
    with _cyclic_gc_paused(bool(wanted)):
        bulk = read_stripe_states(gateway, set(wanted.values()), lambda line: progress(0, line),
                                  lambda: rows.update(_current_rows(session, list(wanted)))) if wanted else None
        for result in _chunks(session, gateway, bulk, rows, customer_ids, actor, key_metadata):
            results.append(result)
            progress(len(results), f"{result['name'] or result['id']}: {result['status']}"
                                   f"{' (' + ', '.join(result['changed']) + ')' if result['changed'] else ''}"
                                   f"{' - ' + result['error'] if result['error'] else ''}")
    failed = sum(1 for r in results if r["status"] == "error")
    return {"synced": len(results) - failed, "failed": failed, "results": results}


@contextmanager
def _cyclic_gc_paused(pause: bool) -> Iterator[None]:
    """A bulk read keeps millions of small acyclic dicts alive to the end; the cyclic collector
    would rescan them again and again (~2 s of a 10,000-customer sync). Paused meanwhile; on the
    way out they join the oldest generation unscanned (freeze, then unfreeze) instead of being
    swept as one huge young generation."""
    if not pause or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
        gc.unfreeze()
