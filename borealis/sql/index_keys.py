"""Index keys that are expressions, and partial indexes (dsql-behaviour.md §2.3).

A key column of a secondary index is a table column or an immutable expression over
the row (`CREATE INDEX i ON t (lower(email))`), and an index may be partial
(`... WHERE active`): only the rows for which the predicate is true have entries, so a
unique partial index is unique among those rows only.

```
 catalog (model.Index)   columns      attnum per key column, 0 for an expression key
                         expressions  SQL text of the expression keys, in key order
                         predicate    SQL text of the WHERE condition, or None
        │ parsed and bound again where they are used (`bound_index`, cached per definition)
        ▼
 BoundIndex              one bound expression per key over the stored row (a plain
                         column is a Col), the key types, the bound predicate
        ├─ IndexEntries    writes, CREATE INDEX and the ASYNC backfill (via RowCodec):
        │                  a row's key values, or None when the predicate excludes it
        ├─ planner         `key expression = constant`; a partial index only when the
        │                  query's conjuncts include every conjunct of its predicate
        ├─ infer_arbiter   ON CONFLICT (keys) [WHERE ...]: PostgreSQL's inference rules
        └─ catalog         pg_index.indexprs / indpred, pg_get_indexdef, pg_indexes,
                           pg_attribute, the DETAIL of a unique violation (`key_texts`)
```

Stored texts are pglast's deparse of the parse tree with column references made
unqualified, so renaming the table leaves them valid; renaming a column rewrites them
(`rename_column`). What the catalog shows is printed from the bound expression the way
PostgreSQL's pg_get_indexdef prints it: every operator in parentheses, or (`pretty`)
only the parentheses precedence needs.

Immutability. PostgreSQL refuses (42P17) an index expression or predicate that calls
anything not IMMUTABLE. Borealis keeps no volatility per function, so `_mutable` decides
from PostgreSQL's pg_proc / pg_cast / pg_operator facts for what Borealis implements:
the functions whose every overload is immutable, the few names whose overloads differ
(a timestamptz argument makes date_part and date_trunc STABLE), the STABLE casts (into
and out of timestamptz, text I/O of date/time types) and operators (timestamptz ±
interval, `||` over a date/time value). A call it does not know is treated as mutable.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from pglast import ast
from pglast.enums import SortByDir
from pglast.stream import RawStream

from borealis.catalog.model import Index, Relation, key_type
from borealis.core import errors
from borealis.core.keys import INDEXABLE_OIDS, KeyCodec, KeyColumn
from borealis.sql import types as T
from borealis.sql.expr import BoolOp, Call, Case, Coalesce, Col, Const, Expr, InList, NullTest, walk

TEXT, UNKNOWN = 25, 705
INT2, INT4, INT8 = 21, 23, 20
DATE, TIME, TIMETZ, TIMESTAMP, TIMESTAMPTZ, INTERVAL = 1082, 1083, 1266, 1114, 1184, 1186
FLOAT4, FLOAT8, NUMERIC = 700, 701, 1700
CASE_INDENT = 4  # PostgreSQL's indentation of CASE's WHEN and ELSE lines
_PLAIN_NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
BOUND_CACHED_MAX = 256  # bound index definitions kept (`bound_index`)
AST_DEPTH_MAX = 200  # nesting of a stored expression walked or printed
_INTS = frozenset({INT2, INT4, INT8})
_TEXT_LIKE = frozenset({TEXT, 1043, 1042, 19, UNKNOWN})

# -- immutability (PostgreSQL's pg_proc.provolatile facts) -------------------------------

# Functions Borealis implements whose every overload PostgreSQL marks IMMUTABLE.
_IMMUTABLE_NAMES = """
abs acos array_append array_cat array_dims array_length array_lower array_ndims
array_position array_prepend array_remove array_replace array_upper ascii asin atan atan2
btrim cardinality cbrt ceil ceiling char_length character_length chr cos cosh cot decode
degrees div encode exp factorial floor gcd initcap isfinite json_array_length
json_extract_path json_extract_path_text json_strip_nulls json_typeof jsonb_array_length
jsonb_extract_path jsonb_extract_path_text jsonb_pretty jsonb_strip_nulls jsonb_typeof
justify_days justify_hours justify_interval lcm left like_escape ln log log10 lower lpad
ltrim make_date make_interval make_time make_timestamp md5 min_scale mod octet_length
overlay pg_size_pretty pi position pow power quote_ident radians regexp_count regexp_like
regexp_match regexp_replace repeat replace reverse right round rpad rtrim scale sha224
sha256 sha384 sha512 sign similar_escape similar_to_escape sin sinh split_part sqrt
starts_with string_to_array strpos substr substring tan tanh to_hex translate trim_scale
trunc upper width_bucket
"""
_IMMUTABLE_FUNCTIONS = frozenset(_IMMUTABLE_NAMES.split()) | frozenset({
    # The binder's own nodes for SQL syntax PostgreSQL evaluates immutably.
    "booltest", "nullif", "is distinct from", "max", "min", "row", "array", "subscript",
    "slice", "IS NULL", "IS NOT NULL"})


def _not_tz(types: Sequence[int]) -> bool:
    return TIMESTAMPTZ not in types


# Names whose overloads differ in volatility: immutable for these argument types.
_MIXED: dict[str, Callable[[Sequence[int]], bool]] = {
    "date_part": _not_tz, "extract": _not_tz, "date_trunc": _not_tz,
    "age": lambda types: len(types) == 2,
    "length": lambda types: len(types) == 1,
    "to_timestamp": lambda types: len(types) == 1,
    "quote_literal": lambda types: types[:1] == [TEXT],
    "quote_nullable": lambda types: types[:1] == [TEXT],
}
# Types whose text output (and input) depends on settings (DateStyle, TimeZone, ...).
_STABLE_OUTPUT = frozenset({DATE, TIMESTAMP, TIMESTAMPTZ, INTERVAL, 790, 24, 2202, 2203,
                            2204, 2205, 2206, 3734, 3769, 4089, 4096})
_STABLE_INPUT = _STABLE_OUTPUT | {TIME, TIMETZ}
# Casts PostgreSQL marks STABLE: they read the session's time zone.
_STABLE_CASTS = frozenset({(DATE, TIMESTAMPTZ), (TIMESTAMPTZ, DATE), (TIMESTAMPTZ, TIMETZ),
                           (TIMESTAMPTZ, TIME), (TIMESTAMPTZ, TIMESTAMP),
                           (TIMESTAMP, TIMESTAMPTZ), (TIME, TIMETZ)})
_OPERATOR = re.compile(r"^[-+*/<>=~!@#%^&|`?]+$")


def _immutable_call(call: Call) -> bool:
    name = call.name
    types = [a.oid for a in call.args]
    if call.volatile:
        return False
    if name.startswith("::") and len(types) == 1:
        source, target = types[0], call.oid
        return (source, target) not in _STABLE_CASTS and not (
            target in _TEXT_LIKE and source in _STABLE_OUTPUT
            or source in _TEXT_LIKE and target in _STABLE_INPUT)
    if name in ("+", "-") and TIMESTAMPTZ in types and INTERVAL in types:
        return False
    if name == "||":  # a non-text operand is printed by its output function
        return not any(t in _STABLE_OUTPUT for t in types)
    if _OPERATOR.match(name.split(" ", 1)[0]):
        return True
    rule = _MIXED.get(name)
    if rule is not None:
        return rule(types)
    return name in _IMMUTABLE_FUNCTIONS


def _mutable(expr: Expr) -> bool:
    """Whether `expr` may give another value for the same row: anything but columns,
    constants and immutable calls (parameters, subqueries, outer references, ...)."""
    for node in walk(expr):
        if isinstance(node, Call):
            if not _immutable_call(node):
                return True
        elif not isinstance(node, (Col, Const, BoolOp, NullTest, Case, Coalesce, InList)):
            return True
    return False


# -- parse trees ------------------------------------------------------------------------

def parse_expression(text: str) -> ast.Node:
    from borealis.sql.parse import parse
    return parse(f"SELECT {text}")[0].node.targetList[0].val


def _ast_nodes(node: Any, depth: int = 0) -> Iterator[ast.Node]:
    if depth > AST_DEPTH_MAX:
        raise errors.ProgramLimitExceeded(what="index expression is too deeply nested")
    if isinstance(node, ast.Node):
        yield node
        for attr in node:
            yield from _ast_nodes(getattr(node, attr), depth + 1)
    elif isinstance(node, tuple):
        for item in node:
            yield from _ast_nodes(item, depth + 1)


def _check_clauses(node: ast.Node, what: str) -> None:
    """What PostgreSQL refuses in an index expression or predicate before binding it."""
    from borealis.sql import functions as F
    from borealis.sql.bind import _func_name
    for n in _ast_nodes(node):
        if isinstance(n, ast.SubLink):
            raise errors.FeatureNotSupported(what=f"cannot use subquery in index {what}")
        if isinstance(n, ast.FuncCall):
            if n.over is not None:
                raise errors.WindowingError(what=f"window functions are not allowed in index {what}s")
            if F.is_aggregate(_func_name(n)):
                raise errors.GroupingError(what=f"aggregate functions are not allowed in index {what}s")


def _stored_text(node: ast.Node) -> str:
    """The text kept in the catalog: column references without their table name."""
    copy = parse_expression(RawStream()(node))
    for n in _ast_nodes(copy):
        if isinstance(n, ast.ColumnRef) and len(n.fields) > 1 and isinstance(n.fields[-1], ast.String):
            n.fields = (n.fields[-1],)
    return RawStream()(copy)


def renamed_text(text: str, old: str, new: str) -> str:
    """A stored expression over one table's row (index key or predicate, CHECK,
    generated column, DEFAULT) with column `old` called `new`: every column reference
    in it names a column of that table, qualified or not."""
    node = parse_expression(text)
    changed = False
    for n in _ast_nodes(node):
        if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String) \
                and n.fields[-1].sval == old:
            n.fields = (*n.fields[:-1], ast.String(sval=new))
            changed = True
    return RawStream()(node) if changed else text


def names_read(text: str) -> set[str]:
    """The column names a stored expression over one table's row reads."""
    return names_in(parse_expression(text))


def names_in(node: Any) -> set[str]:
    """The column names a raw (parsed, unbound) expression reads."""
    return {n.fields[-1].sval for n in _ast_nodes(node)
            if isinstance(n, ast.ColumnRef) and isinstance(n.fields[-1], ast.String)}


def rename_column(rel: Relation, old: str, new: str) -> Relation:
    """`rel` with its index expressions and predicates following a column rename."""
    indexes = []
    for index in rel.indexes:
        if index.expressions or index.predicate is not None:
            index = replace(index, expressions=tuple(renamed_text(t, old, new) for t in index.expressions),
                            predicate=None if index.predicate is None else renamed_text(index.predicate, old, new))
        indexes.append(index)
    return rel.with_changes(indexes=tuple(indexes))


# -- binding --------------------------------------------------------------------------

def row_scope(rel: Relation):
    """Names over the stored row: column i of the scope is position i of the row."""
    from borealis.sql.plan import OutCol
    from borealis.sql.scope import RangeEntry, Scope
    scope = Scope()
    scope.add(RangeEntry(rel.name, [
        OutCol(c.name if not c.dropped else f"........pg.dropped.{c.attnum}........",
               c.type_oid, c.typmod, rel.oid, c.attnum) for c in rel.columns]))
    return scope


def _bind_key(binder, node: ast.Node, scope) -> Expr:
    expr = binder.expr(node, scope)
    if expr.oid == UNKNOWN:  # ('abc'): PostgreSQL makes an unknown literal text
        expr = binder.coerce(expr, TEXT)
    return expr


@dataclass(frozen=True)
class BoundIndex:
    keys: tuple[Expr, ...]  # one per key column, over the stored row
    types: tuple[int, ...]  # their result types
    predicate: Expr | None


_BOUND: dict[tuple, BoundIndex] = {}


def _standalone_binder(rel: Relation):
    from borealis.catalog.model import CatalogSnapshot
    from borealis.sql.bind import BindContext, Binder
    return Binder(BindContext(CatalogSnapshot(0, relations=(rel,))))


def bound_index(rel: Relation, index: Index, binder=None) -> BoundIndex:
    """The index's keys and predicate bound over `rel`'s stored row (cached per
    definition: the relation's columns and the index's texts)."""
    signature = (rel.oid, index.oid, index.columns, index.expressions, index.predicate,
                 tuple((c.attnum, c.name, c.type_oid, c.typmod, c.dropped) for c in rel.columns))
    found = _BOUND.get(signature)
    if found is None:
        found = _bind_index(rel, index, binder or _standalone_binder(rel))
        if len(_BOUND) >= BOUND_CACHED_MAX:
            _BOUND.clear()
        _BOUND[signature] = found
    return found


def _bind_index(rel: Relation, index: Index, binder) -> BoundIndex:
    assert sum(1 for a in index.columns if a == 0) == len(index.expressions), index
    by_attnum = {c.attnum: c for c in rel.columns}
    scope = row_scope(rel)
    texts = iter(index.expressions)
    keys: list[Expr] = []
    for attnum in index.columns:
        if attnum:
            col = by_attnum[attnum]
            keys.append(Col(col.type_oid, rel.position[attnum], col.name, typmod=col.typmod))
        else:
            keys.append(_bind_key(binder, parse_expression(next(texts)), scope))
    predicate = None
    if index.predicate is not None:
        predicate = binder.condition(parse_expression(index.predicate), scope, "WHERE")
    return BoundIndex(tuple(keys), tuple(k.oid for k in keys), predicate)


def key_types(rel: Relation, index: Index) -> tuple[int, ...]:
    """The type of each key column (a column's, or its expression's result)."""
    if not index.expressions:
        by_attnum = {c.attnum: c for c in rel.columns}
        return tuple(by_attnum[a].type_oid for a in index.columns)
    return bound_index(rel, index).types


def entry_codec(rel: Relation, index: Index, types: Sequence[int] | None = None) -> KeyCodec:
    """The codec of the index's entry keys: its key columns, then the primary key."""
    types = key_types(rel, index) if types is None else types
    desc = index.descending or (False,) * len(types)
    return KeyCodec([KeyColumn(key_type(t), d) for t, d in zip(types, desc)]
                    + list(rel.key_codec.columns))


def normalize_key_value(v: Any) -> Any:
    if isinstance(v, float) and v == 0:
        return 0.0  # -0.0 and 0.0 are one key, as in PostgreSQL
    return v


class IndexEntries:
    """One secondary index's key values for stored rows of its table."""

    __slots__ = ("codec", "index", "types", "_keys", "_positions", "_predicate")

    def __init__(self, rel: Relation, index: Index, binder=None) -> None:
        self.index = index
        self._positions: list[int] | None = None
        self._keys: list[Callable] = []
        self._predicate: Callable | None = None
        if index.expressions or index.predicate is not None:
            bound = bound_index(rel, index, binder)
            self._keys = [k.compile() for k in bound.keys]
            if bound.predicate is not None:
                self._predicate = bound.predicate.compile()
            self.types = bound.types
        else:
            self._positions = [rel.position[a] for a in index.columns]
            self.types = key_types(rel, index)
        self.codec = entry_codec(rel, index, self.types)

    def key_values(self, row: tuple) -> list | None:
        """The row's key values; None when a partial index leaves the row out."""
        if self._predicate is not None and self._predicate(row) is not True:
            return None
        if self._positions is not None:
            return [normalize_key_value(row[p]) for p in self._positions]
        return [normalize_key_value(f(row)) for f in self._keys]


def row_entries(binder, rel: Relation) -> list[IndexEntries]:
    return [IndexEntries(rel, index, binder) for index in rel.indexes if not index.primary]


def unique_detail(rel: Relation, entries: IndexEntries, row: tuple,
                  verb: str = "already exists") -> str | None:
    """PostgreSQL's DETAIL of a unique violation: `Key (lower(email))=(x) already exists.`
    (CREATE UNIQUE INDEX says `is duplicated`)."""
    vals = entries.key_values(row)
    if vals is None:
        return None
    texts = []
    for v, t in zip(vals, entries.types):
        info = T.type_by_oid(t)
        texts.append("null" if v is None else info.text_out(v) if info is not None else str(v))
    labels = key_texts(rel, entries.index, pretty=True, orderings=False)
    return f"Key ({', '.join(labels)})=({', '.join(texts)}) {verb}."


# -- CREATE INDEX ---------------------------------------------------------------------

@dataclass
class PlannedKeys:
    columns: tuple[int, ...]
    expressions: tuple[str, ...]
    descending: tuple[bool, ...]
    names: list[str]  # the index's column names (pg_attribute), for its default name
    predicate: str | None


def plan_keys(binder, rel: Relation, node: ast.IndexStmt,
              check_indexable: Callable[[Any], None]) -> PlannedKeys:
    """The key columns, expressions and predicate of CREATE INDEX, checked as PostgreSQL
    checks them (42703, 0A000 / 42803 / 42P20 for subqueries, aggregates and window
    functions, 42P17 for what is not immutable, 42804 for a predicate not boolean)."""
    from borealis.sql.bind import _column_name
    scope = row_scope(rel)
    columns: list[int] = []
    expressions: list[str] = []
    descending: list[bool] = []
    names: list[str] = []
    for elem in node.indexParams:
        name = elem.name
        expr = elem.expr
        if name is None and isinstance(expr, ast.ColumnRef) and isinstance(expr.fields[-1], ast.String):
            name = expr.fields[-1].sval if len(expr.fields) == 1 else None  # ((a)) is column a
        descending.append(elem.ordering == SortByDir.SORTBY_DESC)
        if name is not None:
            col = rel.column_by_name.get(name)
            if col is None:
                raise errors.UndefinedColumn(name=name)
            check_indexable(col)
            columns.append(col.attnum)
            names.append(col.name)
            continue
        _check_clauses(expr, "expression")
        bound = _bind_key(binder, expr, scope)
        if isinstance(bound, Col):  # t.a: still a plain column
            col = rel.columns[bound.index]
            check_indexable(col)
            columns.append(col.attnum)
            names.append(col.name)
            continue
        if _mutable(bound):
            raise errors.InvalidObjectDefinition(what="functions in index expression must be marked IMMUTABLE")
        if key_type(bound.oid) not in INDEXABLE_OIDS:
            info = T.type_by_oid(bound.oid)
            raise errors.FeatureNotSupported(
                what=f'data type {info.name if info else bound.oid} has no default operator class '
                     f'for access method "btree"')
        columns.append(0)
        expressions.append(_stored_text(expr))
        label = _column_name(expr)
        names.append("expr" if label == "?column?" else label)
    predicate = None
    if node.whereClause is not None:
        _check_clauses(node.whereClause, "predicate")
        bound = binder.condition(node.whereClause, scope, "WHERE")
        if _mutable(bound):
            raise errors.InvalidObjectDefinition(what="functions in index predicate must be marked IMMUTABLE")
        predicate = _stored_text(node.whereClause)
    return PlannedKeys(tuple(columns), tuple(expressions), tuple(descending),
                       _distinct_names(names), predicate)


def _distinct_names(names: list[str]) -> list[str]:
    """PostgreSQL's index column names: a repeated name gets a number (lower, lower1)."""
    out: list[str] = []
    for name in names:
        candidate, n = name, 0
        while candidate in out:
            n += 1
            candidate = f"{name}{n}"
        out.append(candidate)
    return out


def column_names(rel: Relation, index: Index) -> list[str]:
    """The names pg_attribute gives the index's key columns (expressions: `lower`,
    `expr`, ...), as CREATE INDEX chose them."""
    from borealis.sql.bind import _column_name
    by_attnum = {c.attnum: c for c in rel.columns}
    texts = iter(index.expressions)
    names = []
    for attnum in index.columns:
        if attnum:
            col = by_attnum.get(attnum)
            names.append(col.name if col is not None else str(attnum))
        else:
            label = _column_name(parse_expression(next(texts)))
            names.append("expr" if label == "?column?" else label)
    return _distinct_names(names)


# -- the planner and ON CONFLICT ------------------------------------------------------

def same_expr(a: Expr, b: Expr, depth: int = 0) -> bool:
    """Structural equality of two bound expressions over the same row."""
    if depth > AST_DEPTH_MAX or type(a) is not type(b) or a.oid != b.oid or a.typmod != b.typmod:
        return False
    d = depth + 1
    if isinstance(a, Col):
        return a.index == b.index  # type: ignore[attr-defined]
    if isinstance(a, Const):
        return type(a.value) is type(b.value) and a.value == b.value  # type: ignore[attr-defined]
    if isinstance(a, Call):
        return a.name == b.name and _same_fn(a.fn, b.fn) and _same_all(a.args, b.args, d)  # type: ignore[attr-defined]
    if isinstance(a, BoolOp):
        return a.op == b.op and _same_all(a.args, b.args, d)  # type: ignore[attr-defined]
    if isinstance(a, NullTest):
        return a.negated == b.negated and same_expr(a.arg, b.arg, d)  # type: ignore[attr-defined]
    if isinstance(a, InList):
        return a.negated == b.negated and same_expr(a.arg, b.arg, d) \
            and _same_all(a.items, b.items, d)  # type: ignore[attr-defined]
    if isinstance(a, Coalesce):
        return _same_all(a.args, b.args, d)  # type: ignore[attr-defined]
    if isinstance(a, Case):
        wa, wb = a.whens, b.whens  # type: ignore[attr-defined]
        if len(wa) != len(wb) or (a.default is None) != (b.default is None):  # type: ignore[attr-defined]
            return False
        return all(same_expr(c, e, d) and same_expr(r, s, d) for (c, r), (e, s) in zip(wa, wb)) \
            and (a.default is None or same_expr(a.default, b.default, d))  # type: ignore[attr-defined]
    return False


def _same_all(xs: Sequence[Expr], ys: Sequence[Expr], depth: int) -> bool:
    return len(xs) == len(ys) and all(same_expr(x, y, depth) for x, y in zip(xs, ys))


def _same_fn(f: Any, g: Any) -> bool:
    """One implementation: the same function, or closures of one definition (the
    binder makes a new closure per call site; IS TRUE and IS FALSE differ in code)."""
    if f is g:
        return True
    code = getattr(f, "__code__", None)
    return code is not None and code is getattr(g, "__code__", None)


def conjuncts(expr: Expr) -> list[Expr]:
    if isinstance(expr, BoolOp) and expr.op == "and":
        out: list[Expr] = []
        for a in expr.args:
            out.extend(conjuncts(a))
        return out
    return [expr]


def implied(predicate: Expr, parts: Sequence[Expr]) -> bool:
    """Whether conditions `parts` (all true) imply `predicate`: the simple, sufficient
    test that each conjunct of the predicate is one of them."""
    return all(any(same_expr(c, p) for p in parts) for c in conjuncts(predicate))


def equality_value(p: Expr, key: Expr, constant: Callable[[Expr], bool]) -> Expr | None:
    """The value `v` when conjunct `p` is `key = v` (or `v = key`) for a run-time
    constant `v` whose type encodes like the key's."""
    if not isinstance(p, Call) or p.pushdown_op != "=" or len(p.args) != 2:
        return None
    a, b = p.args
    for side, value in ((a, b), (b, a)):
        if same_expr(side, key) and constant(value) and _key_compatible(key.oid, value.oid):
            return value
    return None


def _key_compatible(key_oid: int, value_oid: int) -> bool:
    k, v = key_type(key_oid), key_type(value_oid)
    return k == v or (k in _INTS and v in _INTS)


def infer_arbiter(binder, rel: Relation, infer: ast.InferClause) -> Index:
    """The unique index `ON CONFLICT (keys) [WHERE condition]` names (PostgreSQL's
    inference): a valid unique index whose key columns and expressions are exactly the
    ones listed; a partial one only when the WHERE implies its predicate. Prefers the
    primary key, then a non-partial index. 42P10 when there is none."""
    scope = row_scope(rel)
    wanted: list[Expr] = []
    for elem in infer.indexElems:
        if elem.name is not None:
            col = rel.column_by_name.get(elem.name)
            if col is None:
                raise errors.UndefinedColumn(name=elem.name)
            wanted.append(Col(col.type_oid, rel.position[col.attnum], col.name, typmod=col.typmod))
        else:
            wanted.append(_bind_key(binder, elem.expr, scope))
    where: list[Expr] = []
    if infer.whereClause is not None:
        where = conjuncts(binder.condition(infer.whereClause, scope, "WHERE"))
    best: tuple[int, Index] | None = None
    for index in rel.indexes:
        if not index.unique or not index.valid:  # PostgreSQL infers valid indexes only
            continue
        bound = bound_index(rel, index, binder)
        if not (all(any(same_expr(k, w) for w in wanted) for k in bound.keys)
                and all(any(same_expr(w, k) for k in bound.keys) for w in wanted)):
            continue
        if bound.predicate is not None and not implied(bound.predicate, where):
            continue
        rank = 0 if index.primary else 1 if bound.predicate is None else 2
        if best is None or rank < best[0]:
            best = (rank, index)
    if best is None:
        raise errors.InvalidColumnReference(
            what="there is no unique or exclusion constraint matching the ON CONFLICT specification")
    return best[1]


# -- printing (pg_get_indexdef) -------------------------------------------------------

def key_texts(rel: Relation, index: Index, *, pretty: bool, orderings: bool = True) -> list[str]:
    """Each key column as pg_get_indexdef prints it: a column name, or an expression,
    parenthesised unless it looks like a function call; with DESC if `orderings`."""
    from borealis.catalog.virtual import quote_ident
    by_attnum = {c.attnum: c for c in rel.columns}
    bound = bound_index(rel, index) if index.expressions else None
    printer = _Printer(rel, pretty)
    out = []
    for i, attnum in enumerate(index.columns):
        if attnum:
            col = by_attnum.get(attnum)
            text = quote_ident(col.name) if col is not None else str(attnum)
        else:
            assert bound is not None
            key = bound.keys[i]
            text = printer(key)
            if not _looks_like_function(key):
                text = f"({text})"
        if orderings and i < len(index.descending) and index.descending[i]:
            text += " DESC"
        out.append(text)
    return out


def key_text(rel: Relation, index: Index, position: int, *, pretty: bool) -> str:
    """pg_get_indexdef(index, n): key column n (1-based) as the definition prints it,
    without its sort order."""
    return key_texts(rel, index, pretty=pretty, orderings=False)[position - 1]


def predicate_text(rel: Relation, index: Index, *, pretty: bool) -> str | None:
    """The partial index's WHERE condition as pg_get_expr(indpred) prints it."""
    if index.predicate is None:
        return None
    predicate = bound_index(rel, index).predicate
    assert predicate is not None
    return _Printer(rel, pretty)(predicate)


def expressions_text(rel: Relation, index: Index) -> str | None:
    """pg_index.indexprs, read back by pg_get_expr: the expressions, comma-separated."""
    if not index.expressions:
        return None
    bound = bound_index(rel, index)
    printer = _Printer(rel, False)
    return ", ".join(printer(k) for a, k in zip(index.columns, bound.keys) if a == 0)


def _looks_like_function(e: Expr) -> bool:
    if isinstance(e, Coalesce):
        return True
    return isinstance(e, Call) and _call_kind(e) == "function"


_KEYWORD_FUNCTIONS = frozenset({"left", "right", "position", "overlay", "substring", "trim"})
_BOOLTESTS = {(True, False, False): "IS TRUE", (False, True, True): "IS NOT TRUE",
              (False, True, False): "IS FALSE", (True, False, True): "IS NOT FALSE",
              (False, False, True): "IS UNKNOWN", (True, True, False): "IS NOT UNKNOWN"}


def _call_kind(e: Call) -> str:
    name = e.name
    if name.startswith("::") and len(e.args) == 1:
        return "cast"
    if name.endswith((" ANY", " ALL")):
        return "array-op"
    if _OPERATOR.match(name):
        return "op"
    if name in ("booltest", "is distinct from", "IS NULL", "IS NOT NULL"):
        return "test"
    return "function"


def _kind(e: Expr) -> str:
    """How an expression prints, for parenthesising: "word" (a column, a constant, a
    function call, a cast), "op", "test" (IS ...), "bool" (AND/OR/NOT), "array-op"."""
    if isinstance(e, Call):
        kind = _call_kind(e)
        return "word" if kind in ("function", "cast") else kind
    if isinstance(e, BoolOp):
        return "bool"
    if isinstance(e, NullTest):
        return "test"
    if isinstance(e, InList):
        return "array-op"
    return "word"


class _Printer:
    """Bound expressions as PostgreSQL's deparser prints them. Not pretty: every
    operator, test and boolean expression in its own parentheses, casts as `(x)::type`.
    Pretty: parentheses only where precedence needs them."""

    def __init__(self, rel: Relation, pretty: bool) -> None:
        from borealis.catalog.virtual import quote_ident
        self.labels = [quote_ident(c.name) for c in rel.columns]
        self.pretty = pretty
        self.indent = 0  # of CASE's lines

    def const(self, e: Const) -> str:
        """A constant as PostgreSQL stored it before the binder folded a cast into it:
        an integer literal compared with a bigint or smallint stays an integer (those
        operators are cross-type there); a number given to a float or numeric was a
        numeric or integer literal under a cast."""
        from borealis.sql.deparse import literal
        v, oid = e.value, e.oid
        if isinstance(v, int) and not isinstance(v, bool) and oid in (INT2, INT8) \
                and -(1 << 31) <= v < (1 << 31):
            return literal(v, INT4)
        info = T.type_by_oid(oid)
        if v is not None and oid in (FLOAT4, FLOAT8, NUMERIC) and info is not None:
            text = info.text_out(v)
            if _PLAIN_NUMBER.match(text) and not (oid == NUMERIC and "." in text):
                target = T.format_type(oid, e.typmod if e.typmod >= 0 else None)
                return f"{text}::{target}" if self.pretty else f"({text})::{target}"
        return literal(v, oid, e.typmod)

    def __call__(self, e: Expr) -> str:
        return self.child(e, None, 0)

    def child(self, e: Expr, parent: Expr | None, depth: int, first: bool = True) -> str:
        """`e` printed as an operand of `parent` (None: the whole expression)."""
        if depth > AST_DEPTH_MAX:
            raise errors.ProgramLimitExceeded(what="index expression is too deeply nested")
        text = self.bare(e, depth + 1)
        kind = _kind(e)
        if kind == "word":
            return text
        if kind == "array-op" or not self.pretty or parent is not None and not self._simple(e, parent, first):
            return f"({text})"
        return text

    def _simple(self, e: Expr, parent: Expr, first: bool) -> bool:
        """Pretty printing: whether `e` needs no parentheses inside `parent`."""
        kind, outer = _kind(e), _kind(parent)
        if outer == "word" and not (isinstance(parent, Call) and _call_kind(parent) == "cast"):
            return True  # a function's argument, COALESCE, CASE: delimited already
        if kind == "bool":
            if not isinstance(parent, BoolOp):
                return False
            mine = e.op  # type: ignore[attr-defined]
            return parent.op in ("and", "or") if mine in ("not", "and") else parent.op == "or"
        if outer == "bool":
            return True
        if kind == "op" and outer == "op":
            return _simple_operand(e, parent, first)  # type: ignore[arg-type]
        return False

    def bare(self, e: Expr, depth: int) -> str:
        if isinstance(e, Col):
            return self.labels[e.index] if 0 <= e.index < len(self.labels) else f"${e.index}"
        if isinstance(e, Const):
            return self.const(e)
        if isinstance(e, BoolOp):
            if e.op == "not":
                return "NOT " + self.child(e.args[0], e, depth)
            return f" {e.op.upper()} ".join(self.child(a, e, depth) for a in e.args)
        if isinstance(e, NullTest):
            return f"{self.child(e.arg, e, depth)} IS {'NOT ' if e.negated else ''}NULL"
        if isinstance(e, InList):
            op = "<> ALL" if e.negated else "= ANY"
            items = ", ".join(self.child(i, e, depth) for i in e.items)
            return f"{self.child(e.arg, e, depth)} {op} (ARRAY[{items}])"
        if isinstance(e, Coalesce):
            return "COALESCE(" + ", ".join(self.child(a, e, depth) for a in e.args) + ")"
        if isinstance(e, Case):  # on lines of their own, as pg_get_indexdef always prints it
            outer = " " * self.indent
            self.indent += CASE_INDENT
            inner = " " * self.indent
            parts = [f"\n{outer}CASE"]
            parts.extend(f"\n{inner}WHEN {self.child(c, e, depth)} THEN {self.child(r, e, depth)}"
                         for c, r in e.whens)
            default = self.child(e.default, e, depth) if e.default is not None \
                else f"NULL::{T.format_type(e.oid)}"
            parts.append(f"\n{inner}ELSE {default}")
            self.indent -= CASE_INDENT
            return "".join(parts) + f"\n{outer}END"
        if isinstance(e, Call):
            return self.call(e, depth)
        from borealis.sql.deparse import Deparser
        return Deparser(self.labels)(e)

    def call(self, e: Call, depth: int) -> str:
        name, args = e.name, e.args
        kind = _call_kind(e)
        if kind == "cast":
            target = T.format_type(e.oid, e.typmod if e.typmod >= 0 else None) \
                if T.type_by_oid(e.oid) is not None else name[2:]
            arg = self.child(args[0], e, depth)
            return f"{arg}::{target}" if self.pretty else f"({arg})::{target}"
        if kind == "array-op" and len(args) == 2:
            op, quantifier = name.rsplit(" ", 1)
            return f"{self.child(args[0], e, depth)} {op} {quantifier} ({self.child(args[1], e, depth)})"
        if kind == "op":
            if len(args) == 2 and args[0] is args[1] and name == "-":  # the binder's unary minus
                args = args[:1]
            if len(args) == 1:
                return f"{name} {self.child(args[0], e, depth)}"
            return f"{self.child(args[0], e, depth)} {name} {self.child(args[1], e, depth, first=False)}"
        if name == "booltest":
            fn = e.fn
            test = _BOOLTESTS.get((fn(True), fn(False), fn(None)), "IS TRUE")
            return f"{self.child(args[0], e, depth)} {test}"
        if name == "is distinct from":
            return f"{self.child(args[0], e, depth)} IS DISTINCT FROM {self.child(args[1], e, depth)}"
        if name in ("IS NULL", "IS NOT NULL"):
            return f"{self.child(args[0], e, depth)} {name}"
        parts = [self.child(a, e, depth) for a in args]
        if name in ("max", "min"):  # GREATEST / LEAST
            return ("GREATEST(" if name == "max" else "LEAST(") + ", ".join(parts) + ")"
        if name == "nullif":
            return "NULLIF(" + ", ".join(parts) + ")"
        if name == "row":
            return "ROW(" + ", ".join(parts) + ")"
        if name == "array":
            return "ARRAY[" + ", ".join(parts) + "]"
        if name == "subscript" and len(parts) == 2:
            return f"{parts[0]}[{parts[1]}]"
        if name == "extract" and len(args) == 2 and isinstance(args[0], Const):
            return f"EXTRACT({args[0].value} FROM {parts[1]})"
        shown = f'"{name}"' if name in _KEYWORD_FUNCTIONS else name
        return f"{shown}(" + ", ".join(parts) + ")"


def _simple_operand(e: Call, parent: Call, first: bool) -> bool:
    """An arithmetic operand needs no parentheses when it binds tighter than its
    parent (b * 2 in a + b * 2), or equally and on the left ((a - b) - c)."""
    def rank(call: Call) -> int:
        if len(call.args) != 2 or (call.name == "-" and call.args[0] is call.args[1]):
            return 0
        return {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2}.get(call.name, 0)
    mine, outer = rank(e), rank(parent)
    if not mine or not outer:
        return False
    return mine > outer or (mine == outer and first)
