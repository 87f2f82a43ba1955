"""Schema nodes: each checks and coerces one decoded value (form strings or v2 JSON).

Errors carry Stripe's param path (`phases[0][items][1][price]`); nodes pass it down as a
cheap `(parent, key)` chain and `name()` spells it out only when raising.
"""

from __future__ import annotations

import decimal
import re

from . import errors

_INT = re.compile(r"-?\d+\Z")
_DECIMAL = re.compile(r"-?(\d+(\.\d*)?|\.\d+)\Z")
EMPTY = ""


class Node:
    kind = "any"

    def coerce(self, value, param):
        return value


class Str(Node):
    kind = "string"

    def coerce(self, value, param):
        if isinstance(value, str):
            if value == EMPTY:
                raise errors.empty_param(name(param))
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        raise errors.invalid_value(self.kind, value, name(param))


class Int(Node):
    kind = "integer"

    def coerce(self, value, param):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            if value == EMPTY:
                raise errors.empty_param(name(param))
            if _INT.match(value):
                return int(value)
        raise errors.invalid_value(self.kind, value, name(param))


class Bool(Node):
    kind = "boolean"

    def coerce(self, value, param):
        if isinstance(value, bool):
            return value
        if value == "true":
            return True
        if value == "false":
            return False
        if value == EMPTY:
            raise errors.empty_param(name(param))
        raise errors.invalid_value(self.kind, value, name(param))


class Decimal(Node):
    """Decimal strings stay strings: money is never a float here."""

    kind = "decimal"

    def coerce(self, value, param):
        if isinstance(value, (int, decimal.Decimal)) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and _DECIMAL.match(value):
            return value
        if value == EMPTY:
            raise errors.empty_param(name(param))
        raise errors.invalid_value(self.kind, value, name(param))


class Float(Node):
    """Percentages and similar; integral values stay ints so JSON output is exact."""

    kind = "float"

    def coerce(self, value, param):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            text = str(value)
        elif isinstance(value, str) and _DECIMAL.match(value):
            text = value
        else:
            if value == EMPTY:
                raise errors.empty_param(name(param))
            raise errors.invalid_value(self.kind, value, name(param))
        number = decimal.Decimal(text)
        return int(number) if number == number.to_integral_value() else float(number)


class Enum(Node):
    kind = "enum"

    def __init__(self, values):
        self.values = frozenset(values)
        self.ints = {v for v in self.values if isinstance(v, int)}

    def coerce(self, value, param):
        if value in self.values and not isinstance(value, bool):
            return value
        if isinstance(value, str) and self.ints and _INT.match(value) and int(value) in self.ints:
            return int(value)
        if value == EMPTY:
            raise errors.empty_param(name(param))
        raise errors.invalid_enum(name(param), [str(v) for v in self.values])


class List(Node):
    kind = "array"

    def __init__(self, item):
        self.item = item

    def coerce(self, value, param):
        if isinstance(value, dict) and all(k.isdigit() for k in value):
            value = [value[k] for k in sorted(value, key=int)]
        if not isinstance(value, list):
            if value == EMPTY:
                raise errors.empty_param(name(param))
            raise errors.invalid_value(self.kind, value, name(param))
        item = self.item
        if type(item) is Obj and item.flat_ok(value):
            return value
        return [item.coerce(v, (param, i)) for i, v in enumerate(value)]


class Map(Node):
    """Free-form hashes such as `metadata`: any keys, typed values."""

    kind = "hash"

    def __init__(self, value):
        self.value = value

    def coerce(self, value, param):
        if not isinstance(value, dict):
            if value == EMPTY:
                raise errors.empty_param(name(param))
            raise errors.invalid_value(self.kind, value, name(param))
        node = self.value
        if type(node) is Str and all(type(v) is str for v in value.values()):
            return dict(value)
        return {k: _map_value(node, v, (param, k)) for k, v in value.items()}


def _map_value(node, value, param):
    if value == EMPTY and isinstance(node, Str):
        return EMPTY
    return node.coerce(value, param)


class Obj(Node):
    kind = "object"

    def __init__(self, name):
        self.name = name
        self.fields = {}
        self.required = ()
        self._flat = None

    def flat_ok(self, items):
        """Fast path for repeated items (the v2 stream's `events[]`): True when every item
        is a dict of known keys holding non-empty strings / string maps, all required keys
        present. Such items validate to themselves, so they are used as they are; anything
        else (or an object with other field types) goes through `coerce` for the exact error.
        """
        flat = self._flat
        if flat is None:
            flat = self._flat = _flat_spec(self)
        if flat is False:
            return False
        kinds, allowed, required = flat
        for value in items:
            if type(value) is not dict:
                return False
            keys = value.keys()
            if not (keys <= allowed and required <= keys):
                return False
            for key, item in value.items():
                if kinds[key]:
                    if type(item) is not str or not item:
                        return False
                elif type(item) is not dict:
                    return False
                else:
                    for v in item.values():
                        if type(v) is not str:
                            return False
        return True

    def coerce(self, value, param):
        if not isinstance(value, dict):
            if value == EMPTY:
                raise errors.empty_param(name(param))
            raise errors.invalid_value(self.kind, value, name(param))
        return self.validate(value, param)

    def validate(self, value, prefix=None):
        fields = self.fields
        for key in self.required:
            if key not in value:
                if any(k not in fields for k in value):
                    break
                raise errors.missing_param(name(_join(prefix, key)))
        out = {}
        for key, item in value.items():
            node = fields.get(key)
            if node is None:
                raise errors.unknown_param(name(_join(prefix, key)))
            if type(node) is Str and type(item) is str and item:
                out[key] = item
            else:
                out[key] = node.coerce(item, _join(prefix, key))
        return out


def _flat_spec(obj):
    """`(kinds, allowed, required)` when `obj`'s fields are all `Str` (True) or string maps
    (False), else False (no fast path)."""
    kinds = {}
    for key, node in obj.fields.items():
        if type(node) is Str:
            kinds[key] = True
        elif type(node) is Map and type(node.value) is Str:
            kinds[key] = False
        else:
            return False
    return kinds, frozenset(kinds), frozenset(obj.required)


class Union(Node):
    """Alternatives, tried in order; `Literal['']` members become `allow_empty`."""

    kind = "union"

    def __init__(self, options, allow_empty):
        self.options = options
        self.allow_empty = allow_empty

    def coerce(self, value, param):
        if value == EMPTY:
            if self.allow_empty:
                return EMPTY
            raise errors.empty_param(name(param))
        first_error = None
        for option in self.options:
            try:
                return option.coerce(value, param)
            except errors.StripeError as exc:
                if first_error is None or _better(option, value):
                    first_error = exc
        raise first_error


def _better(option, value):
    """Report the error of the option whose shape matches the value (object vs scalar)."""
    return isinstance(value, dict) == isinstance(option, (Obj, Map))


def _join(prefix, key):
    return key if prefix is None else (prefix, key)


def name(param):
    """Stripe's bracketed path from a lazily built `(parent, key)` chain."""
    if not isinstance(param, tuple):
        return param
    keys = []
    while isinstance(param, tuple):
        param, key = param
        keys.append(key)
    return param + "".join(f"[{k}]" for k in reversed(keys))
