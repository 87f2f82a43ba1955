"""Storing what instances send, before anything else happens to it.

Each function takes items already checked by app/billing/usage_input.py and returns one
result per item. They flush; the API view commits, then answers 202.
"""
from __future__ import annotations

from sqlalchemy import select, tuple_
from sqlalchemy.dialects import postgresql, sqlite

from app.models import UsageEvent, UsageReport, UsageRun
from app.services.audit import Actor, record_audit
from app.timeutil import utcnow


def store_usage_reports(session, actor: Actor, items: list[tuple[int, dict]], replace: bool) -> dict[int, dict]:
    """Create, leave alone (identical re-send), replace (only with replace=true, audited) or refuse (conflict)."""
    keys = [(i["organisation_id"], i["instance"], i["date"]) for _, i in items]
    existing = {(r.organisation_id, r.instance, r.date): r for r in _existing_reports(session, keys)}
    results: dict[int, dict] = {}
    for index, item in items:
        key = (item["organisation_id"], item["instance"], item["date"])
        row = existing.get(key)
        if row is None:
            row = UsageReport(organisation_id=key[0], instance=key[1], date=key[2], usage=item["usage"],
                              received_at=utcnow())
            session.add(row)
            existing[key] = row
            results[index] = {"index": index, "status": "created"}
        elif row.usage == item["usage"]:
            results[index] = {"index": index, "status": "unchanged"}
        elif not replace:
            results[index] = {"index": index, "status": "conflict", "field": "usage",
                              "message": "a different report exists for this organization, instance and date; "
                                         "send it again with \"replace\": true to replace it"}
        else:
            before = dict(row.usage)
            row.usage, row.replaced_at = item["usage"], utcnow()
            session.flush()
            record_audit(session, actor, "usage_report.replaced", "usage_report", row.id,
                         before={"usage": before}, after={"usage": row.usage},
                         note=f"{key[0]} {key[1]} {key[2]}")
            results[index] = {"index": index, "status": "replaced"}
    session.flush()
    return results


def _existing_reports(session, keys: list[tuple]) -> list[UsageReport]:
    found: list[UsageReport] = []
    for start in range(0, len(keys), 300):
        chunk = keys[start:start + 300]
        found += session.scalars(select(UsageReport).where(
            tuple_(UsageReport.organisation_id, UsageReport.instance, UsageReport.date).in_(chunk)))
    return found


def store_usage_runs(session, actor: Actor, items: list[tuple[int, dict]]) -> dict[int, dict]:
    """A run summary is the instance's latest word on its night: a re-send updates it."""
    results: dict[int, dict] = {}
    for index, item in items:
        row = session.scalar(select(UsageRun).where(UsageRun.instance == item["instance"],
                                                    UsageRun.date == item["date"]))
        if row is None:
            session.add(UsageRun(**item, received_at=utcnow()))
            results[index] = {"index": index, "status": "created"}
        elif all(getattr(row, k) == v for k, v in item.items()):
            results[index] = {"index": index, "status": "unchanged"}
        else:
            for name, value in item.items():
                setattr(row, name, value)
            row.received_at = utcnow()
            results[index] = {"index": index, "status": "updated"}
        session.flush()
    return results


def store_usage_events(session, actor: Actor, items: list[tuple[int, dict]]) -> dict[int, dict]:
    """Insert new identifiers in one statement; a known identifier is a duplicate, not an error."""
    results: dict[int, dict] = {}
    fresh: dict[str, tuple[int, dict]] = {}
    for index, item in items:
        if item["identifier"] in fresh:
            results[index] = {"index": index, "status": "duplicate", "identifier": item["identifier"]}
        else:
            fresh[item["identifier"]] = (index, item)
    inserted = _insert_new_events(session, [item for _, item in fresh.values()])
    for identifier, (index, _item) in fresh.items():
        results[index] = {"index": index, "identifier": identifier,
                          "status": "created" if identifier in inserted else "duplicate"}
    return results


def _insert_new_events(session, rows: list[dict]) -> set[str]:
    if not rows:
        return set()
    now = utcnow()
    rows = [{**row, "received_at": now} for row in rows]
    dialect = session.get_bind().dialect.name
    insert = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}.get(dialect)
    table = UsageEvent.__table__
    if insert is None:  # pragma: no cover - other databases: check first, then insert
        known = set(session.scalars(select(UsageEvent.identifier).where(
            UsageEvent.identifier.in_([r["identifier"] for r in rows]))))
        rows = [r for r in rows if r["identifier"] not in known]
        if rows:
            session.execute(table.insert(), rows)
        return {r["identifier"] for r in rows}
    # One cached statement run with a list of rows: SQLAlchemy batches it into multi-row INSERTs
    # ("insertmanyvalues") without compiling a statement per batch, as .values(rows) would.
    statement = (insert(table).on_conflict_do_nothing(index_elements=["identifier"])
                 .returning(table.c.identifier))
    return set(session.execute(statement, rows).scalars())
