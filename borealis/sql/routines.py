"""SQL functions (`CREATE FUNCTION ... LANGUAGE sql`): binding calls and running bodies.

A function is a catalog descriptor (`catalog.model.Function`) whose body is SQL text.
A call is resolved at bind time (`sql.routine_resolve`: PostgreSQL's rules, built-ins
first as pg_catalog is first on the search path). The body is bound against the
statement's catalog snapshot with the parameters as `Param`s of a holder of its own
(`$1`, or the parameter's name where no column of that name is in scope: columns win,
as in PostgreSQL), and runs one of two ways:

```
 f(args) ─▶ resolved; args bound once, coerced; defaults / named notation filled in
   body = one SELECT of one expression, no FROM (`RETURN a + b`, `SELECT $1 * 2`)
     ─▶ InlineCall: an expression; per row the arguments are evaluated once, put in the
        holder, and the bound body expression evaluated (a function calling itself
        through CASE re-enters the same body: INLINE_DEPTH_MAX)
   any other body (tables, several statements, sets, DML)
     ─▶ RoutineCall: a correlated subquery (`sql.plan`'s lazy NeedRows machinery, as
        nextval uses it) whose step evaluates the arguments once and runs the body's
        statements, bound on first run; the result is the first row of the last
        statement (scalar), or all its rows (SETOF / TABLE: `RoutineScan` in FROM,
        `sql.srf`'s ProjectSet in a select list); nesting: ROUTINE_DEPTH_MAX
```

Results are converted to the declared type with assignment casts; CREATE checks the
body with the same rules (`check_result`: PostgreSQL's 42P13 texts). Bodies are bound
where they run, so a function may call itself; past the bounds the call fails with
PostgreSQL's 54001 (PostgreSQL's own limit is a stack size and allows deeper recursion:
a documented divergence). A body's INSERT / UPDATE / DELETE counts as DML of the
calling transaction (DSQL's DDL/DML rule) and is refused in read-only transactions.
"""

from __future__ import annotations

from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any

from pglast import ast
from pglast.enums import SetOperation

from borealis.catalog.model import RECORD_OID, VOID_OID, CatalogSnapshot, Function
from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import routine_resolve as R
from borealis.sql import types as T
from borealis.sql.bind import BindContext, Binder, BoundQuery
from borealis.sql.expr import Call, Expr, Param, Params, Subquery, walk
from borealis.sql.plan import (
    ExecContext,
    Node,
    OutCol,
    OuterRow,
    Project,
    SubPlan,
    Values,
    arm,
    evaluate,
    subqueries_of,
)
from borealis.sql.scope import RangeEntry, Scope
from borealis.sql.types import registry

UNKNOWN, TEXT, INT8 = 705, 25, 20
ROUTINE_DEPTH_MAX = 64  # nested calls of SQL functions that run statements (and their binds)
INLINE_DEPTH_MAX = 150  # re-entries of one inlined body (a function calling itself)
INLINE_NESTING_MAX = 16  # bodies being inlined inside each other at bind time; deeper: not inlined
BODY_CACHE_MAX = 512  # parsed bodies kept (by body text)
NOT_INLINABLE_MAX = 4096  # remembered "this function's body is no expression"
STACK_HINT = ('Increase the configuration parameter "max_stack_depth" (currently 2048kB), '
              "after ensuring the platform's stack depth limit is adequate.")


# -- the void type ---------------------------------------------------------------------------

def _install_void() -> None:
    """`void` (RETURNS void): a void function's value is NULL."""
    if registry.type_by_oid(VOID_OID) is not None:
        return
    registry._scalar(VOID_OID, "void", "void", 4, True, "i", "P", 0,
                     (lambda s, typmod=-1: "", lambda v: "", lambda b, typmod=-1: "",
                      lambda v: b""))
    registry._NAMES["void"] = VOID_OID


_install_void()
VOID_VALUE = None  # what a void function returns (NULL, as in PostgreSQL)


# -- bodies ------------------------------------------------------------------------------------

_BODIES: dict[str, tuple[ast.Node, ...]] = {}


def body_statements(fn: Function) -> tuple[ast.Node, ...]:
    """The body's statements, parsed once per body text."""
    found = _BODIES.get(fn.body)
    if found is None:
        from borealis.sql.parse import parse
        found = tuple(st.node for st in parse(fn.body)) if fn.body.strip() else ()
        if len(_BODIES) >= BODY_CACHE_MAX:
            _BODIES.clear()
        _BODIES[fn.body] = found
    return found


def result_columns(catalog: CatalogSnapshot, fn: Function) -> list[OutCol]:
    """What one call produces per row: one column for a scalar (named after the
    function), the OUT / TABLE parameters, or the returned table's columns."""
    if fn.return_relation:
        rel = catalog.relation_by_oid(fn.return_relation)
        if rel is None:
            raise errors.UndefinedObject(what=f"type with OID {fn.return_relation} does not exist")
        return [OutCol(c.name, c.type_oid, c.typmod) for c in rel.live_columns]
    outs = fn.output_args
    if len(outs) > 1:
        return [OutCol(a.name or f"column{i + 1}", a.type_oid) for i, a in enumerate(outs)]
    if len(outs) == 1:
        return [OutCol(outs[0].name or fn.name, outs[0].type_oid)]
    return [OutCol(fn.name, fn.return_type)]


def is_composite(fn: Function) -> bool:
    return bool(fn.return_relation) or len(fn.output_args) > 1


def declared_type_name(catalog: CatalogSnapshot, fn: Function) -> str:
    if fn.return_relation:
        rel = catalog.relation_by_oid(fn.return_relation)
        return rel.name if rel is not None else "record"
    return C.type_name(fn.return_type)


def _mismatch(catalog: CatalogSnapshot, fn: Function, detail: str) -> errors.BorealisError:
    return errors.InvalidFunctionDefinition(
        what=f"return type mismatch in function declared to return {declared_type_name(catalog, fn)}",
        detail=detail)


def check_result(catalog: CatalogSnapshot, fn: Function, kind: str,
                 columns: list[OutCol] | None) -> list[Any]:
    """PostgreSQL's check of the last statement's columns against the declared result
    (42P13); returns one converter per result column (None: no conversion)."""
    if fn.return_type == VOID_OID and not fn.output_args:
        return []
    if kind != "query" and not columns:
        raise _mismatch(catalog, fn, "Function's final statement must be SELECT or "
                                     "INSERT/UPDATE/DELETE RETURNING.")
    have = columns or []
    want = result_columns(catalog, fn)
    if not is_composite(fn):
        if len(have) != 1:
            raise _mismatch(catalog, fn, "Final statement must return exactly one column.")
        if not T.can_coerce(have[0].oid, want[0].oid, "assignment"):
            raise _mismatch(catalog, fn, f"Actual return type is {C.type_name(have[0].oid)}.")
        return [_converter(have[0].oid, want[0].oid)]
    if len(have) > len(want):
        raise _mismatch(catalog, fn, "Final statement returns too many columns.")
    if len(have) < len(want):
        raise _mismatch(catalog, fn, "Final statement returns too few columns.")
    out = []
    for i, (h, w) in enumerate(zip(have, want)):
        if not T.can_coerce(h.oid, w.oid, "assignment"):
            raise _mismatch(catalog, fn, f"Final statement returns {C.type_name(h.oid)} instead of "
                                         f"{C.type_name(w.oid)} at column {i + 1}.")
        out.append(_converter(h.oid, w.oid))
    return out


def _converter(src: int, dst: int):
    if src == dst:
        return None
    return T.cast_function(src, dst, -1, explicit=False)


# -- binding a body ----------------------------------------------------------------------------

class FunctionScope(Scope):
    """The scope around a body: the function's parameters by name (`a` or `f.a`),
    found only when no column of that name is in an inner scope."""

    def __init__(self, fn: Function, holder: Params) -> None:
        super().__init__(None)
        self.fn = fn
        self.holder = holder
        self.params = {a.name: (i + 1, a.type_oid) for i, a in enumerate(fn.input_args) if a.name}

    def resolve(self, name: str, qualifier: str | None, *, inner: Scope | None = None) -> Expr:
        if qualifier is None or qualifier == self.fn.name:
            hit = self.params.get(name)
            if hit is not None:
                return Param(hit[1], number=hit[0], params=self.holder)
        if qualifier is not None:
            raise errors.UndefinedTable(f'missing FROM-clause entry for table "{qualifier}"')
        raise errors.UndefinedColumn(name=name)


class FunctionBinder(Binder):
    """A binder for one function body: `$n` are the function's parameters."""

    def __init__(self, ctx: BindContext, site: CallSite, stack: tuple[CallSite, ...]) -> None:
        super().__init__(ctx)
        self.site = site
        self.routine_stack = stack
        self.root_scope = FunctionScope(site.fn, site.holder)

    def param(self, number: int) -> Expr:
        types = self.site.fn.input_types
        if not 1 <= number <= len(types):
            raise errors.UndefinedFunctionParameter(number=number)
        return Param(types[number - 1], number=number, params=self.site.holder)

    def bind_query(self, node: ast.Node, parent: Scope | None = None):
        return super().bind_query(node, parent if parent is not None else self.root_scope)


@dataclass
class BoundStatement:
    kind: str  # "query", "insert", "modify"
    plan: Any
    columns: list[OutCol] | None  # the rows it returns (None: a DML without RETURNING)


def bind_body(binder: FunctionBinder) -> list[BoundStatement]:
    """Every statement of the body, bound."""
    from borealis.sql.dml import bind_insert, bind_modify
    from borealis.sql.planner import optimize
    statements = body_statements(binder.site.fn)
    out = []
    for node in statements:
        if isinstance(node, ast.SelectStmt):
            if node.intoClause is not None:
                raise errors.FeatureNotSupported(what="SELECT INTO is not supported in a SQL function")
            q = binder.bind_query(node, binder.root_scope)
            out.append(BoundStatement("query", BoundQuery(optimize(q.node), q.columns), q.columns))
        elif isinstance(node, ast.InsertStmt):
            plan = bind_insert(binder, node)
            out.append(BoundStatement("insert", plan, plan.returning_cols or None))
        elif isinstance(node, (ast.UpdateStmt, ast.DeleteStmt)):
            plan = bind_modify(binder, node)
            out.append(BoundStatement("modify", plan, plan.returning_cols or None))
        else:
            from borealis.sql.parse import node_name
            raise errors.FeatureNotSupported(
                what=f"{node_name(node)} statements are not supported in a SQL function")
    return out


# -- call sites --------------------------------------------------------------------------------

_NOT_INLINABLE: set[tuple[int, Function]] = set()


class CallSite:
    """One call of a function in a bound statement: the parameter holder of its body,
    and the body bound as an expression (inlined) or as statements (on first run)."""

    def __init__(self, fn: Function, bind_ctx: BindContext, stack: tuple[CallSite, ...]) -> None:
        self.fn = fn
        self.bind_ctx = bind_ctx
        self.stack = stack  # the call sites whose bodies are being bound around this one
        self.holder = Params()
        self.inlining = False  # its body is being bound as an expression right now
        self.body: Expr | None = None  # the inlined body expression
        self._body_fn: Any = None
        self.depth = 0
        self._statements: list[BoundStatement] | None = None
        self._converters: list[Any] = []

    def binder(self) -> FunctionBinder:
        ctx = self.bind_ctx
        inner = BindContext(ctx.catalog, ctx.search_path, self.holder, list(self.fn.input_types),
                            settings=ctx.settings, virtual=ctx.virtual)
        return FunctionBinder(inner, self, (*self.stack, self))

    # -- inlining --

    def try_inline(self) -> bool:
        """Bind the body as one expression if it is `SELECT <expr>` (or RETURN) with
        no table, aggregate or subquery; False if it is not that simple."""
        fn = self.fn
        key = (self.bind_ctx.catalog.ident, fn)
        if key in _NOT_INLINABLE or not _simple_body(fn) \
                or sum(s.inlining for s in self.stack) >= INLINE_NESTING_MAX:
            return False
        self.inlining = True
        try:
            binder = self.binder()
            q = binder.bind_query(body_statements(fn)[0], binder.root_scope)
        except RecursionError:
            raise errors.StackDepthExceeded(hint=STACK_HINT) from None
        finally:
            self.inlining = False
        node = q.node
        expr = node.exprs[0] if isinstance(node, Project) and len(node.exprs) == 1 \
            and isinstance(node.child, Values) and node.child.rows == [[]] else None
        if expr is None or any(isinstance(n, Subquery) for n in walk(expr)):
            if len(_NOT_INLINABLE) >= NOT_INLINABLE_MAX:
                _NOT_INLINABLE.clear()
            _NOT_INLINABLE.add(key)
            return False
        check_result(self.bind_ctx.catalog, fn, "query", q.columns)
        want = result_columns(self.bind_ctx.catalog, fn)[0].oid
        self.body = C.coerce(expr, want, -1, "assignment")
        return True

    def evaluate_inline(self, values: list[Any]) -> Any:
        if self.depth >= INLINE_DEPTH_MAX:
            raise errors.StackDepthExceeded(hint=STACK_HINT)
        if self._body_fn is None:
            self._body_fn = self.body.compile()  # type: ignore[union-attr]
        holder = self.holder
        saved = holder.values
        holder.values = values
        self.depth += 1
        try:
            return self._body_fn(())
        except RecursionError:
            raise errors.StackDepthExceeded(hint=STACK_HINT) from None
        finally:
            holder.values = saved
            self.depth -= 1

    # -- statements --

    def statements(self) -> list[BoundStatement]:
        if self._statements is None:
            bound = bind_body(self.binder())
            last = bound[-1] if bound else BoundStatement("query", None, None)
            self._converters = check_result(self.bind_ctx.catalog, self.fn, last.kind, last.columns)
            self._statements = bound
        return self._statements

    async def run(self, ctx: ExecContext, values: list[Any], *, first_only: bool) -> list[tuple]:
        """Run the body with `values` as arguments: the last statement's rows, converted
        to the result columns (only its first row when `first_only`)."""
        if self.fn.strict and any(v is None for v in values):
            return []
        if ctx.routine_depth >= ROUTINE_DEPTH_MAX:
            raise errors.StackDepthExceeded(hint=STACK_HINT)
        statements = self.statements()
        holder = self.holder
        saved = holder.values
        # Each call runs its statements anew: their WITH queries and uncorrelated
        # subqueries are computed for this call's arguments.
        inner = ctx.call()
        inner.routine_depth += 1
        try:
            rows: list[tuple] = []
            for i, st in enumerate(statements):
                holder.values = list(values)
                last = first_only and i == len(statements) - 1
                if self.fn.volatility != "v":  # the calling statement's view
                    _refuse_writes(st)
                    rows = await _execute(st, inner, last)
                    continue
                # A VOLATILE function's statement sees what was written before it, the
                # calling statement's writes so far included (PostgreSQL's fresh
                # snapshot per statement).
                inner.view = ctx.txn.statement_view()
                try:
                    rows = await _execute(st, inner, last)
                finally:
                    ctx.txn.end_view(inner.view)
        except RecursionError:
            raise errors.StackDepthExceeded(hint=STACK_HINT) from None
        finally:
            holder.values = saved
        converters = self._converters
        if not converters or all(c is None for c in converters):
            return rows
        return [tuple(v if c is None or v is None else c(v) for v, c in zip(r, converters))
                for r in rows]


def _simple_body(fn: Function) -> bool:
    if fn.returns_set or fn.return_type == VOID_OID or is_composite(fn):
        return False
    statements = body_statements(fn)
    if len(statements) != 1 or not isinstance(statements[0], ast.SelectStmt):
        return False
    s = statements[0]
    return (s.op == SetOperation.SETOP_NONE and len(s.targetList or ()) == 1
            and not any((s.fromClause, s.whereClause, s.groupClause, s.havingClause,
                         s.windowClause, s.sortClause, s.limitCount, s.limitOffset,
                         s.distinctClause, s.withClause, s.lockingClause, s.valuesLists,
                         s.intoClause)))


def _command(st: BoundStatement) -> str | None:
    """The command a body statement that writes is named by (PostgreSQL's: a SELECT
    whose WITH queries write is "SELECT"), None for one that does not write."""
    from borealis.sql.dml import SelectWithWrites
    if st.kind != "query":
        return st.plan.command
    return "SELECT" if isinstance(st.plan.node, SelectWithWrites) else None


def _refuse_writes(st: BoundStatement) -> None:
    """A STABLE or IMMUTABLE function's body writes nothing (0A000, as PostgreSQL)."""
    command = _command(st)
    if command is not None:
        raise errors.FeatureNotSupported(what=f"{command} is not allowed in a non-volatile function")


async def _execute(st: BoundStatement, ctx: ExecContext, first_only: bool) -> list[tuple]:
    if st.kind == "query":
        node = st.plan.node
        if _command(st) is not None:  # WITH queries that write: SELECT is the command
            from borealis.sql.dml import check_dml_allowed
            check_dml_allowed(ctx, "SELECT")
        if not first_only:
            return await node.all_rows(ctx)
        async with aclosing(node.batches(ctx)) as batches:
            async for batch in batches:
                if batch:
                    return batch[:1]
        return []
    from borealis.sql.dml import check_dml_allowed, run_dml
    check_dml_allowed(ctx, st.plan.command)
    _, rows = await run_dml(st.plan, ctx)
    return rows


# -- call expressions --------------------------------------------------------------------------

def _unused(*_args: Any) -> Any:
    raise errors.InternalError(what="an inlined SQL function is evaluated by its call site")


@dataclass(eq=False)
class InlineCall(Call):
    """A call of a function whose body is one expression (see the module docstring)."""

    site: CallSite | None = None

    def compile(self):
        arg_fns = [a.compile() for a in self.args]
        site = self.site
        strict = self.strict

        def call(row):
            values = [f(row) for f in arg_fns]
            if strict and any(v is None for v in values):
                return None
            return site.evaluate_inline(values)  # type: ignore[union-attr]
        return call


class _CallRef:
    """Holds a step's call; plan walkers do not follow it back into the call."""

    __slots__ = ("call",)

    def __init__(self, call: RoutineCall) -> None:
        self.call = call


@dataclass(eq=False)
class RoutineCall(Subquery):
    """A call that runs the body's statements: a correlated subquery whose one-row step
    (`_RoutineStep`) evaluates the arguments and runs the body; the executor fetches it
    once per row (`sql.plan.evaluate`). `mode`: "scalar" (the first row's value),
    "record" (the first row as a record), "set" (every row: a select-list SRF)."""

    site: CallSite | None = None
    args: tuple[Expr, ...] = ()
    mode: str = "scalar"
    name: str = ""
    compiled_args: Any = field(default=None, repr=False, compare=False)

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def compile(self):
        call = self
        mode = self.mode
        void = self.oid == VOID_OID
        make = None
        if mode == "record":
            cols = result_columns(self.site.bind_ctx.catalog, self.site.fn)  # type: ignore[union-attr]
            make = T.make_record(tuple(c.name for c in cols), tuple(c.oid for c in cols))

        def evaluate_call(row):
            runner = call.runner
            if runner is None:
                raise errors.FeatureNotSupported(
                    what=f"SQL function {call.name}() is not supported in this part of a statement")
            rows = runner(row)  # may raise NeedRows: the executor runs the step
            if mode == "set":
                return rows
            if void:
                return VOID_VALUE
            if not rows:
                return None
            return make(*rows[0]) if make is not None else rows[0][0]
        return evaluate_call

    async def argument_values(self, row: tuple) -> list[Any]:
        if self.compiled_args is None:
            fns = [a.compile() for a in self.args]
            self.compiled_args = (lambda r: [f(r) for f in fns], len(subqueries_of(list(self.args))))
        fn, nested = self.compiled_args
        return await evaluate(fn, row, nested) if nested else fn(row)


@dataclass(eq=False)
class _RoutineStep(Node):
    """The "subquery" of a `RoutineCall`: the body's result rows for one call."""

    ref: _CallRef
    outer: OuterRow
    columns: list[OutCol] = field(default_factory=list)

    @property
    def explain_name(self) -> str:
        return f"SQL Function {self.ref.call.name}"

    async def batches(self, ctx):
        call = self.ref.call
        values = await call.argument_values(self.outer.row)
        rows = await call.site.run(ctx, values, first_only=call.mode != "set")  # type: ignore[union-attr]
        ctx.stat(self).rows += len(rows)
        if rows:
            yield rows


def routine_call(site: CallSite, args: tuple[Expr, ...], mode: str) -> RoutineCall:
    fn = site.fn
    cols = result_columns(site.bind_ctx.catalog, fn)
    oid = RECORD_OID if mode == "record" else cols[0].oid
    call = RoutineCall(oid, kind="scalar", site=site, args=args, mode=mode, name=fn.name)
    outer = OuterRow()
    call.plan = SubPlan(_RoutineStep(_CallRef(call), outer, cols), outer, True)
    return call


@dataclass(eq=False)
class RoutineScan(Node):
    """A SQL function in FROM: its rows (a function that returns no set gives one row,
    NULLs when its body returned none)."""

    site: CallSite
    args: list[Expr]
    columns: list[OutCol]
    ordinality: bool = False

    @property
    def explain_name(self) -> str:
        return f"Function Scan on {self.site.fn.name}"

    async def batches(self, ctx):
        subs = subqueries_of(self.args)
        arm(subs, ctx)
        fns = [a.compile() for a in self.args]

        def values(row):
            return [f(row) for f in fns]
        vals = await evaluate(values, (), len(subs)) if subs else values(())
        fn = self.site.fn
        if self.site.body is not None:  # inlined: one value
            rows = [(None if fn.strict and any(v is None for v in vals)
                     else self.site.evaluate_inline(vals),)]
        else:
            rows = await self.site.run(ctx, vals, first_only=not fn.returns_set)
            if fn.return_type == VOID_OID:
                rows = [(VOID_VALUE,)]
            elif not fn.returns_set:
                width = len(self.columns) - (1 if self.ordinality else 0)
                rows = rows[:1] or [(None,) * width]
        if self.ordinality:
            rows = [r + (i + 1,) for i, r in enumerate(rows)]
        ctx.stat(self).rows += len(rows)
        for i in range(0, len(rows), 512):
            yield rows[i:i + 512]


def _site(binder: Binder, fn: Function) -> tuple[CallSite, CallSite | None]:
    """A new call site, and the site whose body this call re-enters while that body is
    being inlined (a function calling itself), if any."""
    stack: tuple[CallSite, ...] = getattr(binder, "routine_stack", ())
    if len(stack) >= ROUTINE_DEPTH_MAX:
        raise errors.StackDepthExceeded(hint=STACK_HINT)
    enclosing = next((s for s in reversed(stack) if s.fn.oid == fn.oid and s.inlining), None)
    return CallSite(fn, binder.ctx, stack), enclosing


def scalar_call(binder: Binder, fn: Function, args: tuple[Expr, ...]) -> Expr:
    """The expression of a call of `fn` (not a set-returning one) with bound arguments."""
    site, enclosing = _site(binder, fn)
    if enclosing is not None:  # recursion inside an expression body: re-enter it
        return InlineCall(enclosing.body.oid if enclosing.body is not None else
                          result_columns(binder.catalog, fn)[0].oid,
                          name=fn.name, fn=_unused, args=args, strict=fn.strict,
                          volatile=fn.volatility == "v", site=enclosing)
    if site.try_inline():
        return InlineCall(site.body.oid, name=fn.name, fn=_unused, args=args,  # type: ignore[union-attr]
                          strict=fn.strict, volatile=fn.volatility == "v", site=site)
    return routine_call(site, args, "record" if is_composite(fn) else "scalar")


def bind_call(binder: Binder, node: ast.FuncCall, scope: Any) -> Expr | None:
    """A call in an expression (`Binder.e_FuncCall`): the bound call if the name means a
    SQL function (or a built-in shadowed by none), None when no SQL function has this
    name (the built-in path then runs as before)."""
    names = R.names_of(node)
    fns = R.lookup(binder, names)
    if not fns:
        return None
    R.not_aggregate(node, names[-1])
    args, named = R.bind_args(binder, node, scope)
    if len(names) == 1 and not named and R.builtin_exists(names[-1].lower()):
        from borealis.sql import functions as F
        try:  # pg_catalog comes first on the search path
            return F.bind_function(binder, names[-1].lower(), args, node)
        except errors.UndefinedFunction:
            pass
    cand = R.resolve(binder, names, fns, args, named)
    fn = cand.fn
    R.check_execute(binder, fn)
    if fn.returns_set:
        raise errors.FeatureNotSupported(what="set-valued function called in context that cannot accept a set")
    return scalar_call(binder, fn, R.call_arguments(binder, cand, args))


def user_set_returning(binder: Binder, node: ast.FuncCall) -> bool:
    """Is this call (in a select list) a SQL function returning a set? For `sql.srf`."""
    if node.over is not None:
        return False
    fns = R.lookup(binder, R.names_of(node))
    return bool(fns) and all(f.returns_set for f in fns)


def bind_select_list_srf(binder: Binder, node: ast.FuncCall, scope: Any):
    """(fn, output types, args) of a set-returning SQL function in a select list, the
    shape `sql.srf.set_returning` returns: `fn` takes the rows of a set-mode call (a
    function with several result columns gives one record per row, as in PostgreSQL)."""
    names = R.names_of(node)
    R.not_aggregate(node, names[-1])
    args, named = R.bind_args(binder, node, scope)
    cand = R.resolve(binder, names, R.lookup(binder, names), args, named)
    fn = cand.fn
    R.check_execute(binder, fn)
    cols = result_columns(binder.catalog, fn)
    site, _ = _site(binder, fn)
    call = routine_call(site, R.call_arguments(binder, cand, args), "set")
    if not is_composite(fn):
        return (lambda rows: rows or []), [cols[0].oid], [call]
    make = T.make_record(tuple(c.name for c in cols), tuple(c.oid for c in cols))
    return (lambda rows: [(make(*r),) for r in rows or ()]), [RECORD_OID], [call]


def bind_from(binder: Binder, item: ast.RangeFunction, scope: Scope) -> Node | None:
    """A SQL function in FROM (`Binder.bind_range_function`), None if the name means no
    SQL function or a built-in set-returning function (which wins, as in PostgreSQL)."""
    from borealis.sql.bind import _Lateral, _refers_to, _rename, _table
    from borealis.sql.scope import OuterCol
    if len(item.functions) != 1 or not isinstance(item.functions[0][0], ast.FuncCall):
        return None
    node: ast.FuncCall = item.functions[0][0]
    names = R.names_of(node)
    fns = R.lookup(binder, names)
    if not fns:
        return None
    from borealis.sql import functions as F
    from borealis.sql.srf import SRF_NAMES
    lowered = names[-1].lower()
    if len(names) == 1 and (lowered in SRF_NAMES or lowered in F.SRF_COLUMN_NAMES):
        return None
    R.not_aggregate(node, names[-1])
    inner = Scope(scope)
    args, named = R.bind_args(binder, node, inner)
    lateral = any(isinstance(n, OuterCol) and n.outer is scope.outer for a in args for n in walk(a))
    cand = R.resolve(binder, names, fns, args, named)
    fn = cand.fn
    R.check_execute(binder, fn)
    coerced = list(R.call_arguments(binder, cand, args))
    site, enclosing = _site(binder, fn)
    if enclosing is None and not fn.returns_set:
        site.try_inline()
    cols = [OutCol(c.name, c.oid, c.typmod) for c in result_columns(binder.catalog, fn)]
    alias = item.alias.aliasname if item.alias else fn.name
    scalar = not is_composite(fn)
    if item.ordinality:
        cols.append(OutCol("ordinality", INT8))
    colnames = item.alias.colnames if item.alias else None
    cols = _rename(cols, colnames, _table(alias))
    if scalar and not colnames and item.alias and not fn.output_args:
        cols[0] = OutCol(alias, cols[0].oid)
    scope.add(RangeEntry(alias, cols, scalar=scalar and not item.ordinality))
    scan = RoutineScan(site, coerced, cols, bool(item.ordinality))
    # A reference inside a subquery among the arguments makes it lateral too.
    return _Lateral(scan) if lateral or _refers_to(scan, scope.outer) else scan


# -- CREATE-time checks ------------------------------------------------------------------------

def validate(binder: Binder, fn: Function) -> None:
    """check_function_bodies: bind every statement of the body against the catalog now
    (42P01, 42703, 42883, 42P02, ...) and check its result against the declared type
    (42P13)."""
    site = CallSite(fn, binder.ctx, ())
    site.statements()


__all__ = ["CallSite", "InlineCall", "RoutineCall", "RoutineScan", "bind_call", "bind_from",
           "bind_select_list_srf", "body_statements", "check_result", "result_columns",
           "user_set_returning", "validate"]
