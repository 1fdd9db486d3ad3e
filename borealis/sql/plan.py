"""Plan nodes: what the binder builds, the planner rewrites, and the executor runs.

Each node produces rows (tuples) in batches: `async for batch in node.batches(ctx)`.
Batches keep the per-row cost to compiled expression calls inside list comprehensions;
awaiting happens once per batch (a storage page), not per row.

```
 Scan ─ storage scan of a table's key range (PK range, or full), pushdown filter,
        or point lookups (PK equality / IN) — chosen by the planner
 IndexScan ─ a secondary index range, then row lookups by primary key
 Filter, Project, Sort, Limit, Distinct, Aggregate, Window
 NestedLoopJoin, HashJoin ─ inner/left/right/full/semi/anti
 Values, FunctionScan, SetOp, CteScan / RecursiveUnion
```

A node's `columns` describe its output: name, type, and for base columns the table
and attribute number (RowDescription needs them).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from borealis.catalog.model import Relation, relation_prefix, sequence_state_key
from borealis.core import errors, values
from borealis.core.expr import compile_filter
from borealis.core.keys import prefix_end
from borealis.core.oids import BPCHAR
from borealis.sql.expr import Col, Expr, Subquery, walk
from borealis.sql.key_values import UNBOUNDED

BATCH_ROWS = 512
# Rows (or pairs of rows a join compares) an execution works through between two turns
# of the event loop: a statement that storage answers at once never waits, and would
# otherwise keep every other session of the process, and its own cancel, waiting.
YIELD_WORK = 20_000
SORT_ROWS_MAX = 5_000_000  # beyond this a query fails (53200) instead of exhausting RAM


class _InvalidOffset(errors.BorealisError):
    """PostgreSQL's invalid_row_count_in_result_offset_clause (LIMIT's is 2201W)."""

    sqlstate = "2201X"


@dataclass
class OutCol:
    name: str
    oid: int
    typmod: int = -1
    table_oid: int = 0
    attnum: int = 0


@dataclass
class Stats:
    rows: int = 0
    loops: int = 0
    scanned: int = 0  # rows storage read (for "Rows Filtered")
    returned: int = 0  # rows left after the storage (pushdown) filter
    entries: int = 0  # secondary-index entries read (an index scan)


class ExecContext:
    """What one execution needs: the transaction, the session, per-node stats, and what
    is computed once and kept, by the id of its plan node:

    - `once`: for the whole statement (or one call of a SQL function's body: `call`):
      the runners of uncorrelated subqueries (PostgreSQL's InitPlans, wherever they
      sit, so also inside a correlated subquery) and the rows of uncorrelated WITH
      queries;
    - `cte_results`: the rows of correlated WITH queries (those reading an enclosing
      row), for one run of the part of the query that defines them: a correlated
      subquery's run for an outer row, a LATERAL item's for a left row, a recursive
      query's step drop those of their own (`fresh_ctes`) before they run.

    A context is made for one statement, and its `view` is the statement's: the scans
    read the transaction's own writes as they stood when the statement began
    (`qp.txn.StatementView`), never the rows the statement itself writes. `with` the
    context (or `close()`) ends the view when the statement ends."""

    def __init__(self, txn, session=None, *, analyze: bool = False) -> None:
        self.txn = txn
        self.view = txn.statement_view() if txn is not None else None
        self.session = session
        self.analyze = analyze
        self.stats: dict[int, Stats] = {}
        self.once: dict[int, Any] = {}
        self.cte_results: dict[int, list[tuple]] = {}
        self.catalog_rows: dict = {}  # system catalogs' rows, once (catalog.virtual)
        self.routine_depth = 0  # SQL function bodies running (sql.routines)
        self._work = [0]  # (shared with `call`'s contexts: one count per statement)

    def close(self) -> None:
        """The statement ended: its view stops recording the transaction's writes."""
        if self.txn is not None:
            self.txn.end_view(self.view)

    def __enter__(self) -> ExecContext:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self) -> ExecContext:
        """The context for one call of a SQL function's body: the same transaction,
        session, stats and work count; its statements' subqueries and WITH queries
        are its own."""
        inner = copy.copy(self)
        inner.once = {}
        inner.cte_results = {}
        return inner

    def fresh_ctes(self, ids: tuple[int, ...]) -> None:
        """A part of the query that defines the correlated WITH queries `ids` runs again
        (for another outer row): their rows are computed anew when read."""
        for key in ids:
            self.cte_results.pop(key, None)

    async def progress(self, work: int) -> None:
        """Count `work` rows about to be worked through; every YIELD_WORK of them let the
        event loop turn (the runtime's zero sleep), then `check` for a cancel."""
        done = self._work
        done[0] += work
        if done[0] >= YIELD_WORK:
            done[0] = 0
            rt = getattr(self.txn, "rt", None)
            if rt is not None:
                await rt.sleep(0)
        self.check()

    def check(self) -> None:
        """Raise QueryCanceled (57014) if the client asked to cancel. Called by the
        nodes that loop over their input (scans per page, joins per left batch), so
        a cancel interrupts long statements, not only between result batches."""
        check = getattr(self.session, "_check_cancel", None)
        if check is not None:
            check()

    def stat(self, node: Node) -> Stats:
        s = self.stats.get(id(node))
        if s is None:
            s = self.stats[id(node)] = Stats()
        return s


class Node:
    columns: list[OutCol]
    children: tuple[Node, ...] = ()

    async def batches(self, ctx: ExecContext) -> AsyncIterator[list[tuple]]:
        raise NotImplementedError
        yield  # pragma: no cover

    async def all_rows(self, ctx: ExecContext) -> list[tuple]:
        out: list[tuple] = []
        async for batch in self.batches(ctx):
            out.extend(batch)
        return out


async def held_rows(node: Node, ctx: ExecContext) -> list[tuple]:
    """All of `node`'s rows, to be held in memory at once (a sort, a window, a query
    run to completion first): past SORT_ROWS_MAX the query fails (53200)."""
    rows = await node.all_rows(ctx)
    if len(rows) > SORT_ROWS_MAX:
        raise errors.OutOfMemory(what="query requires too much temp space, out of memory.")
    return rows


def subqueries_of(exprs: list[Expr]) -> list[Subquery]:
    return [n for e in exprs if e is not None for n in walk(e) if isinstance(n, Subquery)]


class NeedRows(BaseException):
    """Raised inside a synchronous expression when a subquery's rows are not fetched
    yet for the row being evaluated; `evaluate` catches it, awaits the fetch and runs
    the expression again. A BaseException, so no `except Exception` inside an
    expression (a cast, a function) can swallow it."""

    def __init__(self, runner: _LazyRunner, row: tuple) -> None:
        super().__init__()
        self.runner = runner
        self.row = row


class _LazyRunner:
    """A subquery's rows for one execution, fetched the first time an expression
    actually needs them — so, like PostgreSQL, a subquery in a CASE branch that is not
    taken never runs. Uncorrelated subqueries run at most once per execution;
    correlated ones once per outer row: per `evaluate` call, whose retries of the row
    find the rows fetched for it. The row object alone cannot tell rows apart: every
    zero-width row is the same `()`, and `row + ()` is `row`, so a cross join with a
    zero-width side hands the same object on for each of its rows."""

    __slots__ = ("plan", "ctx", "rows", "row", "evaluation")

    def __init__(self, plan: SubPlan, ctx: ExecContext) -> None:
        self.plan = plan
        self.ctx = ctx
        self.rows: list | None = None
        self.row: tuple | None = None
        self.evaluation = 0  # the `evaluate` call `rows` were fetched in

    def __call__(self, row: tuple) -> list:
        if self.rows is not None and (not self.plan.correlated or self.holds(row)):
            return self.rows
        raise NeedRows(self, row)

    def holds(self, row: tuple) -> bool:
        """Whether `rows` are this evaluation's of `row`."""
        return self.row is row and self.evaluation == _evaluation[0]

    def keep(self, rows: list, row: tuple) -> None:
        self.rows, self.row, self.evaluation = rows, row, _evaluation[0]

    async def fetch(self, row: tuple) -> None:
        evaluation = _evaluation[0]
        self.plan.outer.row = row
        self.ctx.fresh_ctes(self.plan.fresh)
        rows = await self.plan.node.all_rows(self.ctx)
        self.rows, self.row, self.evaluation = rows, row, evaluation


# The `evaluate` call whose expression runs now (`_evaluation[0]`), set before each
# synchronous attempt: nested and concurrent evaluations run only while one awaits.
_evaluation = [0]
_evaluations = itertools.count(1)


def arm(subs: list[Subquery], ctx: ExecContext) -> list[_LazyRunner]:
    """Attach this execution's lazy runners to the subqueries of a node's expressions:
    an uncorrelated subquery's is the statement's (`ctx.once`), so it runs once even
    inside a correlated subquery that runs per row, as PostgreSQL's InitPlan."""
    once = ctx.once
    runners = []
    for sq in subs:
        if sq.plan.correlated:
            runners.append(_LazyRunner(sq.plan, ctx))
            continue
        runner = once.get(id(sq.plan))
        if runner is None:
            runner = once[id(sq.plan)] = _LazyRunner(sq.plan, ctx)
        runners.append(runner)
    rearm(subs, runners)
    return runners


def rearm(subs: list[Subquery], runners: list[_LazyRunner]) -> None:
    """Attach `arm`'s runners again, before each batch of a node that reads many: a
    nested execution of the same plan may have attached its own while this one waited
    for the batch. An uncorrelated subquery so runs once for the whole execution, as
    PostgreSQL's InitPlan does, however many batches its node reads: one such as
    `(SELECT nextval('s'))` or `(SELECT random())` has one value for every row."""
    for sq, runner in zip(subs, runners):
        sq.runner = runner


def begin_evaluation() -> int:
    """A new evaluation, current now: for calling an expression with subqueries directly
    (no await) where the session answers without I/O; when it raises NeedRows after
    all, `evaluate(..., evaluation=)` goes on with the same evaluation, so the values
    it took (a nextval from the session's block) are kept."""
    _evaluation[0] = evaluation = next(_evaluations)
    return evaluation


async def evaluate(fn, row: tuple, limit: int, evaluation: int | None = None) -> Any:
    """`fn(row)` for expressions containing subqueries (armed with `arm`): each time the
    evaluation reaches a subquery whose rows are missing, fetch them and start over.
    Every round fetches a different subquery for this row, so `limit` (the number of
    subqueries, plus one) bounds the rounds."""
    if evaluation is None:
        evaluation = next(_evaluations)
    for _ in range(limit + 1):
        _evaluation[0] = evaluation
        try:
            return fn(row)
        except NeedRows as need:
            await need.runner.fetch(need.row)
    raise errors.InternalError(what="subquery evaluation did not settle")


async def values_over_no_row(exprs: list[Expr | None], ctx: ExecContext) -> list[Any]:
    """The values of expressions that read no row (LIMIT, OFFSET, the arguments of a
    function in FROM), running the subqueries among them first (None stays None)."""
    present = [e for e in exprs if e is not None]
    subs = subqueries_of(present)
    if subs:
        arm(subs, ctx)
    out = []
    for e in exprs:
        if e is None:
            out.append(None)
        elif subs:
            out.append(await evaluate(e.compile(), (), len(subs)))
        else:
            out.append(e.compile()(()))
    return out


@dataclass
class OuterRow:
    """The current row of the enclosing query, for correlated references."""

    row: tuple = ()


@dataclass
class SubPlan:
    node: Node
    outer: OuterRow
    correlated: bool
    fresh: tuple[int, ...] = ()  # its correlated WITH queries (ExecContext.fresh_ctes)


# -- leaves -------------------------------------------------------------------------

@dataclass(eq=False)
class Values(Node):
    rows: list[list[Expr]]
    columns: list[OutCol]

    async def batches(self, ctx):
        subs = subqueries_of([e for r in self.rows for e in r])
        arm(subs, ctx)
        out = []
        for row in self.rows:
            fns = [e.compile() for e in row]
            if subs:
                out.append(await evaluate(lambda r, fns=fns: tuple(f(r) for f in fns), (), len(subs)))
            else:
                out.append(tuple(f(()) for f in fns))
        ctx.stat(self).rows += len(out)
        yield out


def _filtered(stat, rows: list[tuple], keep, residual) -> list[tuple]:
    """Rows fetched by key, through the filters storage would have applied (`keep`) and
    the QP's own (`residual`), counted for EXPLAIN ANALYZE as a storage scan counts them."""
    stat.scanned += len(rows)
    if keep is not None:
        rows = [r for r in rows if keep(r)]
    stat.returned += len(rows)
    if residual is not None:
        rows = [r for r in rows if residual(r) is True]
    stat.rows += len(rows)
    return rows


@dataclass(eq=False)
class Scan(Node):
    """Rows of one table at the transaction's snapshot.

    Access paths (set by the planner): a key range [start, end) of the table, or a
    list of exact keys (`point_keys`), plus an optional pushdown filter evaluated by
    storage and a residual filter evaluated here.
    """

    relation: Relation
    alias: str
    columns: list[OutCol]
    pushdown_exprs: list[Expr] = field(default_factory=list)  # storage evaluates these
    residual: Expr | None = None
    point_keys: list[Expr] | None = None  # each compiles to a full key tuple
    range_lo: list[Expr] | None = None  # key prefix bounds
    range_hi: list[Expr] | None = None
    lo_inclusive: bool = True
    hi_inclusive: bool = True
    reverse: bool = False
    limit: int = 0
    width: int = 0
    index: Any = None  # a secondary index: `range_lo` is an equality prefix of its key
    emit_key: bool = False  # append each row's storage key (UPDATE/DELETE need it)
    lock: str | None = None  # "lock" (FOR UPDATE) / "share" (FOR KEY SHARE): see `_report`
    index_cond: list[Expr] = field(default_factory=list)  # predicates the key path consumed (EXPLAIN)

    @property
    def _with_key(self) -> bool:
        return self.emit_key or self.lock is not None

    def _report(self, ctx, rows: list[tuple]) -> list[tuple]:
        """A locking clause: the keys of the rows this scan returns (after its own filters)
        go to the transaction's lock set (FOR UPDATE) or share set (FOR KEY SHARE)."""
        if self.lock is None:
            return rows
        mark = ctx.txn.lock if self.lock == "lock" else ctx.txn.share
        for r in rows:
            mark(r[-1])
        return rows if self.emit_key else [r[:-1] for r in rows]

    async def batches(self, ctx):
        stat = ctx.stat(self)
        stat.loops += 1
        rel = self.relation
        width = len(rel.columns)
        pad = (None,) * width
        residual = self.residual.compile() if self.residual is not None else None
        pushdown = self._pushdown()
        if rel.kind == "S":  # a sequence's one row, read as it stands now (qp.sequences)
            key = sequence_state_key(rel.oid)
            (raw,) = await ctx.txn.get_many_latest([key])
            rows = _decoded([raw] if raw is not None else [], width, pad)
            if self._with_key:
                rows = [r + (key,) for r in rows]
            keep = compile_filter(pushdown) if pushdown is not None else None
            yield self._report(ctx, _filtered(stat, rows, keep, residual))
            return
        if self.point_keys is not None:
            all_keys = self._keys()
            keep = compile_filter(pushdown) if pushdown is not None else None
            for at in range(0, len(all_keys), BATCH_ROWS):  # `= ANY($1)` may list many keys
                await ctx.progress(BATCH_ROWS)
                keys = all_keys[at:at + BATCH_ROWS]
                raw = await ctx.txn.get_many(keys, view=ctx.view)
                if self._with_key:
                    rows = [_pad(values.loads(v), width, pad) + (k,) for k, v in zip(keys, raw) if v is not None]
                else:
                    rows = _decoded([v for v in raw if v is not None], width, pad)
                yield self._report(ctx, _filtered(stat, rows, keep, residual))
            return
        if self.index is not None:
            async for rows in self._index_batches(ctx, pushdown, residual, width, pad):
                yield self._report(ctx, rows)
            return
        start, end = self._bounds()
        if start is None:
            return
        after = None
        while True:
            lo = start if after is None else after
            want = BATCH_ROWS if not self.limit else min(BATCH_ROWS, self.limit - stat.rows)
            await ctx.progress(want)
            examined = ctx.txn.usage.read_rows
            page = await ctx.txn.scan(lo, end, limit=want, reverse=self.reverse,
                                      filter=pushdown, projection=None, view=ctx.view)
            if pushdown is not None:
                rows = [_pad(v, width, pad) for _, v in page]
            else:
                rows = _decoded([v for _, v in page], width, pad)
            if self._with_key:
                rows = [r + (k,) for r, (k, _) in zip(rows, page)]
            stat.scanned += ctx.txn.usage.read_rows - examined  # before storage's filter
            stat.returned += len(page)
            if residual is not None:
                rows = [r for r in rows if residual(r) is True]
            stat.rows += len(rows)
            if rows:
                yield self._report(ctx, rows)
            if len(page) < want or (self.limit and stat.rows >= self.limit):
                return
            last = page[-1][0]
            if self.reverse:
                end = last
            else:
                after = last + b"\x00"

    async def _index_batches(self, ctx, pushdown, residual, width, pad):
        """Index entries in the equality range, then the rows they point at."""
        from borealis.sql.index_keys import entry_codec
        rel, index = self.relation, self.index
        stat = ctx.stat(self)
        codec = entry_codec(rel, index)  # key columns or expressions, then the primary key
        vals = [e.compile()(()) for e in self.range_lo or ()]
        if any(v is None for v in vals):
            return
        start = relation_prefix(index.oid) + codec.encode(vals)
        end = prefix_end(start)
        keep = compile_filter(pushdown) if pushdown is not None else None
        while True:
            await ctx.progress(BATCH_ROWS)
            page = await ctx.txn.scan(start, end, limit=BATCH_ROWS, view=ctx.view)
            row_keys = [v for _, v in page]
            raw = await ctx.txn.get_many(row_keys, view=ctx.view) if page else []
            rows = [_pad(values.loads(v), width, pad) + ((k,) if self._with_key else ())
                    for k, v in zip(row_keys, raw) if v is not None]
            stat.entries += len(page)
            rows = _filtered(stat, rows, keep, residual)
            if rows:
                yield rows
            if len(page) < BATCH_ROWS:
                return
            start = page[-1][0] + b"\x00"

    def _pushdown(self) -> tuple | None:
        """The pushdown filter with this execution's parameter values."""
        if not self.pushdown_exprs:
            return None
        parts = [e.to_pushdown() for e in self.pushdown_exprs]
        return parts[0] if len(parts) == 1 else ("and", *parts)

    def _keys(self) -> list[bytes]:
        codec, prefix = self.relation.key_codec, self.relation.prefix
        out, seen = [], set()
        for expr in self.point_keys or ():
            found = expr.compile()(())  # a key tuple, or a list of them (`= ANY(array)`)
            for key_values in found if isinstance(found, list) else (found,):
                if any(v is None for v in key_values):  # NULL, or no value of the key's type
                    continue
                key = prefix + codec.encode(key_values)
                if key not in seen:
                    seen.add(key)
                    out.append(key)
        return out

    def _bounds(self) -> tuple[bytes | None, bytes | None]:
        rel = self.relation
        prefix = rel.prefix
        codec = rel.key_codec
        start, end = prefix, prefix_end(prefix)
        # A bound is None for NULL or past the key type's range on the empty side (no
        # row), UNBOUNDED past it on the other side (`int4col < 2^32`: no bound).
        if self.range_lo:
            lo = [e.compile()(()) for e in self.range_lo]
            if any(v is None for v in lo):
                return None, None
            if not any(v is UNBOUNDED for v in lo):
                enc = prefix + codec.encode(lo)
                start = enc if self.lo_inclusive else prefix_end(enc)
        if self.range_hi:
            hi = [e.compile()(()) for e in self.range_hi]
            if any(v is None for v in hi):
                return None, None
            if not any(v is UNBOUNDED for v in hi):
                enc = prefix + codec.encode(hi)
                end = prefix_end(enc) if self.hi_inclusive else enc
        return start, end


def _pad(row: tuple, width: int, pad: tuple) -> tuple:
    return row if len(row) >= width else row + pad[: width - len(row)]


def _decoded(raw: list[bytes], width: int, pad: tuple) -> list[tuple]:
    """Stored rows decoded, each padded to the table's width (a row stored before an
    ADD COLUMN is shorter): `_pad(values.loads(v))` without two Python calls a row."""
    return [r if len(r) >= width else r + pad[: width - len(r)] for r in map(values.loads, raw)]


@dataclass(eq=False)
class FunctionScan(Node):
    """A set-returning function in FROM: generate_series, unnest."""

    fn: Callable[..., list[tuple]]
    args: list[Expr]
    columns: list[OutCol]

    async def batches(self, ctx):
        vals = await values_over_no_row(list(self.args), ctx)
        rows = self.fn(*vals)
        ctx.stat(self).rows += len(rows)
        for i in range(0, len(rows), BATCH_ROWS):
            await ctx.progress(BATCH_ROWS)
            yield rows[i:i + BATCH_ROWS]


# -- row operators ------------------------------------------------------------------

@dataclass(eq=False)
class Filter(Node):
    child: Node
    cond: Expr

    @property
    def columns(self):
        return self.child.columns

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        f = self.cond.compile()
        subs = subqueries_of([self.cond])
        stat = ctx.stat(self)
        runners = arm(subs, ctx)
        async for batch in self.child.batches(ctx):
            if subs:
                rearm(subs, runners)
                out = [row for row in batch if await evaluate(f, row, len(subs)) is True]
            else:
                out = [row for row in batch if f(row) is True]
            stat.rows += len(out)
            if out:
                yield out


@dataclass(eq=False)
class Project(Node):
    child: Node
    exprs: list[Expr]
    columns: list[OutCol]

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        fns = [e.compile() for e in self.exprs]
        subs = subqueries_of(self.exprs)

        def whole(row):
            return tuple(f(row) for f in fns)
        project = None if subs else _batch_projection(self.exprs, fns)
        stat = ctx.stat(self)
        runners = arm(subs, ctx)
        async for batch in self.child.batches(ctx):
            if subs:
                rearm(subs, runners)
                out = [await evaluate(whole, row, len(subs)) for row in batch]
            else:
                out = project(batch)
            stat.rows += len(out)
            yield out


def _row_tuple(fns: list) -> Callable[[tuple], tuple]:
    """row → tuple of each of `fns` applied to it, without a generator per row."""
    if not fns:
        return lambda row: ()
    if len(fns) == 1:
        f = fns[0]
        return lambda row: (f(row),)
    if len(fns) == 2:
        f, g = fns
        return lambda row: (f(row), g(row))
    return lambda row: tuple([f(row) for f in fns])


def _batch_projection(exprs: list[Expr], fns: list) -> Callable[[list[tuple]], list[tuple]]:
    """A function from a batch of rows to the batch of projected rows. Plain column
    references, the common case, are picked by `itemgetter` without a Python call per
    value; one or two expressions are called without building a generator per row."""
    if exprs and all(type(e) is Col for e in exprs):
        if len(exprs) == 1:
            i = exprs[0].index
            return lambda batch: [(row[i],) for row in batch]
        pick = itemgetter(*(e.index for e in exprs))
        return lambda batch: [pick(row) for row in batch]
    if len(fns) == 1:
        f = fns[0]
        return lambda batch: [(f(row),) for row in batch]
    each = _row_tuple(fns)
    return lambda batch: [each(row) for row in batch]


@dataclass(eq=False)
class Limit(Node):
    child: Node
    count: Expr | None
    offset: Expr | None

    @property
    def columns(self):
        return self.child.columns

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        count, offset = await values_over_no_row([self.count, self.offset], ctx)
        offset = offset or 0
        if count is not None and count < 0:
            raise errors.InvalidRowCount(what="LIMIT must not be negative")
        if offset < 0:
            raise _InvalidOffset("OFFSET must not be negative")
        if count == 0:
            return
        seen = 0
        emitted = 0
        async for batch in self.child.batches(ctx):
            if seen + len(batch) <= offset:
                seen += len(batch)
                continue
            start = max(0, offset - seen)
            seen += len(batch)
            part = batch[start:]
            if count is not None:
                part = part[: count - emitted]
            emitted += len(part)
            ctx.stat(self).rows += len(part)
            if part:
                yield part
            if count is not None and emitted >= count:
                return


@dataclass
class SortKey:
    expr: Expr
    descending: bool = False
    nulls_first: bool | None = None  # None: PostgreSQL default (NULLS LAST for ASC)


class _Rev:
    """Reverses the order of a value inside a sort key tuple."""

    __slots__ = ("v",)

    def __init__(self, v: Any) -> None:
        self.v = v

    def __lt__(self, other: _Rev) -> bool:
        return other.v < self.v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Rev) and other.v == self.v


def sort_key_fn(keys: list[SortKey]) -> Callable[[tuple], tuple]:
    parts = []
    for k in keys:
        f = _ordered(k.expr.compile(), k.expr.oid)
        nulls_first = k.nulls_first if k.nulls_first is not None else k.descending
        parts.append((f, k.descending, nulls_first))

    def key(row: tuple) -> tuple:
        out = []
        for f, desc, nulls_first in parts:
            v = f(row)
            if v is None:
                out.append((0 if nulls_first else 2, None))
            elif v != v:  # NaN sorts above every number (float and numeric), as in PostgreSQL
                out.append((1, _Rev(_NAN_KEY) if desc else _NAN_KEY))
            else:
                out.append((1, _Rev((0, v)) if desc else (0, v)))
        return tuple(out)
    return key


_NAN_KEY = (1, 0)


def _sort_rows(rows: list[tuple], keys: list[SortKey]) -> None:
    """Sort `rows` in place as `sort_key_fn(keys)` orders them. One key of a scalar
    type whose values hold no NULL and no NaN, the common ORDER BY, sorts by the plain
    values instead of building a tagged key per row; ties keep their order either way."""
    if len(keys) == 1:
        from borealis.sql import types as T
        k = keys[0]
        info = T.type_by_oid(k.expr.oid)
        if info is not None and not info.is_array and k.expr.oid != T.RECORD:
            f = k.expr.compile()
            vals = [f(r) for r in rows]
            if None not in vals and (info.category != "N" or not any(v != v for v in vals)):
                order = sorted(range(len(rows)), key=vals.__getitem__, reverse=k.descending)
                rows[:] = [rows[i] for i in order]
                return
    rows.sort(key=sort_key_fn(keys))


def _ordered(f: Callable[[tuple], Any], oid: int) -> Callable[[tuple], Any]:
    """`f`, or for arrays and records (NULL elements/fields, several dimensions) `f`
    mapped to the type's sort key, whose Python order is PostgreSQL's."""
    from borealis.sql import types as T
    info = T.type_by_oid(oid)
    if info is None or info.sort_key is None or not (info.is_array or oid == T.RECORD):
        return f
    sort_key = info.sort_key
    return lambda row: None if (v := f(row)) is None else sort_key(v)


@dataclass(eq=False)
class Sort(Node):
    child: Node
    keys: list[SortKey]

    @property
    def columns(self):
        return self.child.columns

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        rows = await held_rows(self.child, ctx)
        _sort_rows(rows, self.keys)
        ctx.stat(self).rows += len(rows)
        for i in range(0, len(rows), BATCH_ROWS):
            await ctx.progress(BATCH_ROWS)
            yield rows[i:i + BATCH_ROWS]


@dataclass(eq=False)
class Distinct(Node):
    """DISTINCT (on every column) or DISTINCT ON (the first `on` key expressions)."""

    child: Node
    on: list[Expr] | None = None

    @property
    def columns(self):
        return self.child.columns

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        seen: set = set()
        key_of = _row_tuple([e.compile() for e in self.on]) if self.on is not None else None
        hashed = hash_key([e.oid for e in self.on] if self.on is not None
                          else [c.oid for c in self.columns])
        async for batch in self.child.batches(ctx):
            out = []
            for row in batch:
                k = hashed(key_of(row) if key_of is not None else row)
                if k in seen:
                    continue
                seen.add(k)
                out.append(row)
            ctx.stat(self).rows += len(out)
            if out:
                yield out


def hash_key(types: list[int]) -> Callable[[Any], Any]:
    """`_hashable` for rows of these types: character(n)'s trailing blanks dropped, as
    its `=` ignores them (DISTINCT, GROUP BY, set operations, hash joins)."""
    padded = [i for i, oid in enumerate(types) if oid == BPCHAR]
    if not padded:
        return _hashable

    def key(row: tuple) -> Any:
        values = list(row)
        for i in padded:
            if values[i] is not None:
                values[i] = values[i].rstrip(" ")
        return _hashable(tuple(values))
    return key


def _hashable(value: Any) -> Any:
    if isinstance(value, tuple):
        for v in value:
            if isinstance(v, (tuple, float)):
                return tuple(_hashable(v) for v in value)
        return value  # nothing inside needs mapping: the row itself (the common case)
    if isinstance(value, float) and value != value:
        return ("NaN",)  # NaN = NaN for grouping, as in PostgreSQL
    if isinstance(value, float) and value == 0:
        return 0.0
    return value


# -- joins --------------------------------------------------------------------------

@dataclass(eq=False)
class LateralJoin(Node):
    """`left, LATERAL right` / `left [LEFT] JOIN LATERAL right ON cond`: `right` refers to
    columns of `left` (through `outer`, as a correlated subquery does), so it runs once
    per left row. A set-returning function in FROM whose arguments name earlier FROM
    items is such a join too (PostgreSQL's implicit LATERAL)."""

    left: Node
    right: Node
    outer: OuterRow  # the left row as `right` sees it
    kind: str  # inner or left
    cond: Expr | None
    columns: list[OutCol]
    fresh: tuple[int, ...] = ()  # `right`'s correlated WITH queries (per left row)

    @property
    def children(self):
        return (self.left, self.right)

    async def batches(self, ctx):
        f = self.cond.compile() if self.cond is not None else None
        subs = subqueries_of([self.cond]) if self.cond is not None else []
        arm(subs, ctx)
        pad = (None,) * len(self.right.columns)
        stat = ctx.stat(self)
        async for batch in self.left.batches(ctx):
            await ctx.progress(len(batch))
            out: list[tuple] = []
            for lrow in batch:
                self.outer.row = lrow
                hit = False
                ctx.fresh_ctes(self.fresh)
                for rrow in await self.right.all_rows(ctx):
                    row = lrow + rrow
                    if f is not None and \
                            (await evaluate(f, row, len(subs)) if subs else f(row)) is not True:
                        continue
                    hit = True
                    out.append(row)
                if not hit and self.kind == "left":
                    out.append(lrow + pad)
                if len(out) >= BATCH_ROWS:
                    stat.rows += len(out)
                    yield out
                    out = []
            if out:
                stat.rows += len(out)
                yield out


@dataclass(eq=False)
class NestedLoopJoin(Node):
    left: Node
    right: Node
    kind: str  # inner, left, right, full, semi, anti
    cond: Expr | None
    columns: list[OutCol] = field(default_factory=list)

    @property
    def children(self):
        return (self.left, self.right)

    async def batches(self, ctx):
        right_rows = await self.right.all_rows(ctx)
        if not right_rows and self.kind in ("inner", "semi"):
            return  # nothing can match: the left input need not be read
        f = self.cond.compile() if self.cond is not None else None
        subs = subqueries_of([self.cond]) if self.cond is not None else []
        arm(subs, ctx)
        rwidth = len(self.right.columns)
        lwidth = len(self.left.columns)
        matched_right = set()
        long_rows = len(right_rows) >= BATCH_ROWS  # compared one by one: count per left row
        async for batch in self.left.batches(ctx):
            await ctx.progress(len(batch))
            out = []
            for lrow in batch:
                if long_rows:
                    await ctx.progress(len(right_rows))
                hit = False
                for ri, rrow in enumerate(right_rows):
                    row = lrow + rrow
                    if f is not None and \
                            (await evaluate(f, row, len(subs)) if subs else f(row)) is not True:
                        continue
                    hit = True
                    if self.kind in ("semi", "anti"):
                        break
                    matched_right.add(ri)
                    out.append(row)
                _finish_left_row(self.kind, lrow, hit, rwidth, out)
            ctx.stat(self).rows += len(out)
            if out:
                yield out
        rest = _unmatched_right(self.kind, right_rows, matched_right, lwidth)
        if rest:
            yield rest


def _finish_left_row(kind: str, lrow: tuple, hit: bool, rwidth: int, out: list) -> None:
    """What a join emits for a left row beyond its matches: the row itself for
    semi/anti, or the row padded with NULLs when an outer join found no match."""
    if kind == "semi" and hit or kind == "anti" and not hit:
        out.append(lrow)
    elif not hit and kind in ("left", "full"):
        out.append(lrow + (None,) * rwidth)


def _unmatched_right(kind: str, right_rows: list, matched: set[int], lwidth: int) -> list:
    """Right/full joins: the right rows no left row matched, padded with NULLs."""
    if kind not in ("right", "full"):
        return []
    return [(None,) * lwidth + r for i, r in enumerate(right_rows) if i not in matched]


@dataclass(eq=False)
class HashJoin(Node):
    """Equi-join: build a hash table on the right input's keys, probe with the left."""

    left: Node
    right: Node
    kind: str
    left_keys: list[Expr]
    right_keys: list[Expr]
    residual: Expr | None
    columns: list[OutCol] = field(default_factory=list)

    @property
    def children(self):
        return (self.left, self.right)

    async def batches(self, ctx):
        rkeys = [e.compile() for e in self.right_keys]
        lkeys = [e.compile() for e in self.left_keys]
        residual = self.residual.compile() if self.residual is not None else None
        table: dict[Any, list[int]] = {}
        hashed = hash_key([BPCHAR if BPCHAR in (a.oid, b.oid) else a.oid
                           for a, b in zip(self.left_keys, self.right_keys)])
        right_rows = await self.right.all_rows(ctx)
        for i, r in enumerate(right_rows):
            k = tuple(f(r) for f in rkeys)
            if any(v is None for v in k):
                continue
            table.setdefault(hashed(k), []).append(i)
        if not table and self.kind in ("inner", "semi"):
            return  # nothing can match: the left input need not be read
        rwidth, lwidth = len(self.right.columns), len(self.left.columns)
        matched_right: set[int] = set()
        kind = self.kind
        async for batch in self.left.batches(ctx):
            await ctx.progress(len(batch))
            out = []
            for lrow in batch:
                k = tuple(f(lrow) for f in lkeys)
                hit = False
                if not any(v is None for v in k):
                    for ri in table.get(hashed(k), ()):
                        row = lrow + right_rows[ri]
                        if residual is not None and residual(row) is not True:
                            continue
                        hit = True
                        if kind in ("semi", "anti"):
                            break
                        matched_right.add(ri)
                        out.append(row)
                _finish_left_row(kind, lrow, hit, rwidth, out)
            ctx.stat(self).rows += len(out)
            if out:
                yield out
        rest = _unmatched_right(kind, right_rows, matched_right, lwidth)
        if rest:
            yield rest


# -- aggregation --------------------------------------------------------------------

@dataclass
class AggCall:
    """One aggregate: `make()` returns a fresh accumulator with add(values)/result()."""

    name: str
    args: list[Expr]
    make: Callable[[], Any]
    oid: int
    distinct: bool = False
    filter: Expr | None = None
    order: list[SortKey] | None = None
    star: bool = False


@dataclass(eq=False)
class Aggregate(Node):
    child: Node
    groups: list[Expr]
    aggs: list[AggCall]
    columns: list[OutCol]

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        group_key = _row_tuple([g.compile() for g in self.groups])
        # An ordered aggregate's ORDER BY keys are computed with its arguments, after them
        # (`_replay` sorts by them), so that subqueries in them are fetched as theirs are.
        plans = [(a, _row_tuple([x.compile() for x in _inputs_of(a)]),
                  a.filter.compile() if a.filter is not None else None) for a in self.aggs]
        groups: dict[Any, tuple[tuple, list]] = {}
        ordered = any(a.order for a in self.aggs) or any(a.distinct for a in self.aggs)
        hashed = hash_key([g.oid for g in self.groups])
        # Subqueries (and calls of SQL functions that read tables) in group keys,
        # aggregate arguments, ORDER BY keys or FILTER: fetched per row like Project's.
        subs = subqueries_of([*self.groups, *(x for a in self.aggs for x in _inputs_of(a)),
                              *(a.filter for a in self.aggs)])

        def inputs(row):
            """The group key, and each aggregate's arguments (None: FILTERed out)."""
            return (group_key(row),
                    [None if filt is not None and filt(row) is not True
                     else args_of(row) for _agg, args_of, filt in plans])
        runners = arm(subs, ctx)
        async for batch in self.child.batches(ctx):
            if subs:
                rearm(subs, runners)
            for row in batch:
                if subs:
                    key, per_agg = await evaluate(inputs, row, len(subs))
                else:
                    key, per_agg = group_key(row), None
                hk = hashed(key)
                entry = groups.get(hk)
                if entry is None:
                    entry = groups[hk] = (key, [[] if ordered else a.make() for a in self.aggs])
                for i, (_agg, args_of, filt) in enumerate(plans):
                    if per_agg is not None:
                        args = per_agg[i]
                        if args is None:
                            continue
                    else:
                        if filt is not None and filt(row) is not True:
                            continue
                        args = args_of(row)
                    state = entry[1][i]
                    if ordered:
                        state.append(args)
                    else:
                        state.add(args)
        if not groups and not self.groups:
            groups[()] = ((), [[] if ordered else a.make() for a in self.aggs])
        out = []
        for key, states in groups.values():
            results = []
            for (agg, _, _), state in zip(plans, states):
                if ordered:
                    state = _replay(agg, state)
                results.append(state.result())
            out.append(key + tuple(results))
        ctx.stat(self).rows += len(out)
        for i in range(0, len(out), BATCH_ROWS):
            yield out[i:i + BATCH_ROWS]


def _inputs_of(agg: AggCall) -> list[Expr]:
    """What an aggregate computes per row: its arguments, then its ORDER BY keys."""
    return [*agg.args, *(k.expr for k in agg.order or ())]


def _replay(agg: AggCall, items: list) -> Any:
    """An ordered or DISTINCT aggregate's value from its inputs (`_inputs_of`), sorted by
    its ORDER BY, or for DISTINCT alone by the arguments (as PostgreSQL's sort does)."""
    n = len(agg.args)
    if agg.order:
        items = sorted(items, key=sort_key_fn([SortKey(Col(k.expr.oid, n + j), k.descending, k.nulls_first)
                                               for j, k in enumerate(agg.order)]))
    elif agg.distinct:
        items = sorted(items, key=sort_key_fn([SortKey(Col(a.oid, i, typmod=a.typmod))
                                               for i, a in enumerate(agg.args)]))
    acc = agg.make()
    seen: set = set()
    hashed = hash_key([a.oid for a in agg.args])
    for args in items:
        args = args[:n]
        if agg.distinct:
            k = hashed(args)
            if k in seen:
                continue
            seen.add(k)
        acc.add(args)
    return acc


# -- set operations and CTEs --------------------------------------------------------

@dataclass(eq=False)
class SetOp(Node):
    kind: str  # union, intersect, except
    all: bool
    left: Node
    right: Node
    columns: list[OutCol]

    @property
    def children(self):
        return (self.left, self.right)

    async def batches(self, ctx):
        if self.kind == "union" and self.all:
            async for b in self.left.batches(ctx):
                yield b
            async for b in self.right.batches(ctx):
                yield b
            return
        left = await self.left.all_rows(ctx)
        right = await self.right.all_rows(ctx)
        out = set_operation(self.kind, self.all, left, right,
                            hash_key([c.oid for c in self.columns]))
        ctx.stat(self).rows += len(out)
        for i in range(0, len(out), BATCH_ROWS):
            yield out[i:i + BATCH_ROWS]


def set_operation(kind: str, keep_all: bool, left: list, right: list,
                  hashed: Callable[[Any], Any] = _hashable) -> list:
    from collections import Counter
    if kind == "union":
        seen, out = set(), []
        for r in left + right:
            k = hashed(r)
            if k not in seen:
                seen.add(k)
                out.append(r)
        return out
    rcount = Counter(hashed(r) for r in right)
    out, emitted = [], Counter()
    for r in left:
        k = hashed(r)
        if kind == "intersect":
            if keep_all:
                if rcount[k] > 0:
                    rcount[k] -= 1
                    out.append(r)
            elif rcount[k] and not emitted[k]:
                emitted[k] += 1
                out.append(r)
        else:  # except
            if keep_all:
                if rcount[k] > 0:
                    rcount[k] -= 1
                else:
                    out.append(r)
            elif not rcount[k] and not emitted[k]:
                emitted[k] += 1
                out.append(r)
    return out


@dataclass(eq=False)
class CteScan(Node):
    """Reads a WITH query's rows, computed once per execution of the statement, or of
    the subquery that reads it when it reads an enclosing row (`correlated`)."""

    cte: Node
    columns: list[OutCol]
    correlated: bool = False
    name: str = ""  # the WITH query's, and the alias it is read under (EXPLAIN)
    alias: str = ""

    async def batches(self, ctx):
        kept = ctx.cte_results if self.correlated else ctx.once
        rows = kept.get(id(self.cte))
        if rows is None:
            rows = await self.cte.all_rows(ctx)
            kept[id(self.cte)] = rows
        for i in range(0, len(rows), BATCH_ROWS):
            await ctx.progress(BATCH_ROWS)
            yield rows[i:i + BATCH_ROWS]


@dataclass(eq=False)
class WorkTable(Node):
    """The rows of the previous iteration of a recursive CTE."""

    columns: list[OutCol]
    rows: list[tuple] = field(default_factory=list)

    async def batches(self, ctx):
        if self.rows:
            yield list(self.rows)


RECURSION_ROWS_MAX = 1_000_000


@dataclass(eq=False)
class RecursiveUnion(Node):
    base: Node
    step: Node
    work: WorkTable
    all: bool
    columns: list[OutCol]
    fresh: tuple[int, ...] = ()  # the step's WITH queries over the previous rows

    async def batches(self, ctx):
        result = await self.base.all_rows(ctx)
        hashed = hash_key([c.oid for c in self.columns])
        seen = None if self.all else {hashed(r) for r in result}
        if seen is not None:
            result = list({hashed(r): r for r in result}.values())
        frontier = list(result)
        while frontier:
            await ctx.progress(len(frontier))
            self.work.rows = frontier
            ctx.fresh_ctes(self.fresh)
            new = await self.step.all_rows(ctx)
            if seen is not None:
                fresh = []
                for r in new:
                    k = hashed(r)
                    if k not in seen:
                        seen.add(k)
                        fresh.append(r)
                new = fresh
            result.extend(new)
            if len(result) > RECURSION_ROWS_MAX:
                raise errors.OutOfMemory(what="recursive query produced too many rows")
            frontier = new
        for i in range(0, len(result), BATCH_ROWS):
            yield result[i:i + BATCH_ROWS]


# -- window functions -----------------------------------------------------------------

@dataclass
class Frame:
    """A window frame (the default: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW).

    `start` is unbounded (PRECEDING), preceding, current or following; `end` is
    preceding, current, following or unbounded (FOLLOWING). Offsets are expressions
    without columns, evaluated once per execution (`sql.window.frame_offsets`); RANGE
    offsets are compared through `in_range` (`sql.window.range_offset`).
    """

    mode: str = "range"  # rows | range | groups
    start: str = "unbounded"
    end: str = "current"
    start_offset: Expr | None = None
    end_offset: Expr | None = None
    exclude: str = "none"  # none | current | group | ties
    in_range: Callable[..., bool] | None = None


@dataclass
class WindowCall:
    """One `f(args) OVER (PARTITION BY ... ORDER BY ... frame)`."""

    name: str
    args: list[Expr]
    partition: list[Expr]
    order: list[SortKey]
    oid: int
    frame: Frame = field(default_factory=Frame)
    agg: AggCall | None = None  # for aggregates used as window functions


@dataclass(eq=False)
class Window(Node):
    """Appends one column per window call to every input row (DESIGN.md §6); the
    partitions, frames and functions are in `sql.window`."""

    child: Node
    calls: list[WindowCall]

    @property
    def columns(self):
        return self.child.columns + [OutCol(c.name, c.oid) for c in self.calls]

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        from borealis.sql import window

        rows = await held_rows(self.child, ctx)
        subs = subqueries_of([e for c in self.calls
                              for e in (c.frame.start_offset, c.frame.end_offset)])
        arm(subs, ctx)

        async def value(expr: Expr) -> Any:
            return await evaluate(expr.compile(), (), len(subs))
        offsets = [await window.frame_offsets(c.frame, value) for c in self.calls]
        width = len(self.child.columns)
        calls, widened = await window.settle_subqueries(self.calls, rows, width, ctx)
        extra = window.run(calls, widened, offsets)
        out = [row + tuple(e) for row, e in zip(rows, extra)]
        ctx.stat(self).rows += len(out)
        for i in range(0, len(out), BATCH_ROWS):
            yield out[i:i + BATCH_ROWS]
