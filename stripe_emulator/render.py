"""Turn stored objects into response JSON: drop private `_` keys, apply `expand`.

Stored objects are never handed out directly; rendering builds fresh containers, so callers
can serialise outside the lock and events get a snapshot for free. A key stored as `_tiers`
is "includable": it renders as `tiers` only when expanded, as Stripe does for price tiers.
"""

from . import errors


def expand_tree(paths):
    tree = {}
    for path in paths or ():
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def render(state, obj, tree=None):
    if not tree:
        return _copy(obj) if type(obj) is dict else obj
    return _render(state, obj, tree, 0)


def _copy(value):
    """The common case, no `expand`: a deep copy without private keys."""
    out = {}
    for key, item in value.items():
        if key[0] == "_":
            continue
        kind = type(item)
        if kind is dict:
            out[key] = _copy(item) if item else {}
        elif kind is list:
            out[key] = _copy_list(item) if item else []
        else:
            out[key] = item
    return out


def _copy_list(items):
    out = []
    for v in items:
        kind = type(v)
        if kind is dict:
            out.append(_copy(v))
        elif kind is list:
            out.append(_copy_list(v))
        else:
            out.append(v)
    return out


def _render(state, value, tree, depth):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key[:1] == "_":
                public = key[1:]
                if public in tree:
                    out[public] = _render(state, item, tree[public], depth + 1)
                continue
            sub = tree.get(key)
            if sub is None:
                kind = type(item)
                out[key] = (_copy(item) if kind is dict else _copy_list(item) if kind is list
                            else item)
            else:
                out[key] = _expand(state, item, sub, key, depth)
        return out
    if isinstance(value, list):
        return [_render(state, v, tree, depth) for v in value]
    return value


def _expand(state, item, sub, key, depth):
    if depth >= 4:
        raise errors.invalid("You cannot expand more than 4 levels of a property. "
                             f"Property: {key}")
    if isinstance(item, str):
        target = state.find(item)
        if target is None:
            raise errors.invalid(f"This property cannot be expanded ({key}).", param="expand")
        return _render(state, target, sub, depth + 1)
    if isinstance(item, list):
        return [_expand(state, v, sub, key, depth) for v in item]
    if isinstance(item, dict):
        return _render(state, item, sub, depth + 1)
    return item
