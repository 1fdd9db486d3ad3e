"""ALTER TABLE ... DROP COLUMN, and the stored texts RENAME COLUMN rewrites.

DROP COLUMN [IF EXISTS] c [CASCADE | RESTRICT] works as in PostgreSQL (DSQL has it since
Aug 2026 and refuses a primary-key column with `cannot drop primary key column`):

```
 the column            stays in `Relation.columns`, marked dropped and renamed
                       `........pg.dropped.N........` (pg_attribute.attisdropped): stored
                       rows keep their value at its position, new rows store NULL there,
                       reads never show it; its attnum is never reused, so a table has at
                       most 1,600 columns over its lifetime (54011 at ADD COLUMN)
 dropped with it       (the table's own objects, no CASCADE needed)
                       indexes whose key, INCLUDE, expression or predicate uses it; UNIQUE
                       constraints on those indexes; CHECK constraints and foreign keys of
                       the table that use it; the sequences it owns (identity, serial,
                       OWNED BY); the primary key, in relaxed mode (the rows are re-keyed
                       by a hidden row id, `_rekey`, as a table created without one)
 dependents            (2BP01 with PostgreSQL's DETAIL unless CASCADE, which drops them)
                       generated columns computed from it; foreign keys (of other tables,
                       or of this one) that reference it or an index dropped with it;
                       views that no longer bind as they did, and views over those
```

View dependencies are not recorded in the catalog (a view is its SQL text, bound where it
is used): a view depends on the column when it reads the table and binds differently
(or not at all) without the column — which is what PostgreSQL's recorded dependencies
say for a view's column references and for a `*` it expanded at CREATE VIEW.
SQL function bodies are not checked: they fail when they next run, as string bodies do
in PostgreSQL.

RENAME COLUMN rewrites the texts that name the column: CHECK constraints, defaults,
generated columns, index expressions and predicates (`rename_column`), and the views
whose column references resolve to it (`rename_column_in_views`); renaming a relation
rewrites the views that name it (`rename_in_views`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from pglast import ast
from pglast.enums import DropBehavior

from borealis.catalog.model import Column, Constraint, Index, Relation, relation_prefix
from borealis.core import errors, values
from borealis.core.keys import prefix_end
from borealis.sql import fk, index_keys
from borealis.sql.dsql_limits import dsql_mode

PAGE_ROWS = 1_000  # rows per scan page when a dropped primary key re-keys the table
AST_DEPTH_MAX = 200  # nesting of a view's parse tree walked for the relations it reads
SYSTEM_COLUMNS = frozenset({"ctid", "xmin", "cmin", "xmax", "cmax", "tableoid"})
_HINT = "Use DROP ... CASCADE to drop the dependent objects too."


def dropped_label(attnum: int) -> str:
    """The name a dropped column takes (PostgreSQL's), which no user column can clash with."""
    return f"........pg.dropped.{attnum}........"


# -- RENAME COLUMN ----------------------------------------------------------------------

def rename_column(rel: Relation, old: str, new: str) -> Relation:
    """`rel` with column `old` called `new`, and every stored text that names it rewritten."""
    def text(t: str | None) -> str | None:
        return None if t is None else index_keys.renamed_text(t, old, new)

    columns = tuple(c if c.dropped else replace(c, name=new if c.name == old else c.name,
                                                 default=text(c.default), generated=text(c.generated))
                    for c in rel.columns)
    constraints = tuple(replace(c, expr=text(c.expr)) if c.kind == "c" and c.expr else c
                        for c in rel.constraints)
    rel = rel.with_changes(columns=columns, constraints=constraints)
    return index_keys.rename_column(rel, old, new)  # index expressions, WHERE


# -- DROP COLUMN ------------------------------------------------------------------------

@dataclass
class _Drop:
    """What one DROP COLUMN takes with it, before anything is written."""

    columns: list[Column]  # the named column, then generated columns computed from it
    indexes: list[Index] = field(default_factory=list)  # the table's, primary key included
    constraints: set[str] = field(default_factory=set)  # the table's own, by name
    foreign_keys: list[tuple[Relation, Constraint, str]] = field(default_factory=list)  # + why
    views: list[tuple[Relation, str]] = field(default_factory=list)  # + why
    sequences: list[Relation] = field(default_factory=list)  # the columns own them
    sequence_lines: list[str] = field(default_factory=list)  # DETAIL: what depends on those

    @property
    def attnums(self) -> set[int]:
        return {c.attnum for c in self.columns}

    @property
    def names(self) -> set[str]:
        return {c.name for c in self.columns}


async def drop_column(binder, writer, rel: Relation, cmd: ast.AlterTableCmd) -> Relation:
    """ALTER TABLE ... DROP COLUMN (one subcommand): `rel` as it is after it. Objects of
    other tables and views are changed or dropped through `writer` here."""
    name = cmd.name
    _check_target(rel, name)
    col = rel.column_by_name.get(name)
    if col is None:
        if cmd.missing_ok:
            return rel
        raise errors.UndefinedColumn(f'column "{name}" of relation "{rel.name}" does not exist')
    if col.attnum in rel.primary_key and dsql_mode(binder.ctx.settings):
        raise errors.PrimaryKeyColumnDrop()
    drop = _plan(binder, writer, rel, col)
    dependents = _dependent_lines(binder, rel, drop)
    if dependents and cmd.behavior != DropBehavior.DROP_CASCADE:
        raise errors.DependentObjectsStillExist(
            what=f"cannot drop column {col.name} of table {binder.described(rel)} because other "
                 "objects depend on it",
            detail="\n".join(dependents), hint=_HINT)
    return await _apply(binder, writer, rel, drop)


def _check_target(rel: Relation, name: str) -> None:
    if getattr(rel, "virtual_rows", None) is not None:
        rel.with_changes()  # a system catalog: 42501
    if rel.kind != "r":
        kinds = {"v": "views", "S": "sequences"}
        raise errors.WrongObjectType(
            what=f'ALTER action DROP COLUMN cannot be performed on relation "{rel.name}"',
            detail=f"This operation is not supported for {kinds.get(rel.kind, 'this relation')}.")
    if name in SYSTEM_COLUMNS:
        raise errors.FeatureNotSupported(what=f'cannot drop system column "{name}"')


def _plan(binder, writer, rel: Relation, col: Column) -> _Drop:
    drop = _Drop([col])
    _add_generated(rel, drop)
    attnums, names = drop.attnums, drop.names
    for index in rel.indexes:
        if _index_uses(index, attnums, names):
            drop.indexes.append(index)
    dropped_oids = {i.oid for i in drop.indexes}
    for con in rel.constraints:
        own = (con.kind in ("p", "u") and con.index_oid in dropped_oids
               or con.kind == "c" and con.expr is not None and index_keys.names_read(con.expr) & names
               or con.kind == "f" and set(con.columns) & attnums)
        if own:
            drop.constraints.add(con.name)
    for child, con in _referencing(binder, writer, rel):
        if child.oid == rel.oid and con.name in drop.constraints:
            continue  # the table's own foreign key, going anyway
        used = [c for c in drop.columns if c.attnum in con.ref_columns]
        if used:
            drop.foreign_keys.append(
                (child, con, f"column {used[0].name} of table {binder.described(rel)}"))
        elif con.index_oid in dropped_oids:
            index = next(i for i in drop.indexes if i.oid == con.index_oid)
            drop.foreign_keys.append((child, con, f"index {index.name}"))
    drop.views = _dependent_views(binder, writer, rel, drop)
    from borealis.sql.sequence_ddl import dependent_lines
    drop.sequences = [seq for c in drop.columns
                      for seq in binder.catalog.owned_sequences(rel.oid, c.attnum)]
    drop.sequence_lines = dependent_lines(
        binder, writer, drop.sequences, set(), {v.oid for v, _ in drop.views},
        frozenset((rel.oid, attnum) for attnum in drop.attnums), table=rel)
    return drop


def _add_generated(rel: Relation, drop: _Drop) -> None:
    """Generated columns computed from a column being dropped go too (with CASCADE)."""
    for _ in range(len(rel.columns)):
        names = drop.names
        more = [c for c in rel.live_columns if c.generated and c.name not in names
                and index_keys.names_read(c.generated) & names]
        if not more:
            return
        drop.columns.extend(more)


def _index_uses(index: Index, attnums: set[int], names: set[str]) -> bool:
    if set(index.columns) & attnums:
        return True
    if index.primary:
        return False  # its INCLUDE lists every other column, as DSQL's catalog shows
    if set(index.include) & attnums:
        return True
    texts = [*index.expressions, *([index.predicate] if index.predicate is not None else [])]
    return any(index_keys.names_read(t) & names for t in texts)


def _referencing(binder, writer, rel: Relation) -> list[tuple[Relation, Constraint]]:
    """The foreign keys that reference `rel`: (child, constraint), as of this transaction."""
    out = [(rel, con) for con in rel.foreign_keys if con.ref_relation == rel.oid]
    seen = {rel.oid}
    for child, _ in binder.catalog.referencing(rel.oid):
        if child.oid in seen:
            continue
        seen.add(child.oid)
        current = writer.current(child)
        if current is not None:
            out.extend((current, con) for con in current.foreign_keys if con.ref_relation == rel.oid)
    return out


# -- views ------------------------------------------------------------------------------

def _live_views(binder, writer) -> list[Relation]:
    """The views as this DDL transaction has left them so far (its rewrites included,
    the ones it dropped left out)."""
    current = (writer.current(v) for v in binder.catalog.relations if v.kind == "v")
    return [v for v in current if v is not None and v.view_sql]


def _dependent_views(binder, writer, rel: Relation, drop: _Drop) -> list[tuple[Relation, str]]:
    """Views that read `rel` and bind differently without the columns, then the views
    over those (each with why, as PostgreSQL's DETAIL says it)."""
    views = _live_views(binder, writer)
    if not views:
        return []
    reads = {v.oid: _relations_read(binder, v) for v in views}
    now = _without_columns(binder, rel, [])  # the table as earlier subcommands left it
    without = _without_columns(binder, rel, drop.columns)
    out: list[tuple[Relation, str]] = []
    for view in views:
        if rel.oid in reads[view.oid] and _breaks(binder, view, now, without):
            culprit = next((c for c in drop.columns
                            if _breaks(binder, view, now, _without_columns(binder, rel, [c]))),
                           drop.columns[0])  # the first of the columns it cannot do without
            out.append((view, f"column {culprit.name} of table {binder.described(rel)}"))
    return _with_views_over(binder, views, reads, out)


def _with_views_over(binder, views: list[Relation], reads: dict[int, set[int]],
                     direct: list[tuple[Relation, str]]) -> list[tuple[Relation, str]]:
    """`direct` and the views over its views, transitively, each once (with why), in
    PostgreSQL's order: each view followed by the views over it, depth first."""
    found = {v.oid for v, _ in direct}
    out: list[tuple[Relation, str]] = []
    stack = [iter(direct)]
    while stack:  # each view joins once, so this ends
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        out.append(step)
        parent = step[0]
        over = [(v, f"view {binder.described(parent)}") for v in views
                if v.oid not in found and parent.oid in reads[v.oid]]
        found.update(v.oid for v, _ in over)
        stack.append(iter(over))
    return out


KINDS = {"r": "table", "v": "view", "S": "sequence"}  # a relation's kind, in messages


def described(binder, rel: Relation) -> str:
    """`table ds.t`, `view v`: a relation as PostgreSQL's object descriptions give it."""
    return f"{KINDS.get(rel.kind, 'relation')} {binder.described(rel)}"


def views_reading(binder, writer, rels: list[Relation],
                  dropping: set[int]) -> list[tuple[Relation, str]]:
    """DROP of `rels` (with the relations `dropping`, all the statement drops): the
    other views that read one of them, then the views over those, each with what it
    depends on as PostgreSQL's DETAIL names it (`table t`, `view v`)."""
    views = [v for v in _live_views(binder, writer) if v.oid not in dropping]
    if not views:
        return []
    reads = {v.oid: _relations_read(binder, v) for v in views}
    out = [(view, described(binder, rel))
           for rel in rels for view in views if rel.oid in reads[view.oid]]
    seen: set[int] = set()
    out = [(v, why) for v, why in out if not (v.oid in seen or seen.add(v.oid))]
    return _with_views_over(binder, views, reads, out)


def rename_in_views(binder, writer, rel: Relation, new_name: str) -> None:
    """Views that name `rel` (a table, view or sequence called `new_name` from now on)
    are rewritten to name it by its new name: `FROM t` becomes `FROM t2 AS t`, so the
    columns it qualifies with `t.` still resolve. PostgreSQL's views hold the relation
    itself, not its name; a view here is its text, so the text follows the rename.
    A name a WITH query of the view's own shadows is left alone."""
    from borealis.sql.bind import view_body
    from borealis.sql.ddl import deparse
    for view, stmt in _view_statements(binder, writer):
        shadowed = {cte.ctename for cte in _nodes(stmt.node, ast.CommonTableExpr)}
        changed = False
        with view_body(binder.ctx, view):
            for rv in _nodes(stmt.node, ast.RangeVar):
                if rv.schemaname is None and rv.relname in shadowed:
                    continue
                found = binder.find_relation(rv.schemaname, rv.relname)
                if found is not None and found.oid == rel.oid:
                    if rv.alias is None:
                        rv.alias = ast.Alias(aliasname=rv.relname)
                    rv.relname = new_name
                    changed = True
        if changed:
            writer.put_relation(view.with_changes(view_sql=deparse(stmt.node)))


def rename_column_in_views(binder, writer, rel: Relation, old: str, new: str) -> None:
    """Views whose text names column `old` of `rel` (a table or view) are rewritten to
    name `new`, found by binding each view and keeping the column references that
    resolved to `rel`'s column: another FROM item's column of the same name stays. A
    select-list item that was the bare column keeps its output name (`c2 AS c`), so
    what the view shows is unchanged, as in PostgreSQL, whose views hold the column
    itself. A top-level `*` needs nothing (a view's columns are named when it is
    created); a `*` in a subquery or WITH query, and a join's USING or NATURAL on the
    column, are not rewritten, so such a view fails with 42703 afterwards."""
    from borealis.sql.bind import Binder, view_body
    from borealis.sql.ddl import deparse
    place = next(i for i, c in enumerate(rel.columns) if c.name == old and not c.dropped)
    for view, stmt in _view_statements(binder, writer):
        ours = {id(n) for n in _nodes(stmt.node, ast.ColumnRef)}
        reader = Binder(binder.ctx)
        reader.column_refs = []
        try:
            with view_body(reader.ctx, view):
                reader.bind_query(stmt.node, None)
        except errors.BorealisError:
            continue  # a view that does not bind now names nothing to follow
        # The column by its place in the FROM item (a column alias list renames it
        # there); the reference then names it qualified, so that neither another
        # level's column nor an output name of the new name can take it.
        hits = {id(node): (node, entry.alias) for node, entry, i in reader.column_refs
                if entry.relation_oid == rel.oid and i == place and id(node) in ours
                and entry.columns[i].name == old}  # not named by a column alias list
        if not hits:
            continue
        for target in _nodes(stmt.node, ast.ResTarget):
            if target.name is None and id(target.val) in hits:
                target.name = old
        for node, alias in hits.values():
            qualifier = node.fields[:-1] or (ast.String(sval=alias),)
            node.fields = (*qualifier, ast.String(sval=new))
        writer.put_relation(view.with_changes(view_sql=deparse(stmt.node)))


def _view_statements(binder, writer):
    """Each view (as this transaction's DDL left it) with its text parsed; a text that
    does not parse names nothing to follow and is left out."""
    from borealis.sql.parse import parse
    for view in _live_views(binder, writer):
        try:
            (stmt,) = parse(view.view_sql)
        except errors.BorealisError:
            continue
        yield view, stmt


def _nodes(root: object, kind: type) -> list:
    """The nodes of type `kind` in a parse tree (to AST_DEPTH_MAX deep)."""
    out = []
    stack: list[tuple[object, int]] = [(root, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > AST_DEPTH_MAX:
            continue
        if isinstance(node, kind):
            out.append(node)
        if isinstance(node, ast.Node):
            stack.extend((getattr(node, attr), depth + 1) for attr in node)
        elif isinstance(node, tuple):
            stack.extend((item, depth + 1) for item in node)
    return out


def _relations_read(binder, view: Relation) -> set[int]:
    """The relations a view's text names (resolved as when it is used), and the
    sequences it calls: by OID (`sql.sequence_ddl.canonical_sequences`), or by name
    in a view stored before views named them by OID."""
    from borealis.sql.bind import view_body
    from borealis.sql.parse import parse
    try:
        (stmt,) = parse(view.view_sql or "")
    except errors.BorealisError:
        return set()
    from borealis.sql.sequence_ddl import sequences_called, sequences_named
    out = {oid for oid in sequences_named(view.view_sql or "")
           if binder.catalog.relation_by_oid(oid) is not None}
    with view_body(binder.ctx, view):
        if "val(" in (view.view_sql or ""):  # one stored with the sequences' names
            out |= sequences_called(binder, stmt.node)
        for rv in _nodes(stmt.node, ast.RangeVar):
            found = binder.find_relation(rv.schemaname, rv.relname)
            if found is not None:
                out.add(found.oid)
    return out


def _without_columns(binder, rel: Relation, columns: list[Column]):
    """The catalog with `rel`'s `columns` dropped (nothing else changed)."""
    attnums = {c.attnum for c in columns}
    shown = rel.with_changes(columns=tuple(_dropped(c) if c.attnum in attnums else c
                                           for c in rel.columns))
    catalog = binder.catalog
    return replace(catalog, relations=tuple(shown if r.oid == rel.oid else r for r in catalog.relations),
                   _by_name={})


def _shape(binder, view: Relation, catalog) -> tuple | None:
    """What the view's columns are bound to over `catalog`: the name and type of each
    output of its query that the view shows (`bind_view` keeps the first as many as
    the view has columns, so a `*` expanded at CREATE VIEW stays as it was), or None
    when it does not bind."""
    from borealis.sql.bind import Binder, view_body
    from borealis.sql.parse import parse
    other = Binder(replace(binder.ctx, catalog=catalog))
    try:
        (stmt,) = parse(view.view_sql or "")
        with view_body(other.ctx, view):
            query = other.bind_query(stmt.node, None)
    except errors.BorealisError:
        return None
    shown = len(view.columns) or len(query.columns)
    if len(query.columns) < shown:
        return None
    return tuple((c.name, c.oid, c.typmod) for c in query.columns[:shown])


def _breaks(binder, view: Relation, now, without) -> bool:
    """Whether the view binds over catalog `now` but not as well over `without`."""
    before = _shape(binder, view, now)
    return before is not None and _shape(binder, view, without) != before


def _dependent_lines(binder, rel: Relation, drop: _Drop) -> list[str]:
    """PostgreSQL's DETAIL lines for what only CASCADE may drop."""
    first = drop.columns[0]
    table = binder.described(rel)
    lines = [f"column {c.name} of table {table} depends on column {first.name} of table {table}"
             for c in drop.columns[1:]]
    lines.extend(drop.sequence_lines)
    lines.extend(f"view {binder.described(v)} depends on {why}" for v, why in drop.views)
    lines.extend(fk.dependency_line(binder, child, con, why) for child, con, why in drop.foreign_keys)
    return lines


# -- applying it ------------------------------------------------------------------------

def _dropped(col: Column) -> Column:
    """The column as a dropped one: its position and type stay (stored rows keep a value
    there), everything that made it a column goes."""
    return Column(col.attnum, dropped_label(col.attnum), col.type_oid, col.typmod, dropped=True)


async def _apply(binder, writer, rel: Relation, drop: _Drop) -> Relation:
    from borealis.sql.ddl import _cancel_build, _delete_range
    from borealis.sql.sequence_ddl import drop_dependents, drop_owned_sequences, without_defaults
    others = [(child, con) for child, con, _ in drop.foreign_keys if child.oid != rel.oid]
    fk._drop_fks(writer, others)  # as DROP TABLE ... CASCADE does
    own = drop.constraints | {con.name for child, con, _ in drop.foreign_keys if child.oid == rel.oid}
    for view, _ in drop.views:
        writer.drop_relation(view)
    drop_dependents(binder, writer, drop.sequences, {rel.oid})  # other tables' defaults
    rel = without_defaults(rel, {seq.oid for seq in drop.sequences})  # and its own
    for col in drop.columns:
        drop_owned_sequences(writer, rel, col.attnum)
    attnums = drop.attnums
    gone = {i.oid for i in drop.indexes}
    for index in drop.indexes:
        if not index.primary:  # the primary key's "index" is the table itself
            await _delete_range(writer.txn, relation_prefix(index.oid))
            await _cancel_build(writer, index)
    indexes = tuple(replace(i, include=tuple(a for a in i.include if a not in attnums)) if i.primary else i
                    for i in rel.indexes if i.oid not in gone)
    new = rel.with_changes(
        columns=tuple(_dropped(c) if c.attnum in attnums else c for c in rel.columns),
        indexes=indexes,
        constraints=tuple(c for c in rel.constraints if c.name not in own))
    if set(rel.primary_key) & attnums:  # relaxed mode (DSQL refused it)
        new = new.with_changes(primary_key=())
        await _rekey(binder, writer.txn, rel, new)
    return new


async def _rekey(binder, txn, old: Relation, new: Relation) -> None:
    """The table lost its primary key: every row moves to a hidden row id key, as in a
    table created without one, and its secondary indexes (whose entries point at row
    keys) are written again."""
    from borealis.sql.ddl import _delete_range
    from borealis.sql.dml import RowCodec
    for index in new.indexes:
        await _delete_range(txn, relation_prefix(index.oid))
    codec = RowCodec(binder, new)
    width = len(new.columns)
    start, end = new.prefix, prefix_end(new.prefix)
    moved: set[bytes] = set()
    while True:
        page = await txn.scan(start, end, limit=PAGE_ROWS)
        for key, raw in page:
            if key in moved:
                continue  # written by this loop: the new keys share the table's range
            row = values.loads(raw)
            row = row + (None,) * (width - len(row))
            new_key = codec.row_key(row, txn.rt.random)
            txn.delete(key)
            txn.put(new_key, raw)
            moved.add(new_key)
            for _, entry_key, _unique in codec.index_entries(row, new_key):
                txn.put(entry_key, new_key)
        if len(page) < PAGE_ROWS:
            return
        start = page[-1][0] + b"\x00"


__all__ = ["drop_column", "dropped_label", "rename_column"]
