"""Codecs for json and jsonb.

json values are the input text itself (PostgreSQL keeps json verbatim, whitespace and
duplicate keys included) after validation. jsonb values are str too, in jsonb's
canonical output form: object keys sorted by length then bytes, duplicate keys
last-wins, `", "` and `": "` separators, numbers printed as numeric. Storing the
canonical text keeps values comparable with == (mostly: see `jsonb_sort_key` for
PostgreSQL's ordering, in which 1.0 equals 1).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from borealis.core import errors
from borealis.sql.types._common import bad_binary
from borealis.sql.types.numbers import _check_numeric_size, numeric_out

_encode_str = json.encoder.encode_basestring  # escapes exactly what escape_json does


def _reject_constant(name: str) -> Any:
    raise ValueError(f"Token \"{name}\" is invalid.")


def _parse_number(text: str) -> Decimal:
    return _check_numeric_size(Decimal(text))


_DECODER = json.JSONDecoder(parse_float=_parse_number, parse_constant=_reject_constant)
_SORT_DECODER = json.JSONDecoder(parse_float=Decimal)
_DELIMS = frozenset(" \t\n\r,:[]{}\"")


def _syntax_error(typname: str, text: str, exc: Exception) -> errors.BorealisError:
    detail = "The input string ended unexpectedly."
    if isinstance(exc, json.JSONDecodeError):
        if exc.pos < len(text):
            end = exc.pos + 1
            while end < len(text) and text[end] not in _DELIMS:
                end += 1
            detail = f'Token "{text[exc.pos:end]}" is invalid.'
    elif str(exc).startswith("Token"):
        detail = str(exc)
    return errors.InvalidTextRepresentation(f"invalid input syntax for type {typname}",
                                            detail=detail)


def _parse(s: str, typname: str) -> Any:
    try:
        return _DECODER.decode(s)
    except errors.BorealisError:
        raise
    except RecursionError:
        raise errors.InvalidTextRepresentation(
            f"invalid input syntax for type {typname}", detail="JSON nesting is too deep."
        ) from None
    except ValueError as exc:
        raise _syntax_error(typname, s, exc) from None


def _check_surrogates(text: str, typname: str) -> None:
    # The json module lets lone UTF-16 surrogate escapes through; PostgreSQL does not.
    try:
        text.encode()
    except UnicodeEncodeError:
        raise errors.InvalidTextRepresentation(
            f"invalid input syntax for type {typname}",
            detail="Unicode low surrogate must follow a high surrogate.",
        ) from None


def json_in(s: str, typmod: int = -1) -> str:
    value = _parse(s, "json")
    if "\\u" in s:
        _check_surrogates(json.dumps(value, ensure_ascii=False, default=str), "json")
    return s


def _contains_nul(v: Any) -> bool:
    if type(v) is str:
        return "\x00" in v
    if type(v) is list:
        return any(map(_contains_nul, v))
    if type(v) is dict:
        return any(_contains_nul(k) or _contains_nul(x) for k, x in v.items())
    return False


def jsonb_in(s: str, typmod: int = -1) -> str:
    value = _parse(s, "json")
    out = jsonb_dump(value)
    if "\\u" in s:
        if "\\u0000" in s and _contains_nul(value):
            raise errors.UntranslatableCharacter(
                "unsupported Unicode escape sequence",
                detail="\\u0000 cannot be converted to text.",
            )
        _check_surrogates(out, "json")
    return out


def _key_order(item: tuple[str, Any]) -> tuple[int, str]:
    key = item[0]
    # Byte length, then bytes; code-point order equals UTF-8 byte order.
    return (len(key) if key.isascii() else len(key.encode()), key)


def jsonb_dump(v: Any) -> str:
    """Serialise a parsed JSON value the way jsonb_out prints it."""
    t = type(v)
    if t is str:
        return _encode_str(v)
    if t is dict:
        items = sorted(v.items(), key=_key_order)
        return "{" + ", ".join(f"{_encode_str(k)}: {jsonb_dump(x)}" for k, x in items) + "}"
    if t is list:
        return "[" + ", ".join(map(jsonb_dump, v)) + "]"
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return str(v)
    if t is Decimal:
        return numeric_out(v)
    if t is float and v - v == 0:  # finite: print it as the numeric it stands for
        return numeric_out(Decimal(repr(v)))
    raise TypeError(f"cannot serialise {t.__name__} as jsonb")


def _json_dump(v: Any) -> str:
    """Like jsonb_dump but keeping the object's key order and duplicates."""
    t = type(v)
    if t is dict:
        return "{" + ", ".join(f"{_encode_str(k)}: {_json_dump(x)}" for k, x in v.items()) + "}"
    if t is list:
        return "[" + ", ".join(map(_json_dump, v)) + "]"
    return jsonb_dump(v)


def json_text(value: Any, oid: int) -> str:
    """The json (114) or jsonb (3802) text of a parsed JSON value (dicts, lists, str,
    int, float/Decimal, bool, None). jsonb gets its canonical form; json keeps key
    order, with the same separators."""
    return jsonb_dump(value) if oid == 3802 else _json_dump(value)


def json_send(v: str) -> bytes:
    return v.encode()


def json_recv(data: bytes, typmod: int = -1) -> str:
    from borealis.sql.types.strings import text_recv

    return json_in(text_recv(data))


def jsonb_send(v: str) -> bytes:
    return b"\x01" + v.encode()


def jsonb_recv(data: bytes, typmod: int = -1) -> str:
    from borealis.sql.types.strings import text_recv

    if not data or data[0] != 1:
        raise bad_binary(f"unsupported jsonb version number {data[0] if data else 0}")
    return jsonb_in(text_recv(data[1:]))


# --- ordering -----------------------------------------------------------------------

# jsonb's btree order: null < string < number < boolean < array < object; arrays and
# objects compare by element/pair count first, then element by element (object pairs in
# storage order: key, value, key, value ...).


def _value_key(v: Any) -> tuple:
    if v is None:
        return (0,)
    t = type(v)
    if t is str:
        return (1, v)
    if t is bool:
        return (3, v)
    if t is list:
        return (4, len(v), tuple(map(_value_key, v)))
    if t is dict:
        pairs: list[Any] = []
        for k, x in v.items():  # canonical text is already in storage order
            pairs.append(k)
            pairs.append(_value_key(x))
        return (5, len(v), tuple(pairs))
    return (2, v)


def jsonb_sort_key(text: str) -> tuple:
    """A Python-comparable key giving jsonb's ordering and equality."""
    v = _SORT_DECODER.decode(text)
    if type(v) is list:
        # Top-level scalars are one-element pseudo-arrays in PostgreSQL, so an empty
        # top-level array sorts below every scalar and other arrays above them.
        return (0,) if not v else (2, len(v), tuple(map(_value_key, v)))
    if type(v) is dict:
        return (3, _value_key(v))
    return (1, _value_key(v))


def value_kind(value: Any, number: str = "number") -> str:
    """The kind of a parsed JSON value as PostgreSQL names it: object, array, string,
    boolean, null, or `number` (json_typeof says "number", jsonb cast errors "numeric")."""
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return number


def jsonb_parse(text: str) -> Any:
    """The Python value of a jsonb text (numbers with fractions as Decimal)."""
    return _SORT_DECODER.decode(text)
