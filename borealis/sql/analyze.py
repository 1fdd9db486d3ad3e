"""ANALYZE [VERBOSE] [table [(column, ...)], ...]: PostgreSQL's checks, then nothing.

Borealis keeps no planner statistics (its planner chooses access paths from keys and
indexes alone, `sql.planner`), so ANALYZE has nothing to compute: it only checks what
PostgreSQL 15 checks and reports what it would skip, so that scripts and ORMs that run
it after a bulk load (and DSQL's `ANALYZE <relation>`, dsql-behaviour.md §2.3) work.
It is a utility statement, neither DDL nor DML for DSQL's transaction rules, and runs
inside a transaction block or a read-only transaction as in PostgreSQL. VACUUM, the
other form of the same parse node, is refused by the parse gate (`sql.parse`).

PostgreSQL's order, which decides which message a statement with several problems gets:

1. options: VERBOSE and SKIP_LOCKED (Boolean), else 42601;
2. each listed relation in turn: found (42P01; a missing schema 3F000; a schema without
   USAGE 42501), then owned by the acting role or by the database owner (`admin`,
   pg_database.datdba), else WARNING `skipping "t" --- only table or database owner can
   analyze it` and it is left out;
3. each relation kept, in turn: a view, sequence or index is skipped with WARNING
   `... cannot analyze non-tables or special system tables`; the column list must name
   existing columns (42703), each once (42701).

Without a list every relation the role cannot analyze gets the ownership WARNING (like
PostgreSQL's database-wide ANALYZE, minus its system catalogs' own tables).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pglast import ast

from borealis.catalog.model import PG_CATALOG_OID, Relation
from borealis.catalog.roles import ADMIN_NAME
from borealis.core import errors
from borealis.sql import privileges as P
from borealis.sql.explain import _boolean as boolean_option  # EXPLAIN's Boolean option values

OPTIONS = frozenset({"verbose", "skip_locked"})


def analyze(binder: Any, node: ast.VacuumStmt) -> Iterator[str]:
    """The WARNINGs of `ANALYZE ...` (raising its errors where PostgreSQL does)."""
    for opt in node.options or ():
        if opt.defname.lower() not in OPTIONS:
            raise errors.SyntaxError(what=f'unrecognized ANALYZE option "{opt.defname}"')
        boolean_option(opt)  # accepted and ignored: there is nothing to report or wait for
    if not node.rels:
        for rel in binder.catalog.relations:
            if not _may_analyze(binder, rel):
                yield _not_owner(rel)
        return
    kept: list[tuple[Relation, str | None, tuple]] = []
    for vrel in node.rels:
        rel, index = _find(binder, vrel.relation)
        if not _may_analyze(binder, rel):
            yield _not_owner(rel, index)
            continue
        kept.append((rel, index, vrel.va_cols or ()))
    for rel, index, names in kept:
        if index is not None or getattr(rel, "relkind", rel.kind) != "r":
            yield f'skipping "{index or rel.name}" --- cannot analyze non-tables or special system tables'
            continue
        _check_columns(rel, [n.sval for n in names])


def _find(binder: Any, rv: ast.RangeVar) -> tuple[Relation, str | None]:
    """The relation `rv` names, or the table of the index it names (with the index's
    name): PostgreSQL looks indexes up by name too, then skips them."""
    if rv.schemaname is not None and rv.schemaname not in P.SYSTEM_SCHEMA_NAMES \
            and binder.catalog.schema(rv.schemaname) is None:
        raise errors.UndefinedSchema(name=rv.schemaname)
    rel = P.resolve(binder, rv, binder.find_relation(rv.schemaname, rv.relname), "")
    if rel is not None:
        return rel, None
    table = _index_table(binder, rv)
    if table is None:
        name = f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname
        raise errors.UndefinedTable(name=name)
    return table, rv.relname


def _index_table(binder: Any, rv: ast.RangeVar) -> Relation | None:
    catalog = binder.catalog
    names = [rv.schemaname] if rv.schemaname is not None else list(binder.ctx.search_path)
    role = P.acting_role(binder.ctx)
    for sname in names:
        schema = catalog.schema(sname)
        if schema is None or (role is not None and not P.schema_usable(catalog, role, schema)):
            continue
        for rel in catalog.relations:
            if rel.schema_oid == schema.oid and any(i.name == rv.relname for i in rel.indexes):
                return rel
    return None


def _may_analyze(binder: Any, rel: Relation) -> bool:
    """PostgreSQL 15: the table's owner or the database's (a member of either)."""
    role = P.acting_role(binder.ctx)
    if role is None:
        return True
    catalog = binder.catalog
    return P.is_owner(catalog, role, ADMIN_NAME) or (
        not P.is_virtual(rel) and P.is_owner(catalog, role, rel.owner))


def _not_owner(rel: Relation, index: str | None = None) -> str:
    who = "superuser or database owner" if rel.schema_oid == PG_CATALOG_OID else "table or database owner"
    return f'skipping "{index or rel.name}" --- only {who} can analyze it'


def _check_columns(rel: Relation, names: list[str]) -> None:
    live = rel.column_by_name
    seen: set[str] = set()
    for name in names:
        if name not in live:
            raise errors.UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
        if name in seen:
            raise errors.DuplicateColumn(f'column "{name}" of relation "{rel.name}" appears more than once')
        seen.add(name)
