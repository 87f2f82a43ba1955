"""Request validation against the parameter TypedDicts stripe-python generates from Stripe's spec.

Each params class is compiled once into a tree of nodes; `validate` then checks and coerces a
decoded request (form strings or v2 JSON) in one pass, raising Stripe's errors on the first
unknown, missing or ill-typed parameter.
"""

from __future__ import annotations

import decimal
import sys
import types
import typing
from functools import cache

import typing_extensions as te
from stripe._request_options import RequestOptions
from stripe._stripe_object import UntypedStripeObject

from .schema_nodes import (
    EMPTY,
    Bool,
    Decimal,
    Enum,
    Float,
    Int,
    List,
    Map,
    Node,
    Obj,
    Str,
    Union,
)

_REQUEST_OPTION_KEYS = frozenset(RequestOptions.__annotations__)
_LITERAL_ORIGINS = {typing.Literal, te.Literal}
_WRAPPERS = {typing.NotRequired, typing.Required, te.NotRequired, te.Required}


def _resolve(tp, ns):
    if isinstance(tp, str):
        return _resolve(eval(tp, ns), ns)  # noqa: S307 - trusted SDK annotations
    if isinstance(tp, typing.ForwardRef):
        return _resolve(eval(tp.__forward_arg__, ns), ns)  # noqa: S307
    return tp


def _compile(tp, ns, cache):
    tp = _resolve(tp, ns)
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in _WRAPPERS:
        return _compile(args[0], ns, cache)
    if origin in _LITERAL_ORIGINS:
        return Enum(args)
    if origin in (typing.Union, types.UnionType):
        return _compile_union(args, ns, cache)
    if origin is list:
        return List(_compile(args[0], ns, cache))
    if origin is dict:
        return Map(_compile(args[1], ns, cache))
    if origin is UntypedStripeObject:
        return Map(_compile(args[0], ns, cache) if args else Node())
    if te.is_typeddict(tp):
        return compile_class(tp, cache)
    return _SCALARS.get(tp, Node)()


_SCALARS = {str: Str, int: Int, bool: Bool, float: Float, decimal.Decimal: Decimal}


def _compile_union(args, ns, cache):
    nodes = [_compile(a, ns, cache) for a in args]
    allow_empty = False
    enum_values = set()
    others = []
    for node in nodes:
        if isinstance(node, Enum):
            values = set(node.values)
            if EMPTY in values:
                allow_empty = True
                values.discard(EMPTY)
            enum_values |= values
        elif isinstance(node, Union):
            allow_empty = allow_empty or node.allow_empty
            others.extend(node.options)
        else:
            others.append(node)
    if enum_values:
        # `Literal[...]|str` is the SDK's forward-compatible enum: the API still enforces it.
        others = [n for n in others if type(n) is not Str]
        others.append(Enum(enum_values))
    maps = [n for n in others if isinstance(n, Map)]
    if len(maps) > 1:
        others = [n for n in others if not isinstance(n, Map)] + maps[:1]
    if len(others) == 1:
        return Union(others, True) if allow_empty else others[0]
    return Union(others, allow_empty)


def compile_class(cls, cache=None):
    """Compile a params TypedDict (request options excluded) into an `Obj` node."""
    cache = {} if cache is None else cache
    if cls in cache:
        return cache[cls]
    node = cache[cls] = Obj(cls.__name__)
    ns = vars(sys.modules[cls.__module__])
    skip = _REQUEST_OPTION_KEYS if _inherits_options(cls) else frozenset()
    node.fields = {k: _compile(t, ns, cache) for k, t in cls.__annotations__.items()
                   if k not in skip}
    node.required = tuple(k for k in cls.__required_keys__ if k not in skip)
    return node


def _inherits_options(cls):
    return any(b is RequestOptions for b in getattr(cls, "__orig_bases__", ()))


@cache
def schema_for(cls):
    """The cached compiled schema of a params class (one per route)."""
    return compile_class(cls)


def validate(cls, params):
    """Check and coerce decoded params against `cls`; returns the typed dict."""
    if cls is None:
        return params
    return schema_for(cls).validate(params)
