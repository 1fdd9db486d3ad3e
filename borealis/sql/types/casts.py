"""Casts between the registry's types, following PostgreSQL's pg_cast.

`can_coerce(src, dst, context)` answers whether a coercion exists in an implicit,
assignment or explicit context (pg_cast rows, plus I/O conversion to string types in
assignment context and from string types in explicit context, plus element-wise array
coercion, plus unknown-typed literals to anything). `cast_function` builds the
conversion once (for compiled expressions); `cast` applies it to one value.
`common_type` is PostgreSQL's select_common_type (UNION/CASE/VALUES resolution).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any

from borealis.core import errors, oids
from borealis.sql.types import _common as c
from borealis.sql.types import arrays, jsontypes, numbers, strings
from borealis.sql.types import datetimes as dt
from borealis.sql.types._common import out_of_range
from borealis.sql.types.interval import USECS_PER_DAY, Interval
from borealis.sql.types.registry import TypeInfo, find_type, format_type, regclass_in


class Coercion(IntEnum):
    """Coercion contexts, weakest first: a cast usable in a context is usable in any
    stronger one."""

    IMPLICIT = 0
    ASSIGNMENT = 1
    EXPLICIT = 2


Convert = Callable[[Any], Any]

_CONTEXT_NAMES = {"implicit": Coercion.IMPLICIT, "assignment": Coercion.ASSIGNMENT,
                  "explicit": Coercion.EXPLICIT, "i": Coercion.IMPLICIT,
                  "a": Coercion.ASSIGNMENT, "e": Coercion.EXPLICIT}


def coercion(context: Coercion | str) -> Coercion:
    """A Coercion from itself or its name ('implicit', 'assignment', 'explicit')."""
    return _CONTEXT_NAMES[context] if isinstance(context, str) else context

# --- conversion functions -----------------------------------------------------------

_INT_RANGES = {
    oids.INT2: (-(2**15), 2**15 - 1, "smallint"),
    oids.INT4: (-(2**31), 2**31 - 1, "integer"),
    oids.INT8: (-(2**63), 2**63 - 1, "bigint"),
}


def _narrow(dst: int) -> Convert:
    lo, hi, name = _INT_RANGES[dst]

    def convert(v: int) -> int:
        if v < lo or v > hi:
            raise out_of_range(f"{name} out of range")
        return v

    return convert


def _float_to_int(dst: int) -> Convert:
    lo, hi, name = _INT_RANGES[dst]

    def convert(v: float) -> int:
        # rint(): round half to even, which is what round() does for floats.
        if v != v or v in (math.inf, -math.inf):
            raise out_of_range(f"{name} out of range")
        r = round(v)
        if r < lo or r > hi:
            raise out_of_range(f"{name} out of range")
        return r

    return convert


def _numeric_to_int(dst: int) -> Convert:
    lo, hi, name = _INT_RANGES[dst]

    def convert(v: Decimal) -> int:
        if not v.is_finite():
            what = "NaN" if v.is_nan() else "infinity"
            raise errors.FeatureNotSupported(what=f"cannot convert {what} to {name}")
        if v.adjusted() > 20:
            raise out_of_range(f"{name} out of range")
        r = int(v.to_integral_value(rounding=ROUND_HALF_UP))
        if r < lo or r > hi:
            raise out_of_range(f"{name} out of range")
        return r

    return convert


def int_to_float4(v: int) -> float:
    """The nearest float4 to an integer, rounded once (not via a double)."""
    if -(2**53) <= v <= 2**53:
        return numbers.to_float32(float(v))
    a = abs(v)
    shift = a.bit_length() - 24
    q, r = divmod(a, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    return math.copysign(float(q << shift), v)


def float8_to_float4(v: float) -> float:
    try:
        single = numbers.to_float32(v)
    except OverflowError:
        raise out_of_range("value out of range: overflow") from None
    if single == 0.0 and v != 0.0:
        raise out_of_range("value out of range: underflow")
    return single


def _float_to_numeric(digits: int) -> Convert:
    # PostgreSQL prints the float with DBL_DIG / FLT_DIG significant digits first.
    def convert(v: float) -> Decimal:
        if v != v:
            return numbers.NUMERIC_NAN
        if v in (math.inf, -math.inf):
            return numbers.NUMERIC_INF if v > 0 else numbers.NUMERIC_NEG_INF
        return Decimal(f"{v:.{digits}g}")

    return convert


def numeric_to_float8(v: Decimal) -> float:
    return numbers.float8_in(numbers.numeric_out(v))


def numeric_to_float4(v: Decimal) -> float:
    return numbers.float4_in(numbers.numeric_out(v))


def _int4_to_char(v: int) -> str:
    if v < -128 or v > 127:
        raise out_of_range('"char" out of range')
    return chr(v & 0xFF) if v else ""


def _char_to_int4(v: str) -> int:
    o = ord(v) if v else 0
    return o - 256 if o >= 128 else o


def _int8_to_oid(v: int) -> int:
    if v < -(2**31) or v > 0xFFFFFFFF:
        raise out_of_range("OID out of range")
    return v & 0xFFFFFFFF


def _oid_to_int4(v: int) -> int:
    return v - 2**32 if v >= 2**31 else v


def _jsonb_to_numeric(target: str) -> Callable[[str], Decimal]:
    def convert(v: str) -> Decimal:
        x = jsontypes.jsonb_parse(v)
        if isinstance(x, bool) or not isinstance(x, int | Decimal):
            raise errors.InvalidParameterValue(
                what=f"cannot cast jsonb {jsontypes.value_kind(x, 'numeric')} to type {target}")
        return Decimal(x)

    return convert


def _jsonb_to_bool(v: str) -> bool:
    x = jsontypes.jsonb_parse(v)
    if not isinstance(x, bool):
        raise errors.InvalidParameterValue(
            what=f"cannot cast jsonb {jsontypes.value_kind(x, 'numeric')} to type boolean")
    return x


def _chain(*steps: Convert) -> Convert:
    def convert(v: Any) -> Any:
        for step in steps:
            v = step(v)
        return v

    return convert


def _bool_to_text(v: bool) -> str:
    return "true" if v else "false"


def _to_utc(v):
    return v.astimezone(dt.UTC)


# --- pg_cast ------------------------------------------------------------------------

IMP, ASG, EXP = Coercion.IMPLICIT, Coercion.ASSIGNMENT, Coercion.EXPLICIT
_BINARY = None  # binary-coercible: the value is unchanged


def _cast_rows() -> list[tuple[int, int, Coercion, Convert | None]]:
    INT2, INT4, INT8 = oids.INT2, oids.INT4, oids.INT8
    F4, F8, NUM = oids.FLOAT4, oids.FLOAT8, oids.NUMERIC
    TEXT, VARCHAR, BPCHAR = oids.TEXT, oids.VARCHAR, oids.BPCHAR
    TS, TSTZ = oids.TIMESTAMP, oids.TIMESTAMPTZ
    jsonb_num = _jsonb_to_numeric("numeric")
    rows: list[tuple[int, int, Coercion, Convert | None]] = [
        (INT8, INT2, ASG, _narrow(INT2)), (INT8, INT4, ASG, _narrow(INT4)),
        (INT8, F4, IMP, int_to_float4), (INT8, F8, IMP, float), (INT8, NUM, IMP, Decimal),
        (INT2, INT4, IMP, _BINARY), (INT2, INT8, IMP, _BINARY), (INT2, F4, IMP, int_to_float4),
        (INT2, F8, IMP, float), (INT2, NUM, IMP, Decimal),
        (INT4, INT8, IMP, _BINARY), (INT4, INT2, ASG, _narrow(INT2)),
        (INT4, F4, IMP, int_to_float4), (INT4, F8, IMP, float), (INT4, NUM, IMP, Decimal),
        (INT4, oids.BOOL, EXP, lambda v: v != 0), (oids.BOOL, INT4, EXP, int),
        (INT4, c.CHAR, EXP, _int4_to_char), (c.CHAR, INT4, EXP, _char_to_int4),
        (F4, INT2, ASG, _float_to_int(INT2)), (F4, INT4, ASG, _float_to_int(INT4)),
        (F4, INT8, ASG, _float_to_int(INT8)), (F4, F8, IMP, _BINARY),
        (F4, NUM, ASG, _float_to_numeric(6)),
        (F8, INT2, ASG, _float_to_int(INT2)), (F8, INT4, ASG, _float_to_int(INT4)),
        (F8, INT8, ASG, _float_to_int(INT8)), (F8, F4, ASG, float8_to_float4),
        (F8, NUM, ASG, _float_to_numeric(15)),
        (NUM, INT2, ASG, _numeric_to_int(INT2)), (NUM, INT4, ASG, _numeric_to_int(INT4)),
        (NUM, INT8, ASG, _numeric_to_int(INT8)), (NUM, F4, IMP, numeric_to_float4),
        (NUM, F8, IMP, numeric_to_float8),
        # Strings. bpchar drops its trailing spaces when it becomes another string type.
        (TEXT, VARCHAR, IMP, _BINARY), (VARCHAR, TEXT, IMP, _BINARY),
        (TEXT, BPCHAR, IMP, _BINARY), (VARCHAR, BPCHAR, IMP, _BINARY),
        (BPCHAR, TEXT, IMP, strings.bpchar_to_text), (BPCHAR, VARCHAR, IMP, strings.bpchar_to_text),
        (TEXT, c.NAME, IMP, strings.name_in), (VARCHAR, c.NAME, IMP, strings.name_in),
        (BPCHAR, c.NAME, IMP, _chain(strings.bpchar_to_text, strings.name_in)),
        (c.NAME, TEXT, IMP, _BINARY), (c.NAME, VARCHAR, ASG, _BINARY), (c.NAME, BPCHAR, ASG, _BINARY),
        (TEXT, c.CHAR, ASG, strings.text_to_char), (VARCHAR, c.CHAR, ASG, strings.text_to_char),
        (BPCHAR, c.CHAR, ASG, strings.text_to_char),
        (c.CHAR, TEXT, IMP, strings.char_out), (c.CHAR, VARCHAR, ASG, strings.char_out),
        (c.CHAR, BPCHAR, ASG, strings.char_out),
        (oids.BOOL, TEXT, ASG, _bool_to_text), (oids.BOOL, VARCHAR, ASG, _bool_to_text),
        (oids.BOOL, BPCHAR, ASG, _bool_to_text),
        # Date/time.
        (oids.DATE, TS, IMP, lambda v: dt.datetime(v.year, v.month, v.day)),
        (oids.DATE, TSTZ, IMP, lambda v: dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)),
        (TS, oids.DATE, ASG, lambda v: v.date()),
        (TSTZ, oids.DATE, ASG, lambda v: _to_utc(v).date()),
        (TS, TSTZ, IMP, lambda v: v.replace(tzinfo=dt.UTC)),
        (TSTZ, TS, ASG, lambda v: _to_utc(v).replace(tzinfo=None)),
        (TS, oids.TIME, ASG, lambda v: v.time()),
        (TSTZ, oids.TIME, ASG, lambda v: _to_utc(v).time()),
        (oids.TIME, oids.INTERVAL, IMP, lambda v: Interval(0, 0, dt.time_usec(v))),
        (oids.INTERVAL, oids.TIME, ASG,
         lambda v: dt.time_from_usec(v.microseconds % USECS_PER_DAY)),
        # json.
        (oids.JSON, oids.JSONB, ASG, jsontypes.jsonb_in), (oids.JSONB, oids.JSON, ASG, _BINARY),
        (oids.JSONB, oids.BOOL, EXP, _jsonb_to_bool), (oids.JSONB, NUM, EXP, jsonb_num),
        (oids.JSONB, INT2, EXP, _chain(_jsonb_to_numeric("smallint"), _numeric_to_int(INT2))),
        (oids.JSONB, INT4, EXP, _chain(_jsonb_to_numeric("integer"), _numeric_to_int(INT4))),
        (oids.JSONB, INT8, EXP, _chain(_jsonb_to_numeric("bigint"), _numeric_to_int(INT8))),
        (oids.JSONB, F4, EXP, _chain(_jsonb_to_numeric("real"), numeric_to_float4)),
        (oids.JSONB, F8, EXP,
         _chain(_jsonb_to_numeric("double precision"), numeric_to_float8)),
        # OIDs and reg* types.
        (INT8, c.OID, IMP, _int8_to_oid), (INT2, c.OID, IMP, lambda v: v & 0xFFFFFFFF),
        (INT4, c.OID, IMP, lambda v: v & 0xFFFFFFFF),
        (c.OID, INT8, ASG, _BINARY), (c.OID, INT4, ASG, _oid_to_int4),
        (TEXT, c.REGCLASS, IMP, regclass_in), (VARCHAR, c.REGCLASS, IMP, regclass_in),
        (c.INT2VECTOR, c.INT2_ARRAY, IMP, _BINARY), (c.OIDVECTOR, c.OID_ARRAY, IMP, _BINARY),
    ]
    for reg in (c.REGCLASS, c.REGTYPE):
        rows += [
            (INT8, reg, IMP, _int8_to_oid), (INT2, reg, IMP, lambda v: v & 0xFFFFFFFF),
            (INT4, reg, IMP, lambda v: v & 0xFFFFFFFF), (c.OID, reg, IMP, _BINARY),
            (reg, c.OID, IMP, _BINARY), (reg, INT8, ASG, _BINARY), (reg, INT4, ASG, _oid_to_int4),
        ]
    # Length coercions: the typmod step does the work.
    for oid in (BPCHAR, VARCHAR, NUM, oids.TIME, TS, TSTZ, oids.INTERVAL):
        rows.append((oid, oid, IMP, _BINARY))
    return rows


_CASTS: dict[tuple[int, int], tuple[Coercion, Convert | None]] = {
    (src, dst): (ctx, fn) for src, dst, ctx, fn in _cast_rows()
}


# --- pathways -----------------------------------------------------------------------


def _category(oid: int) -> str:
    info = find_type(oid)
    return info.category if info is not None else "U"


def _array_elems(src: TypeInfo, dst: TypeInfo) -> tuple[int, int] | None:
    if src.is_array and dst.is_array and src.delimiter == "," and dst.delimiter == ",":
        return src.elem_oid, dst.elem_oid
    return None


def can_coerce(src: int, dst: int, context: Coercion | str = Coercion.IMPLICIT) -> bool:
    """Whether a value of type `src` may become `dst` in `context` (PostgreSQL's
    find_coercion_pathway; unknown-typed literals coerce to anything). `context` is a
    Coercion or 'implicit' / 'assignment' / 'explicit'."""
    context = coercion(context)
    if src == dst or src == oids.UNKNOWN:
        return True
    row = _CASTS.get((src, dst))
    if row is not None:
        return row[0] <= context
    src_info, dst_info = find_type(src), find_type(dst)
    if src_info is None or dst_info is None:
        return False
    elems = _array_elems(src_info, dst_info)
    if elems is not None:
        return can_coerce(elems[0], elems[1], context)
    if context >= Coercion.ASSIGNMENT and dst_info.category == "S":
        return True
    return context >= Coercion.EXPLICIT and src_info.category == "S"


def implicit_cast(src: int, dst: int) -> bool:
    """Whether `src` coerces to `dst` implicitly (in expressions)."""
    return can_coerce(src, dst, Coercion.IMPLICIT)


def is_binary_coercible(src: int, dst: int) -> bool:
    """Whether the cast leaves the value unchanged (pg_cast castmethod 'b')."""
    if src == dst:
        return True
    row = _CASTS.get((src, dst))
    return row is not None and row[1] is _BINARY and row[0] == Coercion.IMPLICIT


def _via_io(src: TypeInfo, dst: TypeInfo, typmod: int) -> Convert:
    text_out, text_in = src.text_out, dst.text_in
    # Input functions get typmod -1 (the length coercion follows), except interval,
    # whose input needs the field restriction to read bare numbers.
    in_typmod = typmod if dst.oid == oids.INTERVAL else -1
    return lambda v: text_in(text_out(v), in_typmod)


def _conversion(src: int, dst: int, typmod: int, explicit: bool) -> tuple[Convert, bool] | None:
    """(conversion, whether it applied the typmod), or None if there is no pathway."""
    src_info, dst_info = find_type(src), find_type(dst)
    elems = _array_elems(src_info, dst_info) if src_info and dst_info else None
    if elems is not None and (src != dst or typmod >= 0):
        inner = cast_function(elems[0], elems[1], typmod, explicit=explicit)
        return (lambda v: arrays.map_elements(v, inner)), True
    if src == dst:
        return _identity, False
    row = _CASTS.get((src, dst))
    if row is not None:
        return row[1] or _identity, False
    if src_info is None or dst_info is None:
        return None
    if src == oids.UNKNOWN or dst_info.category == "S" or src_info.category == "S":
        return _via_io(src_info, dst_info, typmod), False
    return None


def _identity(v: Any) -> Any:
    return v


_CACHE: dict[tuple[int, int, int, bool], Convert] = {}


def cast_function(src: int, dst: int, typmod: int = -1, *, explicit: bool = True) -> Convert:
    """A NULL-safe function converting `src` values to `dst` with typmod applied.

    Raises 42846 if PostgreSQL has no cast at all between the types; the caller checks
    the context with `can_coerce`. `explicit` selects an explicit cast's truncation of
    over-long char/varchar values (otherwise 22001).
    """
    key = (src, dst, typmod, explicit)
    fn = _CACHE.get(key)
    if fn is None:
        fn = _CACHE[key] = _build_cast(src, dst, typmod, explicit)
    return fn


def _build_cast(src: int, dst: int, typmod: int, explicit: bool) -> Convert:
    found = _conversion(src, dst, typmod, explicit)
    if found is None:
        raise errors.CannotCoerce(source=format_type(src), target=format_type(dst))
    convert, typmod_done = found
    dst_info = find_type(dst)
    apply = None
    if typmod >= 0 and not typmod_done and dst_info is not None and dst_info.has_typmod:
        apply = dst_info.apply_typmod
    if apply is None:
        if convert is _identity:
            return _identity
        return lambda v: None if v is None else convert(v)
    return lambda v: None if v is None else apply(convert(v), typmod, explicit)


def cast(value: Any, src: int, dst: int, typmod: int = -1, *, explicit: bool = True) -> Any:
    """Convert one value (None stays None); see `cast_function`."""
    return cast_function(src, dst, typmod, explicit=explicit)(value)


# --- common type --------------------------------------------------------------------


def _preferred(oid: int) -> bool:
    info = find_type(oid)
    return info is not None and info.preferred


def common_type(types: Sequence[int], context: str = "UNION") -> int:
    """PostgreSQL's select_common_type: the type UNION/CASE/VALUES/ARRAY[] resolve to.

    Raises 42804 '<context> types X and Y cannot be matched' for mixed categories and
    42846 '<context> could not convert type X to Y' if an input cannot be coerced.
    """
    if not types:
        raise ValueError("common_type needs at least one type")
    first = types[0]
    if all(t == first for t in types) and first != oids.UNKNOWN:
        return first
    ptype = first
    pcategory, ppreferred = _category(ptype), _preferred(ptype)
    for ntype in types[1:]:
        if ntype == oids.UNKNOWN or ntype == ptype:
            continue
        ncategory = _category(ntype)
        if ptype == oids.UNKNOWN:
            ptype, pcategory, ppreferred = ntype, ncategory, _preferred(ntype)
        elif ncategory != pcategory:
            raise errors.DatatypeMismatch(
                what=f"{context} types {format_type(ptype)} and {format_type(ntype)} "
                "cannot be matched")
        elif (not ppreferred and implicit_cast(ptype, ntype)
              and not implicit_cast(ntype, ptype)):
            ptype, pcategory, ppreferred = ntype, ncategory, _preferred(ntype)
    if ptype == oids.UNKNOWN:
        return oids.TEXT
    for t in types:
        if not implicit_cast(t, ptype):
            raise errors.CannotCoerce(
                f"{context} could not convert type {format_type(t)} to {format_type(ptype)}")
    return ptype
