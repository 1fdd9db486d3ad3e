"""Record values: rows used as values (type `record`, OID 2249).

A whole-row reference (`SELECT t FROM t`, `row_to_json(t)`) or a row constructor used
as a value (`ROW(a, b)`, `(a, b)`) is a record. Its value is a `Record`: a tuple of the
field values (None for NULL) whose class carries the row's shape, a shared `RowDesc`
of field names and types. `record_class(desc)` makes (and caches) one class per shape
at bind time, so a record costs what a tuple costs and still knows how to print itself,
convert to JSON with its field names, and compare.

Text form is PostgreSQL's composite output `(1,abc)`: a NULL field is empty; a field
is double-quoted when it is empty or holds a quote, backslash, comma, parenthesis or
white space, and quotes and backslashes inside are doubled. Binary form is the field
count, then per field its type OID and its length-prefixed binary value (-1 for NULL).
Input of anonymous records is refused, as PostgreSQL refuses it (0A000).

Records order field by field, each field by its own type's ordering with NULLs after
every value, and two NULL fields compare equal (PostgreSQL's record comparison, which
is not the row-constructor comparison `(a, b) = (c, d)` with its NULL results).
Comparing records of different shapes is 42804, as in PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from borealis.core import errors
from borealis.sql.types._common import INT32, PG_SPACE, UINT32

RECORD = 2249
RECORD_ARRAY = 2287
RECORD_CLASSES_MAX = 4096  # distinct row shapes whose classes are kept
_QUOTE_TRIGGERS = frozenset('"\\(),' + PG_SPACE)


@dataclass(frozen=True, slots=True)
class RowDesc:
    """The shape of a record: field names and type OIDs, in order."""

    names: tuple[str, ...]
    oids: tuple[int, ...]


class Record(tuple):
    """A row value; `desc` (a class attribute) names and types its fields."""

    __slots__ = ()
    desc: ClassVar[RowDesc] = RowDesc((), ())
    _outs: ClassVar[tuple[Callable[[Any], str], ...]] = ()
    _sends: ClassVar[tuple[Callable[[Any], bytes], ...]] = ()
    _keys: ClassVar[tuple[Callable[[Any], Any] | None, ...]] = ()

    def sort_key(self) -> tuple:
        return tuple((1,) if v is None else (0, v if k is None else k(v))
                     for v, k in zip(self, self._keys))

    def _other_key(self, other: Any) -> tuple | None:
        if not isinstance(other, Record):
            return None
        _check_comparable(self.desc, other.desc)
        return other.sort_key()

    def __eq__(self, other: Any) -> bool:
        if type(other) is type(self) and tuple.__eq__(self, other):
            return True
        key = self._other_key(other)
        return NotImplemented if key is None else self.sort_key() == key

    def __ne__(self, other: Any) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __lt__(self, other: Any) -> bool:
        key = self._other_key(other)
        return NotImplemented if key is None else self.sort_key() < key

    def __le__(self, other: Any) -> bool:
        key = self._other_key(other)
        return NotImplemented if key is None else self.sort_key() <= key

    def __gt__(self, other: Any) -> bool:
        key = self._other_key(other)
        return NotImplemented if key is None else self.sort_key() > key

    def __ge__(self, other: Any) -> bool:
        key = self._other_key(other)
        return NotImplemented if key is None else self.sort_key() >= key

    def __hash__(self) -> int:
        return hash(self.sort_key())

    def __repr__(self) -> str:
        return f"Record{tuple.__repr__(self)}"


def _check_comparable(a: RowDesc, b: RowDesc) -> None:
    if a.oids == b.oids:
        return
    if len(a.oids) != len(b.oids):
        raise errors.DatatypeMismatch(
            what="cannot compare record types with different numbers of columns")
    from borealis.sql.types.registry import format_type
    for i, (x, y) in enumerate(zip(a.oids, b.oids)):
        if x != y:
            raise errors.DatatypeMismatch(
                what=f"cannot compare dissimilar column types {_type_name(x, format_type)} "
                     f"and {_type_name(y, format_type)} at record column {i + 1}")


def _type_name(oid: int, format_type: Callable[[int], str]) -> str:
    return "unknown" if oid == 705 else format_type(oid)


@lru_cache(maxsize=RECORD_CLASSES_MAX)
def _class_for(names: tuple[str, ...], oids: tuple[int, ...]) -> type[Record]:
    from borealis.sql.types.registry import type_by_oid
    infos = [type_by_oid(oid) for oid in oids]
    outs = tuple(info.text_out if info is not None else str for info in infos)
    sends = tuple(info.binary_out if info is not None else (lambda v: str(v).encode())
                  for info in infos)
    keys = tuple(info.sort_key if info is not None else None for info in infos)
    return type("Record", (Record,), {"__slots__": (), "desc": RowDesc(names, oids),
                                      "_outs": outs, "_sends": sends, "_keys": keys})


def record_class(names: tuple[str, ...], oids: tuple[int, ...]) -> type[Record]:
    """The Record class of rows with these field names and types (one per shape)."""
    assert len(names) == len(oids), (names, oids)
    return _class_for(tuple(names), tuple(oids))


def make_record(names: tuple[str, ...], oids: tuple[int, ...]) -> Callable[..., Record]:
    """A function building records of this shape from the field values."""
    cls = record_class(names, oids)
    return lambda *values: cls(values)


def quote_field(text: str) -> str:
    """A field's text as record_out writes it."""
    if text and _QUOTE_TRIGGERS.isdisjoint(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '""') + '"'


def record_out(v: Record) -> str:
    parts = ["" if x is None else quote_field(out(x)) for x, out in zip(v, v._outs)]
    return "(" + ",".join(parts) + ")"


def record_send(v: Record) -> bytes:
    parts = [INT32.pack(len(v))]
    for x, oid, send in zip(v, v.desc.oids, v._sends):
        parts.append(UINT32.pack(oid))
        if x is None:
            parts.append(b"\xff\xff\xff\xff")
        else:
            data = send(x)
            parts.append(INT32.pack(len(data)))
            parts.append(data)
    return b"".join(parts)


def _anonymous() -> errors.BorealisError:
    return errors.FeatureNotSupported(what="input of anonymous composite types is not implemented")


def record_in(s: str, typmod: int = -1) -> Record:
    raise _anonymous()


def record_recv(data: bytes, typmod: int = -1) -> Record:
    raise _anonymous()


def record_sort_key(v: Record) -> tuple:
    return v.sort_key()


def record_null_test(v: Record | None, negated: bool) -> bool:
    """`r IS NULL`: the record is NULL or every field is; `r IS NOT NULL`: the record
    is not NULL and no field is (so both can be false)."""
    if v is None:
        return negated is False
    if negated:
        return all(x is not None for x in v)
    return all(x is None for x in v)
