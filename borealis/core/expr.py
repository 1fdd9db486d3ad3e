"""Pushdown expressions: filters and projections that storage evaluates (DESIGN.md §5).

The QP sends storage a filter over a row (a tuple of column values, as stored) and a
projection (column positions). The form is plain nested tuples, so it travels through
the message codec unchanged, and storage never depends on the SQL layer:

    ("col", i)                      the i-th column of the stored row
    ("const", value)                a literal
    ("cmp", op, a, b)               op in = <> < <= > >=; NULL if either side is NULL
    ("and", a, b, ...) / ("or", a, b, ...) / ("not", a)   SQL three-valued logic
    ("isnull", a) / ("notnull", a)
    ("in", a, (v1, v2, ...))        a = any of the constants
    ("prefix", a, s)                text/bytes `a` starts with `s` (LIKE 'abc%')

`compile_filter` turns an expression into a Python callable once per request (not
interpreted per row); a row passes when the result is True (not NULL, not False).
Values compare with Python's operators, which agree with PostgreSQL's for the types a
key or row may hold as long as both sides have the same SQL type — the QP only pushes
down comparisons it has already type-checked and cast — except for NaN, which
PostgreSQL makes equal to itself and greater than every number: comparisons and `in`
treat it so.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from typing import Any

Row = Sequence[Any]
Expr = tuple

_CMP: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}

EXPR_DEPTH_MAX = 64


class ExprError(ValueError):
    pass


def compile_expr(expr: Expr, depth: int = 0) -> Callable[[Row], Any]:
    """Compile a pushdown expression into `f(row) -> value | None`."""
    if depth > EXPR_DEPTH_MAX:
        raise ExprError("pushdown expression nested too deeply")
    if not isinstance(expr, tuple) or not expr:
        raise ExprError(f"bad pushdown expression {expr!r}")
    kind = expr[0]
    builder = _BUILDERS.get(kind)
    if builder is None:
        raise ExprError(f"unknown pushdown operator {kind!r}")
    return builder(expr, depth + 1)


def _col(expr: Expr, depth: int) -> Callable[[Row], Any]:
    # Rows written before an ADD COLUMN are shorter: the missing columns read as NULL.
    i = expr[1]
    return lambda row: row[i] if i < len(row) else None


def _const(expr: Expr, depth: int) -> Callable[[Row], Any]:
    value = expr[1]
    return lambda row: value


def _cmp(expr: Expr, depth: int) -> Callable[[Row], Any]:
    op = _CMP.get(expr[1])
    if op is None:
        raise ExprError(f"unknown comparison {expr[1]!r}")
    left, right = compile_expr(expr[2], depth), compile_expr(expr[3], depth)

    def cmp(row: Row) -> Any:
        a = left(row)
        if a is None:
            return None
        b = right(row)
        if b is None:
            return None
        if a != a or b != b:  # a NaN (float or numeric): see `_nan_key`
            return op(_nan_key(a), _nan_key(b))
        return op(a, b)

    return cmp


def _nan_key(v: Any) -> tuple:
    """PostgreSQL's NaN equals itself and is above every other number (float and
    numeric alike), where Python's is unequal to everything and numeric's refuses to be
    ordered at all."""
    return (1, 0) if v != v else (0, v)


def conjunction(parts: list[Callable[[Row], Any]]) -> Callable[[Row], Any]:
    """SQL AND over compiled operands: FALSE wins, else NULL if any is NULL, else TRUE.
    Shared with the QP's compiled expressions (sql/expr.py BoolOp)."""
    def conj(row: Row) -> Any:
        result: Any = True
        for part in parts:
            v = part(row)
            if v is False:
                return False
            if v is None:
                result = None
        return result

    return conj


def disjunction(parts: list[Callable[[Row], Any]]) -> Callable[[Row], Any]:
    """SQL OR over compiled operands: TRUE wins, else NULL if any is NULL, else FALSE."""
    def disj(row: Row) -> Any:
        result: Any = False
        for part in parts:
            v = part(row)
            if v is True:
                return True
            if v is None:
                result = None
        return result

    return disj


def negation(inner: Callable[[Row], Any]) -> Callable[[Row], Any]:
    """SQL NOT: NULL stays NULL."""
    def neg(row: Row) -> Any:
        v = inner(row)
        return None if v is None else not v

    return neg


def _and(expr: Expr, depth: int) -> Callable[[Row], Any]:
    return conjunction([compile_expr(e, depth) for e in expr[1:]])


def _or(expr: Expr, depth: int) -> Callable[[Row], Any]:
    return disjunction([compile_expr(e, depth) for e in expr[1:]])


def _not(expr: Expr, depth: int) -> Callable[[Row], Any]:
    return negation(compile_expr(expr[1], depth))


def _isnull(expr: Expr, depth: int) -> Callable[[Row], Any]:
    inner = compile_expr(expr[1], depth)
    return lambda row: inner(row) is None


def _notnull(expr: Expr, depth: int) -> Callable[[Row], Any]:
    inner = compile_expr(expr[1], depth)
    return lambda row: inner(row) is not None


def _in(expr: Expr, depth: int) -> Callable[[Row], Any]:
    inner = compile_expr(expr[1], depth)
    options = tuple(expr[2])
    has_null = any(o is None for o in options)
    candidates = [o for o in options if o is not None]

    def member(row: Row) -> Any:
        v = inner(row)
        if v is None:
            return None
        if v in candidates or (v != v and any(c != c for c in candidates)):
            return True
        return None if has_null else False

    return member


def _prefix(expr: Expr, depth: int) -> Callable[[Row], Any]:
    inner = compile_expr(expr[1], depth)
    prefix = expr[2]

    def starts(row: Row) -> Any:
        v = inner(row)
        return None if v is None else v.startswith(prefix)

    return starts


_BUILDERS: dict[str, Callable[[Expr, int], Callable[[Row], Any]]] = {
    "col": _col,
    "const": _const,
    "cmp": _cmp,
    "and": _and,
    "or": _or,
    "not": _not,
    "isnull": _isnull,
    "notnull": _notnull,
    "in": _in,
    "prefix": _prefix,
}


def compile_filter(expr: Expr | None) -> Callable[[Row], bool] | None:
    """A predicate that is True only where the expression is SQL-true."""
    if expr is None:
        return None
    f = compile_expr(expr)
    return lambda row: f(row) is True


def compile_projection(columns: Sequence[int] | None) -> Callable[[Row], tuple] | None:
    if columns is None:
        return None
    cols = tuple(columns)
    if len(cols) == 1:
        (only,) = cols
        return lambda row: (row[only],)
    getter = operator.itemgetter(*cols) if cols else None
    if getter is None:
        return lambda row: ()
    return lambda row: getter(row)
