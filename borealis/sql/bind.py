"""Bind: pglast statements → typed plans against one catalog snapshot (DESIGN.md §6).

```
 SelectStmt ─▶ FROM (tables, views, subqueries, functions, joins) → Scope
             ─▶ WHERE → Filter   GROUP BY/aggregates/HAVING → Aggregate (+Filter)
             ─▶ window functions → Window   select list → Project
             ─▶ DISTINCT [ON] → Distinct   ORDER BY → Sort   LIMIT/OFFSET → Limit
             set operations → SetOp, WITH [RECURSIVE] → CteScan / RecursiveUnion
 expressions ─▶ `sql.expr` nodes with PostgreSQL types (`sql.coerce`, `sql.operators`,
                `sql.functions`); unknown literals are typed by context at bind time.
```

The binder resolves every name once: a bound plan refers to columns by position and to
relations by descriptor, so it can be cached per prepared statement and reused until
the catalog version changes. Access paths (key lookups, index scans, pushdown) are
chosen afterwards by `sql.planner`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pglast import ast
from pglast import enums as pg_enums
from pglast.enums import (
    A_Expr_Kind,
    BoolExprType,
    BoolTestType,
    JoinType,
    NullTestType,
    SetOperation,
    SortByDir,
    SortByNulls,
    SubLinkType,
)

from borealis.catalog.model import PG_CATALOG_OID, CatalogSnapshot, Relation
from borealis.core import errors, oids
from borealis.sql import coerce as C
from borealis.sql import functions as F
from borealis.sql import operators as O
from borealis.sql import privileges as P
from borealis.sql import recursive_cte
from borealis.sql import types as T
from borealis.sql import window as W
from borealis.sql.deparse import quote_ident
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
    Params,
    Subquery,
    walk,
)
from borealis.sql.locking import check_locking, mark_locked_scans
from borealis.sql.plan import (
    AggCall,
    Aggregate,
    CteScan,
    Distinct,
    Filter,
    Frame,
    FunctionScan,
    LateralJoin,
    Limit,
    NestedLoopJoin,
    Node,
    OutCol,
    Project,
    RecursiveUnion,
    Scan,
    SetOp,
    Sort,
    SortKey,
    SubPlan,
    Values,
    Window,
    WindowCall,
    WorkTable,
)
from borealis.sql.scope import OuterCol, RangeEntry, Scope
from borealis.sql.types import arrays as A
from borealis.sql.types.records import record_null_test

BOOL, INT4, INT8, NUMERIC, TEXT, UNKNOWN = 16, 23, 20, 1700, 25, 705
RECORD = 2249  # an internal row value (never a result column type)
# `Binder.clause` kinds that take no subquery, and how PostgreSQL's message names them
_NO_SUBQUERIES = {"DEFAULT expressions": "DEFAULT expression",
                  "check constraints": "check constraint",
                  "column generation expressions": "column generation expression"}


@dataclass
class BindContext:
    """What binding depends on besides the statement: catalog, session, parameters."""

    catalog: CatalogSnapshot
    search_path: tuple[str, ...] = ("public",)
    params: Params = field(default_factory=Params)
    param_types: list[int] = field(default_factory=list)  # $n → oid; 0/705 = infer
    fixed_params: bool = False  # the statement has exactly len(param_types) parameters
    settings: Any = None  # the session (current_setting, current_user, now())
    virtual: Any = None  # resolver of pg_catalog / information_schema / sys relations


@contextmanager
def view_body(ctx: BindContext, view: Relation) -> Iterator[None]:
    """Bind (or resolve the names of) a view's text as PostgreSQL's view means it:
    with its owner's privileges, and with the search path it was created with. A view
    here is its text, and PostgreSQL's holds the relations its names meant at CREATE
    VIEW: a session with another search path must not read another schema's `t`."""
    path = ctx.search_path
    if view.view_search_path is not None:
        ctx.search_path = view.view_search_path
    try:
        with P.acting_as(ctx, view.owner):
            yield
    finally:
        ctx.search_path = path


@dataclass
class BoundQuery:
    node: Node
    columns: list[OutCol]


def const_of(value: Any) -> Const:
    if value is None:
        return Const(UNKNOWN, None)
    if isinstance(value, bool):
        return Const(BOOL, value)
    if isinstance(value, int):
        return Const(INT4 if -(1 << 31) <= value < (1 << 31) else INT8, value)
    raise TypeError(value)


class WindowSet:
    """The window calls of one query level; their values are the last columns of the
    rows the Window node produces. `named` holds the WINDOW clause's definitions."""

    def __init__(self, clause) -> None:
        self.calls: list[WindowCall] = []
        self.named: dict[str, ast.WindowDef] = {}
        for w in clause or ():
            if w.name in self.named:
                raise errors.WindowingError(what=f'window "{w.name}" is already defined')
            self.named[w.name] = w

    def lookup(self, name: str) -> ast.WindowDef:
        w = self.named.get(name)
        if w is None:
            raise errors.UndefinedObject(what=f'window "{name}" does not exist')
        return w

    def definition(self, spec: ast.WindowDef) -> tuple[Any, Any, ast.WindowDef]:
        """(PARTITION BY, ORDER BY, the definition giving the frame) of an OVER clause
        or WINDOW entry, following `(w ...)` references as PostgreSQL copies windows."""
        chain = [spec]
        while chain[-1].refname is not None:
            base = self.lookup(chain[-1].refname)
            if len(chain) > len(self.named):  # a cycle of references
                raise errors.WindowingError(what=f'window "{base.name}" does not exist')
            chain.append(base)
        base = chain.pop()
        partition, order, frame = base.partitionClause, base.orderClause, base
        while chain:
            w = chain.pop()
            if w.partitionClause:
                raise errors.WindowingError(
                    what=f'cannot override PARTITION BY clause of window "{w.refname}"')
            if w.orderClause and order:
                raise errors.WindowingError(
                    what=f'cannot override ORDER BY clause of window "{w.refname}"')
            if frame.frameOptions & pg_enums.FRAMEOPTION_NONDEFAULT:
                raise errors.WindowingError(
                    what=f'cannot copy window "{w.refname}" because it has a frame clause')
            order, frame = w.orderClause or order, w
        return partition, order, frame


@dataclass(eq=False)
class WindowRef(Expr):
    """The value of window call `k` of `windows`: a column counted from the row's end."""

    k: int = 0
    windows: WindowSet | None = None

    def compile(self):
        index = self.k - len(self.windows.calls)  # type: ignore[union-attr]
        return lambda row: row[index]


class Binder:
    def __init__(self, ctx: BindContext) -> None:
        self.ctx = ctx
        self.catalog = ctx.catalog
        self.windows: WindowSet | None = None
        # When a list: each column reference bound, with the FROM item it names and the
        # column's place in it; RENAME COLUMN rewrites views by it.
        self.column_refs: list[tuple[ast.ColumnRef, RangeEntry, int]] | None = None
        # For each part of the query bound now that runs again and again in one
        # execution (a subquery, a LATERAL item, a recursive query's step): the WITH
        # queries defined inside it that read an enclosing row. Each run computes them
        # afresh (`plan.fresh_ctes`); those defined further out stay.
        self.rerun_ctes: list[list[int]] = []
        # Statements being bound (SELECT levels, INSERT / UPDATE / DELETE): 1 at the top
        # level, the only place a WITH query may be an INSERT, UPDATE or DELETE; those
        # wait in `modifying` for the top-level statement, which runs the ones nothing
        # read at its end (sql.dml.finish_ctes).
        self.depth = 0
        self.modifying: list[Node] = []
        # Where the expressions being bound sit when aggregates and window functions are
        # not allowed there (`clause`); None in a select list, ORDER BY and the like.
        self.expr_kind: str | None = None
        self.in_aggregate = False  # binding an aggregate's arguments (`aggregate_arguments`)

    @contextmanager
    def _setting(self, **values: Any) -> Iterator[None]:
        """Around binding part of a statement with some of the binder's attributes
        changed (`clause`, `query_level`, `aggregate_arguments`)."""
        saved = {name: getattr(self, name) for name in values}
        for name, value in values.items():
            setattr(self, name, value)
        try:
            yield
        finally:
            for name, value in saved.items():
                setattr(self, name, value)

    def clause(self, kind: str) -> AbstractContextManager[None]:
        """Around binding expressions of `kind`, named as PostgreSQL's messages name its
        expression kinds ("WHERE", "JOIN conditions", "DEFAULT expressions", ...): no
        aggregate or window function there (42803, 42P20 `not allowed in <kind>`), but
        in a subquery's own select list (`query_level`). HAVING and FILTER still take
        aggregates, which their grouped scope binds before they get here."""
        return self._setting(expr_kind=kind, windows=None)

    def query_level(self, stmt: ast.SelectStmt) -> AbstractContextManager[None]:
        """Around binding a SELECT level: its WINDOW clause, and no `clause` of the level
        around it (a subquery in WHERE may aggregate)."""
        return self._setting(expr_kind=None, windows=WindowSet(stmt.windowClause),
                             in_aggregate=False)

    def aggregate_arguments(self) -> AbstractContextManager[None]:
        """Around binding an aggregate's arguments and ORDER BY: no aggregate in them
        ("cannot be nested"), and no window function (named by the clause around, as
        PostgreSQL checks that first, or "cannot contain window function calls")."""
        return self._setting(windows=None, in_aggregate=True)

    def refuse(self, what: str) -> errors.BorealisError:
        """The error refusing `what` ("aggregate functions", "window functions",
        "set-returning functions") where the expression being bound sits."""
        kind = self.expr_kind
        if what == "aggregate functions" and self.in_aggregate:
            return errors.GroupingError(what="aggregate function calls cannot be nested")
        if kind is None and self.in_aggregate:
            if what == "window functions":
                return errors.GroupingError(
                    what="aggregate function calls cannot contain window function calls")
            return errors.FeatureNotSupported(
                what="aggregate function calls cannot contain set-returning function calls",
                hint="You might be able to move the set-returning function into a LATERAL "
                     "FROM item.")
        if what == "set-returning functions" and kind == "functions in FROM":
            return errors.FeatureNotSupported(
                what="set-returning functions must appear at top level of FROM")
        message = f"{what} are not allowed {f'in {kind}' if kind else 'here'}"
        if what == "aggregate functions":
            return errors.GroupingError(what=message)
        if what == "window functions":
            return errors.WindowingError(what=message)
        return errors.FeatureNotSupported(what=message)

    @contextmanager
    def statement_level(self) -> Iterator[bool]:
        """Around binding a SELECT level or a DML statement: whether it is the top one."""
        self.depth += 1
        try:
            yield self.depth == 1
        finally:
            self.depth -= 1

    @contextmanager
    def rerun(self) -> Iterator[list[int]]:
        """`with self.rerun() as ctes:` around binding a part of the query that runs
        again and again: `ctes` gets the ids of its correlated WITH queries."""
        self.rerun_ctes.append([])
        try:
            yield self.rerun_ctes[-1]
        finally:
            self.rerun_ctes.pop()

    # -- parameters -----------------------------------------------------------------

    def param(self, number: int) -> Expr:
        if number < 1 or number > 65535 or (self.ctx.fixed_params and number > len(self.ctx.param_types)):
            raise errors.UndefinedFunctionParameter(number=number)  # 42P02, as PostgreSQL
        types = self.ctx.param_types
        while len(types) < number:
            types.append(0)
        oid = types[number - 1] or UNKNOWN
        return Param(oid, number=number, params=self.ctx.params)

    def settle_param(self, expr: Expr, target: int) -> Expr | None:
        """An untyped parameter takes the type its context needs (like PostgreSQL)."""
        if isinstance(expr, Param) and expr.oid == UNKNOWN:
            self.ctx.param_types[expr.number - 1] = target
            return Param(target, number=expr.number, params=self.ctx.params)
        return None

    def coerce(self, expr: Expr, target: int, typmod: int = -1, context: str = "implicit") -> Expr:
        settled = self.settle_param(expr, target)
        if settled is not None:
            expr = settled
        return C.coerce(expr, target, typmod, context)

    def unify(self, exprs: list[Expr], what: str) -> tuple[int, list[Expr]]:
        target = C.common_type(exprs, what)
        return target, [self.coerce(e, target) for e in exprs]

    # -- relations ------------------------------------------------------------------

    def schema_oid(self, name: str) -> int:
        schema = self.catalog.schema(name)
        if schema is None:
            raise errors.UndefinedSchema(name=name)
        return schema.oid

    def find_relation(self, schema: str | None, name: str) -> Relation | None:
        if schema is not None:
            if self.ctx.virtual is not None:
                rel = self.ctx.virtual.relation(schema, name)
                if rel is not None:
                    return rel
            s = self.catalog.schema(schema)
            return self.catalog.relation(s.oid, name) if s is not None else None
        for sname in self.ctx.search_path:
            s = self.catalog.schema(sname)
            if s is not None:
                rel = self.catalog.relation(s.oid, name)
                if rel is not None:
                    return rel
        if self.ctx.virtual is not None:
            return self.ctx.virtual.relation("pg_catalog", name)
        return None

    def described(self, rel: Relation) -> str:
        """`rel`'s name as PostgreSQL's object descriptions write it (`table ds.t` in a
        2BP01's message and DETAIL): quoted where SQL needs quotes, and qualified with
        its schema unless the search path finds it by its bare name."""
        name = quote_ident(rel.name)
        found = self.find_relation(None, rel.name)
        if found is not None and found.oid == rel.oid:
            return name
        schema = self.catalog.schema_by_oid(rel.schema_oid)
        return name if schema is None else f"{quote_ident(schema.name)}.{name}"

    def relation(self, rv: ast.RangeVar, privileges: str = "r") -> Relation:
        """The relation `rv` names, which the acting role must hold `privileges`
        (aclitem letters: "r" SELECT, "a" INSERT, ...) on: 42501 otherwise."""
        rel = self.find_relation(rv.schemaname, rv.relname)
        rel = P.resolve(self, rv, rel, privileges)  # USAGE on the schema, then `privileges`
        if rel is None:
            name = f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname
            raise errors.UndefinedTable(name=name)
        return rel

    # -- queries --------------------------------------------------------------------

    def bind_query(self, node: ast.Node, parent: Scope | None = None) -> BoundQuery:
        if isinstance(node, ast.SelectStmt):
            return self.bind_select(node, parent)
        raise errors.FeatureNotSupported(what=f"{type(node).__name__} as a query")

    def bind_select(self, stmt: ast.SelectStmt, parent: Scope | None = None) -> BoundQuery:
        with self.query_level(stmt):
            return self._bind_select(stmt, parent)

    def _bind_select(self, stmt: ast.SelectStmt, parent: Scope | None,
                     keep_unknown: bool = False) -> BoundQuery:
        with self.statement_level() as top:
            q = self._bind_select_level(stmt, parent, keep_unknown)
            if top and self.modifying:  # WITH queries that write: run to completion
                from borealis.sql.dml import SelectWithWrites
                q = BoundQuery(SelectWithWrites(q.node, self.take_modifying(), q.columns), q.columns)
            return q

    def take_modifying(self) -> list[Node]:
        """The top-level statement's data-modifying WITH queries, for it to finish."""
        out, self.modifying = self.modifying, []
        return out

    def _bind_select_level(self, stmt: ast.SelectStmt, parent: Scope | None,
                           keep_unknown: bool) -> BoundQuery:
        scope = Scope(parent)
        scope.keep_unknown = keep_unknown
        check_locking(self, stmt)  # FOR UPDATE & co. (sql.locking)
        if stmt.withClause is not None:
            self.bind_with(stmt.withClause, scope)
        if stmt.op != SetOperation.SETOP_NONE:
            return self.bind_setop(stmt, scope)
        if stmt.valuesLists:
            node = self.bind_values(stmt.valuesLists, scope)
            return self.finish(node, node.columns, stmt, scope, None)
        return self.bind_simple_select(stmt, scope)

    def bind_with(self, with_clause: ast.WithClause, scope: Scope) -> None:
        names = [cte.ctename for cte in with_clause.ctes]
        for name in names:
            if names.count(name) > 1:
                raise errors.DuplicateAlias(f'WITH query name "{name}" specified more than once')
        for cte in with_clause.ctes:
            if isinstance(cte.ctequery, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt)):
                scope.ctes[cte.ctename] = self.bind_modifying_cte(cte, scope, with_clause.recursive)
                continue
            # Whether the query reads a level enclosing this one, as e_SubLink tells a
            # correlated subquery: its rows are then computed again for each row there.
            was, scope.correlated = scope.correlated, False
            if with_clause.recursive and _references(cte.ctequery, cte.ctename):
                node = self.bind_recursive_cte(cte, scope)
            else:
                q = self.bind_query(cte.ctequery, scope)
                node = q.node
                cols = _rename(q.columns, cte.aliascolnames, _with_query(cte))
                node = _with_columns(node, cols)
            if scope.correlated:
                scope.correlated_ctes.add(cte.ctename)
                if self.rerun_ctes:
                    self.rerun_ctes[-1].append(id(node))
            scope.correlated = was or scope.correlated
            scope.ctes[cte.ctename] = node

    def bind_modifying_cte(self, cte: ast.CommonTableExpr, scope: Scope, recursive: bool) -> Node:
        """`WITH name AS (INSERT / UPDATE / DELETE ... [RETURNING ...])` (sql.dml.ModifyingCte):
        at the top level only, as in PostgreSQL; it sees the WITH queries before it."""
        from borealis.sql.dml import ModifyingCte, bind_insert, bind_modify
        if self.depth != 1:
            raise errors.FeatureNotSupported(
                what="WITH clause containing a data-modifying statement must be at the top level")
        query = cte.ctequery
        if recursive and _references(query, cte.ctename):
            raise errors.InvalidRecursion(
                what=f'recursive query "{cte.ctename}" must not contain data-modifying statements')
        plan = bind_insert(self, query, scope) if isinstance(query, ast.InsertStmt) \
            else bind_modify(self, query, scope)
        node = ModifyingCte(_rename(plan.returning_cols, cte.aliascolnames, _with_query(cte)), plan, cte.ctename)
        self.modifying.append(node)
        return node

    def bind_recursive_cte(self, cte: ast.CommonTableExpr, scope: Scope) -> Node:
        query = cte.ctequery
        if not isinstance(query, ast.SelectStmt) or query.op != SetOperation.SETOP_UNION:
            raise errors.InvalidRecursion(
                what=f'recursive query "{cte.ctename}" does not have the form '
                     "non-recursive-term UNION [ALL] recursive-term")
        recursive_cte.check(cte.ctename, query, _contains_agg)
        base = self.bind_query(query.larg, scope)
        cols = _rename(base.columns, cte.aliascolnames, _with_query(cte))
        work = WorkTable(cols)
        scope.ctes[cte.ctename] = work
        with self.rerun() as fresh:
            step = self.bind_query(query.rarg, scope)
        if len(step.columns) != len(cols):
            raise errors.SyntaxError(what="each UNION query must have the same number of columns")
        step_node = self.cast_columns(step.node, step.columns, cols)
        return RecursiveUnion(base.node, step_node, work, bool(query.all), cols, tuple(fresh))

    def cast_columns(self, node: Node, have: list[OutCol], want: list[OutCol]) -> Node:
        if all(h.oid == w.oid for h, w in zip(have, want)):
            return node
        exprs = [self.coerce(Col(h.oid, i), w.oid) for i, (h, w) in enumerate(zip(have, want))]
        return Project(node, exprs, want)

    def bind_setop(self, stmt: ast.SelectStmt, scope: Scope) -> BoundQuery:
        left = self.bind_keeping_unknown(stmt.larg, scope)
        right = self.bind_keeping_unknown(stmt.rarg, scope)
        if len(left.columns) != len(right.columns):
            raise errors.SyntaxError(what="each UNION query must have the same number of columns")
        kind = {SetOperation.SETOP_UNION: "union", SetOperation.SETOP_INTERSECT: "intersect",
                SetOperation.SETOP_EXCEPT: "except"}[stmt.op]
        cols = []
        for lc, rc in zip(left.columns, right.columns):
            target = C.common_type([Col(lc.oid, 0), Col(rc.oid, 0)], kind.upper())
            cols.append(OutCol(lc.name, target))
        lnode = self.cast_columns(left.node, left.columns, cols)
        rnode = self.cast_columns(right.node, right.columns, cols)
        node = SetOp(kind, bool(stmt.all), lnode, rnode, cols)
        return self.finish(node, cols, stmt, scope, None)

    def bind_keeping_unknown(self, stmt: ast.SelectStmt, scope: Scope | None) -> BoundQuery:
        """A set operation's input, or an INSERT's query. Like PostgreSQL, an untyped
        literal in its select list (`SELECT NULL UNION SELECT 1`, `INSERT INTO t SELECT
        '3'`) stays unknown, so the set operation resolves it together with the other
        branches, or the INSERT as its column's type, instead of it becoming text."""
        simple = stmt.op == SetOperation.SETOP_NONE and not stmt.valuesLists \
            and not stmt.sortClause and stmt.distinctClause is None
        if not simple:
            return self.bind_query(stmt, scope)
        with self.query_level(stmt):
            return self._bind_select(stmt, scope, keep_unknown=True)

    def bind_values(self, lists, scope: Scope) -> Values:
        with self.clause("VALUES"):
            rows = [[self.expr(e, scope) for e in row] for row in lists]
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise errors.SyntaxError(what="VALUES lists must all be the same length")
        cols = []
        for i in range(width):
            target, unified = self.unify([r[i] for r in rows], "VALUES")
            for r, e in zip(rows, unified):
                r[i] = e
            cols.append(OutCol(f"column{i + 1}", target))
        return Values(rows, cols)

    def bind_simple_select(self, stmt: ast.SelectStmt, scope: Scope) -> BoundQuery:
        node = self.bind_from(stmt.fromClause or (), scope)
        if stmt.lockingClause:
            node = mark_locked_scans(self, stmt, node, scope)
        if stmt.whereClause is not None:
            with self.clause("WHERE"):
                cond = self.condition(stmt.whereClause, scope, "WHERE")
            node = Filter(node, cond)
        targets = self.expand_targets(stmt.targetList or (), scope)
        aggs: list[AggCall] = []
        has_aggs = any(_contains_agg(t.val) for t in stmt.targetList or ()) or (
            stmt.havingClause is not None) or bool(stmt.groupClause) or any(
            _contains_agg(sb.node) for sb in stmt.sortClause or ())
        if has_aggs:
            return self.bind_grouped(stmt, scope, node, targets, aggs)
        from borealis.sql.srf import bind_target_srfs  # select-list set-returning functions
        node = bind_target_srfs(self, stmt.targetList, scope, node)
        exprs = [self.expr(t, scope) if not isinstance(t, Expr) else t for t, _ in targets]
        names = [n for _, n in targets]
        return self.project_and_finish(node, exprs, names, stmt, scope, [t for t, _ in targets])

    def expand_targets(self, target_list, scope: Scope) -> list[tuple[Any, str]]:
        """(ast node or bound Expr, output name) for each select-list item, `*` expanded."""
        out: list[tuple[Any, str]] = []
        for t in target_list:
            val = t.val
            if isinstance(val, ast.ColumnRef) and isinstance(val.fields[-1], ast.A_Star):
                qualifier = val.fields[-2].sval if len(val.fields) > 1 else None
                for col in scope.star(qualifier):
                    out.append((col, col.name))  # type: ignore[attr-defined]
                if not scope.entries and qualifier is None:
                    raise errors.SyntaxError(what="SELECT * with no tables specified is not valid")
                continue
            out.append((val, t.name or _column_name(val)))
        return out

    def project_and_finish(self, node: Node, exprs: list[Expr], names: list[str],
                           stmt: ast.SelectStmt, scope: Scope, sources: list) -> BoundQuery:
        cols = [self.out_col(e, n, scope) for e, n in zip(exprs, names)]
        return self.finish_projected(node, exprs, cols, stmt, scope, input_scope=scope,
                                     sources=sources)

    def out_col(self, expr: Expr, name: str, scope: Scope | None) -> OutCol:
        keep = scope is not None and scope.keep_unknown
        oid = expr.oid if expr.oid != UNKNOWN or keep else TEXT
        if isinstance(expr, Col) and scope is not None:
            try:
                base = scope.out_col(expr.index)
                return OutCol(name, oid, expr.typmod, base.table_oid, base.attnum)
            except IndexError:
                pass
        return OutCol(name, oid, expr.typmod)

    def finish_projected(self, node: Node, exprs: list[Expr], cols: list[OutCol],
                         stmt: ast.SelectStmt, scope: Scope, input_scope: Scope | None,
                         sources: list | None = None) -> BoundQuery:
        """Project, with ORDER BY keys not in the select list carried as extra columns.
        `sources`: each output column's select-list item (parse node or bound Expr)."""
        if not scope.keep_unknown:
            exprs = [self.coerce(e, TEXT) if e.oid == UNKNOWN else e for e in exprs]
        sort_keys: list[SortKey] = []
        extra: list[Expr] = []
        plain_distinct = stmt.distinctClause is not None and len(stmt.distinctClause) == 1 \
            and stmt.distinctClause[0] is None

        def target_of(node: ast.Node, clause: str = "ORDER BY") -> int:
            """An output column, or a junk column carried for ORDER BY / DISTINCT ON."""
            target = self.order_target(node, exprs + extra, cols, input_scope, clause, sources)
            if target is not None:
                return target
            extra_expr = self.bind_in(node, input_scope) if input_scope else None
            if extra_expr is None:
                raise errors.UndefinedColumn(name=_column_name(node))
            if plain_distinct:
                raise errors.InvalidColumnReference(
                    what="for SELECT DISTINCT, ORDER BY expressions must appear in select list")
            extra.append(extra_expr)
            return len(exprs) + len(extra) - 1

        for sb in stmt.sortClause or ():
            sort_keys.append(self.sort_key(sb, target_of(sb.node), exprs + extra))
        distinct_on = [] if stmt.distinctClause is None or plain_distinct \
            else [target_of(e, "DISTINCT ON") for e in stmt.distinctClause]
        all_exprs = exprs + extra
        out_cols = cols + [OutCol("?junk?", e.oid) for e in extra]
        if self.windows is not None and self.windows.calls:
            node = Window(node, self.windows.calls)
            self.windows = None  # the outer ORDER/LIMIT of a set operation has none
        node = Project(node, all_exprs, out_cols)
        node = self.apply_distinct(node, stmt, out_cols, len(exprs), sort_keys, distinct_on)
        if sort_keys:
            node = Sort(node, sort_keys)
        node = self.apply_limit(node, stmt, scope)
        if extra:
            node = Project(node, [Col(c.oid, i, typmod=c.typmod) for i, c in enumerate(cols)], cols)
        return BoundQuery(node, cols)

    def finish(self, node: Node, cols: list[OutCol], stmt: ast.SelectStmt, scope: Scope,
               input_scope: Scope | None) -> BoundQuery:
        exprs: list[Expr] = [Col(c.oid, i, typmod=c.typmod) for i, c in enumerate(cols)]
        if not stmt.sortClause and stmt.limitCount is None and stmt.limitOffset is None:
            return BoundQuery(node, cols)
        return self.finish_projected(node, exprs, cols, stmt, scope, input_scope)

    def order_target(self, node: ast.Node, exprs: list[Expr], cols: list[OutCol],
                     input_scope: Scope | None, clause: str = "ORDER BY",
                     sources: list | None = None) -> int | None:
        """ORDER BY 2 or ORDER BY alias → that output column; else None. A name two
        output columns have is ambiguous (42702) unless both are the same expression
        (`_same_target`, with `sources`: each column's select-list item)."""

        def differ(i: int, j: int) -> bool:
            a, b = (sources[i], sources[j]) if sources is not None else (None, None)
            return not _same_target(exprs[i], exprs[j], a, b)

        if isinstance(node, ast.A_Const) and isinstance(node.val, ast.Integer):
            n = node.val.ival
            if n < 1 or n > len(exprs):
                raise errors.InvalidColumnReference(what=f"ORDER BY position {n} is not in select list")
            return n - 1
        if isinstance(node, ast.ColumnRef) and len(node.fields) == 1 \
                and isinstance(node.fields[0], ast.String):
            name = node.fields[0].sval
            matches = [i for i, c in enumerate(cols) if c.name == name]
            if matches:  # an output column's name first, as PostgreSQL's SQL92 rule
                if any(differ(matches[0], i) for i in matches[1:]):
                    raise errors.AmbiguousColumn(f'{clause} "{name}" is ambiguous')
                return matches[0]
        if input_scope is not None:
            try:
                bound = self.bind_in(node, input_scope)
            except errors.BorealisError:
                return None
            for i, e in enumerate(exprs):
                if _same(e, bound):
                    return i
        return None

    def bind_in(self, node: ast.Node, scope: Scope) -> Expr:
        if isinstance(scope, GroupedScope):
            return scope.expr(node)
        return self.expr(node, scope)

    def sort_key(self, sb: ast.SortBy, index: int, exprs: list[Expr]) -> SortKey:
        if sb.useOp:
            raise errors.FeatureNotSupported(what="ORDER BY ... USING is not supported")
        return _sort_key(sb, Col(exprs[index].oid, index))

    def apply_distinct(self, node: Node, stmt: ast.SelectStmt, cols: list[OutCol],
                       visible: int, sort_keys: list[SortKey], distinct_on: list[int]) -> Node:
        if stmt.distinctClause is None:
            return node
        if not distinct_on:
            return Distinct(node, [Col(c.oid, i) for i, c in enumerate(cols[:visible])])
        # DISTINCT ON (exprs): the leading ORDER BY keys must be DISTINCT ON expressions
        # (42P10 otherwise); the ones ORDER BY does not name are sorted on after them.
        wanted = set(distinct_on)
        seen: set[int] = set()
        lead = 0
        for key in sort_keys:
            if seen == wanted:
                break
            index = key.expr.index  # type: ignore[attr-defined]
            if index not in wanted:
                raise errors.InvalidColumnReference(
                    what="SELECT DISTINCT ON expressions must match initial ORDER BY expressions")
            seen.add(index)
            lead += 1
        missing = [SortKey(Col(cols[i].oid, i)) for i in dict.fromkeys(distinct_on) if i not in seen]
        keys = list(sort_keys[:lead]) + missing + list(sort_keys[lead:])
        on = [Col(cols[i].oid, i) for i in distinct_on]
        return Distinct(Sort(node, keys), on)

    def apply_limit(self, node: Node, stmt: ast.SelectStmt, scope: Scope) -> Node:
        if stmt.limitCount is None and stmt.limitOffset is None:
            return node
        count = offset = None
        if stmt.limitCount is not None:
            with self.clause("LIMIT"):
                count = self.coerce(self.expr(stmt.limitCount, scope), INT8)
        if isinstance(count, Const) and count.value is None:
            count = None
        if stmt.limitOffset is not None:
            with self.clause("OFFSET"):
                offset = self.coerce(self.expr(stmt.limitOffset, scope), INT8)
        return Limit(node, count, offset)

    # -- grouping -------------------------------------------------------------------

    def bind_grouped(self, stmt: ast.SelectStmt, scope: Scope, node: Node,
                     targets: list[tuple[Any, str]], aggs: list[AggCall]) -> BoundQuery:
        with self.clause("GROUP BY"):
            groups, group_nodes = self._group_keys(stmt, scope, targets)
        grouped = GroupedScope(self, scope, groups, group_nodes, aggs)
        bound = [grouped.map_bound(t) if isinstance(t, Expr) else grouped.expr(t)
                 for t, _ in targets]
        having = None
        if stmt.havingClause is not None:
            with self.clause("HAVING"):
                having = grouped.expr(stmt.havingClause)
        agg_node = Aggregate(node, groups, aggs,
                             [OutCol(f"g{i}", g.oid) for i, g in enumerate(groups)]
                             + [OutCol(a.name, a.oid) for a in aggs])
        out: Node = agg_node
        if having is not None:
            out = Filter(out, self.coerce(having, BOOL))
        names = [n for _, n in targets]
        cols = [OutCol(n, e.oid if e.oid != UNKNOWN else TEXT, e.typmod) for e, n in zip(bound, names)]
        return self.finish_projected(out, bound, cols, stmt, scope, input_scope=grouped,
                                     sources=[t for t, _ in targets])

    def _group_keys(self, stmt: ast.SelectStmt, scope: Scope,
                    targets: list[tuple[Any, str]]) -> tuple[list[Expr], list[Any]]:
        """GROUP BY's keys, bound, and what each is written as."""
        groups: list[Expr] = []
        group_nodes: list[ast.Node] = []
        for g in stmt.groupClause or ():
            if isinstance(g, ast.A_Const) and isinstance(g.val, ast.Integer):
                n = g.val.ival
                if n < 1 or n > len(targets):
                    raise errors.InvalidColumnReference(what=f"GROUP BY position {n} is not in select list")
                item = targets[n - 1][0]
                groups.append(item if isinstance(item, Expr) else self.expr(item, scope))
                group_nodes.append(item)
                continue
            if isinstance(g, ast.ColumnRef) and len(g.fields) == 1 and isinstance(g.fields[0], ast.String):
                name = g.fields[0].sval
                try:
                    groups.append(self.expr(g, scope))
                    group_nodes.append(g)
                    continue
                except errors.UndefinedColumn:
                    # Not a FROM column: an output column's name (GROUP BY prefers
                    # the input, PostgreSQL's SQL92 rule)
                    alias = [t for t, n in targets if n == name]
                    if not alias:
                        raise
                    bound = [t if isinstance(t, Expr) else self.expr(t, scope) for t in alias]
                    if any(not _same_target(bound[0], e, alias[0], t)
                           for e, t in zip(bound[1:], alias[1:])):
                        raise errors.AmbiguousColumn(f'GROUP BY "{name}" is ambiguous') from None
                    groups.append(bound[0])
                    group_nodes.append(alias[0])
                    continue
            if isinstance(g, ast.GroupingSet):
                raise errors.FeatureNotSupported(what="GROUPING SETS, ROLLUP and CUBE are not supported")
            groups.append(self.expr(g, scope))
            group_nodes.append(g)
        return groups, group_nodes

    # -- FROM -----------------------------------------------------------------------

    def bind_from(self, items, scope: Scope) -> Node:
        node: Node | None = None
        for item in items:
            right = self.bind_from_item(item, scope)
            if isinstance(right, _Lateral):
                left = node if node is not None else Values([[]], [])
                node = LateralJoin(left, right.node, scope.outer, "inner", None,
                                   left.columns + right.node.columns, right.fresh)
                continue
            node = right if node is None else NestedLoopJoin(
                node, right, "inner", None, node.columns + right.columns)
        if node is None:
            return Values([[]], [])
        return node

    def bind_from_item(self, item: ast.Node, scope: Scope) -> Node:
        if isinstance(item, ast.RangeVar):
            return self.bind_range_var(item, scope)
        if isinstance(item, ast.RangeSubselect):
            # LATERAL: the subquery sees the FROM items before it, as outer columns of
            # this level (bound with this scope as parent); it then runs per left row.
            # Otherwise it sees the levels enclosing this one, and this one's WITH.
            if item.lateral:
                parent = scope
            else:
                parent = Scope(scope.parent)
                parent.share_ctes(scope)
            with self.rerun() as fresh:
                q = self.bind_query(item.subquery, parent)
            alias = item.alias.aliasname if item.alias else "unnamed_subquery"
            cols = _rename(q.columns, item.alias.colnames if item.alias else None, _table(alias))
            scope.add(RangeEntry(alias, [OutCol(c.name, c.oid, c.typmod) for c in cols]))
            node = _with_columns(q.node, cols)
            if item.lateral and _refers_to(node, scope.outer):
                return _Lateral(node, tuple(fresh))
            if self.rerun_ctes:  # runs as often as the level it is in
                self.rerun_ctes[-1].extend(fresh)
            return node
        if isinstance(item, ast.JoinExpr):
            if not scope.entries:
                return self.bind_join(item, scope)
            # `FROM a, b JOIN c ON ...`: the join's rows (and the column positions in its
            # ON condition) start at its own first column, so bind it in a scope of its own
            # and append its entries to this one afterwards.
            own = Scope(scope.parent)
            own.share_ctes(scope)
            node = self.bind_join(item, own)
            shift = scope.width  # keep the entries' relative positions (USING aliases)
            for entry in own.entries:
                entry.offset += shift
                scope.entries.append(entry)
            scope.width += own.width
            return node
        if isinstance(item, ast.RangeFunction):
            return self.bind_range_function(item, scope)
        raise errors.FeatureNotSupported(what=f"{type(item).__name__} in FROM is not supported")

    def bind_range_var(self, rv: ast.RangeVar, scope: Scope) -> Node:
        alias = rv.alias.aliasname if rv.alias else rv.relname
        if rv.schemaname is None:
            found = scope.find_cte(rv.relname)
            if found is not None:
                cte, home = found
                if getattr(cte, "returns_nothing", False):  # sql.dml.ModifyingCte
                    raise errors.FeatureNotSupported(
                        what=f'WITH query "{rv.relname}" does not have a RETURNING clause')
                cols = _rename(cte.columns, rv.alias.colnames if rv.alias else None, _table(alias))
                scope.add(RangeEntry(alias, [OutCol(c.name, c.oid, c.typmod) for c in cols]))
                if isinstance(cte, WorkTable):
                    _depends_on_cte(scope, home, inclusive=False)  # each iteration's rows
                    return cte
                correlated = rv.relname in home.correlated_ctes
                if correlated:
                    _depends_on_cte(scope, home, inclusive=True)
                return CteScan(cte, cols, correlated, rv.relname, alias)
        rel = self.relation(rv)
        if rel.kind == "v":
            return self.bind_view(rel, alias, rv, scope)
        if getattr(rel, "virtual_rows", None) is not None:
            cols = [OutCol(c.name, c.type_oid, c.typmod, rel.oid, c.attnum) for c in rel.columns]
            scope.add(RangeEntry(alias, _rename(cols, rv.alias.colnames if rv.alias else None, _table(alias)),
                                 relation_oid=rel.oid, relname=_hidden_name(rel, alias)))
            return rel.virtual_rows(self.ctx, cols)
        cols = [OutCol(c.name, c.type_oid, c.typmod, rel.oid, c.attnum) for c in rel.columns]
        dropped = rel.dropped_names
        renamed = _rename(cols, rv.alias.colnames if rv.alias else None, _table(alias),
                          skip=dropped)
        scope.add(RangeEntry(alias, renamed, hidden=dropped, internal=dropped, relation_oid=rel.oid,
                             relname=_hidden_name(rel, alias)))
        return Scan(rel, alias, renamed)

    def bind_view(self, rel: Relation, alias: str, rv: ast.RangeVar, scope: Scope) -> Node:
        from borealis.sql.parse import parse
        (stmt,) = parse(rel.view_sql or "")
        with view_body(self.ctx, rel):
            q = self.bind_query(stmt.node, None)
        cols = [OutCol(c.name, c.type_oid, c.typmod) for c in rel.columns] or q.columns
        cols = _rename(cols, rv.alias.colnames if rv.alias else None, _table(alias))
        scope.add(RangeEntry(alias, cols, relation_oid=rel.oid, relname=_hidden_name(rel, alias)))
        return _with_columns(q.node, cols)

    def bind_range_function(self, item: ast.RangeFunction, scope: Scope) -> Node:
        with self.clause("functions in FROM"):
            return self._bind_range_function(item, scope)

    def _bind_range_function(self, item: ast.RangeFunction, scope: Scope) -> Node:
        if len(item.functions) != 1:
            raise errors.FeatureNotSupported(what="this FROM-clause function form is not supported")
        call = item.functions[0][0]
        if not isinstance(call, ast.FuncCall):
            raise errors.FeatureNotSupported(what="this FROM-clause function form is not supported")
        from borealis.sql.routines import bind_from  # a SQL function (CREATE FUNCTION)
        user = bind_from(self, item, scope)
        if user is not None:
            return user
        name = _func_name(call)
        # Arguments may name earlier FROM items (always LATERAL for functions): bound
        # one level down, such references become outer columns of this level.
        args = [self.expr(a, Scope(scope)) for a in call.args or ()]
        lateral = any(isinstance(n, OuterCol) and n.outer is scope.outer
                      for a in args for n in walk(a))
        # F's, plus pg_partition_ancestors (psql \d) and unnest(a, b, ...)
        from borealis.sql.srf import set_returning, unnest_side_by_side
        out_names = F.SRF_COLUMN_NAMES.get(name)  # OUT parameters (jsonb_each: key, value)
        if name == "unnest" and len(args) > 1:  # FROM only: ROWS FROM (unnest(a), unnest(b))
            fn, out_types, args = unnest_side_by_side(self, args)
            out_names = [name] * len(out_types)
        else:
            fn, out_types, args = set_returning(self, name, args)
        alias = item.alias.aliasname if item.alias else name
        colnames = item.alias.colnames if item.alias else None
        cols = [OutCol(out_names[i] if out_names else name if len(out_types) == 1 else f"col{i + 1}", oid)
                for i, oid in enumerate(out_types)]
        if item.ordinality:
            cols.append(OutCol("ordinality", INT8))
            inner = fn
            fn = lambda *vals: [r + (i + 1,) for i, r in enumerate(inner(*vals))]  # noqa: E731
        cols = _rename(cols, colnames, _table(alias))
        if len(out_types) == 1 and not colnames and item.alias and not out_names:
            cols[0] = OutCol(alias, cols[0].oid)
        scalar = len(out_types) == 1 and not out_names and not item.ordinality
        scope.add(RangeEntry(alias, cols, scalar=scalar))
        node = FunctionScan(fn, args, cols)
        # A reference inside a subquery among the arguments makes it lateral too.
        return _Lateral(node) if lateral or _refers_to(node, scope.outer) else node

    def bind_join(self, j: ast.JoinExpr, scope: Scope) -> Node:
        first = len(scope.entries)
        left = self.bind_from_item(j.larg, scope)
        left_entries = len(scope.entries)
        right = self.bind_from_item(j.rarg, scope)
        kind = {JoinType.JOIN_INNER: "inner", JoinType.JOIN_LEFT: "left",
                JoinType.JOIN_RIGHT: "right", JoinType.JOIN_FULL: "full"}.get(j.jointype)
        if kind is None:
            raise errors.FeatureNotSupported(what="this join type is not supported")
        cols = left.columns + (right.node if isinstance(right, _Lateral) else right).columns
        cond: Expr | None = None
        using = [s.sval for s in j.usingClause] if j.usingClause else []
        if j.isNatural:
            lnames = {c.name for e in scope.entries[first:left_entries] for c in e.columns
                      if c.name not in e.hidden}
            using = [c.name for e in scope.entries[left_entries:] for c in e.columns
                     if c.name in lnames and c.name not in e.hidden]
        if j.alias is not None:
            raise errors.FeatureNotSupported(what="aliases on JOIN are not supported")
        if isinstance(left, _Lateral):  # nothing before it to refer to
            left = left.node
            cols = left.columns + (right.node if isinstance(right, _Lateral) else right).columns
        if isinstance(right, _Lateral):
            if kind not in ("inner", "left"):
                raise errors.InvalidColumnReference(
                    what="The combining JOIN type must be INNER or LEFT for a LATERAL reference.")
            if using:
                raise errors.FeatureNotSupported(what="JOIN LATERAL ... USING is not supported")
            if j.quals is not None:
                with self.clause("JOIN conditions"):
                    cond = self.condition(j.quals, scope, "JOIN/ON")
            return LateralJoin(left, right.node, scope.outer, kind, cond, cols, right.fresh)
        if using:
            return self.using_join(using, scope, first, left_entries, kind, left, right)
        if j.quals is not None:
            with self.clause("JOIN conditions"):
                cond = self.condition(j.quals, scope, "JOIN/ON")
        return NestedLoopJoin(left, right, kind, cond, cols)

    def using_join(self, names: list[str], scope: Scope, first: int, split: int, kind: str,
                   left: Node, right: Node) -> Node:
        """`JOIN ... USING (k)` / NATURAL JOIN. As in PostgreSQL, each `k` becomes one
        merged column, listed first by `*` and the only one an unqualified `k` names:
        the left side's column for inner and left joins, the right side's for right
        joins, and COALESCE of both for full joins (computed by a Project over the
        join). Both sides' own columns stay reachable qualified (`a.k`, `b.k`). Where
        the two sides' types differ, the merged column has their common type (computed
        too: `int JOIN numeric USING (k)` gives a numeric k)."""
        if len(set(names)) != len(names):
            dup = next(n for n in names if names.count(n) > 1)
            raise errors.DuplicateColumn(f'column name "{dup}" appears more than once in USING clause')
        # This join's rows start at its first column: an inner FULL JOIN's merged
        # columns come first in the entries but sit after its sides' columns.
        base = min(e.offset for e in scope.entries[first:])
        parts, merged, computed = [], [], []
        for name in names:
            lhit = [(e, i) for e in scope.entries[first:split] for i, c in enumerate(e.columns)
                    if c.name == name and c.name not in e.hidden]
            rhit = [(e, i) for e in scope.entries[split:] for i, c in enumerate(e.columns)
                    if c.name == name and c.name not in e.hidden]
            if len(lhit) != 1 or len(rhit) != 1:
                side = "left" if len(lhit) != 1 else "right"
                if len(lhit) > 1 or len(rhit) > 1:
                    raise errors.AmbiguousColumn(
                        f'common column name "{name}" appears more than once in {side} table')
                raise errors.UndefinedColumn(
                    f'column "{name}" specified in USING clause does not exist in {side} table')
            (le, li), (re_, ri) = lhit[0], rhit[0]
            lc, rc = le.columns[li], re_.columns[ri]
            lcol, rcol = Col(lc.oid, le.offset + li), Col(rc.oid, re_.offset + ri)
            parts.append(O.bind_operator("=", lcol, rcol))
            le.hidden = le.hidden | {name}
            re_.hidden = re_.hidden | {name}
            target, (a, b) = self.unify([Col(lc.oid, lcol.index - base, typmod=lc.typmod),
                                         Col(rc.oid, rcol.index - base, typmod=rc.typmod)],
                                        "JOIN/USING")
            # The left column for inner and left joins, the right one for right joins,
            # in the common type; an inner join takes the one already of that type.
            right_side = kind == "right" or (kind == "inner" and lc.oid != target == rc.oid)
            keep, col = (re_, rc) if right_side else (le, lc)
            if kind == "full" or col.oid != target:
                entry = RangeEntry("", [OutCol(name, target)])
                computed.append((entry, Coalesce(target, args=(a, b)) if kind == "full"
                                 else b if right_side else a))
                merged.append(entry)
            else:
                offset = re_.offset + ri if right_side else le.offset + li
                merged.append(RangeEntry("", [OutCol(col.name, col.oid, col.typmod,
                                                    col.table_oid, col.attnum)],
                                         offset=offset, relation_oid=keep.relation_oid))
        cond = parts[0] if len(parts) == 1 else BoolOp(BOOL, op="and", args=tuple(parts))
        node: Node = NestedLoopJoin(left, right, kind, cond, left.columns + right.columns)
        if computed:
            width = len(node.columns)
            for k, (entry, _) in enumerate(computed):
                entry.offset = scope.width + k
            scope.width += len(computed)
            node = Project(node, [Col(c.oid, i, typmod=c.typmod) for i, c in enumerate(node.columns)]
                           + [e for _, e in computed], node.columns + [m.columns[0] for m, _ in computed])
            assert len(node.columns) == width + len(computed)
        scope.entries[first:first] = merged  # `*` lists the merged columns first
        return node

    # -- expressions ----------------------------------------------------------------

    def condition(self, node: ast.Node, scope: Scope, what: str) -> Expr:
        e = self.expr(node, scope)
        if e.oid not in (BOOL, UNKNOWN) and not (isinstance(e, Param) and e.oid == UNKNOWN):
            raise errors.DatatypeMismatch(
                what=f"argument of {what} must be type boolean, not type {C.type_name(e.oid)}")
        return self.coerce(e, BOOL)

    def expr(self, node: ast.Node, scope: Scope | None) -> Expr:
        method = getattr(self, "e_" + type(node).__name__, None)
        if method is None:
            raise errors.FeatureNotSupported(what=f"expression {type(node).__name__} is not supported")
        return method(node, scope)

    def e_ColumnRef(self, node: ast.ColumnRef, scope: Scope | None) -> Expr:
        if self.expr_kind == "DEFAULT expressions":
            raise errors.FeatureNotSupported(what="cannot use column reference in DEFAULT expression")
        fields = node.fields
        if len(fields) == 2 and isinstance(fields[1], ast.A_Star) and scope is not None:
            # `t.*` where a value is expected (row_to_json(t.*), t.* IS NULL): the row
            alias = fields[0].sval
            row = self.whole_row(alias, scope)
            if row is None:
                raise scope.no_entry(alias)
            return row
        if any(isinstance(f, ast.A_Star) for f in fields):
            raise errors.FeatureNotSupported(what="* is not allowed here")
        names = [f.sval for f in fields]
        if scope is None:
            raise errors.UndefinedColumn(name=".".join(names))
        if self.column_refs is not None and len(names) <= 3:
            name, qualifier = names[-1], (names[-2] if len(names) > 1 else None)
            hit = (scope.inner if isinstance(scope, GroupedScope) else scope).owner(name, qualifier)
            if hit is not None:
                self.column_refs.append((node, *hit))
        if len(names) == 1:
            try:
                return scope.resolve(names[0], None)
            except errors.UndefinedColumn:
                # Like PostgreSQL: a name that is no column of any level but names a
                # FROM item is a whole-row reference (`SELECT t FROM t`).
                row = self.whole_row(names[0], scope)
                if row is None:
                    raise
                return row
        if len(names) == 2:
            return scope.resolve(names[1], names[0])
        if len(names) == 3:
            return scope.resolve(names[2], names[1])
        raise errors.SyntaxError(what=f"improper qualified name: {'.'.join(names)}")

    def record_twin(self, bound: ast.Node, twin: ast.Node) -> None:
        """`twin`, equal to the already bound `bound` (a GROUP BY key it matched), names
        the columns `bound` does: record its column references as `bound`'s were."""
        from borealis.sql.alter_columns import _nodes
        assert self.column_refs is not None
        known = {id(n): (entry, i) for n, entry, i in self.column_refs}
        for a, b in zip(_nodes(bound, ast.ColumnRef), _nodes(twin, ast.ColumnRef)):
            if id(a) in known:
                self.column_refs.append((b, *known[id(a)]))

    def whole_row(self, alias: str, scope: Scope) -> Expr | None:
        """The record of FROM item `alias` (this level or an enclosing one), or None.

        Its fields are the item's columns (dropped ones left out), named as the item
        names them. A row a left/right/full join null-extended is NULL rather than a
        record of NULLs when the item is a table with a NOT NULL column to tell by."""
        start = scope.inner if isinstance(scope, GroupedScope) else scope
        level: Scope | None = start
        crossed: list[Scope] = []
        entry = None
        while level is not None:
            entry = level.entry(alias)
            if entry is not None:
                break
            crossed.append(level)
            parent = level.parent
            level = parent.inner if isinstance(parent, GroupedScope) else parent
        if level is None or entry is None:
            return None
        fields, sentinel = self._row_fields(entry)
        if entry.scalar:  # a function returning a scalar: its "row" is the value
            fields, sentinel = fields[:1], None
        if level is start:
            args: list[Expr] = [Col(c.oid, entry.offset + i, c.name, alias, typmod=c.typmod)
                                for i, c in fields]
        else:  # correlated, marked as Scope.resolve marks it
            level.correlated = True
            for middle in crossed[1:]:
                middle.correlated = True
            args = [OuterCol(c.oid, index=entry.offset + i, outer=level.outer, typmod=c.typmod)
                    for i, c in fields]
        build = T.make_record(tuple(c.name for _, c in fields), tuple(c.oid for _, c in fields))
        if sentinel is not None:
            fn = (lambda k: lambda *v: None if v[k] is None else build(*v))(sentinel)
        else:
            fn = build
        row = args[0] if entry.scalar else Call(RECORD, name=f"{alias}.*", fn=fn,
                                                   args=tuple(args), strict=False)
        return scope.map_bound(row) if isinstance(scope, GroupedScope) else row

    def _row_fields(self, entry: RangeEntry) -> tuple[list[tuple[int, OutCol]], int | None]:
        """(position in entry, column) of the entry's live columns, and the field that
        is never NULL in a real row (a NOT NULL column of a table), if any."""
        rel = self.catalog.relation_by_oid(entry.relation_oid) if entry.relation_oid else None
        dropped: set[int] = set()
        not_null: set[int] = set()
        if rel is not None:
            dropped = {c.attnum for c in rel.columns if c.dropped}
            not_null = {c.attnum for c in rel.columns if c.not_null and not c.dropped}
        fields, sentinel = [], None
        for i, c in enumerate(entry.columns):
            mine = rel is not None and c.table_oid == rel.oid
            if mine and c.attnum in dropped:
                continue
            if rel is not None and rel.kind != "v" and not mine:
                continue  # carried along, not the table's (UPDATE/DELETE's row key)
            if mine and sentinel is None and c.attnum in not_null:
                sentinel = len(fields)
            fields.append((i, c))
        return fields, sentinel

    def e_A_Const(self, node: ast.A_Const, scope) -> Expr:
        if node.isnull:
            return Const(UNKNOWN, None)
        v = node.val
        if isinstance(v, ast.Integer):
            return const_of(v.ival)
        if isinstance(v, ast.Float):
            text = v.fval
            if "." not in text and "e" not in text.lower():
                n = int(text)
                if -(1 << 31) <= n < (1 << 31):  # -2147483648 arrives as a Float
                    return Const(INT4, n)
                if -(1 << 63) <= n < (1 << 63):
                    return Const(INT8, n)
            return Const(NUMERIC, Decimal(text))
        if isinstance(v, ast.String):
            return Const(UNKNOWN, v.sval)
        if isinstance(v, ast.Boolean):
            return Const(BOOL, v.boolval)
        if isinstance(v, ast.BitString):
            raise errors.FeatureNotSupported(what="bit strings are not supported")
        raise errors.FeatureNotSupported(what=f"constant {type(v).__name__}")

    def e_ParamRef(self, node: ast.ParamRef, scope) -> Expr:
        return self.param(node.number)

    def e_TypeCast(self, node: ast.TypeCast, scope) -> Expr:
        oid, typmod = self.type_name(node.typeName)
        arg = self.expr(node.arg, scope)
        settled = self.settle_param(arg, oid)
        if settled is not None:
            return C.coerce(settled, oid, typmod, "explicit")
        return C.coerce(arg, oid, typmod, "explicit")

    def type_name(self, tn: ast.TypeName) -> tuple[int, int]:
        return type_from_ast(tn)

    def e_A_Expr(self, node: ast.A_Expr, scope) -> Expr:
        kind = node.kind
        name = node.name[-1].sval if node.name else ""
        if kind == A_Expr_Kind.AEXPR_OP and isinstance(node.lexpr, ast.RowExpr) \
                and isinstance(node.rexpr, ast.RowExpr):
            return self.row_compare(name, self._row_items(node.lexpr, scope),
                                    self._row_items(node.rexpr, scope))
        if kind == A_Expr_Kind.AEXPR_OP:
            left = self.expr(node.lexpr, scope) if node.lexpr is not None else None
            right = self.expr(node.rexpr, scope)
            return self.operator(name, left, right)
        if kind in (A_Expr_Kind.AEXPR_LIKE, A_Expr_Kind.AEXPR_ILIKE):
            return self.operator(name, self.expr(node.lexpr, scope), self.expr(node.rexpr, scope))
        if kind == A_Expr_Kind.AEXPR_IN:
            return self.in_list(node, name, scope)
        if kind in (A_Expr_Kind.AEXPR_DISTINCT, A_Expr_Kind.AEXPR_NOT_DISTINCT):
            left, right = self.expr(node.lexpr, scope), self.expr(node.rexpr, scope)
            _, (a, b) = self.unify([left, right], "IS DISTINCT FROM")
            negate = kind == A_Expr_Kind.AEXPR_NOT_DISTINCT
            return Call(BOOL, name="is distinct from", fn=lambda x, y: (x != y) != negate
                        if x is not None and y is not None else ((x is None) != (y is None)) != negate,
                        args=(a, b), strict=False)
        if kind == A_Expr_Kind.AEXPR_NULLIF:
            left, right = self.expr(node.lexpr, scope), self.expr(node.rexpr, scope)
            target, (a, b) = self.unify([left, right], "NULLIF")
            return Call(target, name="nullif", fn=lambda x, y: None if x is not None and x == y else x,
                        args=(a, b), strict=False)
        if kind in (A_Expr_Kind.AEXPR_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN,
                    A_Expr_Kind.AEXPR_BETWEEN_SYM, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM):
            return self.between(node, kind, scope)
        if kind in (A_Expr_Kind.AEXPR_OP_ANY, A_Expr_Kind.AEXPR_OP_ALL):
            return self.array_quantified(node, name, kind == A_Expr_Kind.AEXPR_OP_ALL, scope)
        if kind == A_Expr_Kind.AEXPR_SIMILAR:  # rexpr is similar_to_escape(pattern)
            return self.operator(name, self.expr(node.lexpr, scope), self.expr(node.rexpr, scope))
        raise errors.FeatureNotSupported(what=f"operator kind {kind.name} is not supported")

    def operator(self, name: str, left: Expr | None, right: Expr) -> Expr:
        if left is not None:
            left, right = self._settle_pair(left, right)
        return O.bind_operator(name, left, right)

    def _settle_pair(self, left: Expr, right: Expr) -> tuple[Expr, Expr]:
        if isinstance(left, Param) and left.oid == UNKNOWN and right.oid != UNKNOWN:
            left = self.settle_param(left, right.oid) or left
        if isinstance(right, Param) and right.oid == UNKNOWN and left.oid != UNKNOWN:
            right = self.settle_param(right, left.oid) or right
        if isinstance(left, Param) and left.oid == UNKNOWN:
            left = self.settle_param(left, TEXT) or left
        if isinstance(right, Param) and right.oid == UNKNOWN:
            right = self.settle_param(right, TEXT) or right
        return left, right

    def _row_items(self, node, scope) -> list[Expr]:
        """The fields of a row constructor `(a, b)` / `ROW(a, b)`; 42601 for anything else."""
        if not isinstance(node, ast.RowExpr):
            raise errors.SyntaxError(what="row comparison needs row constructors on both sides")
        return [self.expr(a, scope) for a in node.args or ()]

    def row_compare(self, name: str, left: list[Expr], right: list[Expr]) -> Expr:
        """`(a1, a2) op (b1, b2)` as PostgreSQL defines it, by composing pair comparisons:
        `=` is the AND of the pairs, `<>` their OR, and an ordering operator is
        lexicographic — `a1 < b1 OR (a1 = b1 AND (a2, …) < (b2, …))` — which gives the
        same NULL results as PostgreSQL's row comparison under three-valued logic."""
        if len(left) != len(right):
            raise errors.SyntaxError(what="unequal number of entries in row expressions")
        if not left:
            raise errors.FeatureNotSupported(what="cannot compare rows of zero length")
        pairs = [self._settle_pair(a, b) for a, b in zip(left, right)]
        if name in ("=", "<>"):
            tests = tuple(O.bind_operator(name, a, b) for a, b in pairs)
            return tests[0] if len(tests) == 1 else BoolOp(BOOL, op="and" if name == "=" else "or",
                                                          args=tests)
        if name not in ("<", "<=", ">", ">="):
            raise errors.FeatureNotSupported(
                what=f"could not determine interpretation of row comparison operator {name}")
        strict = name[0]
        a, b = pairs[-1]
        result = O.bind_operator(name, a, b)
        for a, b in reversed(pairs[:-1]):
            equal = BoolOp(BOOL, op="and", args=(O.bind_operator("=", a, b), result))
            result = BoolOp(BOOL, op="or", args=(O.bind_operator(strict, a, b), equal))
        return result

    def in_list(self, node: ast.A_Expr, name: str, scope) -> Expr:
        if isinstance(node.lexpr, ast.RowExpr):  # (a, b) IN ((1, 2), (3, 4))
            left_items = self._row_items(node.lexpr, scope)
            tests = tuple(self.row_compare("=", left_items, self._row_items(item, scope))
                          for item in node.rexpr)
            found = tests[0] if len(tests) == 1 else BoolOp(BOOL, op="or", args=tests)
            return BoolOp(BOOL, op="not", args=(found,)) if name == "<>" else found
        left = self.expr(node.lexpr, scope)
        items = [self.expr(e, scope) for e in node.rexpr]
        for i, it in enumerate(items):
            if isinstance(it, Param) and it.oid == UNKNOWN and left.oid != UNKNOWN:
                items[i] = self.settle_param(it, left.oid) or it
        if isinstance(left, Param) and left.oid == UNKNOWN:
            known = [i.oid for i in items if i.oid != UNKNOWN]
            left = self.settle_param(left, known[0] if known else TEXT) or left
        target, unified = self.unify([left, *items], "IN")
        eq = None  # the type's own `=` where Python's differs: trailing blanks, NaN = NaN
        if target == oids.BPCHAR or (target in (oids.FLOAT4, oids.FLOAT8, oids.NUMERIC) and any(
                not isinstance(i, Const) or i.value != i.value for i in unified[1:])):
            eq = self.operator("=", unified[0], unified[1]).fn  # type: ignore[attr-defined]
        return InList(BOOL, arg=unified[0], items=tuple(unified[1:]), negated=name == "<>", eq=eq)

    def between(self, node: ast.A_Expr, kind, scope) -> Expr:
        arg = self.expr(node.lexpr, scope)
        lo, hi = (self.expr(e, scope) for e in node.rexpr)
        negated = kind in (A_Expr_Kind.AEXPR_NOT_BETWEEN, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM)
        ge = self.operator(">=", arg, lo)
        le = self.operator("<=", arg, hi)
        expr: Expr = BoolOp(BOOL, op="and", args=(ge, le))
        if kind in (A_Expr_Kind.AEXPR_BETWEEN_SYM, A_Expr_Kind.AEXPR_NOT_BETWEEN_SYM):
            swapped = BoolOp(BOOL, op="and", args=(self.operator(">=", arg, hi),
                                                   self.operator("<=", arg, lo)))
            expr = BoolOp(BOOL, op="or", args=(expr, swapped))
        return BoolOp(BOOL, op="not", args=(expr,)) if negated else expr

    def array_quantified(self, node: ast.A_Expr, name: str, every: bool, scope) -> Expr:
        left = self.expr(node.lexpr, scope)
        right = self.expr(node.rexpr, scope)
        elem = T.element_type(right.oid) if right.oid != UNKNOWN else None
        if elem is None:
            if right.oid == UNKNOWN or isinstance(right, Param):
                target = left.oid if left.oid != UNKNOWN else TEXT
                right = self.coerce(right, T.array_type(target))
                elem = target
            else:
                raise errors.DatatypeMismatch(what="op ANY/ALL (array) requires array on right side")
        cmp = O.bind_operator(name, Col(left.oid, 0), Col(elem, 1))
        fn = cmp.fn  # type: ignore[attr-defined]
        from borealis.sql.expr import _quantified

        def quantified(v, arr):
            if arr is None:
                return None
            return _quantified(v, [(x,) for x in T.flatten_array(arr)], fn, every)

        left_c = self.coerce(left, cmp.args[0].oid)  # type: ignore[attr-defined]
        return Call(BOOL, name=f"{name} {'ALL' if every else 'ANY'}", fn=quantified,
                    args=(left_c, right), strict=False)

    def e_BoolExpr(self, node: ast.BoolExpr, scope) -> Expr:
        op = {BoolExprType.AND_EXPR: "and", BoolExprType.OR_EXPR: "or",
              BoolExprType.NOT_EXPR: "not"}[node.boolop]
        args = tuple(self.condition(a, scope, op.upper()) for a in node.args)
        return BoolOp(BOOL, op=op, args=args)

    def e_NullTest(self, node: ast.NullTest, scope) -> Expr:
        arg = self.expr(node.arg, scope)
        negated = node.nulltesttype == NullTestType.IS_NOT_NULL
        if arg.oid == RECORD:  # a row IS NULL when every field is, IS NOT NULL when none is
            return Call(BOOL, name="IS NOT NULL" if negated else "IS NULL", args=(arg,),
                        fn=lambda v: record_null_test(v, negated), strict=False)
        return NullTest(BOOL, arg=arg, negated=negated)

    def e_BooleanTest(self, node: ast.BooleanTest, scope) -> Expr:
        arg = self.coerce(self.expr(node.arg, scope), BOOL)
        t = node.booltesttype
        table = {BoolTestType.IS_TRUE: lambda v: v is True,
                 BoolTestType.IS_NOT_TRUE: lambda v: v is not True,
                 BoolTestType.IS_FALSE: lambda v: v is False,
                 BoolTestType.IS_NOT_FALSE: lambda v: v is not False,
                 BoolTestType.IS_UNKNOWN: lambda v: v is None,
                 BoolTestType.IS_NOT_UNKNOWN: lambda v: v is not None}
        return Call(BOOL, name="booltest", fn=table[t], args=(arg,), strict=False)

    def e_CaseExpr(self, node: ast.CaseExpr, scope) -> Expr:
        subject = self.expr(node.arg, scope) if node.arg is not None else None
        conds, results = [], []
        for w in node.args:
            if subject is not None:
                conds.append(self.operator("=", subject, self.expr(w.expr, scope)))
            else:
                conds.append(self.condition(w.expr, scope, "CASE/WHEN"))
            results.append(self.expr(w.result, scope))
        default = self.expr(node.defresult, scope) if node.defresult is not None else None
        # The ELSE first, as PostgreSQL resolves it (`ELSE text` over `THEN varchar`)
        given = ([default] if default is not None else []) + results
        target, unified = self.unify(given, "CASE")
        default = unified[0] if default is not None else None
        whens = tuple(zip(conds, unified[len(given) - len(results):]))
        return Case(target, whens=whens, default=default)

    def e_CoalesceExpr(self, node: ast.CoalesceExpr, scope) -> Expr:
        args = [self.expr(a, scope) for a in node.args]
        target, unified = self.unify(args, "COALESCE")
        return Coalesce(target, args=tuple(unified))

    def e_MinMaxExpr(self, node: ast.MinMaxExpr, scope) -> Expr:
        args = [self.expr(a, scope) for a in node.args]
        target, unified = self.unify(args, "GREATEST/LEAST")
        pick = max if node.op.name == "IS_GREATEST" else min

        def minmax(*vals):
            present = [v for v in vals if v is not None]
            return pick(present) if present else None
        return Call(target, name=pick.__name__, fn=minmax, args=tuple(unified), strict=False)

    def e_SQLValueFunction(self, node: ast.SQLValueFunction, scope) -> Expr:
        return F.sql_value_function(self, node)

    def e_FuncCall(self, node: ast.FuncCall, scope) -> Expr:
        srf_col = getattr(self, "srf_cols", {}).get(id(node))  # bound by sql.srf
        if srf_col is not None:
            return srf_col
        name = _func_name(node)
        if node.over is not None:
            return self.window_call(node, name, scope)
        if F.is_aggregate(name):
            raise self.refuse("aggregate functions")
        if self.expr_kind is not None or self.in_aggregate:
            from borealis.sql.srf import is_set_returning
            if is_set_returning(self, node):
                raise self.refuse("set-returning functions")
        from borealis.sql.routines import bind_call  # CREATE FUNCTION ... LANGUAGE sql
        user = bind_call(self, node, scope)
        if user is not None:
            return user
        if node.agg_star:
            raise errors.SyntaxError(what=f"{name}(*) is only valid for aggregates")
        args = [self.expr(a, scope) for a in node.args or ()]
        return F.bind_function(self, name, args, node)

    def window_call(self, node: ast.FuncCall, name: str, scope) -> Expr:
        windows = self.windows
        if windows is None:
            raise self.refuse("window functions")
        aggregate = F.is_aggregate(name)
        if name in F.ORDERED_SET:
            raise errors.FeatureNotSupported(what=f"OVER is not supported for ordered-set aggregate {name}")
        if aggregate and node.agg_distinct:
            raise errors.FeatureNotSupported(what="DISTINCT is not implemented for window functions")
        if aggregate and node.agg_order:
            raise errors.FeatureNotSupported(
                what="aggregate ORDER BY is not implemented for window functions")
        if not aggregate and node.agg_filter is not None:
            raise errors.FeatureNotSupported(
                what="FILTER is not implemented for non-aggregate window functions")
        spec = node.over
        if spec.name is not None:  # OVER w: the WINDOW clause's definition as it is
            spec = windows.lookup(spec.name)
        partition_nodes, order_nodes, frame_spec = windows.definition(spec)
        bind = (lambda n: scope.expr(n)) if isinstance(scope, GroupedScope) else (lambda n: self.expr(n, scope))
        partition = [bind(p) for p in partition_nodes or ()]
        order = [_sort_key(sb, bind(sb.node)) for sb in order_nodes or ()]
        inner_scope = scope.inner if isinstance(scope, GroupedScope) else scope
        frame = self.window_frame(frame_spec, order, inner_scope)
        args = [bind(a) for a in node.args or ()]
        if aggregate:
            call = F.bind_aggregate(self, name, args, star=bool(node.agg_star), distinct=False)
            if node.agg_filter is not None:
                with self.clause("FILTER"):
                    call.filter = self.condition(node.agg_filter, inner_scope, "FILTER")
            wc = WindowCall(name, call.args, partition, order, call.oid, frame, call)
        else:
            oid, args = F.bind_window(self, name, args)
            wc = WindowCall(name, args, partition, order, oid, frame)
        windows.calls.append(wc)
        return WindowRef(wc.oid, k=len(windows.calls) - 1, windows=windows)

    def window_frame(self, spec: ast.WindowDef, order: list[SortKey], scope) -> Frame:
        """The frame clause of a window definition (PostgreSQL's frame_clause)."""
        options = spec.frameOptions
        if not options & pg_enums.FRAMEOPTION_NONDEFAULT:
            return Frame()
        mode = "rows" if options & pg_enums.FRAMEOPTION_ROWS else \
            "groups" if options & pg_enums.FRAMEOPTION_GROUPS else "range"
        if mode == "groups" and not order:
            raise errors.WindowingError(what="GROUPS mode requires an ORDER BY clause")
        frame = Frame(mode, _frame_bound(options, "START"), _frame_bound(options, "END"),
                      exclude=_frame_exclusion(options))
        if frame.start in ("preceding", "following"):
            frame.start_offset = self.frame_offset(spec.startOffset, frame, order, scope)
        if frame.end in ("preceding", "following"):
            frame.end_offset = self.frame_offset(spec.endOffset, frame, order, scope)
        return frame

    def frame_offset(self, node: ast.Node, frame: Frame, order: list[SortKey], scope) -> Expr:
        """A frame's `offset PRECEDING/FOLLOWING`: an expression without this level's
        columns, bigint for ROWS and GROUPS, of the ORDER BY column's offset type for
        RANGE (which also picks `frame.in_range`)."""
        what = frame.mode.upper()
        if frame.mode == "range" and len(order) != 1:
            raise errors.WindowingError(
                what="RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column")
        windows, self.windows = self.windows, None
        inner_refs: list[str] = []  # this level's columns named inside the offset's subqueries
        if scope is not None:
            resolve = scope.resolve

            def spy(name: str, qualifier: str | None, *, inner: Scope | None = None) -> Expr:
                if inner is not None and scope._lookup(name, qualifier) is not None:
                    inner_refs.append(name)
                return resolve(name, qualifier, inner=inner)
            scope.resolve = spy  # type: ignore[method-assign]
        try:
            e = self.expr(node, scope)
        except errors.WindowingError:
            raise errors.WindowingError(
                what="window functions are not allowed in window definitions") from None
        except errors.GroupingError:
            raise errors.GroupingError(
                what=f"aggregate functions are not allowed in window {what}") from None
        finally:
            self.windows = windows
            if scope is not None:
                del scope.resolve
        if inner_refs or any(isinstance(n, Col) for n in walk(e)):
            raise errors.InvalidColumnReference(what=f"argument of {what} must not contain variables")
        if frame.mode != "range":
            if not T.can_coerce(e.oid, INT8, "assignment"):
                raise errors.DatatypeMismatch(
                    what=f"argument of {what} must be type bigint, not type {C.type_name(e.oid)}")
            return self.coerce(e, INT8, context="assignment")
        column = order[0].expr.oid
        if column == UNKNOWN:  # an untyped literal sorts as text
            column = TEXT
        found = W.range_offset(column)
        if found is None:
            raise errors.FeatureNotSupported(
                what="RANGE with offset PRECEDING/FOLLOWING is not supported for column type "
                     f"{C.type_name(column)}")
        types, frame.in_range = found
        fits = [t for t in types if T.can_coerce(e.oid, t, "implicit")]
        if not fits:
            raise errors.FeatureNotSupported(
                what="RANGE with offset PRECEDING/FOLLOWING is not supported for column type "
                     f"{C.type_name(column)} and offset type {C.type_name(e.oid)}",
                hint="Cast the offset value to an appropriate type.")
        preferred = column if e.oid == UNKNOWN else e.oid
        return self.coerce(e, preferred if preferred in fits else fits[0])

    def e_SubLink(self, node: ast.SubLink, scope) -> Expr:
        refused = _NO_SUBQUERIES.get(self.expr_kind)  # type: ignore[arg-type]
        if refused is not None:
            raise errors.FeatureNotSupported(what=f"cannot use subquery in {refused}")
        if scope is None:
            scope = Scope()
        was = scope.correlated
        scope.correlated = False
        with self.rerun() as fresh:
            q = self.bind_query(node.subselect, scope)
        plan = SubPlan(q.node, scope.outer, scope.correlated, tuple(fresh))
        scope.correlated = was or scope.correlated
        t = node.subLinkType
        if t == SubLinkType.EXISTS_SUBLINK:
            return Subquery(BOOL, kind="exists", plan=plan)
        if t == SubLinkType.EXPR_SUBLINK:
            if len(q.columns) != 1:
                raise errors.SyntaxError(what="subquery must return only one column")
            return Subquery(q.columns[0].oid, kind="scalar", plan=plan)
        if t == SubLinkType.ARRAY_SUBLINK:
            if len(q.columns) != 1:
                raise errors.SyntaxError(what="subquery must return only one column")
            array_oid = T.array_type(q.columns[0].oid)
            if array_oid is None:
                raise errors.FeatureNotSupported(
                    what=f"arrays of {C.type_name(q.columns[0].oid)} are not supported")
            return Subquery(array_oid, kind="array", plan=plan)
        if t in (SubLinkType.ANY_SUBLINK, SubLinkType.ALL_SUBLINK):
            name = node.operName[-1].sval if node.operName else "="
            kind = "all" if t == SubLinkType.ALL_SUBLINK else "in"
            if isinstance(node.testexpr, ast.RowExpr):  # (a, b) IN (SELECT x, y ...)
                return self.row_quantified(node, name, kind, q, plan, scope)
            if len(q.columns) != 1:
                raise errors.SyntaxError(what="subquery has too many columns")
            test, op = self._quantified_pair(self.expr(node.testexpr, scope), q.columns[0].oid, name)
            return Subquery(BOOL, kind=kind, plan=plan, test=test, op=op)
        raise errors.FeatureNotSupported(what="this kind of subquery is not supported")

    def _quantified_pair(self, test: Expr, sub_oid: int, name: str):
        """The left operand (coerced) and a two-argument comparison against a subquery
        column of type `sub_oid` (the column's value converted where the operator needs)."""
        test = self.coerce(test, sub_oid) if test.oid == UNKNOWN else test
        cmp = O.bind_operator(name, Col(test.oid, 0), Col(sub_oid, 1))
        if cmp.args[0].oid != test.oid:  # type: ignore[attr-defined]
            test = self.coerce(test, cmp.args[0].oid)  # type: ignore[attr-defined]
        if cmp.args[1].oid != sub_oid:  # type: ignore[attr-defined]
            conv = cmp.args[1].compile()  # type: ignore[attr-defined]
            fn0 = cmp.fn  # type: ignore[attr-defined]
            return test, lambda a, b: fn0(a, conv((None, b)))
        return test, cmp.fn  # type: ignore[attr-defined]

    def row_quantified(self, node: ast.SubLink, name: str, kind: str, q: BoundQuery,
                       plan: SubPlan, scope) -> Expr:
        """`(a, b) IN / = ANY / <> ALL (subquery)`: each subquery row compared as a row
        (`=`: every pair equal; `<>`: some pair different), NULLs as PostgreSQL."""
        items = self._row_items(node.testexpr, scope)
        if len(items) != len(q.columns):
            raise errors.SyntaxError(what="subquery has too many columns" if len(q.columns) > len(items)
                                     else "subquery has too few columns")
        if name not in ("=", "<>"):
            raise errors.FeatureNotSupported(
                what=f"could not determine interpretation of row comparison operator {name}")
        tests, ops = [], []
        for item, col in zip(items, q.columns):
            test, op = self._quantified_pair(item, col.oid, "=")
            tests.append(test)
            ops.append(op)
        equal_sense = name == "="

        def row_op(left: tuple, right: tuple):
            unknown = False
            for op, a, b in zip(ops, left, right):
                if a is None or b is None:
                    unknown = True
                elif not op(a, b):
                    return not equal_sense
            return None if unknown else equal_sense
        test = Call(RECORD, name="row", fn=lambda *v: v, args=tuple(tests), strict=False)
        return Subquery(BOOL, kind=kind, plan=plan, test=test, op=row_op, width=len(items))

    def e_A_ArrayExpr(self, node: ast.A_ArrayExpr, scope) -> Expr:
        items = [self.expr(e, scope) for e in node.elements or ()]
        if not items:
            return Const(UNKNOWN, "{}")
        target, unified = self.unify(items, "ARRAY")
        if _is_array(target):  # ARRAY[[1,2],[3,4]], ARRAY[a, b] of arrays: one more dimension
            return Call(target, name="array", fn=lambda *v: A.stack(v), args=tuple(unified),
                        strict=False)
        array_oid = T.array_type(target)
        if array_oid is None:
            raise errors.FeatureNotSupported(what=f"arrays of {C.type_name(target)} are not supported")
        return Call(array_oid, name="array", fn=lambda *v: tuple(v), args=tuple(unified), strict=False)

    def e_A_Indirection(self, node: ast.A_Indirection, scope) -> Expr:
        """`a[i]`, `a[i][j]` (NULL unless there is one subscript per dimension) and
        slices `a[i:j]`, `a[:j]`, `a[i:]` (with any slice, every subscript is one: `a[2]`
        is `a[1:2]`), with PostgreSQL's clamping; a NULL subscript gives NULL."""
        base = self.expr(node.arg, scope)
        elem = T.element_type(base.oid)
        subs = node.indirection
        if elem is None or not all(isinstance(i, ast.A_Indices) for i in subs):
            raise errors.FeatureNotSupported(what="this subscript form is not supported")
        if len(subs) > A.MAXDIM:
            raise errors.ProgramLimitExceeded(
                what=f"number of array dimensions ({len(subs)}) exceeds the maximum allowed "
                     f"({A.MAXDIM})")
        low = 0 if base.oid in (T.INT2VECTOR, T.OIDVECTOR) else 1  # indkey[0] is the first

        def index(n: ast.Node) -> Expr:
            return self.coerce(self.expr(n, scope), INT4)
        if any(i.is_slice for i in subs):
            shape: list[tuple[bool, bool]] = []  # (lower given, upper given) per subscript
            args: list[Expr] = [base]
            for i in subs:
                lower = i.lidx if i.is_slice else ast.A_Const(val=ast.Integer(ival=1))
                shape.append((lower is not None, i.uidx is not None))
                args += [index(n) for n in (lower, i.uidx) if n is not None]

            def slice_(arr, *given):
                it = iter(given)
                bounds = [(next(it) if lo else None, next(it) if hi else None) for lo, hi in shape]
                return A.slice_array(arr, bounds, low)
            return Call(base.oid, name="slice", fn=slice_, args=tuple(args))
        idx = [index(i.uidx) for i in subs]
        if len(idx) == 1:
            def subscript(arr, i):
                if type(arr) is A.MDArray:
                    return None
                return arr[i - low] if low <= i < len(arr) + low else None
            return Call(elem, name="subscript", fn=subscript, args=(base, idx[0]))
        return Call(elem, name="subscript", fn=lambda arr, *i: A.subscript(arr, i, low),
                    args=(base, *idx))

    def e_CollateClause(self, node, scope) -> Expr:
        names = [s.sval for s in node.collname]
        if names[-1] not in ("C", "POSIX", "default"):
            raise errors.FeatureNotSupported(what=f'collation "{names[-1]}" is not supported: only C')
        return self.expr(node.arg, scope)

    def e_RowExpr(self, node, scope) -> Expr:
        """`ROW(a, b)` / `(a, b)` as a value: a record with fields f1, f2, ... (`t.*`
        inside it expands to t's columns). Comparisons of two row constructors are
        `row_compare`'s; untyped literals stay unknown, as in PostgreSQL."""
        items: list[Expr] = []
        for arg in node.args or ():
            if isinstance(arg, ast.ColumnRef) and isinstance(arg.fields[-1], ast.A_Star):
                row = self.e_ColumnRef(arg, scope) if len(arg.fields) == 2 else None
                if not isinstance(row, Call):
                    raise errors.FeatureNotSupported(what="* is not allowed here")
                items.extend(row.args)
                continue
            e = self.expr(arg, scope)
            items.append(self.settle_param(e, TEXT) or e)
        names = tuple(f"f{i + 1}" for i in range(len(items)))
        return Call(RECORD, name="row", fn=T.make_record(names, tuple(e.oid for e in items)),
                    args=tuple(items), strict=False)


@dataclass
class _Lateral:
    """A FROM item that refers to earlier FROM items: joined by a LateralJoin."""

    node: Node
    fresh: tuple[int, ...] = ()  # its correlated WITH queries (Binder.rerun)

    @property
    def columns(self) -> list[OutCol]:
        return self.node.columns


def _refers_to(node: Node, outer: Any, depth: int = 0) -> bool:
    """Whether any expression in plan `node` (or its subqueries) reads `outer`."""
    if depth > 64:
        return True  # absurdly deep: treat as lateral, which is always correct
    from borealis.sql.planner import _subqueries
    values = list(vars(node).values())
    for e in _exprs_in(values):
        for n in walk(e):
            if isinstance(n, OuterCol) and n.outer is outer:
                return True
    for sq in _subqueries(values):
        if sq.plan is not None and _refers_to(sq.plan.node, outer, depth + 1):
            return True
    return any(_refers_to(c, outer, depth + 1) for c in _child_nodes(node))


def _exprs_in(values, depth: int = 0):
    for v in values:
        if isinstance(v, Expr):
            yield v
        elif isinstance(v, list | tuple) and depth < 3:
            yield from _exprs_in(v, depth + 1)
        elif type(v).__name__ in ("AggCall", "SortKey", "WindowCall") and depth < 3:
            yield from _exprs_in(vars(v).values(), depth + 1)


def _child_nodes(node: Node) -> list[Node]:
    out = [getattr(node, a, None) for a in ("child", "left", "right", "base", "step", "cte")]
    return [c for c in out if isinstance(c, Node)]


class _AnyValue:
    """Accumulator of a column that is constant within each group: its first value."""

    __slots__ = ("seen", "value")

    def __init__(self) -> None:
        self.seen = False
        self.value: Any = None

    def add(self, args: tuple) -> None:
        if not self.seen:
            self.seen, self.value = True, args[0]

    def result(self) -> Any:
        return self.value


def _depends_on_cte(reader: Scope, home: Scope, *, inclusive: bool) -> None:
    """A subquery between `reader` (a level reading a WITH query) and `home` (the level
    defining it) changes with the WITH query's rows, so it is correlated: with the
    rows of a recursive query's previous iteration (not `inclusive`: the levels below
    its home), or with an enclosing row a correlated WITH query reads (`inclusive`:
    its home too, where a subquery's enclosing level may be)."""
    level: Scope | None = reader
    while level is not None and level is not home:
        level.correlated = True
        level = level.parent
    if inclusive and level is not None:
        level.correlated = True


class GroupedScope(Scope):
    """Binding above an Aggregate: group keys and aggregates become output columns.

    Its row is the Aggregate's output, `groups + aggregates`. A bare column that is not
    a group key is PostgreSQL's 42803 error.
    """

    def __init__(self, binder: Binder, inner: Scope, groups: list[Expr],
                 group_nodes: list, aggs: list[AggCall]) -> None:
        super().__init__(inner.parent)
        self.binder = binder
        self.inner = inner
        self.share_ctes(inner)
        self.groups = groups
        self.group_nodes = group_nodes
        self.aggs = aggs
        self.outer = inner.outer

    def group_key(self, node: ast.Node) -> int | None:
        """The GROUP BY key `node` is written as (by AST equality), or None. Such a node
        is never bound itself: a binder recording column references records its own as
        the key's."""
        for i, g in enumerate(self.group_nodes):
            if not isinstance(g, Expr) and g == node:
                if self.binder.column_refs is not None:
                    self.binder.record_twin(g, node)
                return i
        return None

    def expr(self, node: ast.Node) -> Expr:
        i = self.group_key(node)
        if i is not None:
            return Col(self.groups[i].oid, i, typmod=self.groups[i].typmod)
        if isinstance(node, ast.FuncCall) and F.is_aggregate(_func_name(node)) and node.over is None:
            return self.aggregate(node)
        if isinstance(node, ast.ColumnRef):
            bound = self.binder.expr(node, self.inner)
            return self.map_bound(bound, node)
        return _rebind(self, node)

    def map_bound(self, bound: Expr, node: Any = None) -> Expr:
        for i, g in enumerate(self.groups):
            if _same(g, bound):
                return Col(g.oid, i, typmod=g.typmod)
        if isinstance(bound, Col):
            dependent = self.dependent_column(bound)
            if dependent is not None:
                return dependent
            raise _ungrouped(bound)
        if not any(isinstance(n, Col) for n in walk(bound)):
            return bound
        raise errors.GroupingError(what="expression must appear in the GROUP BY clause or be used in an aggregate function")

    def dependent_column(self, col: Col) -> Expr | None:
        """PostgreSQL's functional dependency: when every primary-key column of a table
        is a GROUP BY key, the table's other columns have one value per group and may
        be read ungrouped (Django's `annotate()` groups by the primary key only). Such
        a column is carried through the Aggregate as `any_value` of its group."""
        entries = [e for e in self.inner.entries if e.relation_oid
                   and e.offset <= col.index < e.offset + len(e.columns)]
        rel = None
        for entry in entries:
            rel = self.binder.catalog.relation_by_oid(entry.relation_oid)
            if rel is not None and entry.columns[col.index - entry.offset].table_oid == rel.oid:
                break
        else:
            return None
        if rel.kind != "r" or not rel.primary_key:
            return None
        positions = {c.attnum: entry.offset + i for i, c in enumerate(entry.columns)
                     if c.table_oid == rel.oid}
        keys = {g.index for g in self.groups if isinstance(g, Col)}
        if not all(positions.get(attnum) in keys for attnum in rel.primary_key):
            return None
        self.aggs.append(AggCall("any_value", [col], _AnyValue, col.oid))
        return Col(col.oid, len(self.groups) + len(self.aggs) - 1, typmod=col.typmod)

    def aggregate(self, node: ast.FuncCall) -> Expr:
        name = _func_name(node)
        binder = self.binder
        if node.agg_within_group:
            return self.ordered_set(node, name)
        with binder.aggregate_arguments():
            args = [binder.expr(a, self.inner) for a in node.args or ()]
            order = [_sort_key(sb, binder.expr(sb.node, self.inner))
                     for sb in node.agg_order] if node.agg_order else None
        filt = self._filter(node)
        call = F.bind_aggregate(self.binder, name, args, star=bool(node.agg_star),
                                distinct=bool(node.agg_distinct))
        if call.distinct and order is not None:
            _distinct_order(node, args, order)
        call.order = order
        return self._add(call, filt)

    def ordered_set(self, node: ast.FuncCall, name: str) -> Expr:
        """`percentile_cont(0.5) WITHIN GROUP (ORDER BY x)` and the like: the direct
        arguments, then the value, fed in the WITHIN GROUP order."""
        binder = self.binder
        if node.agg_distinct:
            raise errors.SyntaxError(what="cannot use DISTINCT with WITHIN GROUP")
        with binder.aggregate_arguments():
            direct = [binder.expr(a, self.inner) for a in node.args or ()]
            values = [binder.expr(sb.node, self.inner) for sb in node.agg_order]
        if len(values) != 1:  # every ordered-set aggregate sorts one value
            raise F.no_function(name, [*direct, *values])
        call = F.bind_ordered_set(binder, name, direct, values[0])
        for col in (n for d in direct for n in walk(d) if isinstance(n, Col)):
            if not any(_same(g, col) for g in self.groups):  # one value per group
                raise _ungrouped(col, "Direct arguments of an ordered-set aggregate must use "
                                      "only grouped columns.")
        call.order = [_sort_key(node.agg_order[0], call.args[-1])]
        return self._add(call, self._filter(node))

    def _filter(self, node: ast.FuncCall) -> Expr | None:
        """An aggregate's FILTER (WHERE ...), bound over the input rows."""
        if node.agg_filter is None:
            return None
        with self.binder.clause("FILTER"):
            return self.binder.condition(node.agg_filter, self.inner, "FILTER")

    def _add(self, call: AggCall, filt: Expr | None) -> Expr:
        """The Aggregate's output column for `call`, now one of its aggregates."""
        call.filter = filt
        self.aggs.append(call)
        return Col(call.oid, len(self.groups) + len(self.aggs) - 1)

    def resolve(self, name: str, qualifier: str | None, *, inner: Scope | None = None) -> Expr:
        bound = self.inner.resolve(name, qualifier, inner=inner)
        if inner is None:
            return self.map_bound(bound)
        self.correlated = True  # a subquery bound here reads this level, or further out
        if not (isinstance(bound, OuterCol) and bound.outer is self.inner.outer):
            return bound  # a level further out
        # A column of this level, read by a subquery from the grouped row: a group
        # key, or a column that depends on one (42803 otherwise).
        try:
            mapped = self.map_bound(Col(bound.oid, bound.index, name, typmod=bound.typmod))
        except errors.GroupingError:
            hit = self.inner._lookup(name, qualifier)
            alias = hit[0].alias if hit is not None else qualifier
            raise errors.GroupingError(
                what=f'subquery uses ungrouped column "{alias + "." if alias else ""}{name}" '
                     "from outer query") from None
        assert isinstance(mapped, Col)
        return OuterCol(mapped.oid, index=mapped.index, outer=self.outer, typmod=mapped.typmod)


def _rebind(grouped: GroupedScope, node: ast.Node) -> Expr:
    """Bind an expression above the Aggregate: the binder with `grouped` as scope, but
    sub-expressions that equal a group key or are aggregates map to their columns."""
    binder = grouped.binder
    original = binder.expr

    def expr(n: ast.Node, scope) -> Expr:
        if scope is grouped:
            i = grouped.group_key(n)
            if i is not None:
                return Col(grouped.groups[i].oid, i)
            if isinstance(n, ast.FuncCall) and F.is_aggregate(_func_name(n)) and n.over is None:
                return grouped.aggregate(n)
        return original(n, scope)

    binder.expr = expr  # type: ignore[method-assign]
    try:
        return original(node, grouped)
    finally:
        binder.expr = original  # type: ignore[method-assign]


# -- helpers --------------------------------------------------------------------------

def type_from_ast(tn: ast.TypeName) -> tuple[int, int]:
    names = [n.sval for n in tn.names]
    name = names[-1]
    if len(names) > 1 and names[0] not in ("pg_catalog",):
        raise errors.UndefinedObject(what=f'type "{".".join(names)}" does not exist')
    mods = []
    for m in tn.typmods or ():
        if isinstance(m, ast.A_Const) and isinstance(m.val, ast.Integer):
            mods.append(m.val.ival)
        else:
            raise errors.SyntaxError(what="type modifiers must be simple constants")
    info = T.type_by_name(name)
    if info is None:
        raise errors.UndefinedObject(what=f'type "{name}" does not exist')
    oid = info.oid
    if tn.arrayBounds:
        array = T.array_type(oid)
        if array is None:
            raise errors.FeatureNotSupported(what=f"arrays of {name} are not supported")
        return array, -1
    return oid, T.typmod_from(oid, mods)


def _frame_bound(options: int, side: str) -> str:
    """A frame start or end (`side` START or END) as `plan.Frame` spells it; the parser
    has already rejected impossible combinations (42P20, see `sql.parse`)."""
    if options & getattr(pg_enums, f"FRAMEOPTION_{side}_UNBOUNDED_PRECEDING"):
        return "unbounded"
    if options & getattr(pg_enums, f"FRAMEOPTION_{side}_UNBOUNDED_FOLLOWING"):
        return "unbounded"
    if options & getattr(pg_enums, f"FRAMEOPTION_{side}_CURRENT_ROW"):
        return "current"
    if options & getattr(pg_enums, f"FRAMEOPTION_{side}_OFFSET_PRECEDING"):
        return "preceding"
    return "following"


def _frame_exclusion(options: int) -> str:
    if options & pg_enums.FRAMEOPTION_EXCLUDE_CURRENT_ROW:
        return "current"
    if options & pg_enums.FRAMEOPTION_EXCLUDE_GROUP:
        return "group"
    if options & pg_enums.FRAMEOPTION_EXCLUDE_TIES:
        return "ties"
    return "none"


def _func_name(node: ast.FuncCall) -> str:
    names = [n.sval for n in node.funcname]
    if len(names) > 1 and names[0] not in ("pg_catalog", "sys", "information_schema"):
        return ".".join(names)
    return names[-1].lower() if names[0] != "sys" else "sys." + names[-1].lower()


def _column_name(node: ast.Node) -> str:
    if isinstance(node, ast.ColumnRef):
        last = node.fields[-1]
        return last.sval if isinstance(last, ast.String) else "?column?"
    if isinstance(node, ast.FuncCall):
        return node.funcname[-1].sval
    if isinstance(node, ast.TypeCast):
        # PostgreSQL's FigureColname: a cast keeps a "strong" inner name (column,
        # function, ...) but its type name beats a weak one (another cast, CASE).
        inner = node.arg
        while isinstance(inner, ast.TypeCast):
            inner = inner.arg
        name = _column_name(inner)
        weak = name == "?column?" or isinstance(inner, ast.CaseExpr)
        return node.typeName.names[-1].sval if weak else name
    if isinstance(node, ast.A_Indirection):
        names = [i.sval for i in node.indirection if isinstance(i, ast.String)]
        return names[-1] if names else _column_name(node.arg)
    if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_NULLIF:
        return "nullif"
    if isinstance(node, ast.CaseExpr):
        return "case"
    if isinstance(node, ast.CoalesceExpr):
        return "coalesce"
    if isinstance(node, ast.MinMaxExpr):
        return "greatest" if node.op.name == "IS_GREATEST" else "least"
    if isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.EXISTS_SUBLINK:
        return "exists"
    if isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.EXPR_SUBLINK:
        sel = node.subselect
        if isinstance(sel, ast.SelectStmt) and sel.targetList and len(sel.targetList) == 1:
            t = sel.targetList[0]
            return t.name or _column_name(t.val)
    if isinstance(node, ast.SQLValueFunction):
        return F.sql_value_function_name(node)
    if isinstance(node, ast.A_ArrayExpr):
        return "array"
    if isinstance(node, ast.RowExpr):
        return "row"
    if isinstance(node, ast.SubLink) and node.subLinkType == SubLinkType.ARRAY_SUBLINK:
        return "array"
    return "?column?"


def _contains_agg(node: Any) -> bool:
    if node is None:
        return False
    if isinstance(node, ast.FuncCall) and F.is_aggregate(_func_name(node)) and node.over is None:
        return True
    if isinstance(node, ast.SubLink):
        return False
    if isinstance(node, ast.Node):
        for attr in node:
            if _contains_agg(getattr(node, attr)):
                return True
    elif isinstance(node, tuple):
        return any(_contains_agg(x) for x in node)
    return False


def _references(node: Any, name: str) -> bool:
    if isinstance(node, ast.RangeVar):
        return node.schemaname is None and node.relname == name
    if isinstance(node, ast.Node):
        return any(_references(getattr(node, attr), name) for attr in node)
    if isinstance(node, tuple):
        return any(_references(x, name) for x in node)
    return False


def _same_target(a: Expr, b: Expr, a_source: Any, b_source: Any) -> bool:
    """Two select-list items are one expression to PostgreSQL's ORDER BY / GROUP BY name
    rule: bound the same, or written the same (two count(*) are two aggregates here,
    and `_same` knows only some expression kinds)."""
    if _same(a, b):
        return True
    return isinstance(a_source, ast.Node) and isinstance(b_source, ast.Node) and a_source == b_source


def _sort_key(sb: ast.SortBy, expr: Expr) -> SortKey:
    """ORDER BY item `sb` (direction, NULLS FIRST/LAST) sorting by `expr`."""
    nulls = {SortByNulls.SORTBY_NULLS_FIRST: True, SortByNulls.SORTBY_NULLS_LAST: False}
    return SortKey(expr, sb.sortby_dir == SortByDir.SORTBY_DESC, nulls.get(sb.sortby_nulls))


def _ungrouped(col: Col, detail: str | None = None) -> errors.BorealisError:
    return errors.GroupingError(
        what=f'column "{col.table + "." if col.table else ""}{col.name}" must appear '
             f"in the GROUP BY clause or be used in an aggregate function", detail=detail)


def _distinct_order(node: ast.FuncCall, args: list[Expr], order: list[SortKey]) -> None:
    """`agg(DISTINCT ... ORDER BY ...)`: each ORDER BY key must be an argument (42P10).
    (Without ORDER BY the values go in sorted by the arguments: plan._replay.)"""
    for sb, key in zip(node.agg_order, order):
        if not any(_same(key.expr, a) or sb.node == n for a, n in zip(args, node.args)):
            raise errors.InvalidColumnReference(
                what="in an aggregate with DISTINCT, ORDER BY expressions must appear in argument list")


def _same(a: Expr, b: Expr) -> bool:
    if type(a) is not type(b) or a.oid != b.oid:
        return False
    if isinstance(a, Col):
        return a.index == b.index  # type: ignore[attr-defined]
    if isinstance(a, Const):
        return a.value == b.value  # type: ignore[attr-defined]
    if isinstance(a, Call):
        return a.name == b.name and len(a.args) == len(b.args) and all(  # type: ignore[attr-defined]
            _same(x, y) for x, y in zip(a.args, b.args))  # type: ignore[attr-defined]
    return False


def _is_array(oid: int) -> bool:
    """A true array type (not int2vector/oidvector, whose arrays nest one level)."""
    return T.element_type(oid) is not None and oid not in (T.INT2VECTOR, T.OIDVECTOR)


def _hidden_name(rel: Relation, alias: str) -> str:
    """The name an alias hides (RangeEntry.relname), or ""."""
    return rel.name if alias != rel.name else ""


def _table(alias: str) -> str:
    return f'table "{alias}"'


def _with_query(cte: ast.CommonTableExpr) -> str:
    return f'WITH query "{cte.ctename}"'


def _rename(cols: list[OutCol], names, owner: str,
            skip: frozenset[str] = frozenset()) -> list[OutCol]:
    """`cols` under an alias's column names, given in order to the columns not in `skip`
    (a table's dropped columns, which keep their internal names); `owner` names what has
    the columns in the error for too many names."""
    if not names:
        return [OutCol(c.name, c.oid, c.typmod, c.table_oid, c.attnum) for c in cols]
    names = iter([n.sval if isinstance(n, ast.String) else n for n in names])
    available = sum(c.name not in skip for c in cols)
    out = [OutCol(c.name if c.name in skip else next(names, c.name), c.oid, c.typmod,
                  c.table_oid, c.attnum) for c in cols]
    extra = sum(1 for _ in names)
    if extra:
        raise errors.InvalidColumnReference(
            what=f"{owner} has {available} columns available but {available + extra} "
                 "columns specified")
    return out


def _with_columns(node: Node, cols: list[OutCol]) -> Node:
    """The same rows under new column names."""
    exprs = [Col(c.oid, i, typmod=c.typmod) for i, c in enumerate(cols)]
    return Project(node, exprs, cols)


def relation_schema_name(catalog: CatalogSnapshot, rel: Relation) -> str:
    if rel.schema_oid == PG_CATALOG_OID:
        return "pg_catalog"
    s = catalog.schema_by_oid(rel.schema_oid)
    return s.name if s is not None else ""
