"""Text input for many values of one column at once (COPY FROM STDIN).

`column_input(oid, typmod)` returns a function from a column's text values (None for
NULL) to its values, equal to calling the type's `text_in` on each value, but with the
common cases done by C-level operations over the whole column: the JSON decoder reads
a column of integers as one array, and char(n) pads with `str.ljust`.
Whatever the fast check does not vouch for goes through `text_in` value by value, so
errors (and their wording) are always `text_in`'s own.

Only the built-in integer and string types have a fast path; every other type (domains
included: their OIDs are not these) converts value by value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import repeat
from typing import Any

from borealis.sql import types as T
from borealis.sql.types import numbers, strings

ColumnInput = Callable[[Sequence[str | None]], list[Any]]

_VARHDRSZ = 4
_json_decode = json.JSONDecoder().decode
_INT_BITS = {numbers.int2_in: 16, numbers.int4_in: 32, numbers.int8_in: 64}


def column_input(oid: int, typmod: int) -> ColumnInput:
    info = T.type_by_oid(oid)
    text_in = info.text_in

    def each(texts: Sequence[str | None]) -> list[Any]:
        return [None if s is None else text_in(s, typmod) for s in texts]

    bits = _INT_BITS.get(text_in)
    if bits is not None:
        return _with_nulls(_integers(-(1 << (bits - 1)), (1 << (bits - 1)) - 1, each), each)
    if text_in is strings.text_in or (text_in is strings.varchar_in and typmod < _VARHDRSZ):
        return _with_nulls(_strings(None, each), each)
    if text_in is strings.varchar_in:
        return _with_nulls(_strings((typmod - _VARHDRSZ, False), each), each)
    if text_in is strings.bpchar_in:
        width = typmod - _VARHDRSZ if typmod >= _VARHDRSZ else None
        return _with_nulls(_strings((width, True) if width is not None else None, each), each)
    return each


def _with_nulls(fast: ColumnInput, each: ColumnInput) -> ColumnInput:
    """The fast path for columns without NULLs; a column with some goes value by value."""

    def convert(texts: Sequence[str | None]) -> list[Any]:
        if not texts or None in texts:
            return each(texts)
        return fast(texts)

    return convert


def _integers(lo: int, hi: int, each: ColumnInput) -> ColumnInput:
    """Integers parsed by the C JSON decoder, the texts joined into one array.

    JSON's integer (`-?(0|[1-9][0-9]*)`, with space, tab, CR or LF around it) is a
    subset of what PostgreSQL's integer input takes, with the same value. The result
    is trusted only if it has one element per text and every element is an int (not
    a float, bool or anything else): a text that held a comma would add an element,
    and an empty one makes the array invalid, so then each text was one integer.
    Anything else (a leading zero or plus sign, underscores, other spaces) goes
    through `text_in`, which also gives the errors."""

    def convert(texts: Sequence[str]) -> list[Any]:
        try:
            out = _json_decode("[" + ",".join(texts) + "]")
        except (ValueError, RecursionError):  # not JSON (or nested absurdly deep)
            return each(texts)
        if len(out) == len(texts) and set(map(type, out)) == {int} \
                and min(out) >= lo and max(out) <= hi:
            return out
        return each(texts)

    return convert


def _strings(pad: tuple[int, bool] | None, each: ColumnInput) -> ColumnInput:
    """text, varchar(n) (pad = (n, False)) and char(n) (pad = (n, True))."""

    def convert(texts: Sequence[str]) -> list[Any]:
        if "\x00" in "".join(texts):
            return each(texts)  # text_in refuses NUL with its own error
        if pad is None:
            return list(texts)
        width, blank_pad = pad
        if max(map(len, texts)) > width:
            return each(texts)  # too long: truncation rules and errors are text_in's
        return list(map(str.ljust, texts, repeat(width))) if blank_pad else list(texts)

    return convert
