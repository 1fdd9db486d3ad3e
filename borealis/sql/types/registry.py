"""The type registry: one `TypeInfo` per supported PostgreSQL type, keyed by OID.

Everything the SQL engine and the wire layer need to know about a type lives here:
pg_type facts (name, length, category, preferred, element/array OIDs), text and binary
I/O, typmod application, ordering, and whether it can be a key column. Lookups by
SQL spelling (`type_by_name`, `parse_type`) and `format_type` mirror PostgreSQL's.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from borealis.core import errors, oids
from borealis.core.keys import INDEXABLE_OIDS
from borealis.sql.types import _common as c
from borealis.sql.types import (
    arrays,
    datetimes,
    interval,
    jsontypes,
    numbers,
    records,
    strings,
)
from borealis.sql.types._common import VARHDRSZ, no_typmod

TextIn = Callable[[str, int], Any]
TextOut = Callable[[Any], str]
BinaryIn = Callable[[bytes, int], Any]
BinaryOut = Callable[[Any], bytes]
ApplyTypmod = Callable[[Any, int, bool], Any]


@dataclass(frozen=True, slots=True, eq=False)
class TypeInfo:
    """A type: pg_type facts plus its codecs. Codecs take/return Python values.

    - `text_in(s, typmod)` / `binary_in(data, typmod)` parse client input and apply the
      typmod (implicit/assignment semantics) when typmod >= 0; -1 means none.
    - `text_out(v)` / `binary_out(v)` produce exactly what PostgreSQL sends.
    - `apply_typmod(v, typmod, explicit=False)`: length/precision coercion; `explicit`
      gives an explicit cast's truncation instead of an error for char types.
    - `sort_key`: None when Python's ordering of the values is PostgreSQL's; otherwise a
      function whose results order and compare equal as PostgreSQL's values do (NaN
      above everything, char(n) ignoring trailing spaces, jsonb's order, arrays with
      NULLs last). `orderable` is False for types without a btree ordering (json).
    """

    oid: int
    name: str
    sql_name: str
    typlen: int
    byval: bool
    align: str
    category: str
    preferred: bool
    elem_oid: int
    array_oid: int
    text_in: TextIn
    text_out: TextOut
    binary_in: BinaryIn
    binary_out: BinaryOut
    apply_typmod: ApplyTypmod
    sort_key: Callable[[Any], Any] | None
    orderable: bool
    indexable: bool
    has_typmod: bool
    delimiter: str = ","

    @property
    def is_array(self) -> bool:
        return self.category == "A"

    def key(self, value: Any) -> Any:
        """The value's sort key (the value itself when Python orders it correctly)."""
        return value if self.sort_key is None else self.sort_key(value)

    def compare(self, a: Any, b: Any) -> int:
        """-1, 0 or 1 in PostgreSQL's order (non-NULL values)."""
        ka, kb = self.key(a), self.key(b)
        return -1 if ka < kb else (1 if ka > kb else 0)

    def __repr__(self) -> str:
        return f"<TypeInfo {self.name} ({self.oid})>"


_TYPES: dict[int, TypeInfo] = {}


def _register(info: TypeInfo) -> TypeInfo:
    assert info.oid not in _TYPES, info.oid
    _TYPES[info.oid] = info
    return info


def _scalar(oid: int, name: str, sql_name: str, typlen: int, byval: bool, align: str,
            category: str, array_oid: int, codecs: tuple, *, preferred: bool = False,
            apply_typmod: ApplyTypmod = no_typmod, has_typmod: bool = False,
            sort_key: Callable[[Any], Any] | None = None, orderable: bool = True,
            never_quote: bool = False) -> TypeInfo:
    text_in, text_out, binary_in, binary_out = codecs
    info = _register(TypeInfo(
        oid, name, sql_name, typlen, byval, align, category, preferred, 0, array_oid,
        text_in, text_out, binary_in, binary_out, apply_typmod, sort_key, orderable,
        oid in INDEXABLE_OIDS, has_typmod))
    if array_oid:
        _array_of(info, never_quote)
    return info


def _array_of(elem: TypeInfo, never_quote: bool) -> TypeInfo:
    text_in, text_out, binary_in, binary_out, apply = arrays.array_codecs(
        elem.oid, elem.text_in, elem.text_out, elem.binary_in, elem.binary_out,
        elem.apply_typmod, never_quote)
    elem_key = elem.sort_key

    if elem_key is None:
        def flat_key(v: tuple) -> tuple:
            return tuple((1,) if e is None else (0, e) for e in v)
    else:
        def flat_key(v: tuple) -> tuple:
            return tuple((1,) if e is None else (0, elem_key(e)) for e in v)

    def sort_key(v: tuple) -> tuple:
        # PostgreSQL compares the elements in storage order first; equal prefixes order
        # by element count, then dimensionality, then dimensions. The marker (-1, ...)
        # sorts below any element key, which gives exactly that order.
        if type(v) is not arrays.MDArray:
            return flat_key(v)
        shape = arrays.dims(v)
        return flat_key(arrays.flatten(v)) + ((-1, len(shape), shape),)

    align = "d" if elem.align == "d" else "i"
    return _register(TypeInfo(
        elem.array_oid, "_" + elem.name, elem.sql_name + "[]", -1, False, align, "A", False,
        elem.oid, 0, text_in, text_out, binary_in, binary_out, apply, sort_key,
        elem.orderable, False, elem.has_typmod))


def _float_key(v: float) -> tuple:
    return (1, 0.0) if v != v else (0, v)


def _numeric_key(v: Decimal) -> tuple:
    return (1, 0) if v.is_nan() else (0, v)


# --- reg* types: names need the catalog ---------------------------------------------


class RelationResolver(Protocol):
    """What regclass I/O needs from the catalog snapshot of the running statement."""

    def relation_oid(self, name: str) -> int:
        """The OID of a (possibly qualified) relation name; raise UndefinedTable if none."""
        ...

    def relation_name(self, oid: int) -> str | None:
        """The name regclass prints for `oid` (qualified if not on the search path)."""
        ...


RELATION_RESOLVER: contextvars.ContextVar[RelationResolver | None] = contextvars.ContextVar(
    "relation_resolver", default=None
)
"""Set by the QP for each statement; without it regclass is numeric only."""


def _reg_number(s: str) -> int | None:
    t = s.strip(c.PG_SPACE)
    if t == "-":
        return 0
    if t.isascii() and t.isdigit():
        return numbers.oid_in(t)
    return None


def regclass_in(s: str, typmod: int = -1) -> int:
    number = _reg_number(s)
    if number is not None:
        return number
    resolver = RELATION_RESOLVER.get()
    if resolver is None:
        raise errors.UndefinedTable(name=s.strip(c.PG_SPACE))
    return resolver.relation_oid(s.strip(c.PG_SPACE))


def regclass_out(v: int) -> str:
    if v == 0:
        return "-"
    resolver = RELATION_RESOLVER.get()
    name = resolver.relation_name(v) if resolver is not None else None
    return name if name is not None else str(v)


def regtype_in(s: str, typmod: int = -1) -> int:
    number = _reg_number(s)
    if number is not None:
        return number
    return parse_type(s)[0].oid


def regtype_out(v: int) -> str:
    if v == 0:
        return "-"
    return format_type(v) if v in _TYPES else str(v)


# --- the table ----------------------------------------------------------------------

_TEXT = (strings.text_in, strings.text_out, strings.text_recv, strings.text_send)
_OID = (numbers.oid_in, str, numbers.oid_recv, numbers.oid_send)


def _build() -> None:
    n = numbers
    s = strings
    d = datetimes
    iv = interval
    js = jsontypes
    _scalar(oids.BOOL, "bool", "boolean", 1, True, "c", "B", c.BOOL_ARRAY,
            (n.bool_in, n.bool_out, n.bool_recv, n.bool_send), preferred=True,
            never_quote=True)
    _scalar(oids.BYTEA, "bytea", "bytea", -1, False, "i", "U", c.BYTEA_ARRAY,
            (s.bytea_in, s.bytea_out, s.bytea_recv, s.bytea_send))
    _scalar(c.CHAR, "char", '"char"', 1, True, "c", "Z", c.CHAR_ARRAY,
            (s.char_in, s.char_out, s.char_recv, s.char_send))
    _scalar(c.NAME, "name", "name", 64, False, "c", "S", c.NAME_ARRAY,
            (s.name_in, s.text_out, s.name_recv, s.text_send))
    _scalar(oids.INT8, "int8", "bigint", 8, True, "d", "N", c.INT8_ARRAY,
            (n.int8_in, str, n.int8_recv, n.int8_send), never_quote=True)
    _scalar(oids.INT2, "int2", "smallint", 2, True, "s", "N", c.INT2_ARRAY,
            (n.int2_in, str, n.int2_recv, n.int2_send), never_quote=True)
    _scalar(oids.INT4, "int4", "integer", 4, True, "i", "N", c.INT4_ARRAY,
            (n.int4_in, str, n.int4_recv, n.int4_send), never_quote=True)
    _scalar(oids.TEXT, "text", "text", -1, False, "i", "S", c.TEXT_ARRAY, _TEXT,
            preferred=True)
    _scalar(c.OID, "oid", "oid", 4, True, "i", "N", c.OID_ARRAY, _OID, preferred=True,
            never_quote=True)
    _scalar(oids.JSON, "json", "json", -1, False, "i", "U", c.JSON_ARRAY,
            (js.json_in, s.text_out, js.json_recv, js.json_send), orderable=False)
    _scalar(oids.FLOAT4, "float4", "real", 4, True, "i", "N", c.FLOAT4_ARRAY,
            (n.float4_in, n.float4_out, n.float4_recv, n.float4_send), sort_key=_float_key,
            never_quote=True)
    _scalar(oids.FLOAT8, "float8", "double precision", 8, True, "d", "N", c.FLOAT8_ARRAY,
            (n.float8_in, n.float8_out, n.float8_recv, n.float8_send), preferred=True,
            sort_key=_float_key, never_quote=True)
    _scalar(oids.UNKNOWN, "unknown", "unknown", -2, False, "c", "X", 0, _TEXT)
    _scalar(oids.BPCHAR, "bpchar", "character", -1, False, "i", "S", c.BPCHAR_ARRAY,
            (s.bpchar_in, s.text_out, s.bpchar_recv, s.text_send),
            apply_typmod=s.bpchar_apply_typmod, has_typmod=True, sort_key=s.bpchar_sort_key)
    _scalar(oids.VARCHAR, "varchar", "character varying", -1, False, "i", "S",
            c.VARCHAR_ARRAY, (s.varchar_in, s.text_out, s.varchar_recv, s.text_send),
            apply_typmod=s.varchar_apply_typmod, has_typmod=True)
    _scalar(oids.DATE, "date", "date", 4, True, "i", "D", c.DATE_ARRAY,
            (d.date_in, d.date_out, d.date_recv, d.date_send), never_quote=True)
    _scalar(oids.TIME, "time", "time without time zone", 8, True, "d", "D", c.TIME_ARRAY,
            (d.time_in, d.time_out, d.time_recv, d.time_send),
            apply_typmod=d.time_apply_typmod, has_typmod=True, never_quote=True)
    _scalar(oids.TIMESTAMP, "timestamp", "timestamp without time zone", 8, True, "d", "D",
            c.TIMESTAMP_ARRAY, (d.timestamp_in, d.timestamp_out, d.timestamp_recv,
                                d.timestamp_send),
            apply_typmod=d.timestamp_apply_typmod, has_typmod=True)
    _scalar(oids.TIMESTAMPTZ, "timestamptz", "timestamp with time zone", 8, True, "d", "D",
            c.TIMESTAMPTZ_ARRAY, (d.timestamptz_in, d.timestamptz_out, d.timestamptz_recv,
                                  d.timestamp_send),
            preferred=True, apply_typmod=d.timestamp_apply_typmod, has_typmod=True)
    _scalar(oids.INTERVAL, "interval", "interval", 16, False, "d", "T", c.INTERVAL_ARRAY,
            (iv.interval_in, iv.interval_out, iv.interval_recv, iv.interval_send),
            preferred=True, apply_typmod=iv.interval_apply_typmod, has_typmod=True)
    _scalar(oids.NUMERIC, "numeric", "numeric", -1, False, "i", "N", c.NUMERIC_ARRAY,
            (n.numeric_in, n.numeric_out, n.numeric_recv, n.numeric_send),
            apply_typmod=n.numeric_apply_typmod, has_typmod=True, sort_key=_numeric_key,
            never_quote=True)
    _scalar(c.REGCLASS, "regclass", "regclass", 4, True, "i", "N", c.REGCLASS_ARRAY,
            (regclass_in, regclass_out, n.oid_recv, n.oid_send))
    _scalar(c.REGTYPE, "regtype", "regtype", 4, True, "i", "N", c.REGTYPE_ARRAY,
            (regtype_in, regtype_out, n.oid_recv, n.oid_send))
    _scalar(oids.UUID, "uuid", "uuid", 16, False, "c", "U", c.UUID_ARRAY,
            (s.uuid_in, s.uuid_out, s.uuid_recv, s.uuid_send), never_quote=True)
    _scalar(oids.JSONB, "jsonb", "jsonb", -1, False, "i", "U", c.JSONB_ARRAY,
            (js.jsonb_in, s.text_out, js.jsonb_recv, js.jsonb_send),
            sort_key=js.jsonb_sort_key)
    _scalar(records.RECORD, "record", "record", -1, False, "d", "P", records.RECORD_ARRAY,
            (records.record_in, records.record_out, records.record_recv, records.record_send),
            sort_key=records.record_sort_key)
    _vector(c.INT2VECTOR, "int2vector", oids.INT2, c.INT2VECTOR_ARRAY, n.int2_in,
            n.int2_send, n.int2_recv)
    _vector(c.OIDVECTOR, "oidvector", c.OID, c.OIDVECTOR_ARRAY, n.oid_in, n.oid_send,
            n.oid_recv)


def _vector(oid: int, name: str, elem_oid: int, array_oid: int, elem_in, elem_send,
            elem_recv) -> None:
    codecs = arrays.vector_codecs(elem_oid, elem_in, elem_send, elem_recv)
    info = _register(TypeInfo(
        oid, name, name, -1, False, "i", "A", False, elem_oid, array_oid, *codecs,
        no_typmod, None, True, False, False, " "))
    _array_of(info, never_quote=False)


_build()

# --- lookups ------------------------------------------------------------------------


def type_by_oid(oid: int) -> TypeInfo | None:
    """The type with this OID, or None if the registry does not know it."""
    return _TYPES.get(oid)


find_type = type_by_oid


def require_type(oid: int) -> TypeInfo:
    """The type with this OID; 42704 if the registry does not know it."""
    info = _TYPES.get(oid)
    if info is None:
        raise errors.UndefinedObject(what=f"type with OID {oid} does not exist")
    return info


def array_type(oid: int) -> int | None:
    """The OID of the array type whose elements are `oid`, or None."""
    info = _TYPES.get(oid)
    return info.array_oid or None if info is not None else None


def element_type(oid: int) -> int | None:
    """The element OID of an array type (int2vector and oidvector included), or None
    for a non-array."""
    info = _TYPES.get(oid)
    return info.elem_oid or None if info is not None and info.is_array else None


def all_types() -> tuple[TypeInfo, ...]:
    return tuple(_TYPES.values())


_NAMES: dict[str, int] = {info.name: info.oid for info in _TYPES.values()}
_NAMES.update({
    "boolean": oids.BOOL,
    '"char"': c.CHAR,
    "smallint": oids.INT2,
    "integer": oids.INT4,
    "int": oids.INT4,
    "bigint": oids.INT8,
    "real": oids.FLOAT4,
    "double precision": oids.FLOAT8,
    "float": oids.FLOAT8,
    "decimal": oids.NUMERIC,
    "dec": oids.NUMERIC,
    "character varying": oids.VARCHAR,
    "char varying": oids.VARCHAR,
    "character": oids.BPCHAR,
    "char": oids.BPCHAR,  # unquoted char is character; the one-byte type is "char"
    "time without time zone": oids.TIME,
    "timestamp without time zone": oids.TIMESTAMP,
    "timestamp with time zone": oids.TIMESTAMPTZ,
})


def _normalise(name: str) -> str:
    text = " ".join(name.strip().split())
    if text.startswith('"') and text.endswith('"') and text != '"char"':
        text = text[1:-1]
    else:
        text = text.lower()
    if text.startswith("pg_catalog."):
        text = text[len("pg_catalog."):]
    return text


def type_by_name(name: str) -> TypeInfo | None:
    """The type an SQL spelling names: 'integer', 'double precision', 'varchar',
    'timestamp with time zone', '"char"', 'text[]', '_int4' (no modifiers); None if
    there is no such type (`parse_type` raises 42704 instead)."""
    text = _normalise(name)
    dims = 0
    while text.endswith("[]"):
        text = text[:-2].rstrip()
        dims += 1
    oid = _NAMES.get(text)
    if oid is None:
        return None
    info = _TYPES[oid]
    if dims:
        return _TYPES.get(info.array_oid) if info.array_oid else None
    return info


def _undefined(name: str) -> errors.BorealisError:
    return errors.UndefinedObject(what=f'type "{name.strip()}" does not exist')


# --- typmods ------------------------------------------------------------------------

MAX_LENGTH = strings.MAX_CHAR_LENGTH


def _length_typmod(typname: str, mods: Sequence[int]) -> int:
    if len(mods) != 1:
        raise errors.SyntaxError(what=f"invalid type modifier for type {typname}")
    n = mods[0]
    if n < 1:
        raise errors.InvalidParameterValue(what=f"length for type {typname} must be at least 1")
    if n > MAX_LENGTH:
        raise errors.InvalidParameterValue(
            what=f"length for type {typname} cannot exceed {MAX_LENGTH}")
    return n + VARHDRSZ


def _numeric_typmod(mods: Sequence[int]) -> int:
    if len(mods) > 2:
        raise errors.InvalidParameterValue(what="invalid NUMERIC type modifier")
    precision = mods[0]
    scale = mods[1] if len(mods) > 1 else 0
    if not 1 <= precision <= numbers.NUMERIC_MAX_PRECISION:
        raise errors.InvalidParameterValue(
            what=f"NUMERIC precision {precision} must be between 1 and "
            f"{numbers.NUMERIC_MAX_PRECISION}")
    if not numbers.NUMERIC_MIN_SCALE <= scale <= numbers.NUMERIC_MAX_SCALE:
        raise errors.InvalidParameterValue(
            what=f"NUMERIC scale {scale} must be between {numbers.NUMERIC_MIN_SCALE} and "
            f"{numbers.NUMERIC_MAX_SCALE}")
    return numbers.numeric_typmod(precision, scale)


_PRECISION_LABELS = {oids.TIME: ("TIME", ""), oids.TIMESTAMP: ("TIMESTAMP", ""),
                     oids.TIMESTAMPTZ: ("TIMESTAMP", " WITH TIME ZONE")}


def _precision_typmod(label: tuple[str, str], mods: Sequence[int]) -> int:
    if len(mods) != 1:
        raise errors.SyntaxError(what="invalid type modifier")
    if mods[0] < 0:
        raise errors.InvalidParameterValue(
            what=f"{label[0]}({mods[0]}){label[1]} precision must not be negative")
    return min(mods[0], datetimes.MAX_TIME_PRECISION)  # PostgreSQL warns and clamps


def make_typmod(oid: int, mods: Sequence[int] = (), *, interval_fields: str | None = None,
                dsql_numeric_default: bool = False) -> int:
    """The typmod for a type name's modifiers, validated as PostgreSQL does.

    `dsql_numeric_default` gives a bare `numeric` Aurora DSQL's numeric(18,6).
    Arrays take their element's typmod.
    """
    info = require_type(oid)
    if info.is_array and info.elem_oid and info.delimiter == ",":
        return make_typmod(info.elem_oid, mods, interval_fields=interval_fields,
                           dsql_numeric_default=dsql_numeric_default)
    if oid == oids.INTERVAL:
        if len(mods) > 1:
            raise errors.SyntaxError(what="invalid type modifier for type interval")
        return interval.interval_typmod(interval_fields, mods[0] if mods else None)
    if not mods:
        if oid == oids.NUMERIC and dsql_numeric_default:
            return numbers.DSQL_NUMERIC_TYPMOD
        return -1
    if oid == oids.VARCHAR:
        return _length_typmod("varchar", mods)
    if oid == oids.BPCHAR:
        return _length_typmod("char", mods)
    if oid == oids.NUMERIC:
        return _numeric_typmod(mods)
    if oid in _PRECISION_LABELS:
        return _precision_typmod(_PRECISION_LABELS[oid], mods)
    raise errors.SyntaxError(what=f'type modifier is not allowed for type "{info.name}"')


def typmod_from(oid: int, mods: Sequence[int], *, dsql_numeric_default: bool = False) -> int:
    """The typmod for the raw modifiers the parser attaches to a TypeName (pglast's
    `typmods`), as the type's typmodin function reads them: for interval that is
    [field mask] or [field mask, precision]; for the others see `make_typmod`."""
    if oid != oids.INTERVAL:
        return make_typmod(oid, mods, dsql_numeric_default=dsql_numeric_default)
    if not mods:
        return -1
    if len(mods) > 2 or (mods[0] not in interval.INTERVAL_FIELDS.values()
                         and mods[0] != interval.INTERVAL_FULL_RANGE):
        raise errors.InvalidParameterValue(what="invalid INTERVAL type modifier")
    if len(mods) == 1:
        return -1 if mods[0] == interval.INTERVAL_FULL_RANGE else (
            (mods[0] << 16) | interval.INTERVAL_FULL_PRECISION)
    if mods[1] < 0:
        raise errors.InvalidParameterValue(
            what=f"INTERVAL({mods[1]}) precision must not be negative")
    return (mods[0] << 16) | min(mods[1], interval.MAX_INTERVAL_PRECISION)


def _split_modifiers(text: str) -> tuple[str, list[int]]:
    """'timestamp(3) with time zone' → ('timestamp with time zone', [3])."""
    open_at = text.find("(")
    if open_at < 0:
        return text, []
    close_at = text.find(")", open_at)
    if close_at < 0:
        raise errors.SyntaxError(what=f'syntax error in type name "{text}"')
    inner = text[open_at + 1 : close_at]
    try:
        mods = [int(part) for part in inner.split(",")]
    except ValueError:
        raise errors.SyntaxError(what=f'syntax error in type name "{text}"') from None
    base = " ".join((text[:open_at] + " " + text[close_at + 1 :]).split())
    return base, mods


def parse_type(spec: str, *, dsql_numeric_default: bool = False) -> tuple[TypeInfo, int]:
    """(TypeInfo, typmod) of a type name with modifiers, e.g. 'numeric(10,2)',
    'varchar(20)[]', 'timestamp(3) with time zone', 'interval day to second(3)',
    'float(24)', 'char' (= character(1))."""
    text = _normalise(spec)
    suffix = ""
    while text.endswith("[]"):
        text, suffix = text[:-2].rstrip(), suffix + "[]"
    base, mods = _split_modifiers(text)
    fields = None
    if base.startswith("interval "):
        base, fields = "interval", base[len("interval "):]
    if base == "float" and mods:
        base, mods = _float_precision(mods[0]), []
    info = type_by_name(base + suffix)
    if info is None:
        raise _undefined(spec)
    if base in ("char", "character") and not mods:
        mods = [1]  # CHARACTER without a length is CHARACTER(1)
    typmod = make_typmod(info.oid, mods, interval_fields=fields,
                         dsql_numeric_default=dsql_numeric_default)
    return info, typmod


def _float_precision(bits: int) -> str:
    if bits < 1:
        raise errors.InvalidParameterValue(what="precision for type float must be at least 1 bit")
    if bits > 53:
        raise errors.InvalidParameterValue(
            what="precision for type float must be less than 54 bits")
    return "real" if bits <= 24 else "double precision"


def format_type(oid: int, typmod: int | None = None) -> str:
    """PostgreSQL's format_type(oid, typmod): 'character varying(10)', 'numeric(10,2)',
    'timestamp(3) with time zone', 'integer[]'. `typmod=None` is format_type(oid, NULL)."""
    info = _TYPES.get(oid)
    if info is None:
        return "???"
    if info.is_array and info.delimiter == ",":
        return format_type(info.elem_oid, typmod) + "[]"
    mod = -1 if typmod is None else typmod
    if oid == oids.BPCHAR:
        if mod >= 0:
            return f"character({mod - VARHDRSZ})"
        return "character" if typmod is None else "bpchar"
    if mod < 0:
        return info.sql_name
    if oid == oids.VARCHAR:
        return f"character varying({mod - VARHDRSZ})"
    if oid == oids.NUMERIC:
        precision, scale = numbers.numeric_typmod_parts(mod)
        return f"numeric({precision},{scale})"
    if oid == oids.TIME:
        return f"time({mod}) without time zone"
    if oid == oids.TIMESTAMP:
        return f"timestamp({mod}) without time zone"
    if oid == oids.TIMESTAMPTZ:
        return f"timestamp({mod}) with time zone"
    if oid == oids.INTERVAL:
        return "interval" + interval.interval_typmod_name(mod)
    return info.sql_name
