"""Storing what instances send, before anything else happens to it.

Each function takes items already checked by app/billing/usage_input.py and returns one
result per item. They flush; the API view commits, then answers 202.
"""
from __future__ import annotations

from datetime import datetime

import orjson
from sqlalchemy import select, tuple_

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
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return _insert_postgresql(session, rows, now)
    if dialect == "sqlite":
        return _insert_sqlite(session, rows, now)
    return _insert_checking_first(session, rows, now)  # pragma: no cover - other databases


# One statement and two parameters whatever the batch size: the rows travel as one JSON text that
# the database unpacks, run on the DBAPI cursor of the session's transaction, so neither SQLAlchemy
# nor the driver handles 3,000 bound values or 500 result rows one by one.
_COLUMNS = 'identifier, organisation_id, event_name, "value", "timestamp", received_at'
_POSTGRESQL_INSERT = (
    f"INSERT INTO usage_events ({_COLUMNS}) "
    "SELECT e ->> 0, e ->> 1, e ->> 2, CAST(e ->> 3 AS bigint), CAST(e ->> 4 AS timestamp), %s "
    "FROM json_array_elements(CAST(%s AS json)) AS e "
    "ON CONFLICT (identifier) DO NOTHING RETURNING identifier")
_SQLITE_INSERT = (
    f"INSERT INTO usage_events ({_COLUMNS}) "
    "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), "
    "json_extract(value, '$[3]'), json_extract(value, '$[4]'), ? "
    "FROM json_each(?) WHERE true "  # WHERE: SQLite's parser needs it before ON CONFLICT
    "ON CONFLICT (identifier) DO NOTHING RETURNING identifier")


def _insert_postgresql(session, rows: list[dict], now: datetime) -> set[str]:
    return _returned(session, _POSTGRESQL_INSERT, (now, _rows_json(rows)))


def _insert_sqlite(session, rows: list[dict], now: datetime) -> set[str]:
    return _returned(session, _SQLITE_INSERT, (sqlite_datetime(now), _rows_json(rows)))


def _rows_json(rows: list[dict]) -> str:
    return orjson.dumps([(r["identifier"], r["organisation_id"], r["event_name"], r["value"],
                          sqlite_datetime(r["timestamp"])) for r in rows]).decode()


def _returned(session, sql: str, params: tuple) -> set[str]:
    cursor = session.connection().connection.cursor()  # in the session's transaction (begun here if need be)
    try:
        cursor.execute(sql, params)
        return {identifier for (identifier,) in cursor.fetchall()}
    finally:
        cursor.close()


def _insert_checking_first(session, rows: list[dict], now) -> set[str]:  # pragma: no cover
    known = set(session.scalars(select(UsageEvent.identifier).where(
        UsageEvent.identifier.in_([r["identifier"] for r in rows]))))
    rows = [{**r, "received_at": now} for r in rows if r["identifier"] not in known]
    if rows:
        session.execute(UsageEvent.__table__.insert(), rows)
    return {r["identifier"] for r in rows}


def sqlite_datetime(moment: datetime) -> str:
    """The text SQLAlchemy stores for a DateTime on SQLite (so range queries compare alike); PostgreSQL reads it too."""
    return moment.isoformat(" ", "microseconds")
