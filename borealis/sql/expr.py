"""Bound, typed expressions and their compilation into Python callables.

The binder turns pglast expression nodes into these nodes: each has a result type
(`oid`, `typmod`) and `compile()` returns a closure ``f(row) -> value`` built once per
plan, so evaluating an expression per row is one Python call chain with no tree walk
and no type dispatch (DESIGN.md §6). Values are the Python objects of `core.values`;
NULL is None.

A node also keeps its structure (`Col`, `Const`, `Param`, `Call` …) so the planner can
recognise key predicates (``col = $1``) and translate what storage can evaluate into a
pushdown expression (`to_pushdown`).

Parameters of prepared statements are read at run time from `Params`, one mutable
holder per plan: the plan is compiled once and executed with new values each time.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from borealis.core import errors
from borealis.core.expr import conjunction, disjunction, negation

Row = Sequence[Any]
Fn = Callable[[Row], Any]

UNKNOWN = 705
BOOL = 16


class Params:
    """Holder for the current execution's parameter values (index = $n - 1)."""

    __slots__ = ("values",)

    def __init__(self) -> None:
        self.values: list[Any] = []


@dataclass(eq=False)
class Expr:
    oid: int
    typmod: int = field(default=-1, kw_only=True)

    def compile(self) -> Fn:
        raise NotImplementedError

    def to_pushdown(self) -> tuple | None:
        """This expression in `core.expr` form, or None if storage cannot run it."""
        return None

    @property
    def children(self) -> tuple[Expr, ...]:
        return ()


@dataclass(eq=False)
class Col(Expr):
    index: int  # position in the input row
    name: str = ""
    table: str = ""

    def compile(self) -> Fn:
        i = self.index
        return lambda row: row[i]

    def to_pushdown(self) -> tuple | None:
        return ("col", self.index)


@dataclass(eq=False)
class Const(Expr):
    value: Any = None

    def compile(self) -> Fn:
        v = self.value
        return lambda row: v

    def to_pushdown(self) -> tuple | None:
        return ("const", self.value)


@dataclass(eq=False)
class Param(Expr):
    number: int = 1  # $n
    params: Params = field(default_factory=Params)

    def compile(self) -> Fn:
        holder, i = self.params, self.number - 1
        return lambda row: holder.values[i]

    def to_pushdown(self) -> tuple | None:
        # Called when a scan starts, so the current execution's value is bound.
        return ("const", self.params.values[self.number - 1])


@dataclass(eq=False)
class Call(Expr):
    """A function or operator: `fn(*args)`; strict ones return NULL on any NULL arg."""

    name: str = ""
    fn: Callable[..., Any] = None  # type: ignore[assignment]
    args: tuple[Expr, ...] = ()
    strict: bool = True
    volatile: bool = False
    pushdown_op: str | None = None  # a comparison core.expr can evaluate

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def compile(self) -> Fn:
        fn = self.fn
        parts = [a.compile() for a in self.args]
        if not self.strict:
            if len(parts) == 1:
                (a,) = parts
                return lambda row: fn(a(row))
            return lambda row: fn(*[p(row) for p in parts])
        if len(parts) == 0:
            return lambda row: fn()
        if len(parts) == 1:
            (a,) = parts

            def strict1(row: Row) -> Any:
                x = a(row)
                return None if x is None else fn(x)
            return strict1
        if len(parts) == 2:
            a, b = parts

            def strict2(row: Row) -> Any:
                x = a(row)
                if x is None:
                    return None
                y = b(row)
                return None if y is None else fn(x, y)
            return strict2

        def strictn(row: Row) -> Any:
            vals = [p(row) for p in parts]
            return None if any(v is None for v in vals) else fn(*vals)
        return strictn

    def to_pushdown(self) -> tuple | None:
        if self.pushdown_op is None or len(self.args) != 2:
            return None
        left, right = (a.to_pushdown() for a in self.args)
        if left is None or right is None:
            return None
        return ("cmp", self.pushdown_op, left, right)


@dataclass(eq=False)
class BoolOp(Expr):
    op: str = "and"  # and, or, not
    args: tuple[Expr, ...] = ()

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def compile(self) -> Fn:
        parts = [a.compile() for a in self.args]
        if self.op == "not":
            return negation(parts[0])
        return conjunction(parts) if self.op == "and" else disjunction(parts)

    def to_pushdown(self) -> tuple | None:
        parts = [a.to_pushdown() for a in self.args]
        if any(p is None for p in parts):
            return None
        return (self.op, *parts)


@dataclass(eq=False)
class NullTest(Expr):
    arg: Expr = None  # type: ignore[assignment]
    negated: bool = False  # IS NOT NULL

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)

    def compile(self) -> Fn:
        a = self.arg.compile()
        if self.negated:
            return lambda row: a(row) is not None
        return lambda row: a(row) is None

    def to_pushdown(self) -> tuple | None:
        inner = self.arg.to_pushdown()
        if inner is None:
            return None
        return ("notnull" if self.negated else "isnull", inner)


@dataclass(eq=False)
class Case(Expr):
    whens: tuple[tuple[Expr, Expr], ...] = ()
    default: Expr | None = None

    @property
    def children(self) -> tuple[Expr, ...]:
        out = [e for pair in self.whens for e in pair]
        return tuple(out + ([self.default] if self.default else []))

    def compile(self) -> Fn:
        arms = [(c.compile(), r.compile()) for c, r in self.whens]
        default = self.default.compile() if self.default else (lambda row: None)

        def case(row: Row) -> Any:
            for cond, result in arms:
                if cond(row) is True:
                    return result(row)
            return default(row)
        return case


@dataclass(eq=False)
class Coalesce(Expr):
    args: tuple[Expr, ...] = ()

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def compile(self) -> Fn:
        parts = [a.compile() for a in self.args]

        def coalesce(row: Row) -> Any:
            for p in parts:
                v = p(row)
                if v is not None:
                    return v
            return None
        return coalesce


@dataclass(eq=False)
class InList(Expr):
    """`arg [NOT] IN (v1, v2, ...)` with SQL NULL semantics."""

    arg: Expr = None  # type: ignore[assignment]
    items: tuple[Expr, ...] = ()
    negated: bool = False
    # The type's `=` where Python's is not it (character(n)'s trailing blanks, NaN),
    # evaluated here and not pushed down.
    eq: Callable[[Any, Any], bool] | None = None

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.arg, *self.items)

    def compile(self) -> Fn:
        a = self.arg.compile()
        items = [i.compile() for i in self.items]
        negated = self.negated
        eq = self.eq or operator.eq

        def member(row: Row) -> Any:
            v = a(row)
            if v is None:
                return None
            saw_null = False
            for item in items:
                w = item(row)
                if w is None:
                    saw_null = True
                elif eq(v, w):
                    return not negated
            return None if saw_null else negated
        return member

    def to_pushdown(self) -> tuple | None:
        if self.negated or self.eq is not None or not all(isinstance(i, Const) for i in self.items):
            return None
        inner = self.arg.to_pushdown()
        if inner is None:
            return None
        return ("in", inner, tuple(i.value for i in self.items))  # type: ignore[attr-defined]


@dataclass(eq=False)
class Subquery(Expr):
    """A scalar, EXISTS or IN subquery; `run(outer_row)` is bound by the executor.

    The subquery's rows are computed by the plan the binder attached; `kind` decides
    how they become a value. Correlated subqueries read the outer row through `outer`.
    """

    kind: str = "scalar"  # scalar, exists, in, any, all
    plan: Any = None
    test: Expr | None = None  # for in/any/all: the left operand
    op: Callable[[Any, Any], Any] | None = None  # comparison for any/all/in
    negated: bool = False
    width: int = 1  # in/any/all over rows: `test` is a tuple and `op` compares whole rows
    runner: Any = None  # set by the executor: callable(outer_row) -> list of rows
    # False for a sequence function run this way (qp.sequences.SequenceCall): it reads
    # no table, so nothing a statement writes can change what it gives.
    reads_data = True

    @property
    def children(self) -> tuple[Expr, ...]:
        return (self.test,) if self.test is not None else ()

    def compile(self) -> Fn:
        holder = self
        test = self.test.compile() if self.test is not None else None
        kind, op, negated, width = self.kind, self.op, self.negated, self.width

        def evaluate(row: Row) -> Any:
            rows = holder.runner(row)
            if kind == "exists":
                return bool(rows) != negated
            if kind == "array":
                return tuple(r[0] for r in rows)
            if kind == "scalar":
                if len(rows) > 1:
                    raise errors.CardinalityViolation(
                        what="more than one row returned by a subquery used as an expression")
                return rows[0][0] if rows else None
            v = test(row)  # type: ignore[misc]
            if width > 1:
                result = _quantified_rows(v, rows, op, kind == "all")
            else:
                result = _quantified(v, rows, op, kind == "all")
            return result if result is None or not negated else not result
        return evaluate


def _quantified(v: Any, rows: list, op, every: bool) -> Any:
    saw_null = False
    for r in rows:
        w = r[0]
        if v is None or w is None:
            saw_null = True
            continue
        hit = op(v, w)
        if hit and not every:
            return True
        if not hit and every:
            return False
    if saw_null:
        return None
    return every


def _quantified_rows(v: tuple, rows: list, op, every: bool) -> Any:
    """ANY/ALL where `op(v, row)` is a row comparison returning True, False or None."""
    saw_null = False
    for r in rows:
        hit = op(v, r)
        if hit is None:
            saw_null = True
        elif hit and not every:
            return True
        elif not hit and every:
            return False
    return None if saw_null else every


def walk(expr: Expr):
    """Every node of an expression tree, depth first."""
    stack = [expr]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(c for c in node.children if c is not None)


def calls_volatile(expr: Expr) -> bool:
    """Whether `expr` calls a volatile function (not counting subqueries, which is how
    nextval() in a default is evaluated)."""
    return any(isinstance(n, Call) and n.volatile for n in walk(expr))


def is_volatile(expr: Expr) -> bool:
    return calls_volatile(expr) or any(isinstance(n, Subquery) for n in walk(expr))


def volatile_besides_sequences(expr: Expr) -> bool:
    """`is_volatile`, not counting sequence functions (PostgreSQL's COPY decides its
    buffered mode with this: a nextval() default keeps it)."""
    return calls_volatile(expr) or any(isinstance(n, Subquery) and n.reads_data
                                       for n in walk(expr))
