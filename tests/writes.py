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
    """Fails after the block if any row or any emulator object differs from before it.

    The emulator's clock stands still inside the block, so what it does on its own as time passes
    (its once-a-second tick: renewals, invoices finalizing) is never taken for a write."""
    was_frozen = emulator.state.clock.frozen_at is not None
    emulator.freeze(True)
    try:
        rows, objects = database_rows(db), emulator_objects(emulator)
        yield
        db.session.expire_all()
        changed = _table_changes(rows, database_rows(db))
        after = emulator_objects(emulator)
    finally:
        if not was_frozen:
            emulator.freeze(False)
    changed += [f"Stripe {kind} objects changed ({objects.get(kind, '')[:300]} -> {after.get(kind, '')[:300]})"
                for kind in sorted(set(objects) | set(after)) if objects.get(kind) != after.get(kind)]
    assert not changed, "written although refused: " + "; ".join(changed)
