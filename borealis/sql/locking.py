"""Locking clauses (`SELECT ... FOR UPDATE` and friends) under optimistic concurrency.

Nothing blocks in Borealis, as in Aurora DSQL: a locking clause does not lock a row when
it is read, it declares what the transaction's COMMIT must be adjudicated against
(DESIGN.md §4, dsql-behaviour.md §1.4):

```
 FOR UPDATE         ─▶ the row keys go to the lock set: conflict-checked at COMMIT and
                       recorded as written, as if the transaction had updated the rows
 FOR KEY SHARE      ─▶ the row keys go to the share set: COMMIT fails (OC000) if another
                       transaction committed a write to one of them after τ_start, and
                       a writer of one of them that started before our COMMIT fails
                       when it commits after it
 FOR NO KEY UPDATE,  ─▶ refused in DSQL mode (0A000), as DSQL does; relaxed mode maps
 FOR SHARE             them to the lock set and the share set respectively
 NOWAIT, SKIP LOCKED ─▶ accepted and without effect: no row is ever locked at read
                       time, so there is nothing to wait for and nothing to skip
```

The binder marks the `Scan` nodes of the locked tables (`Scan.lock`); each scan reports
the keys of the rows it returns after its own filters (the WHERE conjuncts on that
table, which the planner pushes into the scan). Conditions evaluated above the scan — a
join's condition, a LIMIT above a sort — are not taken into account, so a join can
report more rows than the query returns. Under OCC that can only cause an extra
conflict, never hide one. Naming a view or a subquery in `FOR UPDATE OF` marks every
table the query reads in FROM, for the same reason.

Difference from DSQL's conflict matrix: DSQL lets a FOR KEY SHARE reader commit after a
concurrent UPDATE of non-key columns (and such an UPDATE after the reader). The
adjudicator here knows only whole-row keys, so KEY SHARE conflicts with any write of
the row, in either order: extra conflicts, never a missed one.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import LockClauseStrength, SetOperation

from borealis.core import errors
from borealis.core.limits import Compat
from borealis.sql.plan import CteScan, Node, Scan

CLAUSE_NAMES = {
    LockClauseStrength.LCS_FORKEYSHARE: "FOR KEY SHARE",
    LockClauseStrength.LCS_FORSHARE: "FOR SHARE",
    LockClauseStrength.LCS_FORNOKEYUPDATE: "FOR NO KEY UPDATE",
    LockClauseStrength.LCS_FORUPDATE: "FOR UPDATE",
}
# What each strength asks of the transaction: "lock" (write-like) or "share" (the rows
# must not be written between τ_start and the COMMIT, nor by a writer that read before it).
MODES = {
    LockClauseStrength.LCS_FORKEYSHARE: "share",
    LockClauseStrength.LCS_FORSHARE: "share",
    LockClauseStrength.LCS_FORNOKEYUPDATE: "lock",
    LockClauseStrength.LCS_FORUPDATE: "lock",
}
DSQL_REFUSED = frozenset({LockClauseStrength.LCS_FORSHARE, LockClauseStrength.LCS_FORNOKEYUPDATE})
# PostgreSQL's restrictions on a query level with a locking clause (0A000).
_QUERY_SHAPE = (
    ("distinctClause", "DISTINCT clause"),
    ("groupClause", "GROUP BY clause"),
    ("havingClause", "HAVING clause"),
)


def _compat(binder: Any) -> Compat:
    session = binder.ctx.settings
    return getattr(session, "compat", Compat.RELAXED) if session is not None else Compat.RELAXED


def check_locking(binder: Any, stmt: ast.SelectStmt) -> None:
    """Refuse locking clauses this query level cannot have (before anything is bound)."""
    clauses = stmt.lockingClause or ()
    if not clauses:
        return
    dsql = _compat(binder) is Compat.DSQL
    for clause in clauses:
        if dsql and clause.strength in DSQL_REFUSED:
            raise errors.FeatureNotSupported(
                what=f"locking clause {CLAUSE_NAMES[clause.strength]} not supported",
                hint="Use FOR UPDATE or FOR KEY SHARE.")
    name = CLAUSE_NAMES[clauses[0].strength]
    if stmt.op != SetOperation.SETOP_NONE:
        raise errors.FeatureNotSupported(what=f"{name} is not allowed with UNION/INTERSECT/EXCEPT")
    if stmt.valuesLists:
        raise errors.FeatureNotSupported(what=f"{name} cannot be applied to VALUES")
    for attr, words in _QUERY_SHAPE:
        if getattr(stmt, attr):
            raise errors.FeatureNotSupported(what=f"{name} is not allowed with {words}")
    exprs = (*(stmt.targetList or ()), *(stmt.sortClause or ()))
    if _has_call(exprs, window=False):
        raise errors.FeatureNotSupported(what=f"{name} is not allowed with aggregate functions")
    if _has_call(exprs, window=True):
        raise errors.FeatureNotSupported(what=f"{name} is not allowed with window functions")


def mark_locked_scans(binder: Any, stmt: ast.SelectStmt, from_node: Node, scope: Any) -> Node:
    """Set `Scan.lock` on the scans of the tables the locking clauses name (all tables
    of this level's FROM clause when a clause names none). Returns `from_node`."""
    scans = list(_scans(from_node))
    for scan in scans:  # PostgreSQL refuses also where the clause names other tables
        if scan.relation.kind == "S":  # its state is not a row version to lock
            raise errors.WrongObjectType(what=f'cannot lock rows in sequence "{scan.relation.name}"')
    for clause in stmt.lockingClause or ():
        mode = MODES[clause.strength]
        if not clause.lockedRels:
            targets = scans
        else:
            targets = []
            for rv in clause.lockedRels:
                targets.extend(_named(rv.relname, scans, scope, CLAUSE_NAMES[clause.strength]))
        for scan in targets:
            if scan.lock != "lock":  # the stronger request wins
                scan.lock = mode
    return from_node


def _named(name: str, scans: list[Scan], scope: Any, clause: str) -> list[Scan]:
    entry = scope.entry(name)
    if entry is None:
        raise errors.UndefinedTable(f'relation "{name}" in {clause} clause not found in FROM clause')
    own = [s for s in scans if s.alias == name and s.relation.oid == entry.relation_oid]
    return own or scans  # a view or subquery: every table read in FROM (see module doc)


def _scans(node: Node):
    """The table scans under `node`, not entering CTEs (PostgreSQL does not lock them)."""
    stack, seen = [node], 0
    while stack and seen < 100_000:
        seen += 1
        n = stack.pop()
        if isinstance(n, Scan):
            yield n
        elif not isinstance(n, CteScan):
            stack.extend(getattr(n, "children", ()) or ())


def _has_call(node: Any, *, window: bool, depth: int = 0) -> bool:
    """An aggregate (or window) call in `node`, not looking into subqueries."""
    from borealis.sql import functions as F
    if depth > 200 or node is None or isinstance(node, ast.SubLink):
        return False
    if isinstance(node, ast.FuncCall):
        if window and node.over is not None:
            return True
        name = node.funcname[-1].sval.lower()
        if not window and node.over is None and F.is_aggregate(name):
            return True
    if isinstance(node, ast.Node):
        return any(_has_call(getattr(node, attr), window=window, depth=depth + 1)
                   for attr in node)
    if isinstance(node, tuple):
        return any(_has_call(x, window=window, depth=depth + 1) for x in node)
    return False
