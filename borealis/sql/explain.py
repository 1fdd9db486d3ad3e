"""EXPLAIN [ANALYZE] [VERBOSE]: the plan as Aurora DSQL prints it, with a DPU estimate.

DSQL keeps PostgreSQL's text format and node names, except that every table is a
B-tree on its primary key and filters run at three levels (dsql-behaviour.md §6.1):
an index condition (the key range read), a storage filter (pushdown: rows dropped in
storage) and a query-processor filter (rows dropped after they crossed the network).
A scan is therefore printed as a QP node with its storage work beneath it:

```
 Full Scan (btree-table) on t                    no key bounds: the whole table
   Filter: (...)                                 QP filter; ANALYZE: Rows Removed by Filter
   -> Storage Scan on t                          Projections (columns the QP needs),
       -> B-Tree Scan on t                       Filters (pushdown); ANALYZE: Rows Filtered
 Index Only Scan using t_pkey on t               primary-key point lookups or range
   Index Cond: (id = 1)
   -> Storage Scan on t_pkey
       -> B-Tree Scan on t_pkey
 Index Scan using idx on t                       secondary index, then the rows by key
   Index Cond: (name = 'x'::text)
   -> Storage Scan on idx
       -> B-Tree Scan on idx
   -> Storage Lookup on t                        Projections, Filters, Rows Filtered
       -> B-Tree Lookup on t
```

Every other node keeps PostgreSQL's name and detail lines (Hash Join / Hash Cond,
Nested Loop / Join Filter, Sort / Sort Key, Limit, HashAggregate / Group Key, ...).
Filter and Project nodes of Borealis's plans are folded into the node below them, as
PostgreSQL shows a filter and a target list on the node that evaluates them.

ANALYZE runs the statement (DML too, inside the current transaction, as PostgreSQL
does) with every plan node wrapped to count its rows and loops and to time it with the
session's clock (`Runtime.now_ns`): `(actual time=first..total rows=n loops=m)`, per
loop. Storage nodes show `(actual rows=n loops=m)`. ANALYZE adds Planning Time and
Execution Time; VERBOSE adds `Output:` lines, schema-qualified names and the Query
Identifier; ANALYZE VERBOSE adds DSQL's "Statement DPU Estimate" (`qp.metering`).

Decisions where DSQL is silent or Borealis differs:
- cost estimates are not printed (Borealis has no statistics to base them on): the
  output is PostgreSQL's `COSTS OFF` form, and the COSTS option is accepted;
- a scan with no key bounds is a Full Scan even on a table with a primary key;
- the Query Identifier is the 64-bit fingerprint of the statement (libpg_query's,
  through pglast: constants do not change it) in z-base-32, 13 characters, which is
  the alphabet DSQL's published identifiers fit;
- only FORMAT TEXT exists: other formats, and options Borealis cannot honour
  (GENERIC_PLAN, SETTINGS, WAL, MEMORY, SERIALIZE), fail with 0A000; BUFFERS is
  accepted and prints nothing (there are no shared buffers).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pglast import ast

from borealis.core import errors
from borealis.qp.metering import Usage, estimate
from borealis.sql.bind import BoundQuery
from borealis.sql.deparse import Deparser, conjunction_text, quote_ident
from borealis.sql.expr import Col, Expr, Subquery, walk
from borealis.sql.plan import (
    Aggregate,
    CteScan,
    Distinct,
    ExecContext,
    Filter,
    FunctionScan,
    HashJoin,
    LateralJoin,
    Limit,
    NestedLoopJoin,
    Node,
    Project,
    RecursiveUnion,
    Scan,
    SetOp,
    Sort,
    SortKey,
    Stats,
    Values,
    Window,
    WorkTable,
)

NS_PER_MS = 1_000_000
PLAN_NODES_MAX = 100_000  # a plan larger than this is not instrumented or printed further
Z_BASE32 = "ybndrfg8ejkmcpqxot1uwisza345h769"


# -- options ----------------------------------------------------------------------------

@dataclass
class ExplainOptions:
    analyze: bool = False
    verbose: bool = False
    costs: bool = True  # accepted; estimates are never printed
    timing: bool = True
    summary: bool | None = None  # Planning/Execution Time; default: with ANALYZE


_BOOLEAN_WORDS = {"true": True, "on": True, "yes": True, "1": True,
                  "false": False, "off": False, "no": False, "0": False}
_UNSUPPORTED_OPTIONS = frozenset({"generic_plan", "settings", "wal", "memory", "serialize"})


def _boolean(opt: ast.DefElem) -> bool:
    arg = opt.arg
    if arg is None:
        return True
    if isinstance(arg, ast.Integer) and arg.ival in (0, 1):
        return bool(arg.ival)
    if isinstance(arg, ast.Boolean):
        return bool(arg.boolval)
    if isinstance(arg, ast.String) and arg.sval.lower() in _BOOLEAN_WORDS:
        return _BOOLEAN_WORDS[arg.sval.lower()]
    raise errors.SyntaxError(what=f"{opt.defname} requires a Boolean value")


def explain_options(options: Sequence[ast.DefElem] | None) -> ExplainOptions:
    """EXPLAIN's options (`EXPLAIN ANALYZE VERBOSE` arrives as the same list)."""
    out = ExplainOptions()
    timing_set = False
    for opt in options or ():
        name = opt.defname.lower()
        if name == "format":
            value = getattr(opt.arg, "sval", None)
            value = value.lower() if isinstance(value, str) else ""
            if value not in ("text", "json", "xml", "yaml"):
                raise errors.InvalidParameterValue(
                    what=f'unrecognized value for EXPLAIN option "format": "{value}"')
            if value != "text":
                raise errors.FeatureNotSupported(
                    what=f"EXPLAIN (FORMAT {value.upper()}) is not supported: only FORMAT TEXT")
        elif name in ("analyze", "analyse"):
            out.analyze = _boolean(opt)
        elif name == "verbose":
            out.verbose = _boolean(opt)
        elif name == "costs":
            out.costs = _boolean(opt)
        elif name == "timing":
            out.timing = _boolean(opt)
            timing_set = True
        elif name == "summary":
            out.summary = _boolean(opt)
        elif name == "buffers":
            _boolean(opt)  # no shared buffers: nothing to show
        elif name in _UNSUPPORTED_OPTIONS:
            raise errors.FeatureNotSupported(what=f"EXPLAIN option {name.upper()} is not supported")
        else:
            raise errors.SyntaxError(what=f'unrecognized EXPLAIN option "{opt.defname}"')
    if timing_set and out.timing and not out.analyze:
        raise errors.InvalidParameterValue(what="EXPLAIN option TIMING requires ANALYZE")
    return out


def query_identifier(statement: ast.Node) -> str:
    """The statement's 64-bit fingerprint (libpg_query's: blind to constants and
    layout) as 13 z-base-32 characters, most significant first."""
    from pglast.parser import fingerprint
    from pglast.stream import RawStream
    try:
        digest = fingerprint(RawStream()(statement))
    except Exception:  # a statement pglast cannot print back: hash its tree instead
        digest = hashlib.blake2b(repr(statement).encode(), digest_size=8).hexdigest()
    return z_base32(int(digest, 16))


def z_base32(value: int) -> str:
    value &= (1 << 64) - 1
    return "".join(Z_BASE32[(value >> (5 * i)) & 31] for i in range(12, -1, -1))


# -- ANALYZE: instrumented execution -----------------------------------------------------

@dataclass
class NodeRun:
    """What one plan node did during EXPLAIN ANALYZE (totals over its loops)."""

    loops: int = 0
    rows: int = 0
    first_ns: int = 0  # time to the first batch, summed over loops
    total_ns: int = 0  # time spent producing batches, children included


@dataclass
class Analysis:
    runs: dict[int, NodeRun]
    stats: dict[int, Stats]
    execution_ns: int
    affected: int  # rows the statement returned or changed


def plan_nodes(bound: Any) -> list[Node]:
    """Every node of a plan: children, CTE bodies, subquery plans, a DML source."""
    roots = [bound.node] if isinstance(bound, BoundQuery) else []
    source = getattr(bound, "source", None)
    if isinstance(source, Node):
        roots.append(source)
    roots.extend(getattr(bound, "ctes", ()))  # a DML statement's WITH queries that write
    roots.extend(sq.plan.node for sq in _statement_subqueries(bound)
                 if sq.plan is not None and isinstance(sq.plan.node, Node))
    seen: dict[int, Node] = {}
    stack = list(reversed(roots))
    while stack and len(seen) < PLAN_NODES_MAX:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen[id(node)] = node
        inner = _children(node) + ([node.cte] if isinstance(node, CteScan) else [])
        inner += [sq.plan.node for sq in _subqueries(_expressions(node))
                  if sq.plan is not None and isinstance(sq.plan.node, Node)]
        stack.extend(reversed(inner))
    return list(seen.values())


def _instrument(node: Node, run: NodeRun, now_ns: Callable[[], int]) -> None:
    original = node.batches

    async def batches(ctx):
        run.loops += 1
        produced = 0
        started = False
        source = original(ctx)
        try:
            while True:
                t0 = now_ns()
                try:
                    batch = await source.__anext__()
                except StopAsyncIteration:
                    spent = now_ns() - t0
                    run.total_ns += spent
                    if not started:
                        run.first_ns += produced + spent
                    return
                spent = now_ns() - t0
                run.total_ns += spent
                produced += spent
                if not started:
                    started = True
                    run.first_ns += produced
                run.rows += len(batch)
                yield batch
        finally:
            await source.aclose()

    # An instance attribute shadows the method for this execution's plan only.
    object.__setattr__(node, "batches", batches)


async def analyze(bound: Any, ctx: ExecContext, now_ns: Callable[[], int]) -> Analysis:
    """Run the statement with every node instrumented; the plan is restored after."""
    from borealis.sql.dml import InsertPlan, ModifyPlan, run_dml
    runs: dict[int, NodeRun] = {}
    nodes = plan_nodes(bound)
    for node in nodes:
        run = NodeRun()
        try:
            _instrument(node, run, now_ns)
        except (AttributeError, TypeError):  # a node without an instance dict: not measured
            continue
        runs[id(node)] = run
    started = now_ns()
    try:
        affected = 0
        if isinstance(bound, BoundQuery):
            async for batch in bound.node.batches(ctx):
                ctx.check()
                affected += len(batch)
        elif isinstance(bound, (InsertPlan, ModifyPlan)):
            affected, _ = await run_dml(bound, ctx)
        else:
            raise errors.FeatureNotSupported(what="EXPLAIN ANALYZE of this statement is not supported")
    finally:
        for node in nodes:
            if id(node) in runs:
                node.__dict__.pop("batches", None)
    return Analysis(runs, ctx.stats, now_ns() - started, affected)


# -- plan structure -----------------------------------------------------------------------

def _children(node: Node) -> list[Node]:
    kids = [c for c in getattr(node, "children", ()) if isinstance(c, Node)]
    if kids:
        return kids
    return [c for c in (getattr(node, a, None) for a in ("child", "left", "right", "base", "step"))
            if isinstance(c, Node)]


def _sort_exprs(keys: Sequence[SortKey] | None) -> list[Expr]:
    return [k.expr for k in keys or ()]


def _expressions(node: Node) -> list[Expr]:
    """The expressions a node evaluates over its input row."""
    out: list[Any] = []
    if isinstance(node, Filter):
        out = [node.cond]
    elif isinstance(node, Project):
        out = list(node.exprs)
    elif isinstance(node, Scan):
        out = [node.residual, *node.pushdown_exprs, *node.index_cond]
    elif isinstance(node, Sort):
        out = _sort_exprs(node.keys)
    elif isinstance(node, Distinct):
        out = list(node.on or ())
    elif isinstance(node, Limit):
        out = [node.count, node.offset]
    elif isinstance(node, Aggregate):
        out = list(node.groups)
        for a in node.aggs:
            out += [*a.args, a.filter, *_sort_exprs(a.order)]
    elif isinstance(node, Window):
        for c in node.calls:
            out += [*c.args, *c.partition, *_sort_exprs(c.order), c.frame.start_offset, c.frame.end_offset]
    elif isinstance(node, HashJoin):
        out = [*node.left_keys, *node.right_keys, node.residual]
    elif isinstance(node, (NestedLoopJoin, LateralJoin)):
        out = [node.cond]
    elif isinstance(node, Values):
        out = [e for row in node.rows for e in row]
    elif isinstance(node, FunctionScan):
        out = list(node.args)
    else:
        for _, args in getattr(node, "calls", None) or ():  # srf.ProjectSet
            out += [a for a in args if isinstance(a, Expr)]
    return [e for e in out if isinstance(e, Expr)]


def _statement_expressions(bound: Any) -> list[Expr]:
    if isinstance(bound, BoundQuery):
        return []
    out = [e for _, e in getattr(bound, "defaults", ())] + [e for _, e in getattr(bound, "update_sets", ())]
    out += [e for _, e in getattr(bound, "sets", ())] + list(getattr(bound, "returning", ()))
    where = getattr(bound, "update_where", None)
    return out + ([where] if where is not None else [])


def _statement_subqueries(bound: Any) -> list[Subquery]:
    return _subqueries(_statement_expressions(bound))


def _subqueries(exprs: Sequence[Expr]) -> list[Subquery]:
    seen: dict[int, Subquery] = {}
    for e in exprs:
        for n in walk(e):
            if isinstance(n, Subquery) and id(n) not in seen:
                seen[id(n)] = n
    return list(seen.values())


def _columns_used(exprs: Sequence[Expr], width: int) -> set[int]:
    """Input positions the expressions read; all of them when a subquery may be
    correlated (it reads the row through its outer reference)."""
    used: set[int] = set()
    for e in exprs:
        for n in walk(e):
            if isinstance(n, Col):
                used.add(n.index)
            elif isinstance(n, Subquery) and (n.plan is None or n.plan.correlated):
                return set(range(width))
    return used


class _Needs:
    """The columns each scan must hand to the QP, from the columns each node's parent
    reads (top down): DSQL's "Projections". Unknown node types need everything."""

    def __init__(self) -> None:
        self.scans: dict[int, set[int]] = {}
        self.visits = 0

    def all(self, node: Node) -> None:
        self.need(node, set(range(len(node.columns))))

    def need(self, node: Node, want: set[int]) -> None:
        self.visits += 1
        if self.visits > PLAN_NODES_MAX:
            return
        for sq in _subqueries(_expressions(node)):
            if sq.plan is not None and isinstance(sq.plan.node, Node):
                self.all(sq.plan.node)
        if isinstance(node, Scan):
            self.scans.setdefault(id(node), set()).update(want)
            return
        width = len(node.columns)
        if isinstance(node, Project):
            used = [e for i, e in enumerate(node.exprs) if i in want]
            self.need(node.child, _columns_used(used, len(node.child.columns)))
        elif isinstance(node, (Filter, Sort, Limit)) or isinstance(node, Distinct) and node.on is not None:
            self.need(node.child, want | _columns_used(_expressions(node), width))
        elif isinstance(node, (Aggregate, Window)):
            child = node.child
            keep = {i for i in want if i < len(child.columns)} if isinstance(node, Window) else set()
            self.need(child, keep | _columns_used(_expressions(node), len(child.columns)))
        elif isinstance(node, (HashJoin, NestedLoopJoin)):
            lw = len(node.left.columns)
            rw = len(node.right.columns)
            cond = node.residual if isinstance(node, HashJoin) else node.cond
            combined = want | _columns_used([cond] if cond is not None else [], lw + rw)
            left = {i for i in combined if i < lw}
            right = {i - lw for i in combined if i >= lw}
            if isinstance(node, HashJoin):
                left |= _columns_used(node.left_keys, lw)
                right |= _columns_used(node.right_keys, rw)
            self.need(node.left, left)
            self.need(node.right, right)
        elif isinstance(node, CteScan):
            self.all(node.cte)
        elif getattr(node, "calls", None) is not None and isinstance(getattr(node, "child", None), Node):
            child = node.child  # srf.ProjectSet: the input row, then one column per call
            keep = {i for i in want if i < len(child.columns)}
            self.need(child, keep | _columns_used(_expressions(node), len(child.columns)))
        else:
            for child in _children(node):
                self.all(child)


# -- rendering ----------------------------------------------------------------------------

@dataclass
class _Fold:
    """Filter and Project nodes folded into the node below them."""

    top: Node  # whose actual rows/time the printed node shows
    filters: list[str] = field(default_factory=list)
    output: list[str] | None = None
    subs: list[Subquery] = field(default_factory=list)


class _Renderer:
    def __init__(self, options: ExplainOptions, analysis: Analysis | None,
                 schema_name: Callable[[Any], str | None]) -> None:
        self.opts = options
        self.an = analysis
        self.schema_name = schema_name
        self.lines: list[str] = []
        self.labels_of: dict[int, list[str]] = {}
        self.needs = _Needs()
        self.subplan_numbers: dict[int, int] = {}
        self.outer: dict[int, list[str]] = {}
        self.ctes_shown: dict[int, int] = {}
        self.qualify = False  # column names get their table alias when a plan reads several
        self.nodes = 0

    # -- lines ----------------------------------------------------------------------

    def emit(self, col: int, text: str) -> None:
        self.lines.append(" " * col + text)

    def head(self, text: str, col: int | None, stats_node: Node | None) -> int:
        """A PostgreSQL node line; returns the column of its detail lines."""
        actual = self.actual(stats_node) if stats_node is not None else ""
        if col is None:
            self.lines.append(text + actual)
            return 2
        self.emit(col, "->  " + text + actual)
        return col + 6

    def storage_head(self, text: str, col: int, rows: int, loops: int) -> int:
        """A DSQL storage node line (`-> Storage Scan on ...`)."""
        actual = ""
        if self.an is not None:
            actual = f" (actual rows={_per_loop(rows, loops)} loops={loops})" if loops else " (never executed)"
        self.emit(col, "-> " + text + actual)
        return col + 4

    def actual(self, node: Node) -> str:
        if self.an is None:
            return ""
        run = self.an.runs.get(id(node))
        if run is None:
            return ""  # not measured
        if not run.loops:
            return " (never executed)"
        rows = _per_loop(run.rows, run.loops)
        if not self.opts.timing:
            return f" (actual rows={rows} loops={run.loops})"
        first = run.first_ns / run.loops / NS_PER_MS
        total = run.total_ns / run.loops / NS_PER_MS
        return f" (actual time={first:.3f}..{total:.3f} rows={rows} loops={run.loops})"

    def rows_of(self, node: Node) -> tuple[int, int]:
        run = self.an.runs.get(id(node)) if self.an is not None else None
        return (run.rows, run.loops) if run is not None else (0, 0)

    # -- names ----------------------------------------------------------------------

    def relation_name(self, rel: Any, alias: str) -> str:
        name = quote_ident(rel.name)
        if self.opts.verbose:
            schema = self.schema_name(rel)
            if schema:
                name = f"{quote_ident(schema)}.{name}"
        return name if alias == rel.name else f"{name} {quote_ident(alias)}"

    def labels(self, node: Node) -> list[str]:
        """How the parent names each output column of `node`."""
        cached = self.labels_of.get(id(node))
        if cached is not None:
            return cached
        self.labels_of[id(node)] = [quote_ident(c.name) for c in node.columns]  # recursion guard
        out: list[str]
        if isinstance(node, Scan):
            prefix = quote_ident(node.alias) + "." if self.qualify else ""
            out = [prefix + quote_ident(c.name) for c in node.columns]
        elif isinstance(node, Project):
            text = self.deparser(self.labels(node.child), [])
            out = [text(e) for e in node.exprs]
        elif isinstance(node, (Filter, Sort, Limit, Distinct)):
            out = self.labels(node.child)
        elif isinstance(node, (HashJoin, NestedLoopJoin, LateralJoin)):
            if isinstance(node, LateralJoin):  # the right side reads the left row as outer
                self.outer.setdefault(id(node.outer), list(self.labels(node.left)))
            out = (self.labels(node.left) + self.labels(node.right))[:len(node.columns)]
        elif isinstance(node, Values) and len(node.rows) == 1:
            text = self.deparser([], [])
            out = [text(e) for e in node.rows[0]]
        elif isinstance(node, Aggregate):
            text = self.deparser(self.labels(node.child), [])
            out = [text(g) for g in node.groups] + [self.aggregate(a, text) for a in node.aggs]
        elif isinstance(node, Window):
            text = self.deparser(self.labels(node.child), [])
            out = self.labels(node.child) + [
                f"{c.name}(" + ", ".join(text(a) for a in c.args) + ") OVER (?)" for c in node.calls]
        else:
            out = [quote_ident(c.name) for c in node.columns]
        if len(out) != len(node.columns):
            out = (out + [quote_ident(c.name) for c in node.columns[len(out):]])[:len(node.columns)]
        self.labels_of[id(node)] = out
        return out

    def aggregate(self, agg: Any, text: Callable[[Expr], str]) -> str:
        if agg.star:
            args = "*"
        else:
            args = ("DISTINCT " if agg.distinct else "") + ", ".join(text(a) for a in agg.args)
        if agg.order:
            args += " ORDER BY " + ", ".join(self.sort_key(k, text) for k in agg.order)
        out = f"{agg.name}({args})"
        if agg.filter is not None:
            out += f" FILTER (WHERE {text(agg.filter)})"
        return out

    @staticmethod
    def sort_key(key: SortKey, text: Callable[[Expr], str]) -> str:
        out = text(key.expr)
        if key.descending:
            out += " DESC"
        if key.nulls_first is not None and key.nulls_first != key.descending:
            out += " NULLS FIRST" if key.nulls_first else " NULLS LAST"
        return out

    def deparser(self, labels: Sequence[str], found: list[Subquery]) -> Deparser:
        """Prints expressions over a row named by `labels`; the subqueries met are
        numbered and collected in `found`, their outer rows named by `labels`."""
        def number(sq: Subquery) -> int:
            if id(sq) not in self.subplan_numbers:
                self.subplan_numbers[id(sq)] = len(self.subplan_numbers) + 1
            if sq.plan is not None:
                self.outer.setdefault(id(sq.plan.outer), list(labels))
            if all(s is not sq for s in found):
                found.append(sq)
            return self.subplan_numbers[id(sq)]
        return Deparser(labels, outer=self.outer, subplan=number)

    # -- nodes ----------------------------------------------------------------------

    def statement(self, bound: Any) -> list[str]:
        if isinstance(bound, BoundQuery):
            node = bound.node
            writes = getattr(node, "ctes", None)  # sql.dml.SelectWithWrites
            if writes is not None:
                node = node.child
            self.needs.all(node)
            self.qualify = self.qualify or _relations(node) > 1
            self.node(node, None)
            self.unread_ctes(writes or (), 2)
            return self.lines
        source = bound.source
        self.needs.all(source)
        self.qualify = self.qualify or _relations(source) > 1
        rel = bound.relation
        kind = getattr(bound, "kind", "insert")
        detail = self.head(f"{kind.capitalize()} on {self.relation_name(rel, rel.name)}", None, None)
        if self.an is not None:
            self.lines[-1] += self.statement_actual()
        found: list[Subquery] = []
        text = self.deparser([quote_ident(c.name) for c in rel.columns], found)
        if self.opts.verbose and bound.returning:
            self.emit(detail, "Output: " + ", ".join(text(e) for e in bound.returning))
        if getattr(bound, "on_conflict", None) is not None:
            self.emit(detail, f"Conflict Resolution: {bound.on_conflict.upper()}")
            arbiter = bound.conflict_index.name if bound.conflict_index is not None else _pkey_name(rel)
            if not getattr(bound, "conflict_any", False):  # no target: PostgreSQL names none
                self.emit(detail, f"Conflict Arbiter Indexes: {arbiter}")
        for e in _statement_expressions(bound):
            text(e)
        self.node(source, detail)
        self.unread_ctes(getattr(bound, "ctes", ()), detail)
        self.subplans(found, detail)
        return self.lines

    def unread_ctes(self, ctes: Sequence[Node], col: int) -> None:
        """WITH queries that write and that no CTE Scan showed (nothing reads them)."""
        for cte in ctes:
            self.cte(cte, getattr(cte, "name", ""), col)

    def cte(self, cte: Node, name: str, col: int) -> None:
        """`CTE name` and the WITH query's plan, the first time it is met."""
        if id(cte) not in self.ctes_shown:
            self.ctes_shown[id(cte)] = len(self.ctes_shown) + 1
            self.emit(col, f"CTE {name or self.ctes_shown[id(cte)]}")
            self.node(cte, col + 2)

    def statement_actual(self) -> str:
        an = self.an
        assert an is not None
        if not self.opts.timing:
            return " (actual rows=0 loops=1)"
        total = an.execution_ns / NS_PER_MS
        return f" (actual time={total:.3f}..{total:.3f} rows=0 loops=1)"

    def node(self, node: Node, col: int | None, fold: _Fold | None = None) -> None:
        self.nodes += 1
        if self.nodes > PLAN_NODES_MAX:
            return
        fold = fold or _Fold(top=node)
        if isinstance(node, Filter):
            text = self.deparser(self.labels(node.child), fold.subs)
            fold.filters.insert(0, text(node.cond))
            return self.node(node.child, col, fold)
        if isinstance(node, Project) and not _is_result(node):
            text = self.deparser(self.labels(node.child), fold.subs)
            exprs = [text(e) for e in node.exprs]
            if fold.output is None:
                fold.output = exprs
            return self.node(node.child, col, fold)
        if isinstance(node, Scan):
            return self.scan(node, col, fold)
        self.generic(node, col, fold)

    def generic(self, node: Node, col: int | None, fold: _Fold) -> None:
        found = fold.subs
        head, details, kids = self.describe(node, found)
        detail = self.head(head, col, fold.top)
        if self.opts.verbose:
            self.output(detail, fold.output if fold.output is not None else self.labels(node))
        for line in details:
            self.emit(detail, line)
        self.filter_lines(detail, fold, self.rows_of(node)[0])
        for kid in kids:
            if isinstance(kid, tuple):  # a synthetic node: (header, run, children)
                self.synthetic(kid, detail)
            else:
                self.node(kid, detail)
        if isinstance(node, CteScan):
            self.cte(node.cte, node.name, detail)
        self.subplans(found, detail)

    def output(self, col: int, items: Sequence[str]) -> None:
        if items:
            self.emit(col, "Output: " + ", ".join(items))

    def synthetic(self, kid: tuple, col: int) -> None:
        head, stats_node, children = kid
        detail = self.head(head, col, stats_node)
        for child in children:
            self.node(child, detail)

    def filter_lines(self, detail: int, fold: _Fold, rows_before: int) -> None:
        if not fold.filters:
            return
        self.emit(detail, "Filter: " + conjunction_text(fold.filters))
        if self.an is not None:
            rows_after, loops = self.rows_of(fold.top)
            self.emit(detail, f"Rows Removed by Filter: {_per_loop(max(rows_before - rows_after, 0), loops)}")

    def subplans(self, found: list[Subquery], col: int) -> None:
        for sq in found:
            if sq.plan is None or not isinstance(sq.plan.node, Node):
                continue
            self.emit(col, f"SubPlan {self.subplan_numbers[id(sq)]}")
            self.node(sq.plan.node, col + 2)

    def describe(self, node: Node, found: list[Subquery]) -> tuple[str, list[str], list]:
        """Header, detail lines and children of a non-scan node."""
        if isinstance(node, (Values, Project)):  # a one-row Values (possibly projected)
            for e in _expressions(node):
                self.deparser([], found)(e)  # number the subqueries of its expressions
            if _is_result(node):
                return "Result", [], []
            return 'Values Scan on "*VALUES*"', [], []
        kids: list = _children(node)
        text = self.deparser(self.labels(kids[0]) if kids else [], found)
        if isinstance(node, Sort):
            return "Sort", ["Sort Key: " + ", ".join(self.sort_key(k, text) for k in node.keys)], kids
        if isinstance(node, Limit):
            return "Limit", [], kids
        if isinstance(node, Distinct):  # hashed, first row of each group kept
            keys = [text(e) for e in node.on] if node.on is not None else self.labels(node.child)
            return "HashAggregate", ["Group Key: " + ", ".join(keys)], kids
        if isinstance(node, Aggregate):
            for e in _expressions(node):
                text(e)  # number the subqueries of the aggregates' arguments
            if node.groups:
                return "HashAggregate", ["Group Key: " + ", ".join(text(g) for g in node.groups)], kids
            return "Aggregate", [], kids
        if isinstance(node, Window):
            for e in _expressions(node):
                text(e)
            return "WindowAgg", [], kids
        if isinstance(node, HashJoin):
            return self.hash_join(node, found)
        if isinstance(node, (NestedLoopJoin, LateralJoin)):
            if isinstance(node, LateralJoin):
                self.outer.setdefault(id(node.outer), list(self.labels(node.left)))
            joined = self.deparser(self.labels(node.left) + self.labels(node.right), found)
            details = [f"Join Filter: {joined(node.cond)}"] if node.cond is not None else []
            return "Nested Loop" + _join_suffix(node.kind), details, kids
        if isinstance(node, SetOp):
            return self.set_op(node)
        if isinstance(node, CteScan):
            if not node.name:
                return "CTE Scan", [], []
            alias = f" {node.alias}" if node.alias and node.alias != node.name else ""
            return f"CTE Scan on {node.name}{alias}", [], []
        if isinstance(node, RecursiveUnion):
            return "Recursive Union", [], [node.base, node.step]
        if isinstance(node, WorkTable):
            return "WorkTable Scan", [], []
        if isinstance(node, FunctionScan):
            for e in node.args:
                self.deparser([], found)(e)
            return "Function Scan", [], []
        relation = getattr(node, "relation", None)
        if relation is not None and getattr(relation, "name", None):  # system catalogs
            return f"Seq Scan on {self.relation_name(relation, relation.name)}", [], kids
        if type(node).__name__ == "ProjectSet":
            for e in _expressions(node):
                text(e)
            return "ProjectSet", [], kids
        return getattr(node, "explain_name", type(node).__name__), [], kids  # e.g. sql.routines

    def hash_join(self, node: HashJoin, found: list[Subquery]) -> tuple[str, list[str], list]:
        left = self.deparser(self.labels(node.left), found)
        right = self.deparser(self.labels(node.right), found)
        conds = [f"({left(a)} = {right(b)})" for a, b in zip(node.left_keys, node.right_keys)]
        details = ["Hash Cond: " + conjunction_text(conds)]
        if node.residual is not None:
            joined = self.deparser(self.labels(node.left) + self.labels(node.right), found)
            details.append(f"Join Filter: {joined(node.residual)}")
        kind = "" if node.kind == "inner" else f" {node.kind.capitalize()}"
        return f"Hash{kind} Join", details, [node.left, ("Hash", node.right, [node.right])]

    def set_op(self, node: SetOp) -> tuple[str, list[str], list]:
        append = ("Append", None, [node.left, node.right])
        if node.kind == "union" and node.all:
            return "Append", [], [node.left, node.right]
        if node.kind == "union":
            return "HashAggregate", ["Group Key: " + ", ".join(self.labels(node.left))], [append]
        return f"HashSetOp {node.kind.capitalize()}{' All' if node.all else ''}", [], [append]

    # -- scans ----------------------------------------------------------------------

    def scan(self, scan: Scan, col: int | None, fold: _Fold) -> None:
        rel = scan.relation
        labels = self.labels(scan)
        found = fold.subs
        text = self.deparser(labels, found)
        width = len(rel.columns)
        wanted = set(self.needs.scans.get(id(scan), set(range(width))))
        wanted |= _columns_used([scan.residual] if scan.residual is not None else [], len(scan.columns))
        projected = sorted(i for i in wanted if i < width and not rel.columns[i].dropped)
        projections = ", ".join(quote_ident(rel.columns[i].name) for i in projected)
        filters = [text(scan.residual)] if scan.residual is not None else []
        fold.filters = filters + fold.filters
        storage_filters = [text(e) for e in scan.pushdown_exprs]
        index_cond = [text(e) for e in scan.index_cond]
        name = self.relation_name(rel, scan.alias)
        if scan.index is not None:
            head = f"Index Scan using {quote_ident(scan.index.name)} on {name}"
        elif scan.point_keys is not None or scan.range_lo or scan.range_hi:
            head = f"Index Only Scan using {quote_ident(_pkey_name(rel))} on {name}"
        else:
            head = f"Full Scan (btree-table) on {name}"
        detail = self.head(head, col, fold.top)
        if self.opts.verbose:
            self.output(detail, fold.output if fold.output is not None else [labels[i] for i in projected])
        if index_cond:
            self.emit(detail, "Index Cond: " + conjunction_text(index_cond))
        stat = self.an.stats.get(id(scan)) if self.an is not None else None
        stat = stat or Stats()
        self.filter_lines(detail, fold, stat.returned)
        loops = self.rows_of(scan)[1]
        if scan.index is not None:
            index = quote_ident(scan.index.name)
            inner = self.storage_head(f"Storage Scan on {index}", detail, stat.entries, loops)
            self.storage_head(f"B-Tree Scan on {index}", inner, stat.entries, loops)
            self.storage(detail, "Lookup", quote_ident(rel.name), projections, storage_filters, stat, loops)
        else:
            target = quote_ident(rel.name) if head.startswith("Full") else quote_ident(_pkey_name(rel))
            self.storage(detail, "Scan", target, projections, storage_filters, stat, loops)
        self.subplans(found, detail)

    def storage(self, col: int, verb: str, target: str, projections: str, filters: list[str],
                stat: Stats, loops: int) -> None:
        inner = self.storage_head(f"Storage {verb} on {target}", col, stat.returned, loops)
        if projections:
            self.emit(inner, f"Projections: {projections}")
        if filters:
            self.emit(inner, "Filters: " + conjunction_text(filters))
            if self.an is not None:
                self.emit(inner, f"Rows Filtered: {_per_loop(stat.scanned - stat.returned, loops)}")
        self.storage_head(f"B-Tree {verb} on {target}", inner, stat.scanned, loops)


def _per_loop(total: int, loops: int) -> int:
    return round(total / loops) if loops else 0


def _join_suffix(kind: str) -> str:
    return "" if kind == "inner" else f" {kind.capitalize()} Join"


def _is_result(node: Node) -> bool:
    """A one-row VALUES (SELECT without FROM): PostgreSQL's "Result"."""
    if isinstance(node, Project):
        node = node.child
    return isinstance(node, Values) and len(node.rows) == 1


def _pkey_name(rel: Any) -> str:
    for index in rel.indexes:
        if index.primary:
            return index.name
    return f"{rel.name}_pkey"


def _relations(root: Node) -> int:
    """How many scans a plan has (column names are qualified when more than one)."""
    count, stack, seen = 0, [root], set()
    while stack and len(seen) < PLAN_NODES_MAX:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, (Scan, CteScan, FunctionScan)):
            count += 1
        stack.extend(_children(node) + ([node.cte] if isinstance(node, CteScan) else []))
        stack.extend(sq.plan.node for sq in _subqueries(_expressions(node))
                     if sq.plan is not None and isinstance(sq.plan.node, Node))
    return count


# -- the whole output ------------------------------------------------------------------------

def explain_lines(bound: Any, options: ExplainOptions, analysis: Analysis | None = None, *,
                  schema_name: Callable[[Any], str | None] = lambda rel: None,
                  query_id: str | None = None, planning_ns: int = 0,
                  usage: Usage | None = None) -> list[str]:
    """The QUERY PLAN rows: the plan tree, then the summary lines DSQL prints."""
    if not isinstance(bound, BoundQuery) and not isinstance(getattr(bound, "source", None), Node):
        raise errors.FeatureNotSupported(what="EXPLAIN of this statement is not supported")
    lines = _Renderer(options, analysis, schema_name).statement(bound)
    if options.verbose and query_id is not None:
        lines.append(f"Query Identifier: {query_id}")
    summary = options.summary if options.summary is not None else options.analyze
    if summary:
        lines.append(f"Planning Time: {planning_ns / NS_PER_MS:.3f} ms")
        if analysis is not None:
            lines.append(f"Execution Time: {analysis.execution_ns / NS_PER_MS:.3f} ms")
    if analysis is not None and options.verbose and usage is not None:
        lines.extend(dpu_lines(usage, planning_ns + analysis.execution_ns))
    return lines


def dpu_lines(usage: Usage, compute_ns: int) -> list[str]:
    """DSQL's "Statement DPU Estimate" block (`qp.metering` has the formulas)."""
    dpu = estimate(usage, compute_ns)
    read = f"  Read: {dpu.read:.5f} DPU"
    if dpu.read_minimum:
        read += f" (Transaction minimum: {dpu.read:.5f})"
    write = f"  Write: {dpu.write:.5f} DPU"
    if dpu.write_minimum:
        write += f" (Transaction minimum: {dpu.write:.5f})"
    return ["Statement DPU Estimate:", f"  Compute: {dpu.compute:.5f} DPU", read, write,
            f"  Total: {dpu.total:.5f} DPU"]
