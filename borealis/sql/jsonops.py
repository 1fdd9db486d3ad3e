"""JSON operators: -> ->> #> #>> @> <@ ? || on json and jsonb.

json values are held as their text; jsonb as its canonical text (see `sql.types`).
Operators parse on use; `bind(name, left, right)` returns None when `name` is not a
JSON operator for these operand types.
"""

from __future__ import annotations

from typing import Any

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql.expr import Call, Expr
from borealis.sql.types.jsontypes import json_text, jsonb_parse

TEXT, INT4, BOOL, JSON, JSONB = 25, 23, 16, 114, 3802
TEXT_ARRAY = 1009


def _load(text: str) -> Any:
    return jsonb_parse(text)


def _dump(value: Any, oid: int) -> str:
    return json_text(value, oid)


def _get(doc: Any, key: Any) -> Any:
    if isinstance(doc, dict) and isinstance(key, str):
        return doc.get(key, _MISSING)
    if isinstance(doc, list) and isinstance(key, int) and -len(doc) <= key < len(doc):
        return doc[key]
    return _MISSING


_MISSING = object()


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json_text(value, JSONB)


def _path(doc: Any, path: tuple) -> Any:
    for step in path:
        if step is None:
            return _MISSING
        if isinstance(doc, list):
            try:
                step = int(step)
            except ValueError:
                return _MISSING
        doc = _get(doc, step)
        if doc is _MISSING:
            return _MISSING
    return doc


def _contains(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and _contains(a[k], v) for k, v in b.items())
    if isinstance(a, list) and isinstance(b, list):
        return all(any(_contains(x, y) for x in a) for y in b)
    if isinstance(a, list) and not isinstance(b, (dict, list)):
        return any(x == b and type(x) is type(b) for x in a)
    return a == b and type(a) is type(b)


def bind(name: str, left: Expr, right: Expr) -> Expr | None:
    if left.oid not in (JSON, JSONB):
        return None
    oid = left.oid
    if name in ("->", "->>"):
        key_type = right.oid if right.oid in (INT4, 20, 21) else TEXT
        arg = C.coerce(right, INT4 if key_type != TEXT else TEXT)
        as_text = name == "->>"

        def get(doc: str, key: Any) -> Any:
            found = _get(_load(doc), key)
            if found is _MISSING:
                return None
            if as_text:
                return _as_text(found)
            return _dump(found, oid)
        return Call(TEXT if as_text else oid, name=name, fn=get, args=(left, arg))
    if name in ("#>", "#>>"):
        arg = C.coerce(right, TEXT_ARRAY)
        as_text = name == "#>>"

        def get_path(doc: str, path: tuple) -> Any:
            found = _path(_load(doc), path)
            if found is _MISSING:
                return None
            return _as_text(found) if as_text else _dump(found, oid)
        return Call(TEXT if as_text else oid, name=name, fn=get_path, args=(left, arg))
    if oid != JSONB:
        return None
    if name in ("@>", "<@"):
        arg = C.coerce(right, JSONB)
        if name == "@>":
            return Call(BOOL, name=name, fn=lambda a, b: _contains(_load(a), _load(b)),
                        args=(left, arg))
        return Call(BOOL, name=name, fn=lambda a, b: _contains(_load(b), _load(a)),
                    args=(left, arg))
    if name == "?":
        arg = C.coerce(right, TEXT)

        def has_key(doc: str, key: str) -> bool:
            value = _load(doc)
            if isinstance(value, dict):
                return key in value
            if isinstance(value, list):
                return key in [v for v in value if isinstance(v, str)]
            return False
        return Call(BOOL, name=name, fn=has_key, args=(left, arg))
    if name == "||":
        arg = C.coerce(right, JSONB)

        def concat(a: str, b: str) -> str:
            x, y = _load(a), _load(b)
            if isinstance(x, dict) and isinstance(y, dict):
                return _dump({**x, **y}, JSONB)
            xs = x if isinstance(x, list) else [x]
            ys = y if isinstance(y, list) else [y]
            return _dump(xs + ys, JSONB)
        return Call(JSONB, name=name, fn=concat, args=(left, arg))
    if name == "-":
        raise errors.FeatureNotSupported(what="jsonb - operator is not supported yet")
    return None
