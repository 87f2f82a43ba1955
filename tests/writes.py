"""What a refused request must leave alone: every table's rows and every object the emulator holds."""
from __future__ import annotations

import json
from contextlib import contextmanager

from sqlalchemy import select


def database_rows(db) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order (an update shows as well as an insert)."""
    return {table.name: [tuple(row) for row in db.session.execute(
                select(table).order_by(*table.primary_key.columns))]
            for table in db.metadata.sorted_tables}


def emulator_objects(emulator) -> dict[str, str]:
    """The emulator's objects by kind, and its extras (meter usage, ...), as canonical JSON."""
    state = emulator.state
    with state.lock:
        kinds = {kind: json.dumps(objects, sort_keys=True, default=str) for kind, objects in state.objects.items()}
        kinds["extras"] = json.dumps(state.extras, sort_keys=True, default=str)
    return kinds


def _table_changes(before: dict, after: dict) -> list[str]:
    changed = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, []), after.get(name, [])
        if old != new:
            added, removed = [r for r in new if r not in old], [r for r in old if r not in new]
            changed.append(f"table {name}: {len(added)} row(s) new or changed, {len(removed)} gone or changed")
    return changed


@contextmanager
def nothing_written(db, emulator):
    """Fails after the block if any row or any emulator object differs from before it."""
    rows, objects = database_rows(db), emulator_objects(emulator)
    yield
    db.session.expire_all()
    changed = _table_changes(rows, database_rows(db))
    after = emulator_objects(emulator)
    changed += [f"Stripe {kind} objects changed" if kind != "extras" else "Stripe extras (meter usage, ...) changed"
                for kind in sorted(set(objects) | set(after)) if objects.get(kind) != after.get(kind)]
    assert not changed, "written although refused: " + "; ".join(changed)
