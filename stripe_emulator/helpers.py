"""Shared rules every resource follows: object skeletons, metadata, lists, search, diffs."""

from __future__ import annotations

import re

from . import errors
from .render import render

METADATA_MAX_KEYS = 50
METADATA_KEY_MAX = 40
METADATA_VALUE_MAX = 500


def new_object(ctx, kind, prefix, obj_id=None, **fields):
    """`{"id", "object", "created", "livemode": false, ...fields}` with a fresh prefixed id.

    `ctx` may be a handler's `Ctx` or the `State` itself (tick hooks have no request).
    """
    state = getattr(ctx, "state", ctx)
    obj = {"id": obj_id or state.new_id(prefix), "object": kind, "created": state.now(),
           "livemode": False}
    obj.update(fields)
    return obj


def deleted(obj):
    return {"id": obj["id"], "object": obj["object"], "deleted": True}


def merge_metadata(current, update, param="metadata"):
    """Stripe's metadata update: `""` clears all, a `""` value deletes a key; limits enforced."""
    if update is None:
        return current if current is not None else {}
    if update == "":
        return {}
    merged = dict(current or {})
    for key, value in update.items():
        if value == "":
            merged.pop(key, None)
            continue
        if len(key) > METADATA_KEY_MAX:
            raise errors.invalid(f"Invalid key: {key} must be a string under "
                                 f"{METADATA_KEY_MAX} characters", param=param)
        if not isinstance(value, str) or len(value) > METADATA_VALUE_MAX:
            raise errors.invalid(f"Invalid val: {value} must be a string under "
                                 f"{METADATA_VALUE_MAX} characters", param=param)
        merged[key] = value
    if len(merged) > METADATA_MAX_KEYS:
        raise errors.invalid(f"Metadata can have up to {METADATA_MAX_KEYS} keys, but you've "
                             f"set {len(merged)}.", param=param)
    return merged


def nested(prefix, name):
    """Stripe's param path for `name` under `prefix`: ("lines[0]", "pricing[price]") ->
    "lines[0][pricing][price]"; an empty prefix returns `name`."""
    if not prefix:
        return name
    head, bracket, rest = name.partition("[")
    return f"{prefix}[{head}]{bracket}{rest}"


def set_fields(obj, params, names):
    """Copy the given params onto `obj`; `""` unsets to None, as Stripe does."""
    for name in names:
        if name in params:
            value = params[name]
            obj[name] = None if value == "" else value


def filter_created(items, spec, field="created"):
    """Apply a `created` list filter: an exact int or `{gt, gte, lt, lte}`."""
    test = created_test(spec, field)
    return items if test is None else [o for o in items if test(o)]


_RANGE = {"gt": int.__gt__, "gte": int.__ge__, "lt": int.__lt__, "lte": int.__le__}


def created_test(spec, field="created"):
    """`filter_created`'s rule for one object, or None when `spec` filters nothing."""
    if spec is None or spec == "":
        return None
    if isinstance(spec, int):
        return lambda o: o[field] == spec
    checks = [(_RANGE[k], v) for k, v in spec.items() if k in _RANGE]
    return lambda o: o[field] is not None and all(test(o[field], v) for test, v in checks)


def all_of(*tests):
    """One predicate from several (None entries skipped); None when nothing filters."""
    tests = [t for t in tests if t is not None]
    if len(tests) <= 1:
        return tests[0] if tests else None
    return lambda o: all(t(o) for t in tests)


def list_object(ctx, items, url=None, label="object", newest_first=True):
    """Stripe's cursor pagination over `items` given oldest first; returns newest first
    (or in the given order, as for invoice lines)."""
    limit = _limit(ctx)
    newest = list(items)
    if newest_first:
        newest.reverse()
    after, before = _cursors(ctx)
    if after:
        start = _position(newest, after, "starting_after", label) + 1
        page = newest[start:start + limit]
        has_more = start + limit < len(newest)
    elif before:
        end = _position(newest, before, "ending_before", label)
        page = newest[max(0, end - limit):end]
        has_more = end - limit > 0
    else:
        page = newest[:limit]
        has_more = len(newest) > limit
    return {"object": "list", "data": page, "has_more": has_more, "url": url or ctx.url}


def list_collection(ctx, kind, keep=None, label="object", created=None):
    """`list_object` over a whole stored collection filtered by `keep(obj)`, without copying or
    filtering all of it: the cursor is found through the state's position index and only the
    objects up to the end of the page (plus one, for `has_more`) are tested; with the list's
    `created` filter, none older than its floor when the collection is in `created` order."""
    limit = _limit(ctx)
    after, before = _cursors(ctx)
    coll = ctx.state.collection(kind)
    ids, positions = ctx.state.newest_first(kind)
    if before:
        end = _cursor(coll, positions, keep, before, "ending_before", label)
        found = _take(coll, ids, range(end - 1, -1, -1), keep, limit + 1)
        found.reverse()
        return {"object": "list", "data": found[-limit:], "has_more": len(found) > limit, "url": ctx.url}
    start = _cursor(coll, positions, keep, after, "starting_after", label) + 1 if after else 0
    floor = _created_floor(created) if ctx.state.created_descending(kind) else None
    found = _take(coll, ids, range(start, len(ids)), keep, limit + 1, floor)
    return {"object": "list", "data": found[:limit], "has_more": len(found) > limit, "url": ctx.url}


def _limit(ctx):
    limit = (ctx.params or {}).get("limit", 10)
    if not 1 <= limit <= 100:
        raise errors.invalid("Invalid limit: must be between 1 and 100", param="limit")
    return limit


def _cursors(ctx):
    params = ctx.params or {}
    after, before = params.get("starting_after"), params.get("ending_before")
    if after and before:
        raise errors.exclusive("starting_after", "ending_before")
    return after, before


def _cursor(coll, positions, keep, obj_id, param, label):
    """The cursor's position; like `_position`, it must be one of the listed (kept) objects."""
    at = positions.get(obj_id) if isinstance(obj_id, str) else None
    if at is None or (keep is not None and not keep(coll[obj_id])):
        raise errors.no_such(label, obj_id, param)
    return at


def _created_floor(spec):
    """The oldest `created` a list filter lets through, or None."""
    if isinstance(spec, int):
        return spec
    if isinstance(spec, dict):
        floors = [v + (k == "gt") for k, v in spec.items() if k in ("gt", "gte") and isinstance(v, int)]
        return max(floors) if floors else None
    return None


def _take(coll, ids, positions, keep, count, floor=None):
    found = []
    for i in positions:
        obj = coll[ids[i]]
        if floor is not None and obj["created"] < floor:
            break  # newest first in created order: everything further is older still
        if keep is None or keep(obj):
            found.append(obj)
            if len(found) == count:
                break
    return found


def _position(items, obj_id, param, label):
    for i, obj in enumerate(items):
        if obj["id"] == obj_id:
            return i
    raise errors.no_such(label, obj_id, param)


_CLAUSE = re.compile(
    r"""\s*(?P<neg>-)?(?P<field>metadata\[(?P<q>['"])(?P<mkey>.*?)(?P=q)\]|[a-z_.]+)\s*
        (?P<op>:|~|>=|<=|>|<)\s*(?P<val>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]+)\s*""",
    re.X)
_JOIN = re.compile(r"(AND|OR)\s+")


def parse_query(query):
    """Stripe search query language (the subset we need): clauses joined by AND or OR."""
    clauses, joins, pos = [], set(), 0
    while True:
        m = _CLAUSE.match(query, pos)
        if not m:
            raise errors.invalid(f"Invalid search query: {query!r}", param="query")
        val = m["val"]
        if val[:1] in "'\"":
            val = val[1:-1].replace("\\'", "'").replace('\\"', '"')
        field = f"metadata.{m['mkey']}" if m["mkey"] is not None else m["field"]
        clauses.append((bool(m["neg"]), field, m["op"], val))
        pos = m.end()
        if pos >= len(query):
            break
        j = _JOIN.match(query, pos)
        if not j:
            raise errors.invalid(f"Invalid search query: {query!r}", param="query")
        joins.add(j[1])
        pos = j.end()
    if len(joins) > 1:
        raise errors.invalid("Search queries cannot mix AND and OR.", param="query")
    return clauses, ("OR" in joins)


def _matches(obj, clause, fields):
    neg, field, op, val = clause
    if field.startswith("metadata."):
        have = (obj.get("metadata") or {}).get(field[9:])
    elif field in fields:
        have = fields[field](obj)
    else:
        raise errors.invalid(f"Field '{field}' is an unsupported search field.", param="query")
    if op == ":":
        hit = have is not None and str(have).lower() == val.lower()
    elif op == "~":
        hit = have is not None and val.lower() in str(have).lower()
    else:
        hit = have is not None and _compare(int(have), op, int(val))
    return hit != neg


def _compare(a, op, b):
    return {">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def search_object(ctx, items, fields):
    """`/search` endpoints: filter `items` by `ctx.params["query"]`, newest first, paged."""
    clauses, any_of = parse_query(ctx.params["query"])
    combine = any if any_of else all
    hits = [o for o in reversed(items) if combine(_matches(o, c, fields) for c in clauses)]
    limit = ctx.params.get("limit", 10)
    start = int(ctx.params.get("page") or 0)
    page = hits[start:start + limit]
    more = start + limit < len(hits)
    return {"object": "search_result", "data": page, "has_more": more,
            "next_page": str(start + limit) if more else None, "url": ctx.url}


def snapshot(state, obj):
    return render(state, obj)


def previous_attributes(before, after):
    """Stripe's `previous_attributes`: old values of what changed (nested for hashes)."""
    changed = {}
    for key, old in before.items():
        new = after.get(key)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict):
            sub = previous_attributes(old, new)
            sub.update({k: None for k in new if k not in old})
            changed[key] = sub
        else:
            changed[key] = old
    for key in after:
        if key not in before and not key.startswith("_"):
            changed[key] = None
    return changed
