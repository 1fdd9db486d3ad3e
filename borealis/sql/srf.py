"""Set-returning functions in a select list: `SELECT unnest(indkey), generate_subscripts(indkey, 1)`.

PostgreSQL (10+) evaluates the set-returning functions of a select list in lockstep:
for each input row it calls every one, emits as many rows as the longest result, and
pads the shorter ones with NULL; an input row for which every function returns no
rows produces no output. Catalog queries rely on this (SQLAlchemy's index and
constraint reflection, psql's `\\d`).

The binder calls `bind_target_srfs` after FROM and WHERE: each set-returning call in
the select list (outside subqueries) is bound once, becomes a column of a `ProjectSet`
node placed under the projection, and `Binder.srf_cols` maps the call's AST node to
that column so the select-list expression reads it like any other input column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pglast import ast

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import functions as F
from borealis.sql import types as T
from borealis.sql.expr import Col, Expr
from borealis.sql.plan import Node, OutCol, arm, evaluate, subqueries_of
from borealis.sql.scope import RangeEntry, Scope

INT4, REGCLASS, UNKNOWN = 23, 2205, 705
SRF_NAMES = frozenset({"unnest", "generate_series", "generate_subscripts",
                       "pg_partition_ancestors"})
SRF_ROWS_MAX = 10_000_000


def _name(node: ast.FuncCall) -> str:
    names = [n.sval for n in node.funcname]
    if len(names) > 1 and names[0] != "pg_catalog":
        return ".".join(names)
    return names[-1].lower()


def is_set_returning(binder: Any, node: ast.FuncCall) -> bool:
    """Whether `node` calls a set-returning function: built in, or a SQL function."""
    from borealis.sql import routines
    name = _name(node)
    return name in SRF_NAMES or name in F.SRF_COLUMN_NAMES \
        or routines.user_set_returning(binder, node)


def find_srfs(node: Any, out: list | None = None, user: Any = None) -> list[ast.FuncCall]:
    """The set-returning calls in an expression tree, not looking into subqueries;
    `user(call)` tells whether a call is a set-returning SQL function."""
    if out is None:
        out = []
    if isinstance(node, ast.SubLink):
        return out
    if isinstance(node, ast.FuncCall) and node.over is None and (
            _name(node) in SRF_NAMES or (user is not None and user(node))):
        out.append(node)
        return out
    if isinstance(node, ast.Node):
        for attr in node:
            find_srfs(getattr(node, attr), out, user)
    elif isinstance(node, tuple):
        for item in node:
            find_srfs(item, out, user)
    return out


def set_returning(binder: Any, name: str, args: list[Expr]):
    """(fn(*values) -> rows, output types, coerced args), like `functions.set_returning`."""
    if name == "generate_subscripts":
        if len(args) not in (2, 3):
            raise errors.UndefinedFunction("function generate_subscripts does not exist")
        arr = args[0]
        if T.element_type(arr.oid) is None:
            raise errors.UndefinedFunction("function generate_subscripts(unknown, integer) does not exist")
        rest = [binder.coerce(args[1], INT4)] + [binder.coerce(a, 16) for a in args[2:]]

        low = 0 if arr.oid in (T.INT2VECTOR, T.OIDVECTOR) else 1  # vectors start at 0

        def subscripts(values, dim, reverse=False):
            shape = T.array_dims(values) if values is not None and dim is not None else ()
            if not 1 <= (dim or 0) <= len(shape):
                return []
            idx = range(low, low + shape[dim - 1])
            return [(i,) for i in (reversed(idx) if reverse else idx)]
        return subscripts, [INT4], [arr, *rest]
    if name == "pg_partition_ancestors":
        if len(args) != 1:
            raise errors.UndefinedFunction("function pg_partition_ancestors does not exist")
        # No partitioning: a table is its own only ancestor.
        return (lambda oid: [(oid,)] if oid is not None else []), [REGCLASS], \
            [binder.coerce(args[0], REGCLASS)]
    return F.set_returning(binder, name, args)


def unnest_side_by_side(binder: Any, args: list[Expr]):
    """`unnest(a, b, ...)` in FROM (like set_returning): one column per array, row k
    holding each array's k-th element and NULL where an array is shorter — PostgreSQL's
    `ROWS FROM (unnest(a), unnest(b), ...)`. Django's bulk insert sends
    `INSERT ... SELECT * FROM UNNEST((%s)::varchar[], (%s)::integer[], ...)`."""
    if any(T.element_type(a.oid) is None for a in args):
        raise errors.UndefinedFunction(
            f"function unnest({', '.join(C.type_name(a.oid) for a in args)}) does not exist",
            hint="No function matches the given name and argument types. "
                 "You might need to add explicit type casts.")
    parts = [F.set_returning(binder, "unnest", [a]) for a in args]
    fns = [fn for fn, _, _ in parts]

    def rows(*values):
        columns = [fn(v) for fn, v in zip(fns, values)]
        n = max(len(c) for c in columns)
        return [tuple(c[k][0] if k < len(c) else None for c in columns) for k in range(n)]
    return rows, [types[0] for _, types, _ in parts], [bound[0] for _, _, bound in parts]


@dataclass(eq=False)
class ProjectSet(Node):
    """Input row + one column per set-returning call, expanded in lockstep."""

    child: Node
    calls: list[tuple[Any, list[Expr]]]
    columns: list[OutCol]

    @property
    def children(self):
        return (self.child,)

    async def batches(self, ctx):
        plans = [(fn, [a.compile() for a in args]) for fn, args in self.calls]
        subs = subqueries_of([a for _, args in self.calls for a in args])
        stat = ctx.stat(self)
        arm(subs, ctx)

        def call_all(row):
            return [fn(*[a(row) for a in arg_fns]) for fn, arg_fns in plans]
        async for batch in self.child.batches(ctx):
            out = []
            for row in batch:
                results = await evaluate(call_all, row, len(subs)) if subs else call_all(row)
                n = max((len(r) for r in results), default=0)
                for k in range(n):
                    out.append(row + tuple(r[k][0] if k < len(r) else None for r in results))
                if len(out) > SRF_ROWS_MAX:
                    raise errors.OutOfMemory(what="set-returning functions produced too many rows")
            stat.rows += len(out)
            if out:
                yield out


def bind_target_srfs(binder: Any, target_list: Any, scope: Scope, node: Node) -> Node:
    """Bind the select list's set-returning calls under `node` (see the module doc)."""
    from borealis.sql import routines  # set-returning SQL functions (CREATE FUNCTION)

    def user(call: ast.FuncCall) -> bool:
        return routines.user_set_returning(binder, call)
    calls = []
    for target in target_list or ():
        calls.extend(find_srfs(target.val, None, user))
    if not calls:
        return node
    bound = []
    cols: list[OutCol] = []
    for call in calls:
        if user(call):
            fn, out_types, args = routines.bind_select_list_srf(binder, call, scope)
            bound.append((fn, args))
            cols.append(OutCol(f"?srf{len(cols)}?", out_types[0]))
            continue
        if call.agg_star or call.agg_distinct or call.agg_order:
            raise errors.FeatureNotSupported(what="this set-returning function call is not supported")
        args = [binder.expr(a, scope) for a in call.args or ()]
        fn, out_types, args = set_returning(binder, _name(call), args)
        if len(out_types) != 1:
            raise errors.FeatureNotSupported(
                what="set-returning functions with several columns are not supported in a select list")
        bound.append((fn, args))
        cols.append(OutCol(f"?srf{len(cols)}?", out_types[0]))
    entry = scope.add(RangeEntry("?srf?", cols, hidden=frozenset(c.name for c in cols)))
    mapping = getattr(binder, "srf_cols", None)
    if mapping is None:
        mapping = binder.srf_cols = {}
    for i, call in enumerate(calls):
        mapping[id(call)] = Col(cols[i].oid, entry.offset + i)
    return ProjectSet(node, bound, node.columns + cols)
