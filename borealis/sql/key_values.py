"""Key values for comparisons across one type family (PostgreSQL's cross-type btree
operators): `int4col = $1::int8`, `smallintcol < 40000`, `realcol = 0.25`,
`varcharcol = $1::text`.

The binder brings both sides of a comparison to one type by widening the narrower one,
so a column is often wrapped in a cast: `(id)::bigint = $1`. A widening cast within a
family keeps the order and equality of the narrower type's values, so the column's key
(primary or secondary index) can serve the comparison once the compared value is
brought back into the column's type. That happens at execution, when a prepared
statement's parameters are known (`key_value`, `key_set`):

- equality (=, IN, = ANY): the equal value of the column's type, or None — no row —
  when it has none (an int8 past int4's range, a float8 no float4 equals); a float
  zero is 0.0, as keys hold it (-0.0 = 0.0 in SQL), for same-type values too;
- a lower bound (>, >=) or an upper bound (<, <=): the value of the column's type that
  bounds the same rows; past the type's range, no row (`id > 2^32` on int4, None) or no
  bound on that side (`UNBOUNDED`: `id < 2^32` on int4).

Not unwrapped, because the key would not be exactly right: numeric against integers or
floats (equality differs: `intcol = 1.5`), bpchar against text (the cast strips
trailing blanks, which changes equality and order); dates against timestamps would be
exact but are left for when a client needs them.
"""

from __future__ import annotations

import copy
import struct
from typing import Any

from borealis.catalog.model import key_type
from borealis.sql import types as T
from borealis.sql.expr import Call, Col, Expr

INT2, INT4, INT8, FLOAT4, FLOAT8, TEXT, VARCHAR = 21, 23, 20, 700, 701, 25, 1043
INT_RANGE = {INT2: (-(1 << 15), (1 << 15) - 1),
             INT4: (-(1 << 31), (1 << 31) - 1),
             INT8: (-(1 << 63), (1 << 63) - 1)}
# (narrower, wider): casts that keep every value, its equality and its order.
WIDENING = frozenset({(INT2, INT4), (INT2, INT8), (INT4, INT8), (FLOAT4, FLOAT8),
                      (VARCHAR, TEXT)})
CAST_DEPTH_MAX = 3  # ((smallint)::integer)::bigint is as deep as a binder nests them
LOWER, UPPER = (">", ">="), ("<", "<=")


class _Unbounded:
    """A range bound that every value of the column's type satisfies."""

    def __repr__(self) -> str:
        return "UNBOUNDED"


UNBOUNDED: Any = _Unbounded()


def is_cast(expr: Expr) -> bool:
    """A type cast node made by `coerce.coerce` (`(x)::bigint`)."""
    return isinstance(expr, Call) and len(expr.args) == 1 and expr.name.startswith("::") \
        and expr.typmod < 0


def key_column(expr: Expr) -> Col | None:
    """The column `expr` is, possibly under widening casts within its type family."""
    for _ in range(CAST_DEPTH_MAX + 1):
        if isinstance(expr, Col):
            return expr
        if not is_cast(expr) or (expr.args[0].oid, expr.oid) not in WIDENING:  # type: ignore[attr-defined]
            return None
        expr = expr.args[0]  # type: ignore[attr-defined]
    return None


def unwrapped(expr: Expr) -> Expr:
    """`expr` with widening casts of its column removed, for EXPLAIN's Index Cond: the
    column, still typed as the comparison's (an IN list shows as `'{1,2}'::bigint[]`)."""
    col = key_column(expr)
    if col is None or col is expr:
        return expr
    shown = copy.copy(col)
    shown.oid = expr.oid
    return shown


def compatible(column_oid: int, value_oid: int) -> bool:
    """Values of `value_oid` can be brought to `column_oid` keys by `narrow`."""
    if column_oid in INT_RANGE:
        return value_oid in INT_RANGE
    if column_oid in (FLOAT4, FLOAT8):
        return value_oid in (FLOAT4, FLOAT8)
    return key_type(column_oid) == key_type(value_oid)


def needs_narrowing(column_oid: int, value_oid: int) -> bool:
    """Values need `narrow`: a wider integer, or any float (zeros are signed)."""
    return column_oid in (FLOAT4, FLOAT8) or (column_oid != value_oid and column_oid in INT_RANGE)


def narrow(value: Any, column_oid: int, op: str) -> Any:
    """`value` as a key value of the column's type for `column op value` (see the
    module docstring): the value, None (no row) or UNBOUNDED."""
    if value is None:
        return None
    if column_oid in INT_RANGE:
        lo, hi = INT_RANGE[column_oid]
        if lo <= value <= hi:
            return value
        if op in LOWER:
            return None if value > hi else UNBOUNDED
        if op in UPPER:
            return None if value < lo else UNBOUNDED
        return None
    if column_oid == FLOAT4:
        return _narrow_float4(value, op)
    if column_oid == FLOAT8 and value == 0:
        return 0.0  # keys hold -0.0 as 0.0 (equal in SQL: sql.index_keys.normalize_key_value)
    return value


def key_value(value: Expr, column_oid: int, op: str) -> Expr:
    """The key value for `column op value`, computed when the scan starts."""
    if not needs_narrowing(column_oid, value.oid):
        return value
    return Call(column_oid, name="key value", fn=lambda v: narrow(v, column_oid, op),
                args=(value,))


def key_set(values: list[Expr], at: int, array: Expr, column_oid: int) -> Expr:
    """Point keys for `keycol = ANY(array)`: one key tuple per element, the element at
    position `at` and the other key columns' values from `values` (in key order)."""
    fixed = [v.compile() for v in values]
    elements = array.compile()
    elem_oid = T.element_type(array.oid) or column_oid
    convert = needs_narrowing(column_oid, elem_oid)

    def keys() -> list[tuple]:
        arr = elements(())
        if arr is None:
            return []
        others = [f(()) for f in fixed]
        out = []
        for x in T.flatten_array(arr):
            v = narrow(x, column_oid, "=") if convert else x
            out.append((*others[:at], v, *others[at:]))
        return out
    return Call(0, name="key set", fn=keys, args=(), strict=False)


# -- float4 ---------------------------------------------------------------------------------

_F4 = struct.Struct("<f")
_U4 = struct.Struct("<I")
FLT_MAX = _F4.unpack(_U4.pack(0x7F7FFFFF))[0]
INF = float("inf")


def _float4(v: float) -> float:
    return _F4.unpack(_F4.pack(v))[0]


def _next_up(f: float) -> float:
    """The smallest float4 above the finite float4 `f`."""
    if f == 0:
        return _F4.unpack(_U4.pack(1))[0]
    bits = _U4.unpack(_F4.pack(f))[0]
    return _F4.unpack(_U4.pack(bits + 1 if f > 0 else bits - 1))[0]


def _narrow_float4(v: float, op: str) -> Any:
    """A float8 as a float4 key: exact for equality; for a bound, the nearest float4 on
    the side that bounds the same float4 values (`x < 0.1` is `x < up(0.1)`, as no float4
    lies between 0.1's neighbours). Zero is 0.0, as keys hold it."""
    if v != v or v in (INF, -INF):
        return v
    if v > FLT_MAX:
        down, up = FLT_MAX, INF
    elif v < -FLT_MAX:
        down, up = -INF, -FLT_MAX
    else:
        r = _float4(v)
        if r == v:
            down = up = r
        elif r < v:
            down, up = r, _next_up(r)
        else:
            down, up = -_next_up(-r), r
    if op == "=":
        bound = down if down == up else None
    else:  # >= and < start or end before the bound; > and <= after it
        bound = up if op in (">=", "<") else down
    return 0.0 if bound == 0 else bound
