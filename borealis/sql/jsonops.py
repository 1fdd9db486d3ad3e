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
from borealis.sql.types.arrays import MDArray
from borealis.sql.types.jsontypes import json_text, jsonb_parse, value_kind

TEXT, INT4, BOOL, JSON, JSONB = 25, 23, 16, 114, 3802
RECORD = 2249
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
            if oid == JSON:  # json keeps the member's own text
                return _json_raw_path(doc, (key,), as_text)
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
            if oid == JSON:
                return _json_raw_path(doc, path, as_text)
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
            return isinstance(value, str) and value == key
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
        key = C.coerce(right, TEXT) if right.oid not in (INT4, 20, 21) else C.coerce(right, INT4)
        return Call(JSONB, name=name, fn=delete_key, args=(left, key))
    return None


# -- JSON functions (bound in sql.functions) -------------------------------------------


class NullValueNotAllowed(errors.BorealisError):
    sqlstate = "22004"

_escape = __import__("json").encoder.encode_basestring


def _sql_value_json(value: Any, oid: int) -> Any:
    """A SQL value as a parsed JSON value (for jsonb builders): numbers stay numbers,
    json/jsonb nest, arrays become (nested) lists, records objects of their fields,
    everything else its text."""
    from decimal import Decimal

    from borealis.sql import types as T
    if value is None:
        return None
    if oid in (JSON, JSONB):
        return _load(value)
    if oid == BOOL:
        return bool(value)
    if oid in (20, 21, 23):
        return int(value)
    if oid == 1700:
        return value if value.is_finite() else str(value)
    if oid in (700, 701):
        if value != value or value in (float("inf"), float("-inf")):
            return _float_word(value)
        return Decimal(T.type_by_oid(oid).text_out(value))
    if oid == RECORD:
        desc = value.desc
        return {name: _sql_value_json(v, o) for name, v, o in zip(desc.names, value, desc.oids)}
    elem = T.element_type(oid)
    if elem is not None:
        return _array_value_json(value, elem)
    return _scalar_text(value, oid)


def _array_value_json(value: tuple, elem: int) -> list:
    if type(value) is MDArray:
        return [_array_value_json(sub, elem) for sub in value]
    return [_sql_value_json(v, elem) for v in value]


def _float_word(v: float) -> str:
    return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")


def _scalar_text(value: Any, oid: int) -> str:
    """The JSON string a date/time value becomes (ISO 8601, as to_json writes it)."""
    from borealis.sql import types as T
    if oid == 1082:
        return T.type_by_oid(oid).text_out(value)
    if oid == 1114:
        return T.type_by_oid(oid).text_out(value).replace(" ", "T")
    if oid == 1184:
        text = T.type_by_oid(oid).text_out(value).replace(" ", "T")
        return text + ":00" if len(text) >= 3 and text[-3] in "+-" else text
    info = T.type_by_oid(oid)
    return info.text_out(value) if info is not None else str(value)


def json_fragment(value: Any, oid: int) -> str:
    """The json text of a SQL value, as json_build_object / json_agg / to_json write it."""
    from borealis.sql import types as T
    if value is None:
        return "null"
    if oid == JSON:
        return value
    if oid == JSONB:
        return value
    if oid == BOOL:
        return "true" if value else "false"
    if oid in (20, 21, 23, 1700):
        text = T.type_by_oid(oid).text_out(value)
        return text if oid != 1700 or value.is_finite() else _escape(text)
    if oid in (700, 701):
        if value != value or value in (float("inf"), float("-inf")):
            return _escape(_float_word(value))
        return T.type_by_oid(oid).text_out(value)
    if oid == RECORD:
        return record_json(value)
    elem = T.element_type(oid)
    if elem is not None:
        return array_json(value, elem)
    return _escape(_scalar_text(value, oid))


def record_json(value: Any, pretty: bool = False) -> str:
    """A record as a json object of its fields (row_to_json, to_json): `{"a":1,"b":"x"}`,
    with a line feed after each comma when `pretty`."""
    desc = value.desc
    sep = ",\n " if pretty else ","
    return "{" + sep.join(f"{_escape(name)}:{json_fragment(v, o)}"
                          for name, v, o in zip(desc.names, value, desc.oids)) + "}"


def array_json(value: tuple, elem: int, pretty: bool = False) -> str:
    """An array as nested json arrays (array_to_json, to_json): `[[1,2],[3,4]]`, with a
    line feed between the first dimension's items when `pretty`."""
    sep = ",\n " if pretty else ","
    if type(value) is MDArray:
        return "[" + sep.join(array_json(sub, elem) for sub in value) + "]"
    return "[" + sep.join(json_fragment(v, elem) for v in value) + "]"


def json_agg_text(items: list[Any], oid: int) -> str:
    """json_agg's result: items joined by ", ", with a line feed before each array or
    record after the first (as PostgreSQL writes it)."""
    from borealis.sql import types as T
    structured = oid == RECORD or T.element_type(oid) is not None
    parts = []
    for i, v in enumerate(items):
        if i:
            parts.append(", \n " if structured and v is not None else ", ")
        parts.append(json_fragment(v, oid))
    return "[" + "".join(parts) + "]"


def to_jsonb(value: Any, oid: int) -> str:
    return json_text(_sql_value_json(value, oid), JSONB)


def json_build_object(pairs: list[tuple[Any, int, Any, int]], oid: int) -> str:
    if oid == JSONB:
        out: dict[str, Any] = {}
        for k, koid, v, void in pairs:
            if k is None:
                raise errors.InvalidParameterValue("argument 1: key must not be null")
            out[_key_text(k, koid)] = _sql_value_json(v, void)
        return json_text(out, JSONB)
    parts = []
    for k, koid, v, void in pairs:
        if k is None:
            raise errors.InvalidParameterValue("argument 1: key must not be null")
        parts.append(f"{_escape(_key_text(k, koid))} : {json_fragment(v, void)}")
    return "{" + ", ".join(parts) + "}"


def _key_text(k: Any, oid: int) -> str:
    from borealis.sql import types as T
    if oid in (TEXT, 1043, 1042, 705, 19):
        return k
    return T.type_by_oid(oid).text_out(k)


def json_build_array(items: list[tuple[Any, int]], oid: int) -> str:
    if oid == JSONB:
        return json_text([_sql_value_json(v, o) for v, o in items], JSONB)
    return "[" + ", ".join(json_fragment(v, o) for v, o in items) + "]"


def json_typeof(doc: str) -> str:
    return value_kind(_load(doc))


def json_array_length(doc: str, oid: int) -> int:
    v = _load(doc)
    if isinstance(v, list):
        return len(v)
    if oid == JSONB and not isinstance(v, dict):
        raise errors.InvalidParameterValue("cannot get array length of a scalar")
    raise errors.InvalidParameterValue("cannot get array length of a non-array")


def strip_nulls(doc: str, oid: int) -> str:
    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if x is not None}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    stripped = strip(_load(doc))
    return _dump(stripped, oid) if oid == JSONB else _compact(stripped)


def _compact(v: Any) -> str:
    """json output without spaces, as json_strip_nulls writes it."""
    if isinstance(v, dict):
        return "{" + ",".join(f"{_escape(k)}:{_compact(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list):
        return "[" + ",".join(_compact(x) for x in v) + "]"
    return json_text(v, JSONB)


def jsonb_pretty(doc: str) -> str:
    def pretty(v: Any, depth: int) -> str:
        pad = "    " * (depth + 1)
        end = "    " * depth
        if isinstance(v, dict):
            if not v:
                return "{\n" + end + "}"
            items = sorted(v.items(), key=lambda kv: (len(kv[0].encode()), kv[0]))
            body = ",\n".join(f"{pad}{_escape(k)}: {pretty(x, depth + 1)}" for k, x in items)
            return "{\n" + body + "\n" + end + "}"
        if isinstance(v, list):
            if not v:
                return "[\n" + end + "]"
            body = ",\n".join(pad + pretty(x, depth + 1) for x in v)
            return "[\n" + body + "\n" + end + "]"
        return json_text(v, JSONB)
    return pretty(_load(doc), 0)


def extract_path(doc: str, path: tuple, oid: int, as_text: bool) -> str | None:
    found = _path(_load(doc), path)
    if found is _MISSING:
        return None
    return _as_text(found) if as_text else _dump(found, oid)


def delete_key(doc: str, key: Any) -> str:
    v = _load(doc)
    if isinstance(key, str):
        if isinstance(v, dict):
            v = {k: x for k, x in v.items() if k != key}
        elif isinstance(v, list):
            v = [x for x in v if x != key or not isinstance(x, str)]
        else:
            raise errors.InvalidParameterValue("cannot delete from scalar")
        return _dump(v, JSONB)
    if isinstance(v, dict):
        raise errors.InvalidParameterValue("cannot delete from object using integer index")
    if not isinstance(v, list):
        raise errors.InvalidParameterValue("cannot delete from scalar")
    idx = key if key >= 0 else len(v) + key
    return _dump([x for i, x in enumerate(v) if i != idx], JSONB)


def each(doc: str, oid: int, as_text: bool) -> list[tuple]:
    v = _load(doc)
    if not isinstance(v, dict):
        raise errors.InvalidParameterValue(
            "cannot call %s on a non-object" % ("jsonb_each" if oid == JSONB else "json_each"))
    items = sorted(v.items(), key=lambda kv: (len(kv[0].encode()), kv[0])) if oid == JSONB \
        else list(v.items())
    return [(k, _as_text(x) if as_text else _dump(x, oid)) for k, x in items]


def array_elements(doc: str, oid: int, as_text: bool) -> list[tuple]:
    v = _load(doc)
    if not isinstance(v, list):
        raise errors.InvalidParameterValue(
            "cannot extract elements from a scalar" if not isinstance(v, dict)
            else "cannot extract elements from an object")
    return [(_as_text(x) if as_text else _dump(x, oid),) for x in v]


def object_keys(doc: str, oid: int) -> list[tuple]:
    v = _load(doc)
    if not isinstance(v, dict):
        raise errors.InvalidParameterValue("cannot call jsonb_object_keys on a scalar"
                                           if not isinstance(v, list) else
                                           "cannot call jsonb_object_keys on an array")
    keys = sorted(v, key=lambda k: (len(k.encode()), k)) if oid == JSONB else list(v)
    return [(k,) for k in keys]


# -- json (not jsonb) members as their original text ---------------------------------

_WS = " \t\n\r"
_scanstring = __import__("json").decoder.scanstring


def _skip_ws(t: str, i: int) -> int:
    while i < len(t) and t[i] in _WS:
        i += 1
    return i


def _value_end(t: str, i: int) -> int:
    """The end of the JSON value starting at t[i] (the text is valid json)."""
    c = t[i]
    if c == '"':
        return _scanstring(t, i + 1)[1]
    if c in "{[":
        depth = 0
        while i < len(t):
            c = t[i]
            if c == '"':
                i = _scanstring(t, i + 1)[1]
                continue
            if c in "{[":
                depth += 1
            elif c in "}]":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        return i
    while i < len(t) and t[i] not in ",}]" + _WS:
        i += 1
    return i


def _json_member(t: str, key: Any) -> str | None:
    """The text of member `key` (object key or array index) of json text `t`."""
    i = _skip_ws(t, 0)
    if i >= len(t) or t[i] not in "{[":
        return None
    is_object = t[i] == "{"
    items: list[tuple[Any, int, int]] = []
    i = _skip_ws(t, i + 1)
    index = 0
    while i < len(t) and t[i] not in "}]":
        name: Any = index
        if is_object:
            name, i = _scanstring(t, i + 1)
            i = _skip_ws(t, i) + 1  # the ':'
            i = _skip_ws(t, i)
        end = _value_end(t, i)
        items.append((name, i, end))
        index += 1
        i = _skip_ws(t, end)
        if i < len(t) and t[i] == ",":
            i = _skip_ws(t, i + 1)
    if is_object:
        if not isinstance(key, str):
            return None
        found = [(a, b) for k, a, b in items if k == key]
        return t[found[-1][0]:found[-1][1]] if found else None
    if isinstance(key, str):
        try:
            key = int(key)
        except ValueError:
            return None
    if key < 0:
        key += len(items)
    return t[items[key][1]:items[key][2]] if 0 <= key < len(items) else None


def _json_raw_path(doc: str, path: tuple, as_text: bool) -> str | None:
    text: str | None = doc
    for step in path:
        if step is None or text is None:
            return None
        text = _json_member(text, step)
    if text is None:
        return None
    if as_text:
        if text.startswith('"'):
            return _scanstring(text, 1)[0]
        return None if text == "null" else text
    return text
