"""EXPLAIN: the plan tree as text lines, with actual row counts under ANALYZE."""

from __future__ import annotations

from borealis.sql.bind import BoundQuery
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
    Values,
)


def explain_lines(bound, ctx: ExecContext | None) -> list[str]:
    if not isinstance(bound, BoundQuery):
        kind = type(bound).__name__.removesuffix("Plan")
        target = getattr(bound, "relation", None)
        name = getattr(bound, "kind", kind).capitalize()
        lines = [f"{name} on {target.name}" if target is not None else name]
        source = getattr(bound, "source", None)
        if isinstance(source, Node):
            lines.extend(_lines(source, ctx, 1))
        return lines
    return _lines(bound.node, ctx, 0)


def _lines(node: Node, ctx: ExecContext | None, depth: int) -> list[str]:
    if isinstance(node, Project) and depth > 0 or isinstance(node, Project) and _is_identity(node):
        return _lines(node.child, ctx, depth)
    pad = "  " * depth + ("->  " if depth else "")
    head, details = _describe(node)
    if ctx is not None:
        stat = ctx.stats.get(id(node))
        rows = stat.rows if stat else 0
        head += f" (actual rows={rows} loops={max(stat.loops if stat else 1, 1)})"
    out = [pad + head]
    detail_pad = "  " * depth + ("    " if depth else "  ")
    for d in details:
        out.append(detail_pad + d)
    if ctx is not None and isinstance(node, Scan):
        stat = ctx.stats.get(id(node))
        if stat is not None and (node.pushdown_exprs or node.residual is not None):
            out.append(detail_pad + f"Rows Filtered: {stat.scanned - stat.rows}")
    for child in _children(node):
        out.extend(_lines(child, ctx, depth + 1))
    return out


def _is_identity(node: Project) -> bool:
    return True


def _children(node: Node) -> list[Node]:
    for attrs in (("child",), ("left", "right"), ("base", "step")):
        found = [getattr(node, a) for a in attrs if isinstance(getattr(node, a, None), Node)]
        if found:
            return found
    return []


def _describe(node: Node) -> tuple[str, list[str]]:
    if isinstance(node, Scan):
        rel = node.relation
        details = [f"Projections: {', '.join(c.name for c in rel.live_columns)}"]
        if node.pushdown_exprs:
            details.append(f"Filters: {len(node.pushdown_exprs)} pushed to storage")
        if node.residual is not None:
            details.append("Filter: (evaluated in the query processor)")
        if node.index is not None:
            return f"Index Scan using {node.index.name} on {rel.name}", details
        if node.point_keys is not None:
            return f"Storage Lookup on {rel.name} ({len(node.point_keys)} key(s))", details
        if node.range_lo or node.range_hi:
            return f"Storage Scan on {rel.name} (primary key range)", details
        return f"Full Scan (btree-table) on {rel.name}", details
    names = {Filter: "Filter", Limit: "Limit", Sort: "Sort", Distinct: "Unique",
             Aggregate: "HashAggregate", Values: "Values Scan", FunctionScan: "Function Scan",
             SetOp: "SetOp", CteScan: "CTE Scan", RecursiveUnion: "Recursive Union",
             NestedLoopJoin: "Nested Loop", HashJoin: "Hash Join", Project: "Result",
             LateralJoin: "Nested Loop (lateral)"}
    head = names.get(type(node), type(node).__name__)
    if isinstance(node, (NestedLoopJoin, HashJoin, LateralJoin)) and node.kind != "inner":
        head = f"{head} {node.kind.capitalize()} Join" if not isinstance(node, HashJoin) else \
            f"Hash {node.kind.capitalize()} Join"
    return head, []
