"""PostgreSQL's rules for the form of a recursive WITH query, checked on its parse tree
before it is bound (as PostgreSQL's parser does), so that a query PostgreSQL refuses is
refused here with the same error rather than run with a meaning of its own.

```
 WITH RECURSIVE r AS (non-recursive term UNION [ALL] recursive term)
 the non-recursive term   may not read r                         42P19
 the recursive term       reads r once (not twice: 42P19), and not inside a
                          subquery (a sublink), on the nullable side of an outer
                          join, inside INTERSECT ALL, or EXCEPT (right side, or
                          either with ALL); it has no aggregate  42P19
 the UNION                has no ORDER BY, OFFSET, LIMIT, FOR UPDATE   0A000
```

A FROM subquery may read r (it is part of the term, not a sublink). A WITH inside the
term that defines another `r` hides this one there.
"""

from __future__ import annotations

from typing import Any

from pglast import ast
from pglast.enums import JoinType, SetOperation

from borealis.core import errors

# Where a reference to the recursive query is not allowed, as PostgreSQL says it.
NONRECURSIVE = "its non-recursive term"
SUBLINK = "a subquery"
OUTER_JOIN = "an outer join"
INTERSECT = "INTERSECT"
EXCEPT = "EXCEPT"
DEPTH_MAX = 1_000  # nesting of the parse tree walked (the parser's own limit is lower)


def check(name: str, query: ast.SelectStmt, has_aggregate) -> None:
    """Raise PostgreSQL's error if the recursive WITH query `name` (a UNION, checked by
    the caller) is not of the form it can run. `has_aggregate(node)`: whether an
    expression calls an aggregate (at its own level)."""
    walker = _Walker(name)
    walker.walk(query.larg, NONRECURSIVE, 0)
    walker.walk(query.rarg, None, 0)
    if query.withClause is not None:
        walker.walk(query.withClause.ctes, SUBLINK, 0)
    term = query.rarg
    if isinstance(term, ast.SelectStmt) and term.op == SetOperation.SETOP_NONE and (
            any(has_aggregate(t.val) for t in term.targetList or ())
            or has_aggregate(term.havingClause)):
        raise errors.InvalidRecursion(
            what="aggregate functions are not allowed in a recursive query's recursive term")
    for present, what in ((query.sortClause, "ORDER BY"), (query.limitOffset, "OFFSET"),
                          (query.limitCount, "LIMIT"), (query.lockingClause, "FOR UPDATE/SHARE")):
        if present:
            raise errors.FeatureNotSupported(what=f"{what} in a recursive query is not implemented")


class _Walker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.references = 0

    def walk(self, node: Any, place: str | None, depth: int) -> None:
        """Look for references to the query in `node`; `place` says where they may not
        be (None: in the recursive term, where one is allowed)."""
        if depth > DEPTH_MAX:
            raise errors.StackDepthExceeded()
        if isinstance(node, tuple):
            for item in node:
                self.walk(item, place, depth + 1)
            return
        if not isinstance(node, ast.Node):
            return
        if isinstance(node, ast.RangeVar):
            if node.schemaname is None and node.relname == self.name:
                self._reference(place)
            return
        if isinstance(node, ast.SubLink):
            self.walk(node.testexpr, place, depth + 1)
            self.walk(node.subselect, SUBLINK, depth + 1)
            return
        if isinstance(node, ast.JoinExpr):
            left = right = place
            if node.jointype == JoinType.JOIN_LEFT:
                right = OUTER_JOIN
            elif node.jointype == JoinType.JOIN_RIGHT:
                left = OUTER_JOIN
            elif node.jointype == JoinType.JOIN_FULL:
                left = right = OUTER_JOIN
            self.walk(node.larg, left, depth + 1)
            self.walk(node.rarg, right, depth + 1)
            self.walk(node.quals, place, depth + 1)
            return
        if isinstance(node, ast.SelectStmt):
            if node.withClause is not None and any(
                    cte.ctename == self.name for cte in node.withClause.ctes):
                return  # another query of that name, in there
            if node.op in (SetOperation.SETOP_INTERSECT, SetOperation.SETOP_EXCEPT):
                inside = INTERSECT if node.op == SetOperation.SETOP_INTERSECT else EXCEPT
                self.walk(node.withClause, place, depth + 1)
                self.walk(node.larg, inside if node.all else place, depth + 1)
                self.walk(node.rarg, inside if node.all or inside == EXCEPT else place, depth + 1)
                return
        for attr in node:
            self.walk(getattr(node, attr), place, depth + 1)

    def _reference(self, place: str | None) -> None:
        if place is not None:
            raise errors.InvalidRecursion(
                what=f'recursive reference to query "{self.name}" must not appear within {place}')
        self.references += 1
        if self.references > 1:
            raise errors.InvalidRecursion(
                what=f'recursive reference to query "{self.name}" must not appear more than once')
