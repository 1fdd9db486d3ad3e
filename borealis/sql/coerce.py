"""Type resolution: common types, coercions, and typed literals (PostgreSQL's rules).

PostgreSQL resolves operators, functions, UNION/CASE branches and assignments by type
category and implicit casts (pg_cast). This module applies those rules on bound
expressions, using the type registry (`sql.types`) for categories, casts and literal
input:

- an unknown-typed literal ('abc', NULL) takes the type its context asks for, parsed
  once at bind time, so `'2024-01-02'::date` costs nothing per row and bad input fails
  with PostgreSQL's SQLSTATE before execution;
- `common_type` picks one type for a set of expressions (UNION, CASE, COALESCE, IN,
  comparison operands): all in one category, preferring the category's preferred type
  or the one every other can be implicitly cast to;
- `coerce` wraps an expression in a cast node (explicit, assignment or implicit
  context), refusing casts PostgreSQL refuses (42846 / 42804).
"""

from __future__ import annotations

from borealis.core import errors
from borealis.sql import types as T
from borealis.sql.expr import Call, Const, Expr

UNKNOWN = 705
TEXT = 25

# Numeric family, narrowest first: the result type of mixed arithmetic/comparison.
NUMERIC_RANK = {21: 0, 23: 1, 20: 2, 1700: 3, 700: 4, 701: 5}
# pg_type.typispreferred: the type a category resolves to when others are ambiguous.
PREFERRED = frozenset({25, 701, 16, 1184, 1186, 26})


def type_name(oid: int) -> str:
    """PostgreSQL's name for the type in messages ("integer", not "int4")."""
    if oid == UNKNOWN:
        return "unknown"
    return T.format_type(oid) if T.type_by_oid(oid) is not None else str(oid)


def is_unknown(expr: Expr) -> bool:
    return expr.oid == UNKNOWN


def literal(expr: Const, target: int, typmod: int = -1) -> Const:
    """An unknown literal re-typed: its text parsed by the target type's input."""
    if expr.value is None:
        return Const(target, None, typmod=typmod)
    info = T.type_by_oid(target)
    if info is None:
        raise errors.FeatureNotSupported(what=f"type {target} is not supported")
    value = info.text_in(expr.value, typmod)
    return Const(target, value, typmod=typmod)


def coerce(expr: Expr, target: int, typmod: int = -1, context: str = "implicit") -> Expr:
    """`expr` converted to `target` (and `typmod`), or 42846/42804."""
    if expr.oid == target and (typmod < 0 or expr.typmod == typmod):
        return expr
    if isinstance(expr, Const) and expr.oid == UNKNOWN:
        if context == "explicit" and typmod >= 0 and expr.value is not None:
            # 'abcdef'::varchar(3) truncates (an explicit cast), where an assignment
            # of the same literal to a varchar(3) column fails with 22001.
            value = T.cast(literal(expr, target).value, target, target, typmod, explicit=True)
            return Const(target, value, typmod=typmod)
        return literal(expr, target, typmod)
    if expr.oid == UNKNOWN:
        # An unknown-typed parameter or expression: convert its text at run time.
        context = "explicit"
    if expr.oid != target and not T.can_coerce(expr.oid, target, context):
        if context == "explicit":
            raise errors.CannotCoerce(
                f"cannot cast type {type_name(expr.oid)} to {type_name(target)}")
        raise errors.DatatypeMismatch(
            what=f"column is of type {type_name(target)} but expression is of type "
                 f"{type_name(expr.oid)}",
            hint="You will need to rewrite or cast the expression.")
    source = expr.oid
    explicit = context == "explicit"  # only explicit casts truncate char(n)/varchar(n)

    def cast(value, _source=source, _target=target, _typmod=typmod):
        return T.cast(value, _source, _target, _typmod, explicit=explicit)

    node = Call(target, name=f"::{type_name(target)}", fn=cast, args=(expr,), typmod=typmod)
    if isinstance(expr, Const):
        return Const(target, node.compile()(()), typmod=typmod)  # fold at bind time
    return node


def category(oid: int) -> str:
    info = T.type_by_oid(oid)
    return info.category if info is not None else "X"


# Comparisons find their operator, not a common type: among the candidates PostgreSQL
# favours the category's preferred type (char(n) = text compares as text).
_OPERATOR_LOOKUP = frozenset({"operator", "IN", "IS DISTINCT FROM", "NULLIF"})


def common_type(exprs: list[Expr], what: str = "UNION") -> int:
    """One type for all of `exprs`, by PostgreSQL's UNION/CASE resolution rules (or, for
    a comparison, its operator's argument type)."""
    known = [e.oid for e in exprs if e.oid != UNKNOWN]
    if not known:
        return TEXT
    first = known[0]
    if all(o == first for o in known):
        return first
    if all(o in NUMERIC_RANK for o in known):
        return max(known, key=NUMERIC_RANK.__getitem__)
    cat = category(first)
    if any(category(o) != cat for o in known):
        a, b = next((first, o) for o in known if category(o) != cat)
        raise errors.DatatypeMismatch(
            what=f"{what} types {type_name(a)} and {type_name(b)} cannot be matched")
    operator = what in _OPERATOR_LOOKUP
    chosen = first  # PostgreSQL's rule: move to a type only the chosen one casts to
    for o in known[1:]:
        if o == chosen or (chosen in PREFERRED and not operator):
            continue
        if T.can_coerce(chosen, o, "implicit") and not T.can_coerce(o, chosen, "implicit") \
                or operator and o in PREFERRED and chosen not in PREFERRED:
            chosen = o
    return chosen


def unify(exprs: list[Expr], what: str = "UNION") -> tuple[int, list[Expr]]:
    target = common_type(exprs, what)
    return target, [coerce(e, target) for e in exprs]
