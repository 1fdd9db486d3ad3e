"""Codecs for one-dimensional arrays (and int2vector/oidvector), built per element type.

An array value is a tuple whose items are element values or None. Text form is
PostgreSQL's `{1,2,NULL,"a b"}`; binary form is ndim, has-null flag, element OID, then
(length, lower bound) per dimension and length-prefixed elements. Lower bounds other
than 1 are accepted on input and dropped (values do not carry them), and
multidimensional arrays are refused with 0A000.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from borealis.core import errors
from borealis.sql.types._common import INT32, PG_SPACE, UINT32, bad_binary

MAXDIM = 6
_QUOTE_TRIGGERS = frozenset('{},"\\' + PG_SPACE)
_SPACE = frozenset(PG_SPACE)


def _malformed(s: str, detail: str) -> errors.BorealisError:
    return errors.InvalidTextRepresentation(f'malformed array literal: "{s}"', detail=detail)


def _multidimensional() -> errors.BorealisError:
    return errors.FeatureNotSupported(what="multidimensional arrays are not supported")


def quote_element(text: str) -> str:
    """An element's text as array_out writes it: quoted when it has to be."""
    if text and not (len(text) == 4 and text.lower() == "null") and _QUOTE_TRIGGERS.isdisjoint(
        text
    ):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _skip_space(s: str, i: int) -> int:
    n = len(s)
    while i < n and s[i] in _SPACE:
        i += 1
    return i


def _skip_dimensions(s: str, i: int) -> int:
    """Skip an optional '[lo:hi]=' decoration; more than one dimension is refused."""
    if i >= len(s) or s[i] != "[":
        return i
    close = s.find("]", i)
    if close < 0:
        raise _malformed(s, 'Missing "]" after array dimensions.')
    bounds = s[i + 1 : close].split(":")
    if not 1 <= len(bounds) <= 2 or not all(b.strip(PG_SPACE).lstrip("+-").isdigit()
                                               for b in bounds):
        raise _malformed(s, '"[" must introduce explicitly-specified array dimensions.')
    i = _skip_space(s, close + 1)
    if i < len(s) and s[i] == "[":
        raise _multidimensional()
    if i >= len(s) or s[i] != "=":
        raise _malformed(s, 'Missing "=" after array dimensions.')
    return _skip_space(s, i + 1)


def _quoted(s: str, i: int) -> tuple[str, int]:
    """Read a quoted element starting after its opening quote."""
    out: list[str] = []
    n = len(s)
    while i < n:
        c = s[i]
        if c == '"':
            return "".join(out), i + 1
        if c == "\\":
            i += 1
            if i >= n:
                break
            c = s[i]
        out.append(c)
        i += 1
    raise _malformed(s, "Unexpected end of input.")


def _unquoted(s: str, i: int) -> tuple[str | None, int]:
    """Read an unquoted element up to ',' or '}'; None for NULL."""
    out: list[str] = []
    n = len(s)
    escaped = False
    keep = 0  # length of out up to the last escaped or non-space character
    while i < n:
        c = s[i]
        if c in ",}":
            break
        if c in '{"':
            raise _malformed(s, f'Unexpected "{c}" character.')
        if c == "\\":
            i += 1
            if i >= n:
                raise _malformed(s, "Unexpected end of input.")
            out.append(s[i])
            escaped = True
            keep = len(out)
        else:
            out.append(c)
            if c not in _SPACE:
                keep = len(out)
        i += 1
    text = "".join(out[:keep])
    if not text and not escaped:
        raise _malformed(s, f'Unexpected "{s[i] if i < n else "end of input"}" character.')
    if not escaped and len(text) == 4 and text.lower() == "null":
        return None, i
    return text, i


def parse_array_text(s: str) -> list[str | None]:
    """The element texts of a one-dimensional array literal (None for NULL)."""
    i = _skip_dimensions(s, _skip_space(s, 0))
    if i >= len(s) or s[i] != "{":
        raise _malformed(s, 'Array value must start with "{" or dimension information.')
    items: list[str | None] = []
    i = _skip_space(s, i + 1)
    if i < len(s) and s[i] == "}":
        i += 1
    else:
        while True:
            i = _skip_space(s, i)
            if i >= len(s):
                raise _malformed(s, "Unexpected end of input.")
            if s[i] == "{":
                raise _multidimensional()
            if s[i] == '"':
                item, i = _quoted(s, i + 1)
                i = _skip_space(s, i)
            else:
                item, i = _unquoted(s, i)
            items.append(item)
            if i >= len(s):
                raise _malformed(s, "Unexpected end of input.")
            if s[i] == "}":
                i += 1
                break
            if s[i] != ",":
                raise _malformed(s, f'Unexpected "{s[i]}" character.')
            i += 1
    if _skip_space(s, i) != len(s):
        raise _malformed(s, "Junk after closing right brace.")
    return items


def array_codecs(
    elem_oid: int,
    elem_in: Callable[[str, int], Any],
    elem_out: Callable[[Any], str],
    elem_recv: Callable[[bytes, int], Any],
    elem_send: Callable[[Any], bytes],
    elem_typmod: Callable[[Any, int, bool], Any],
    never_quote: bool = False,
    lower_bound: int = 1,
):
    """(text_in, text_out, binary_in, binary_out, apply_typmod) for arrays of a type.

    `never_quote` skips the quoting check for element types whose text never needs
    quotes (numbers, booleans, uuids, dates).
    """

    def text_in(s: str, typmod: int = -1) -> tuple:
        return tuple(None if t is None else elem_in(t, typmod) for t in parse_array_text(s))

    if never_quote:

        def text_out(v: tuple) -> str:
            return "{" + ",".join("NULL" if e is None else elem_out(e) for e in v) + "}"

    else:

        def text_out(v: tuple) -> str:
            return "{" + ",".join(
                "NULL" if e is None else quote_element(elem_out(e)) for e in v) + "}"

    def binary_out(v: tuple) -> bytes:
        head = INT32.pack(1 if v else 0) + INT32.pack(1 if None in v else 0) + UINT32.pack(elem_oid)
        if not v:
            return head
        parts = [head, INT32.pack(len(v)), INT32.pack(lower_bound)]
        for e in v:
            if e is None:
                parts.append(b"\xff\xff\xff\xff")
            else:
                data = elem_send(e)
                parts.append(INT32.pack(len(data)))
                parts.append(data)
        return b"".join(parts)

    def binary_in(data: bytes, typmod: int = -1) -> tuple:
        return _array_recv(data, typmod, elem_oid, elem_recv)

    def apply_typmod(v: tuple, typmod: int, explicit: bool = False) -> tuple:
        if typmod < 0:
            return v
        return tuple(None if e is None else elem_typmod(e, typmod, explicit) for e in v)

    return text_in, text_out, binary_in, binary_out, apply_typmod


def _array_recv(data: bytes, typmod: int, elem_oid: int, elem_recv) -> tuple:
    if len(data) < 12:
        raise bad_binary()
    ndim, flags = INT32.unpack_from(data, 0)[0], INT32.unpack_from(data, 4)[0]
    got_oid = UINT32.unpack_from(data, 8)[0]
    if ndim < 0 or ndim > MAXDIM:
        raise bad_binary(f"invalid number of dimensions: {ndim}")
    if flags not in (0, 1):
        raise bad_binary("invalid array flags")
    if got_oid != elem_oid:
        raise errors.DatatypeMismatch(
            what=f"binary data has array element type {got_oid} instead of expected {elem_oid}"
        )
    if ndim == 0:
        if len(data) != 12:
            raise bad_binary()
        return ()
    if ndim > 1:
        raise _multidimensional()
    if len(data) < 20:
        raise bad_binary()
    count = INT32.unpack_from(data, 12)[0]
    if count < 0:
        raise bad_binary("invalid array dimensions")
    pos, out = 20, []
    for _ in range(count):
        if pos + 4 > len(data):
            raise bad_binary()
        size = INT32.unpack_from(data, pos)[0]
        pos += 4
        if size == -1:
            out.append(None)
            continue
        if size < 0 or pos + size > len(data):
            raise bad_binary()
        out.append(elem_recv(data[pos : pos + size], typmod))
        pos += size
    if pos != len(data):
        raise bad_binary()
    return tuple(out)


def vector_codecs(elem_oid: int, elem_in, elem_send, elem_recv):
    """int2vector/oidvector: space-separated text, array binary format with lbound 0."""

    def text_in(s: str, typmod: int = -1) -> tuple:
        return tuple(elem_in(t) for t in s.split())

    def text_out(v: tuple) -> str:
        return " ".join(map(str, v))

    _, _, binary_in, binary_out, _ = array_codecs(
        elem_oid, elem_in, str, elem_recv, elem_send, lambda v, t, e=False: v,
        never_quote=True, lower_bound=0)
    return text_in, text_out, binary_in, binary_out
