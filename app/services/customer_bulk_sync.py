"""Syncing many customers: read from Stripe's lists, written a chunk at a time while the
lists are still being read, one failure never stopping the others."""
from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager

from sqlalchemy import Row, bindparam, insert, select, update

from app.billing.catalog_config import Catalog
from app.billing.customer_snapshot import changed_sections
from app.billing.plan_fields import changes_note
from app.billing.subscription_plans import plans_following_subscription
from app.gateways.stripe import StripeGatewayError
from app.models import AuditEntry, Customer
from app.refusals import Invalid
from app.services.audit import Actor, changed_fields, jsonable
from app.services.customer_bulk_read import BulkStripeState, read_in_batches
from app.services.customer_sync import (
    KEY_METADATA,
    SYNC_ACTOR,
    TRACKED,
    SyncResult,
    apply_snapshot,
    record_failure,
    sync_customer,
    tracked_from,
)
from app.services.subscription_plans import app_catalog, audit_row, free_price_ids
from app.timeutil import utcnow
from app.unit_of_work import checkpoint

CALLS_PER_CUSTOMER = 5  # customer, tax ids, subscriptions, schedules, invoices
BULK_LISTS = 4  # customers, subscriptions, schedules, invoices
SYNC_CHUNK = 500  # customers written with one statement each and committed together


def sync_customers(session, gateway, customer_ids: list[int], progress, key_metadata: str = KEY_METADATA,
                   actor: Actor = SYNC_ACTOR, catalog: Catalog | None = None) -> dict:
    """Every customer, in the order given; `progress(done, line)` hears of each page and result.

    Many customers are read from whole lists and written a chunk (one commit) at a time as
    their state completes; the others, and any a chunk could not write, one by one.
    """
    results, catalog = {}, app_catalog(catalog)

    def done(result: dict) -> None:
        results[result["id"]] = result
        progress(len(results), _line(result))

    with _cyclic_gc_paused():
        wanted = _bulk_is_cheaper(session, customer_ids)
        if wanted:
            _sync_in_bulk(session, gateway, wanted, done, lambda line: progress(len(results), line), actor,
                          key_metadata, catalog)
        for customer_id in customer_ids:
            if customer_id not in results:
                done(_sync_one(session, gateway, None, customer_id, actor, key_metadata, catalog))
    ordered = [results[i] for i in dict.fromkeys(customer_ids)]
    failed = sum(1 for r in ordered if r["status"] == "error")
    return {"synced": len(ordered) - failed, "failed": failed, "results": ordered}


def _line(result: dict) -> str:
    changed = f" ({', '.join(result['changed'])})" if result["changed"] else ""
    error = f" - {result['error']}" if result["error"] else ""
    return f"{result['name'] or result['id']}: {result['status']}{changed}{error}"


def _bulk_is_cheaper(session, customer_ids: list[int]) -> dict[str, int] | None:
    """Our customers by Stripe id when reading whole lists takes fewer calls than 5 per customer."""
    stripe_ids = dict(session.execute(select(Customer.id, Customer.stripe_customer_id)
                                      .where(Customer.stripe_customer_id.is_not(None))).all())
    pages = BULK_LISTS * (len(stripe_ids) // 100 + 1)
    wanted = {stripe_ids[i]: i for i in customer_ids if i in stripe_ids}
    return wanted if CALLS_PER_CUSTOMER * len(wanted) > 2 * pages else None


def _sync_in_bulk(session, gateway, wanted: dict[str, int], done: Callable[[dict], None],
                  report: Callable[[str], None], actor: Actor, key_metadata: str, catalog: Catalog) -> None:
    """Chunks as Stripe's lists complete them; when a page cannot be read even after its
    retries, whoever is left is read one by one by the caller (each failure on its record)."""
    state = BulkStripeState(set(wanted))
    try:
        with closing(read_in_batches(state, gateway, report, SYNC_CHUNK)) as batches:
            for batch in batches:
                _write_batch(session, gateway, state, [wanted[s] for s in batch], done, actor, key_metadata, catalog)
    except StripeGatewayError as exc:
        session.rollback()
        report(f"reading Stripe's lists failed ({exc}): reading the other customers one by one")


def _write_batch(session, gateway, state: BulkStripeState, customer_ids: list[int], done, actor: Actor,
                 key_metadata: str, catalog: Catalog) -> None:
    try:
        written = _sync_chunk(session, gateway, state, _rows(session, customer_ids), actor, key_metadata, catalog)
        checkpoint(session, "customer_sync_chunk")
    except Exception:  # noqa: BLE001 - a row edited meanwhile, or a failed write: one by one
        session.rollback()
        written = {}
    for customer_id in customer_ids:
        done(written.get(customer_id) or _sync_one(session, gateway, state, customer_id, actor, key_metadata, catalog))


_customers = Customer.__table__
_READ = (_customers.c.id, _customers.c.version, _customers.c.stripe_customer_id, _customers.c.stripe_snapshot,
         _customers.c.configuration_source, _customers.c.linked_customer_id, _customers.c.plans_map,
         *(_customers.c[k] for k in TRACKED))


def _rows(session, customer_ids: list[int]) -> list[Row]:
    return list(session.execute(select(*_READ).where(_customers.c.id.in_(customer_ids))))


def _synced_update(with_snapshot: bool):
    """One statement for a chunk's rows; `version` guards against an edit made since they were read."""
    values = {k: bindparam(f"b_{k}") for k in TRACKED} | {
        "last_synced_at": bindparam("b_now"), "updated_at": bindparam("b_now"), "sync_error": "",
        "version": _customers.c.version + 1,
        "plans_map": bindparam("b_plans_map", type_=_customers.c.plans_map.type)}
    if with_snapshot:
        values["stripe_snapshot"] = bindparam("b_snapshot", type_=_customers.c.stripe_snapshot.type)
    return (update(_customers).values(values)
            .where(_customers.c.id == bindparam("b_id"), _customers.c.version == bindparam("b_version")))


class ChunkNotWritten(RuntimeError):
    """Raised to roll a chunk back; its customers are then synced one by one."""


def _sync_chunk(session, gateway, state: BulkStripeState, rows: list[Row], actor: Actor,
                key_metadata: str, catalog: Catalog) -> dict[int, dict]:
    """The chunk's customers compared in memory, then written with one UPDATE and one INSERT
    of audit entries; one whose extra read fails is left to the one-by-one path."""
    now, request_ids, results, free_ids = utcnow(), gateway.request_ids[-5:], {}, free_price_ids(session)
    updates, audits = {True: [], False: []}, []
    for row in rows:
        try:
            snapshot = state.snapshot(gateway, row.stripe_customer_id, key_metadata)
        except StripeGatewayError:
            continue  # read again, and recorded, one by one
        after, plans_before = tracked_from(snapshot, row), dict(row.plans_map or {})
        plans, plan_changes = plans_following_subscription(catalog, plans_before, snapshot, free_ids)
        old, new = changed_fields({k: getattr(row, k) for k in TRACKED}, after)
        changed = list(new) + (["plans_map"] if plan_changes else []) + [
            f"stripe {s}" for s in changed_sections(row.stripe_snapshot, snapshot)]
        params = {f"b_{k}": v for k, v in after.items()} | {"b_id": row.id, "b_version": row.version, "b_now": now,
                                                            "b_plans_map": plans}
        if row.stripe_snapshot != snapshot:
            params["b_snapshot"] = snapshot
        updates["b_snapshot" in params].append(params)
        if plan_changes:
            audits.append(audit_row(row.id, plans_before, plans, plan_changes, now))
        audits.append({"at": now, "actor_id": actor.user_id, "actor_label": actor.label, "object_type": "customer",
                       "object_id": str(row.id), "action": "customer.synced", "before": jsonable(old),
                       "after": jsonable(new), "stripe_request_ids": request_ids,
                       "note": changes_note(changed)})
        results[row.id] = SyncResult(row.id, "synced", changed).as_dict() | {"name": after["name"]}
    for with_snapshot, batch in updates.items():
        if batch and session.execute(_synced_update(with_snapshot), batch).rowcount != len(batch):
            raise ChunkNotWritten("a customer changed while the chunk was read")
    if audits:
        session.execute(insert(AuditEntry.__table__), audits)
    return results


def _sync_one(session, gateway, state: BulkStripeState | None, customer_id: int, actor: Actor,
              key_metadata: str, catalog: Catalog) -> dict:
    """One customer in its own transaction: from the bulk read when it holds the customer."""
    try:
        customer = session.get(Customer, customer_id)
        if customer is not None and state is not None and state.has(customer.stripe_customer_id):
            result = _from_state(session, gateway, state, customer, actor, key_metadata, catalog)
        else:
            result = sync_customer(session, gateway, customer_id, actor, key_metadata, catalog)
        checkpoint(session, "customer_sync_chunk")
        result = result.as_dict()
    except Exception as exc:  # noqa: BLE001 - recorded per customer, the run goes on
        session.rollback()
        result = SyncResult(customer_id, "error", error=f"{type(exc).__name__}: {exc}").as_dict()
    customer = session.get(Customer, customer_id)
    return result | {"name": customer.name if customer else ""}


def _from_state(session, gateway, state: BulkStripeState, customer: Customer, actor: Actor,
                key_metadata: str, catalog: Catalog) -> SyncResult:
    try:
        snapshot = state.snapshot(gateway, customer.stripe_customer_id, key_metadata)
    except StripeGatewayError as exc:
        return record_failure(session, gateway, actor, customer, exc)
    return apply_snapshot(session, gateway, actor, customer, snapshot, catalog)


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """A bulk read keeps millions of small acyclic dicts alive to the end; the cyclic collector
    would rescan them again and again (~2 s of a 10,000-customer sync). Paused meanwhile; on the
    way out they join the oldest generation unscanned (freeze, then unfreeze) instead of being
    swept as one huge young generation."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
        gc.unfreeze()


def start_customer_sync(session, actor: Actor, customer_ids: list[int], everything: bool):
    """The "Sync selected" / "Sync all" job (its progress shows on the list page)."""
    from app.services.jobs import start_job

    if not everything and not customer_ids:
        raise Invalid("Tick at least one customer, or use Sync all.")
    arguments = {"all": True} if everything else {"customer_ids": customer_ids}
    return start_job(session, actor, "customers.sync", arguments, total=len(customer_ids))
