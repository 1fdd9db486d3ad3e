"""Expressions back to SQL text, for EXPLAIN (`sql.explain`).

Two forms are printed: bound expressions (`sql.expr`: Col, Const, Call, BoolOp, ...)
and the pushdown tuples storage evaluates (`core.expr`). A column is named by the
caller, who knows which row an expression reads (a scan's columns, a join's two
sides, the output of a projection), as a list of labels indexed like that row.

The text follows PostgreSQL's EXPLAIN conventions: operators in parentheses
(`(amount > 10)`), non-integer literals quoted with their type
(`'abc'::text`, `'-1'::integer`), casts as `(amount)::numeric`, lists as
`(id = ANY ('{1,2}'::integer[]))`. Expressions are only ever printed, never parsed
back, so text the parser would not accept (an internal function name) is harmless.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pglast import keywords as pglast_keywords

from borealis.core.expr import EXPR_DEPTH_MAX
from borealis.sql import types as T
from borealis.sql.expr import (
    BoolOp,
    Call,
    Case,
    Coalesce,
    Col,
    Const,
    Expr,
    InList,
    NullTest,
    Param,
    Subquery,
)

BOOL, UNKNOWN, INT4, NUMERIC = 16, 705, 23, 1700
_BARE_NUMBERS = frozenset({INT4, NUMERIC})  # printed unquoted when not negative (PostgreSQL's rule)
_OPERATOR_CHARS = re.compile(r"^[-+*/<>=~!@#%^&|`?]+$")
_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_]*\Z")
DEPTH_MAX = 100  # nesting beyond this prints "..." (plans never nest this deep in practice)


# Words that must be quoted to be names: every keyword but the unreserved ones.
_KEYWORDS = frozenset(pglast_keywords.RESERVED_KEYWORDS | pglast_keywords.COL_NAME_KEYWORDS
                      | pglast_keywords.TYPE_FUNC_NAME_KEYWORDS)


def quote_ident(name: str) -> str:
    """A name as SQL would need it written, as PostgreSQL's quote_identifier writes it
    (quote_ident(), regclass, EXPLAIN, object descriptions): quoted unless it is lower
    case ASCII letters, digits and `_`, not starting with a digit, and not a keyword
    other than an unreserved one (`"int"`, `"order"`, `"a$1"`, but `name`)."""
    if _PLAIN_IDENT.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def literal(value: Any, oid: int, typmod: int = -1) -> str:
    """A constant as PostgreSQL's EXPLAIN prints it."""
    if value is None:
        return "NULL"
    if oid == BOOL:
        return "true" if value else "false"
    info = T.type_by_oid(oid)
    text = info.text_out(value) if info is not None else str(value)
    if oid in _BARE_NUMBERS and not text.startswith("-") and text[:1].isdigit():
        return text
    quoted = "'" + text.replace("'", "''") + "'"
    if oid == UNKNOWN or info is None:
        return quoted
    return f"{quoted}::{T.format_type(oid, typmod if typmod >= 0 else None)}"


def conjunction_text(parts: Sequence[str]) -> str:
    """Several conditions, as one EXPLAIN line shows them: `((a > 1) AND (b < 2))`."""
    if len(parts) == 1:
        return parts[0]
    return "(" + " AND ".join(parts) + ")"


class Deparser:
    """Prints expressions over one row whose columns are `labels`.

    `outer` names the columns of enclosing rows that correlated references read
    (keyed by the id of their `OuterRow`); `subplan` numbers a subquery (EXPLAIN prints
    its plan separately as "SubPlan n")."""

    def __init__(self, labels: Sequence[str], *, outer: Mapping[int, Sequence[str]] | None = None,
                 subplan: Callable[[Subquery], int] | None = None) -> None:
        self.labels = labels
        self.outer = outer or {}
        self.subplan = subplan

    def __call__(self, expr: Expr) -> str:
        return self.expr(expr, 0)

    def expr(self, e: Expr, depth: int) -> str:
        if depth > DEPTH_MAX:
            return "..."
        d = depth + 1
        if isinstance(e, Col):
            return self.labels[e.index] if 0 <= e.index < len(self.labels) else f"${e.index}"
        if isinstance(e, Const):
            return literal(e.value, e.oid, e.typmod)
        if isinstance(e, Param):  # an execution's value when there is one (a custom plan)
            values = e.params.values
            return literal(values[e.number - 1], e.oid, e.typmod) if len(values) >= e.number else f"${e.number}"
        if isinstance(e, Call):
            return self.call(e, d)
        if isinstance(e, BoolOp):
            if e.op == "not":
                return f"(NOT {self.expr(e.args[0], d)})"
            return "(" + f" {e.op.upper()} ".join(self.expr(a, d) for a in e.args) + ")"
        if isinstance(e, NullTest):
            return f"({self.expr(e.arg, d)} IS {'NOT ' if e.negated else ''}NULL)"
        if isinstance(e, InList):
            return self.in_list(e, d)
        if isinstance(e, Case):
            whens = " ".join(f"WHEN {self.expr(c, d)} THEN {self.expr(r, d)}" for c, r in e.whens)
            tail = f" ELSE {self.expr(e.default, d)}" if e.default is not None else ""
            return f"CASE {whens}{tail} END"
        if isinstance(e, Coalesce):
            return "COALESCE(" + ", ".join(self.expr(a, d) for a in e.args) + ")"
        if isinstance(e, Subquery):
            return self.subquery(e, d)
        return self.other(e, d)

    def call(self, e: Call, d: int) -> str:
        name, args = e.name, e.args
        if name.startswith("::") and len(args) == 1 and _bound_value(args[0]):
            try:  # a parameter's cast, folded as PostgreSQL's custom plans fold it
                return literal(e.compile()(()), e.oid, e.typmod)
            except Exception:  # a failing cast is printed unfolded
                pass
        if name.startswith("::") and len(args) == 1:
            target = T.format_type(e.oid, e.typmod if e.typmod >= 0 else None) \
                if T.type_by_oid(e.oid) is not None else name[2:]
            return f"({self.expr(args[0], d)})::{target}"
        if name.endswith((" ANY", " ALL")) and len(args) == 2:
            op, quantifier = name.rsplit(" ", 1)
            return f"({self.expr(args[0], d)} {op} {quantifier} ({self.expr(args[1], d)}))"
        if _OPERATOR_CHARS.match(name):
            if name == "-" and len(args) == 2 and args[0] is args[1]:
                args = args[:1]  # the binder's integer negation: Call("-", (x, x))
            if len(args) == 2:
                return f"({self.expr(args[0], d)} {name} {self.expr(args[1], d)})"
            if len(args) == 1:
                return f"({name} {self.expr(args[0], d)})"
        parts = [self.expr(a, d) for a in args]
        if name == "is distinct from" and len(parts) == 2:
            return f"({parts[0]} IS DISTINCT FROM {parts[1]})"
        if name == "row":
            return "ROW(" + ", ".join(parts) + ")"
        if name == "array":
            return "ARRAY[" + ", ".join(parts) + "]"
        if name == "subscript" and len(parts) == 2:
            return f"{parts[0]}[{parts[1]}]"
        return f"{name}(" + ", ".join(parts) + ")"

    def in_list(self, e: InList, d: int) -> str:
        op = "<> ALL" if e.negated else "= ANY"
        arg = self.expr(e.arg, d)
        if all(isinstance(i, Const) for i in e.items) and T.type_by_oid(e.arg.oid) is not None:
            info = T.type_by_oid(e.arg.oid)
            items = ",".join("NULL" if i.value is None else _array_item(info.text_out(i.value))
                             for i in e.items)  # type: ignore[attr-defined]
            array = "'{" + items.replace("'", "''") + "}'::" + T.format_type(e.arg.oid) + "[]"
            return f"({arg} {op} ({array}))"
        return f"({arg} {op} (ARRAY[" + ", ".join(self.expr(i, d) for i in e.items) + "]))"

    def subquery(self, e: Subquery, d: int) -> str:
        ref = f"SubPlan {self.subplan(e)}" if self.subplan is not None else "SubPlan"
        if e.kind == "exists":
            text = f"EXISTS({ref})"
            return f"(NOT {text})" if e.negated else text
        if e.kind == "scalar":
            return f"({ref})"
        if e.kind == "array":
            return f"ARRAY({ref})"
        test = self.expr(e.test, d) if e.test is not None else "?"
        quantifier = "ALL" if e.kind == "all" else "ANY"
        text = f"({test} {'=' if e.kind == 'in' else '?'} {quantifier} ({ref}))"
        return f"(NOT {text})" if e.negated else text

    def other(self, e: Expr, d: int) -> str:
        index = getattr(e, "index", None)
        outer = getattr(e, "outer", None)
        if outer is not None and isinstance(index, int):  # a correlated column (scope.OuterCol)
            labels = self.outer.get(id(outer))
            return labels[index] if labels is not None and 0 <= index < len(labels) else f"$outer{index}"
        windows = getattr(e, "windows", None)
        if windows is not None and isinstance(getattr(e, "k", None), int):  # bind.WindowRef
            position = len(self.labels) + e.k - len(windows.calls)  # type: ignore[attr-defined]
            if 0 <= position < len(self.labels):
                return self.labels[position]
        return type(e).__name__.lower() + "(" + ", ".join(self.expr(c, d) for c in e.children) + ")"


def _bound_value(e: Expr) -> bool:
    """A constant, or a parameter with this execution's value."""
    return isinstance(e, Const) or isinstance(e, Param) and len(e.params.values) >= e.number


def _array_item(text: str) -> str:
    """One element of an array literal, quoted when the array syntax needs it."""
    if text == "" or any(c in text for c in '{},"\\ ') or text.upper() == "NULL":
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def deparse(expr: Expr, labels: Sequence[str], **kwargs: Any) -> str:
    return Deparser(labels, **kwargs)(expr)


# -- pushdown tuples (core.expr) --------------------------------------------------------

def _pushdown_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value) if value >= 0 else f"'{value!r}'"
    if isinstance(value, (bytes, bytearray)):
        return "'\\x" + bytes(value).hex() + "'"
    return "'" + str(value).replace("'", "''") + "'"


def deparse_pushdown(expr: tuple, names: Sequence[str], depth: int = 0) -> str:
    """A `core.expr` pushdown expression as SQL text, columns named by `names`."""
    if depth > EXPR_DEPTH_MAX or not isinstance(expr, tuple) or not expr:
        return "..."
    kind, d = expr[0], depth + 1
    if kind == "col":
        i = expr[1]
        return names[i] if 0 <= i < len(names) else f"${i}"
    if kind == "const":
        return _pushdown_literal(expr[1])
    if kind == "cmp":
        return f"({deparse_pushdown(expr[2], names, d)} {expr[1]} {deparse_pushdown(expr[3], names, d)})"
    if kind in ("and", "or"):
        return "(" + f" {kind.upper()} ".join(deparse_pushdown(p, names, d) for p in expr[1:]) + ")"
    if kind == "not":
        return f"(NOT {deparse_pushdown(expr[1], names, d)})"
    if kind in ("isnull", "notnull"):
        return f"({deparse_pushdown(expr[1], names, d)} IS {'NOT ' if kind == 'notnull' else ''}NULL)"
    if kind == "in":
        return f"({deparse_pushdown(expr[1], names, d)} IN (" + \
            ", ".join(_pushdown_literal(v) for v in expr[2]) + "))"
    if kind == "prefix":
        pattern = str(expr[2]).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return f"({deparse_pushdown(expr[1], names, d)} ~~ {_pushdown_literal(pattern)})"
    return "..."
