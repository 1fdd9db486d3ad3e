"""Plan: choose access paths and join algorithms for a bound plan (DESIGN.md §6).

Rewrites, applied bottom-up:

- `Filter(Scan)`: split the condition into conjuncts; equality on every primary-key
  column (or `pk IN (...)` / `pk = ANY(array)` on one key column, the others equal)
  becomes point lookups; bounds on the leading key column become a key range; a key
  column widened to the compared type within its family (`(id)::bigint = $1`) still
  serves (`key_values`); else equality on the leading key columns or
  key expressions of a secondary index becomes an index range (a partial index only
  when the conjuncts include its predicate's); whatever storage can evaluate is pushed down
  as a `core.expr` filter; the rest stays as a residual filter in the QP.
- `Filter(Join)`: conjuncts that mention one side only move below the join.
- `Join` with `left.col = right.col` conjuncts becomes a `HashJoin`; otherwise a
  nested loop.
- `Limit(Scan)` with no residual filter passes the limit to storage.

Key bounds may hold parameters: they are expressions compiled at execution, so a
prepared statement's plan is chosen once and runs with each execution's values.
"""

from __future__ import annotations

import copy

from borealis.core.oids import BPCHAR
from borealis.sql import index_keys, key_values
from borealis.sql import types as T
from borealis.sql.expr import BoolOp, Call, Col, Const, Expr, InList, Param, walk
from borealis.sql.plan import (
    Filter,
    HashJoin,
    Limit,
    NestedLoopJoin,
    Node,
    Scan,
)
from borealis.sql.scope import OuterCol


def optimize(node: Node, _done: dict[int, Node] | None = None) -> Node:
    """The plan with access paths chosen, including the plans of CTEs (shared by their
    CteScans, optimized once) and of subqueries inside expressions."""
    done: dict[int, Node] = {} if _done is None else _done
    if id(node) in done:
        return done[id(node)]
    for attr in ("child", "left", "right", "base", "step", "cte"):
        child = getattr(node, attr, None)
        if isinstance(child, Node):
            setattr(node, attr, optimize(child, done))
    for sq in _subqueries(vars(node).values()):
        if sq.plan is not None and isinstance(sq.plan.node, Node):
            sq.plan.node = optimize(sq.plan.node, done)
    result = node
    if isinstance(node, Filter):
        result = _filter(node)
    elif isinstance(node, NestedLoopJoin):
        result = _join(node)
    elif isinstance(node, Limit) and isinstance(node.child, Scan):
        _limit(node)
    done[id(node)] = result
    return result


def _subqueries(values, depth: int = 0):
    """The Subquery nodes in a plan node's expressions (lists, AggCalls, SortKeys)."""
    from borealis.sql.expr import Subquery
    for v in values:
        if isinstance(v, Expr):
            yield from (n for n in walk(v) if isinstance(n, Subquery))
        elif isinstance(v, list | tuple) and depth < 3:
            yield from _subqueries(v, depth + 1)
        elif type(v).__name__ in ("AggCall", "SortKey") and depth < 3:
            yield from _subqueries(vars(v).values(), depth + 1)


def conjuncts(expr: Expr) -> list[Expr]:
    if isinstance(expr, BoolOp) and expr.op == "and":
        out = []
        for a in expr.args:
            out.extend(conjuncts(a))
        return out
    return [expr]


def conjoin(parts: list[Expr]) -> Expr | None:
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else BoolOp(16, op="and", args=tuple(parts))


def _columns(expr: Expr) -> set[int]:
    return {n.index for n in walk(expr) if isinstance(n, Col)}


def _is_runtime_constant(expr: Expr) -> bool:
    """No column of the current row: a constant, a parameter, an outer reference."""
    return all(not isinstance(n, Col) for n in walk(expr)) and not any(
        isinstance(n, Call) and n.volatile for n in walk(expr))


def _filter(node: Filter) -> Node:
    child = node.child
    parts = conjuncts(node.cond)
    if isinstance(child, Scan):
        # Subqueries need their rows prefetched per row: only Filter does that.
        with_sub = [p for p in parts if _has_subquery(p)]
        scan = _scan(child, [p for p in parts if not _has_subquery(p)])
        return Filter(scan, conjoin(with_sub)) if with_sub else scan
    if isinstance(child, NestedLoopJoin) and child.kind == "inner":
        return _push_into_join(child, parts)
    if isinstance(child, HashJoin) and child.kind == "inner":
        return _push_into_hash_join(node, child, parts)
    if isinstance(child, Filter):
        return _filter(Filter(child.child, conjoin(conjuncts(child.cond) + parts)))
    return node


def _split_sides(parts: list[Expr], width: int) -> tuple[list[Expr], list[Expr], list[Expr]]:
    """Conjuncts over the left input only, the right only (re-based), and the rest."""
    left, right, rest = [], [], []
    for p in parts:
        cols = _columns(p)
        if _has_subquery(p) or not cols:
            rest.append(p)
        elif max(cols) < width:
            left.append(p)
        elif min(cols) >= width:
            right.append(_shift(p, -width))
        else:
            rest.append(p)
    return left, right, rest


def _push_into_hash_join(node: Filter, join: HashJoin, parts: list[Expr]) -> Node:
    """WHERE conjuncts over one side of an inner hash join (the join was already chosen
    from its ON condition) filter that side before the join."""
    left, right, rest = _split_sides(parts, len(join.left.columns))
    if not left and not right:
        return node
    if left:
        join.left = _filter(Filter(join.left, conjoin(left)))
    if right:
        join.right = _filter(Filter(join.right, conjoin(right)))
    return Filter(join, conjoin(rest)) if rest else join


def _push_into_join(join: NestedLoopJoin, parts: list[Expr]) -> Node:
    left, right, rest = _split_sides(parts, len(join.left.columns))
    if left:
        join.left = _filter(Filter(join.left, conjoin(left)))
    if right:
        join.right = _filter(Filter(join.right, conjoin(right)))
    cond = conjoin(([join.cond] if join.cond is not None else []) + rest)
    join.cond = cond
    return _join(join)


def _has_subquery(expr: Expr) -> bool:
    from borealis.sql.expr import Subquery
    return any(isinstance(n, Subquery) for n in walk(expr))


def _shift(expr: Expr, delta: int) -> Expr:
    """A copy of `expr` with every column index moved by `delta`."""
    import copy
    out = copy.copy(expr)
    if isinstance(out, Col):
        out.index += delta
        return out
    for attr in ("args", "items"):
        if hasattr(out, attr):
            setattr(out, attr, tuple(_shift(a, delta) for a in getattr(out, attr)))
    for attr in ("arg", "test", "default"):
        value = getattr(out, attr, None)
        if isinstance(value, Expr):
            setattr(out, attr, _shift(value, delta))
    if hasattr(out, "whens"):
        out.whens = tuple((_shift(c, delta), _shift(r, delta)) for c, r in out.whens)  # type: ignore[attr-defined]
    return out


def _join(join: NestedLoopJoin) -> Node:
    if join.cond is None or join.kind in ("semi", "anti"):
        return join
    width = len(join.left.columns)
    lkeys, rkeys, rest = [], [], []
    for p in conjuncts(join.cond):
        if isinstance(p, Call) and p.name == "=" and len(p.args) == 2 and not _has_subquery(p):
            a, b = p.args
            ca, cb = _columns(a), _columns(b)
            if ca and cb and max(ca) < width <= min(cb):
                lkeys.append(a)
                rkeys.append(_shift(b, -width))
                continue
            if ca and cb and max(cb) < width <= min(ca):
                lkeys.append(b)
                rkeys.append(_shift(a, -width))
                continue
        rest.append(p)
    if not lkeys:
        return join
    return HashJoin(join.left, join.right, join.kind, lkeys, rkeys, conjoin(rest), join.columns)


# -- scans ----------------------------------------------------------------------------

def _scan(scan: Scan, parts: list[Expr]) -> Node:
    rel = scan.relation
    position = rel.position
    pk_pos = [position[a] for a in rel.primary_key]
    eq: dict[int, tuple[Expr, Expr]] = {}  # column -> (value, predicate)
    multi: tuple[str, int, object, Expr] | None = None  # IN list or = ANY: (kind, column, values, predicate)
    lo: list[tuple[Expr, bool, Expr]] = []
    hi: list[tuple[Expr, bool, Expr]] = []
    for p in parts:
        hit = _key_predicate(p, pk_pos, rel)
        if hit is None:
            continue
        kind, col, value = hit
        if kind == "=" and col not in eq:
            eq[col] = (value, p)
        elif kind in ("in", "any") and multi is None:
            multi = (kind, col, value, p)
        elif kind in (">", ">=") and col == pk_pos[0]:
            lo.append((value, kind == ">=", p))
        elif kind in ("<", "<=") and col == pk_pos[0]:
            hi.append((value, kind == "<=", p))
    consumed: list[Expr] = []
    if pk_pos and all(c in eq for c in pk_pos):
        scan.point_keys = [_key_tuple([eq[c][0] for c in pk_pos])]
        consumed = [eq[c][1] for c in pk_pos]
    elif multi is not None and all(c in eq for c in pk_pos if c != multi[1]):
        # One key per listed value, the other key columns fixed by equalities.
        kind, col, values, pred = multi
        others = [c for c in pk_pos if c != col]
        if kind == "in":
            scan.point_keys = [_key_tuple([v if c == col else eq[c][0] for c in pk_pos])
                               for v in values]  # type: ignore[attr-defined]
        else:
            scan.point_keys = [key_values.key_set([eq[c][0] for c in others], pk_pos.index(col),
                                                  values, rel.columns[col].type_oid)]  # type: ignore[arg-type]
        consumed = [pred] + [eq[c][1] for c in others]
    else:
        prefix = []
        for c in pk_pos:
            if c not in eq:
                break
            prefix.append(eq[c])
        if prefix:
            scan.range_lo = [v for v, _ in prefix]
            scan.range_hi = [v for v, _ in prefix]
            consumed = [p for _, p in prefix]
        else:
            if len(lo) == 1:
                scan.range_lo, scan.lo_inclusive = [lo[0][0]], lo[0][1]
                consumed.append(lo[0][2])
            if len(hi) == 1:
                scan.range_hi, scan.hi_inclusive = [hi[0][0]], hi[0][1]
                consumed.append(hi[0][2])
    if not consumed:
        consumed = _index_path(scan, parts, rel)
    scan.index_cond = [_shown(p) for p in consumed]  # shown by EXPLAIN as "Index Cond"
    rest = [p for p in parts if not any(p is c for c in consumed)]
    pushed, residual = [], []
    for p in rest:
        (pushed if _pushable(p) else residual).append(p)
    scan.pushdown_exprs = pushed
    scan.residual = conjoin(residual)
    return scan


def _index_path(scan: Scan, parts: list[Expr], rel) -> list[Expr]:
    """Equality on the leading key columns of a secondary index (columns, or key
    expressions: `lower(email) = $1`): scan that index range and fetch the rows by
    primary key. A partial index only serves a query whose conjuncts include its
    predicate's. Picks the index matching the most key columns."""
    best: tuple[int, object, list] | None = None
    for index in rel.indexes:
        if index.primary or not index.valid:
            continue
        bound = index_keys.bound_index(rel, index) if index.expressions or index.predicate else None
        if bound is not None and bound.predicate is not None and not index_keys.implied(bound.predicate, parts):
            continue
        matched = []
        for i, attnum in enumerate(index.columns):
            if attnum == 0 and bound is not None:
                key = bound.keys[i]
                hit = next(((p, v) for p in parts
                            for v in [index_keys.equality_value(p, key, _is_runtime_constant)]
                            if v is not None), None)
            else:
                col = rel.position[attnum]
                hit = next(((p, v) for p in parts for k, c, v in [_key_predicate(p, [col], rel) or ("", -1, None)]
                            if k == "=" and c == col), None)
            if hit is None:
                break
            matched.append(hit)
        if matched and (best is None or len(matched) > best[0]):
            best = (len(matched), index, matched)
    if best is None:
        return []
    _, index, matched = best
    scan.index = index
    scan.range_lo = [v for _, v in matched]
    return [p for p, _ in matched]


def _key_tuple(parts: list[Expr]) -> Expr:
    fns = [p.compile() for p in parts]
    return Call(0, name="key", fn=lambda: tuple(f(()) for f in fns), args=(), strict=False)


def _key_predicate(p: Expr, pk_pos: list[int], rel) -> tuple[str, int, object] | None:
    """('=', col, value) / ('<', ...) / ('in', col, [values]) / ('any', col, array) for
    `keycol op constant`. The column may be widened to the constant's type within its
    family (`(id)::bigint = $1`): the values are then brought back to the column's type
    when the scan starts (`key_values`), with no row or no bound past its range."""
    if isinstance(p, InList):
        col = key_values.key_column(p.arg)
        if p.negated or p.eq is not None or col is None or col.index not in pk_pos \
                or not all(_is_runtime_constant(i) for i in p.items):
            return None
        oid = _key_oid(col, p.arg.oid, rel)
        if oid is None:
            return None
        return "in", col.index, [key_values.key_value(i, oid, "=") for i in p.items]
    if not isinstance(p, Call) or len(p.args) != 2:
        return None
    if p.name == "= ANY":
        col = key_values.key_column(p.args[0])
        array = p.args[1]
        elem = T.element_type(array.oid)
        if col is None or col.index not in pk_pos or elem is None or not _is_runtime_constant(array) \
                or _key_oid(col, elem, rel) is None:
            return None
        return "any", col.index, array
    if p.pushdown_op is None:
        return None
    a, b = p.args
    op = p.name if p.name != "!=" else "<>"
    if op == "<>":
        return None
    if key_values.key_column(b) is not None and key_values.key_column(a) is None:
        a, b = b, a
        op = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    col = key_values.key_column(a)
    if col is None or col.index not in pk_pos or not _is_runtime_constant(b):
        return None
    oid = _key_oid(col, b.oid, rel)
    if oid is None:
        return None
    return op, col.index, key_values.key_value(b, oid, op)


def _key_oid(col: Col, value_oid: int, rel) -> int | None:
    """The key column's type when values of `value_oid` can be brought to its keys.
    Not character(n): its `=` ignores trailing blanks, which its keys have."""
    oid = rel.columns[col.index].type_oid
    return oid if oid != BPCHAR and key_values.compatible(oid, value_oid) else None


def _shown(p: Expr) -> Expr:
    """A consumed key predicate as EXPLAIN shows it: the key column without the casts
    that widened it, as PostgreSQL's cross-type operators show it (`id = '5'::bigint`)."""
    if isinstance(p, InList):
        arg = key_values.unwrapped(p.arg)
        if arg is not p.arg:
            p = copy.copy(p)
            p.arg = arg
    elif isinstance(p, Call) and len(p.args) == 2:
        args = tuple(key_values.unwrapped(a) for a in p.args)
        if any(a is not b for a, b in zip(args, p.args)):
            p = copy.copy(p)
            p.args = args
    return p


def _pushable(p: Expr) -> bool:
    if any(isinstance(n, OuterCol) for n in walk(p)):
        return False
    try:
        return _to_pushdown_static(p)
    except Exception:
        return False


def _to_pushdown_static(p: Expr) -> bool:
    for n in walk(p):
        if isinstance(n, Call) and n.pushdown_op is None:
            return False
        if not isinstance(n, (Call, Col, Const, Param, BoolOp, InList)) and type(n).__name__ != "NullTest":
            return False
        if isinstance(n, InList) and (n.negated or n.eq is not None
                                      or not all(isinstance(i, Const) for i in n.items)):
            return False
    if isinstance(p, Call):
        a, b = p.args
        if a.oid != b.oid:
            return False
    return True


def _limit(node: Limit) -> None:
    scan = node.child
    if scan.residual is None and node.offset is None and isinstance(node.count, Const) \
            and scan.point_keys is None and isinstance(node.count.value, int):
        scan.limit = node.count.value
