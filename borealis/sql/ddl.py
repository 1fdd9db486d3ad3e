"""DDL: schema changes as ordinary transactions on the catalog (DESIGN.md §3).

Each statement reads the catalog snapshot, builds new descriptors (`catalog.model`)
and writes them with `CatalogWriter`, which also bumps the cluster-wide catalog version
so concurrent sessions get OC001. Expressions kept in the catalog (DEFAULT, CHECK,
generated columns, view bodies, index key expressions and predicates) are stored as SQL
text deparsed by pglast and bound again where they are used.

Indexes: `CREATE INDEX ASYNC` (the parser hands over the ASYNC keyword as a statement
modifier) writes the index invalid plus a job record, returns the job id, and leaves the
backfill to `qp.jobs.JobRunner`; DROP INDEX / DROP TABLE cancel a running build. A plain
`CREATE INDEX` builds the index inside its own transaction, and only in relaxed mode:
DSQL refuses it, as it refuses USING, ASC/DESC keys and CONCURRENTLY. Keys may be
immutable expressions and the index partial (WHERE): `sql.index_keys` checks and keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType, SortByDir
from pglast.parser import ParseError, scan
from pglast.stream import RawStream

from borealis.catalog import store
from borealis.catalog.model import (
    JOB_FAILED,
    JOB_INDEX_BUILD,
    JOB_PROCESSING,
    JOB_SUBMITTED,
    JOB_VALIDATE_CONSTRAINT,
    PUBLIC_SCHEMA_OID,
    Column,
    Constraint,
    Function,
    Index,
    Job,
    Relation,
    Schema,
    key_type,
    relation_prefix,
)
from borealis.catalog.store import CatalogWriter
from borealis.core import errors, values
from borealis.core.keys import INDEXABLE_OIDS, prefix_end
from borealis.core.limits import Compat
from borealis.sql import alter_columns, fk, index_keys
from borealis.sql import types as T
from borealis.sql.bind import Binder, type_from_ast
from borealis.sql.deparse import quote_ident
from borealis.sql.dsql_limits import (
    check_new_index,
    check_new_relation,
    check_new_schema,
    check_table_shape,
    check_view_definition,
)
from borealis.sql.plan import OutCol

NAME_BYTES_MAX = 63
COLUMNS_MAX = 1600


def deparse(node: ast.Node) -> str:
    return RawStream()(node)


def _ident(name: str) -> str:
    """PostgreSQL truncates identifiers to 63 bytes."""
    raw = name.encode()
    if len(raw) <= NAME_BYTES_MAX:
        return name
    return raw[:NAME_BYTES_MAX].decode(errors="ignore")


async def execute_ddl(binder: Binder, writer: CatalogWriter, node: ast.Node, sql: str, *,
                      modifiers: frozenset[str] = frozenset()) -> str | DdlResult:
    """Run one DDL statement; returns the command tag, or a `DdlResult` for statements
    that return rows (CREATE INDEX ASYNC: its job id). `modifiers` are the keywords the
    parser took out (`parse.MODIFIERS`): with ASYNC the statement goes to its async form."""
    if "ASYNC" in modifiers:
        handler = _ASYNC_HANDLERS.get(type(node))
        if handler is None:
            raise errors.FeatureNotSupported(
                what=f"ASYNC is not supported for {type(node).__name__.removesuffix('Stmt')}")
    else:
        handler = _HANDLERS.get(type(node))
    if handler is None:
        raise errors.UnsupportedStatement(what=type(node).__name__.removesuffix("Stmt"))
    _privileges().check_ddl(binder, node)  # 42501: CREATE on the schema, ownership
    return await handler(binder, writer, node, sql)


@dataclass(frozen=True)
class DdlResult:
    """A DDL statement's rows (one row with `job_id` for the async forms)."""

    tag: str
    columns: list[OutCol]
    rows: list[tuple]


JOB_ID_COLUMNS = [OutCol("job_id", 25)]


def ddl_result_columns(node: ast.Node, modifiers: frozenset[str]) -> list[OutCol] | None:
    """The columns a DDL statement returns (for Describe), None when it returns none."""
    return JOB_ID_COLUMNS if "ASYNC" in modifiers and type(node) in _ASYNC_HANDLERS else None


def _target_schema(binder: Binder, schemaname: str | None) -> Schema:
    name = schemaname or next((s for s in binder.ctx.search_path if binder.catalog.schema(s)), "public")
    schema = binder.catalog.schema(name)
    if schema is None:
        if schemaname is None:
            raise errors.InvalidSchemaName(what="no schema has been selected to create in")
        raise errors.UndefinedSchema(name=name)
    return schema


# -- schemas ----------------------------------------------------------------------------

async def _create_schema(binder: Binder, writer: CatalogWriter, node: ast.CreateSchemaStmt, sql: str) -> str:
    name = _ident(node.schemaname)
    if node.schemaElts:
        raise errors.FeatureNotSupported(what="CREATE SCHEMA with elements is not supported")
    if binder.catalog.schema(name) is not None:
        if node.if_not_exists:
            return "CREATE SCHEMA"
        raise errors.DuplicateSchema(name=name)
    if name.startswith("pg_"):
        raise errors.ReservedName(
            f'unacceptable schema name "{name}"', detail='The prefix "pg_" is reserved for system schemas.')
    check_new_schema(binder)
    writer.put_schema(Schema(await writer.allocate_oid(), name))
    return "CREATE SCHEMA"


async def _drop(binder: Binder, writer: CatalogWriter, node: ast.DropStmt, sql: str) -> str:
    kind = node.removeType
    cascade = node.behavior.value == 1
    if kind == ObjectType.OBJECT_SCHEMA:
        return await _drop_schemas(binder, writer, node, cascade)
    if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW):
        return await _drop_relations(binder, writer, node, cascade,
                                     "r" if kind == ObjectType.OBJECT_TABLE else "v")
    if kind == ObjectType.OBJECT_INDEX:
        return await _drop_indexes(binder, writer, node, cascade)
    if kind == ObjectType.OBJECT_SEQUENCE:
        return await _seq().drop_sequences(binder, writer, node)
    raise errors.UnsupportedObject(what="unsupported object in DROP")


async def _drop_schemas(binder: Binder, writer: CatalogWriter, node: ast.DropStmt,
                        cascade: bool) -> str:
    for obj in node.objects:
        name = obj.sval if isinstance(obj, ast.String) else obj[-1].sval
        schema = binder.catalog.schema(name)
        if schema is None:
            if node.missing_ok:
                continue
            raise errors.UndefinedSchema(name=name)
        members = [r for r in binder.catalog.relations if r.schema_oid == schema.oid]
        functions = [f for f in binder.catalog.functions if f.schema_oid == schema.oid]
        if (members or functions) and not cascade:
            raise errors.DependentObjectsStillExist(
                what=f"cannot drop schema {name} because other objects depend on it",
                detail=_schema_members_detail(binder, writer, schema.name, members,
                                              functions),
                hint="Use DROP ... CASCADE to drop the dependent objects too.")
        for fn in functions:  # (CASCADE)
            writer.drop_function(fn)
        if members:
            oids = {r.oid for r in members}
            fk.drop_referencing(binder, writer, members)
            _drop_views_over(binder, writer, members, oids)
            _seq().drop_dependents(binder, writer, [r for r in members if r.kind == "S"],
                                   oids)
        for rel in members:
            await _drop_relation(writer, rel)
        writer.drop_schema(schema)
    return "DROP SCHEMA"


async def _drop_relations(binder: Binder, writer: CatalogWriter, node: ast.DropStmt,
                          cascade: bool, want: str) -> str:
    """DROP TABLE (`want` "r") or DROP VIEW ("v")."""
    what = "table" if want == "r" else "view"
    rels: list[Relation] = []
    for obj in node.objects:
        names = [s.sval for s in obj]
        rel = binder.find_relation(names[-2] if len(names) > 1 else None, names[-1])
        if rel is None or rel.kind != want or getattr(rel, "virtual_rows", None) is not None:
            if node.missing_ok and (rel is None or rel.kind != want):
                continue
            if rel is None:
                raise errors.UndefinedTable(f'{what} "{names[-1]}" does not exist')
            raise errors.WrongObjectType(what=f'"{names[-1]}" is not a {what}')
        if all(r.oid != rel.oid for r in rels):
            rels.append(rel)
    named = {r.oid for r in rels}
    if not cascade:
        _refuse_dependents(binder, writer, rels, alter_columns.described(binder, rels[0])
                           if len(rels) == 1 else None)
    for rel in rels:
        if cascade:
            fk.drop_referencing(binder, writer, [rel], also=named)
            _drop_views_over(binder, writer, [rel], named)
            if rel.kind == "r":
                _seq().drop_dependents(binder, writer,
                                       binder.catalog.owned_sequences(rel.oid), named)
        await _drop_relation(writer, rel)
    return "DROP TABLE" if want == "r" else "DROP VIEW"


async def _drop_indexes(binder: Binder, writer: CatalogWriter, node: ast.DropStmt,
                        cascade: bool) -> str:
    for obj in node.objects:
        names = [s.sval for s in obj]
        found = _find_index(binder, names)
        if found is None:
            if node.missing_ok:
                continue
            raise errors.UndefinedObject(what=f'index "{names[-1]}" does not exist')
        rel, index = found
        if index.primary:
            raise errors.DependentObjectsStillExist(
                what=f"cannot drop index {index.name} because constraint {index.name} on table "
                     f"{rel.name} requires it")
        rel = await fk.drop_index_dependents(binder, writer, rel, index, cascade=cascade)
        await _delete_range(writer.txn, relation_prefix(index.oid))
        await _cancel_build(writer, index)
        cons = tuple(c for c in rel.constraints if c.index_oid != index.oid or c.kind == "f")
        writer.put_relation(rel.with_changes(
            indexes=tuple(i for i in rel.indexes if i.oid != index.oid), constraints=cons))
    return "DROP INDEX"


def _refuse_dependents(binder: Binder, writer: CatalogWriter, rels: list[Relation],
                       what: str | None, *, table: Relation | None = None) -> None:
    """DROP TABLE/VIEW without CASCADE: 2BP01 when views or other tables' foreign keys
    depend on what it drops, with PostgreSQL's DETAIL naming them all, each once. As
    PostgreSQL's: an object depending on two of them is found through the first one
    named, and the last one named has its dependents listed first. `what` names the
    one object the statement drops (None: it names several); `table`, one an ALTER
    TABLE is changing (as its earlier subcommands left it: DROP IDENTITY)."""
    dropping = {r.oid for r in rels}
    shown: set[int] = set()
    found = [_dependent_lines(binder, writer, rel, dropping, shown, table) for rel in rels]
    lines = [line for per_rel in reversed(found) for line in per_rel]
    if not lines:
        return
    raise errors.DependentObjectsStillExist(
        what=f"cannot drop {what} because other objects depend on it" if what else
        "cannot drop desired object(s) because other objects depend on them",
        detail="\n".join(lines), hint="Use DROP ... CASCADE to drop the dependent objects too.")


def _drop_views_over(binder: Binder, writer: CatalogWriter, rels: list[Relation],
                     dropping: set[int]) -> None:
    """DROP ... CASCADE: the views that read what it drops go too, and the views over
    those."""
    for view, _ in alter_columns.views_reading(binder, writer, rels, dropping):
        writer.drop_relation(view)


def _schema_members_detail(binder: Binder, writer: CatalogWriter, schema: str,
                           members: list[Relation], functions: list[Function]) -> str:
    """PostgreSQL's DETAIL for DROP SCHEMA without CASCADE: each relation and function of
    the schema in the order they were made (not a sequence that a column of one owns: it
    goes with its column), each followed by the views and foreign keys outside the
    schema that depend on it, views over views depth first, each object once: one that
    depends on two of them is found through the newer, as PostgreSQL finds it."""
    oids = {r.oid for r in members}
    listed = [r for r in sorted(members, key=lambda r: r.oid)
              if not (r.kind == "S" and r.sequence is not None and r.sequence.owned_by[0] in oids)]
    shown: set[int] = set()
    found = {rel.oid: _dependent_lines(binder, writer, rel, oids, shown)
             for rel in reversed(listed)}
    entries = [(rel.oid, [f"{alter_columns.described(binder, rel)} depends on schema {schema}",
                          *found[rel.oid]]) for rel in listed]
    entries.extend((fn.oid, [f"function {_described_function(binder, fn, schema)} "
                             f"depends on schema {schema}"]) for fn in functions)
    return "\n".join(line for _, lines in sorted(entries, key=lambda e: e[0])
                     for line in lines)


def _described_function(binder: Binder, fn: Function, schema: str) -> str:
    """`f(integer)`, or `s.f(integer)` when the search path finds another function of
    that signature first, or none."""
    for name in binder.ctx.search_path:
        found = binder.catalog.schema(name)
        if found is not None and any(other.input_types == fn.input_types for other
                                     in binder.catalog.functions_named(found.oid, fn.name)):
            if found.oid == fn.schema_oid:
                return function_ddl.signature(fn)
            break
    return f"{quote_ident(schema)}.{function_ddl.signature(fn)}"


def _dependent_lines(binder: Binder, writer: CatalogWriter, rel: Relation,
                     dropping: set[int], shown: set[int],
                     table: Relation | None = None) -> list[str]:
    """PostgreSQL's DETAIL lines for what depends on `rel` outside the relations
    `dropping`: views (and the views over them, depth first), foreign keys, and what
    depends on a sequence it is or owns (column defaults, views). Views already in
    `shown` are left out; the ones named here join it."""
    if rel.kind == "S":
        return _seq().dependent_lines(binder, writer, [rel], dropping, shown, table=table)
    target = alter_columns.described(binder, rel)
    lines = []
    for view, why in alter_columns.views_reading(binder, writer, [rel], dropping):
        if view.oid not in shown:
            shown.add(view.oid)
            lines.append(f"view {binder.described(view)} depends on {why}")
    lines.extend(fk.dependency_line(binder, child, con, target)
                 for child, con in fk.dependents(binder.catalog, {rel.oid}, dropping))
    # What depends on the sequences it owns comes first, as in PostgreSQL; a view
    # reading the table too is named as the table's (found above).
    owned = binder.catalog.owned_sequences(rel.oid) if rel.kind == "r" else []
    return _seq().dependent_lines(binder, writer, owned, dropping, shown) + lines


def _find_index(binder: Binder, names: list[str]):
    if len(names) > 1:
        schema = binder.catalog.schema(names[-2])
        return binder.catalog.index(schema.oid, names[-1]) if schema else None
    for sname in binder.ctx.search_path:
        schema = binder.catalog.schema(sname)
        if schema is not None:
            found = binder.catalog.index(schema.oid, names[-1])
            if found is not None:
                return found
    return None


async def _drop_relation(writer: CatalogWriter, rel: Relation) -> None:
    """The descriptor goes, and so do its rows and index entries (DSQL has no TRUNCATE:
    DROP is how a table's data disappears)."""
    if rel.kind == "r":
        await _delete_range(writer.txn, rel.prefix)
        for index in rel.indexes:
            if not index.primary:
                await _delete_range(writer.txn, relation_prefix(index.oid))
                await _cancel_build(writer, index)
        _seq().drop_owned_sequences(writer, rel)  # its identity and serial sequences
    if rel.kind == "S":
        _seq().drop_sequence(writer, rel)  # the descriptor and the state key
        return
    writer.drop_relation(rel)


def _seq():
    """`sql.sequence_ddl` (sequences, identity and serial columns), imported when
    used: it builds on the helpers of this module."""
    from borealis.sql import sequence_ddl
    return sequence_ddl


async def _cancel_build(writer: CatalogWriter, index: Index) -> None:
    """DROP of an index whose async build is still running cancels the job, in the same
    transaction (the runner sees the job failed, or the catalog moved, and stops)."""
    if not index.job_id or index.valid:
        return
    from borealis.qp.jobs import DROPPED_DETAIL
    job = await store.get_job(writer.txn, index.job_id)
    if job is not None and job.status in (JOB_SUBMITTED, JOB_PROCESSING):
        store.put_job(writer.txn, replace(job, status=JOB_FAILED, details=DROPPED_DETAIL,
                                          update_time=writer.txn.rt.clock.now()))


async def _delete_range(txn, prefix: bytes) -> None:
    end = prefix_end(prefix)
    while True:
        rows = await txn.scan(prefix, end, limit=1000)
        for key, _ in rows:
            txn.delete(key)
        if len(rows) < 1000:
            return
        prefix = rows[-1][0] + b"\x00"


# -- tables -----------------------------------------------------------------------------

async def _create_table(binder: Binder, writer: CatalogWriter, node: ast.CreateStmt, sql: str) -> str:
    rv = node.relation
    if rv.relpersistence == "t":
        raise errors.FeatureNotSupported(what="temporary tables are not supported")
    if node.inhRelations or node.partspec or node.partbound or node.ofTypename:
        raise errors.FeatureNotSupported(what="inheritance and partitioning are not supported")
    schema = _target_schema(binder, rv.schemaname)
    name = _ident(rv.relname)
    if binder.catalog.name_taken(schema.oid, name):
        if node.if_not_exists:
            return "CREATE TABLE"
        raise errors.DuplicateTable(name=name)
    oid = await writer.allocate_oid()
    columns: list[Column] = []
    constraints: list[Constraint] = []
    pk: tuple[int, ...] = ()
    unique_sets: list[tuple[str | None, tuple[int, ...], bool]] = []
    check_names = fk.schema_constraint_names(binder.catalog, schema.oid)  # for unnamed CHECKs
    elts, serials = _seq().serial_columns(binder, node.tableElts, name)  # relaxed mode: SERIAL
    for elt in elts:
        if isinstance(elt, ast.ColumnDef):
            col, col_pk, col_unique, col_checks = _column_def(elt, len(columns) + 1, name,
                                                              check_names)
            if any(c.name == col.name for c in columns):
                raise errors.DuplicateColumn(name=col.name)
            columns.append(col)
            if col_pk:
                if pk:
                    raise errors.InvalidTableDefinition(
                        what=f'multiple primary keys for table "{name}" are not allowed')
                pk = (col.attnum,)
            unique_sets.extend((n, (col.attnum,), nnd) for n, nnd in col_unique)
            constraints.extend(col_checks)
        elif isinstance(elt, ast.Constraint):
            by_name = {c.name: c for c in columns}
            kind = elt.contype
            if kind == ConstrType.CONSTR_PRIMARY:
                if pk:
                    raise errors.InvalidTableDefinition(
                        what=f'multiple primary keys for table "{name}" are not allowed')
                pk = tuple(_attnum(by_name, k.sval) for k in elt.keys)
            elif kind == ConstrType.CONSTR_UNIQUE:
                unique_sets.append((elt.conname, tuple(_attnum(by_name, k.sval) for k in elt.keys),
                                    bool(elt.nulls_not_distinct)))
            elif kind == ConstrType.CONSTR_CHECK:
                constraints.append(Constraint(_check_name(name, elt, check_names),
                                              "c", expr=deparse(elt.raw_expr)))
            elif kind == ConstrType.CONSTR_FOREIGN:
                pass  # sql.fk.create_table_foreign_keys, once the table's keys exist
            else:
                raise errors.FeatureNotSupported(what=f"constraint {kind.name} is not supported")
        else:
            raise errors.FeatureNotSupported(what=f"{type(elt).__name__} in CREATE TABLE is not supported")
    if len(columns) > COLUMNS_MAX:
        raise errors.TooManyColumns(what=f"tables can have at most {COLUMNS_MAX} columns")
    by_attnum = {c.attnum: c for c in columns}
    for a in pk:
        col = by_attnum[a]
        _check_indexable(col)
        by_attnum[a] = Column(**{**col.__dict__, "not_null": True})
    columns = [by_attnum[c.attnum] for c in columns]
    from borealis.sql.dml import check_default
    for col in columns:
        check_default(binder, col)  # as written: serial and identity defaults come next
    # identity and serial sequences; defaults calling nextval('name') resolved to the OID
    columns = await _seq().table_sequences(binder, writer, schema, name, oid, elts, columns, serials)
    by_attnum = {c.attnum: c for c in columns}
    indexes: list[Index] = []
    if pk:
        pk_name = _ident(f"{name}_pkey")
        constraints.insert(0, Constraint(pk_name, "p", pk, index_oid=oid))
        indexes.append(Index(oid, pk_name, pk, unique=True, primary=True,
                             include=tuple(c.attnum for c in columns if c.attnum not in pk)))
    for con_name, cols, nnd in unique_sets:
        for a in cols:
            _check_indexable(by_attnum[a])
        index_oid = await writer.allocate_oid()
        iname = _ident(con_name or f"{name}_{'_'.join(by_attnum[a].name for a in cols)}_key")
        indexes.append(Index(index_oid, iname, cols, unique=True, nulls_not_distinct=nnd))
        constraints.append(Constraint(iname, "u", cols, index_oid=index_oid))
    rel = Relation(oid, schema.oid, name, "r", tuple(columns), pk, tuple(indexes), tuple(constraints))
    rel = fk.create_table_foreign_keys(binder, rel, node)  # REFERENCES / FOREIGN KEY
    _check_constraint_names(list(rel.constraints), name)
    check_table_shape(binder, len(columns), [i.columns for i in indexes], len(indexes))  # DSQL
    check_new_relation(binder, "r")
    from borealis.sql.dml import RowCodec
    RowCodec(binder, rel)  # binds CHECK and generated expressions now: 42703 & co. at CREATE
    writer.put_relation(rel)
    return "CREATE TABLE"


def _check_constraint_names(constraints: list[Constraint], table: str) -> None:
    seen = set()
    for c in constraints:
        if c.name in seen:
            raise errors.DuplicateObject(
                what=f'constraint "{c.name}" for relation "{table}" already exists')
        seen.add(c.name)


def _attnum(by_name: dict[str, Column], name: str) -> int:
    col = by_name.get(name)
    if col is None:
        raise errors.UndefinedColumn(f'column "{name}" named in key does not exist')
    return col.attnum


def _check_indexable(col: Column) -> None:
    if key_type(col.type_oid) not in INDEXABLE_OIDS:
        raise errors.FeatureNotSupported(
            what=f'data type {T.type_by_oid(col.type_oid).name} has no default operator class for access method "btree"')


def _check_name(table: str, con: ast.Constraint, taken: set[str]) -> str:
    """A CHECK constraint's name: its own, or PostgreSQL's for an unnamed one,
    `<table>_<column>_check` when the expression reads exactly one column (wherever the
    constraint was written), else `<table>_check`, numbered (check1, ...) past the names
    in `taken` (the schema's constraints and this statement's CHECKs so far)."""
    name = con.conname
    if not name:
        columns = index_keys.names_in(con.raw_expr)
        name = fk.choose_name(table, sorted(columns) if len(columns) == 1 else [], "check", taken)
    taken.add(name)
    return name


def _column_def(elt: ast.ColumnDef, attnum: int, table: str, check_names: set[str] | None = None):
    """(Column, is primary key, [(unique name, nulls not distinct)], [check constraints]).
    Unnamed CHECKs are named past `check_names` (see `_check_name`), which grows."""
    oid, typmod = type_from_ast(elt.typeName)
    name = _ident(elt.colname)
    not_null = bool(elt.is_not_null)
    default = generated = None
    identity = ""
    is_pk = False
    unique: list[tuple[str | None, bool]] = []
    checks: list[Constraint] = []
    for con in elt.constraints or ():
        kind = con.contype
        if kind == ConstrType.CONSTR_NOTNULL:
            not_null = True
        elif kind == ConstrType.CONSTR_NULL:
            not_null = False
        elif kind == ConstrType.CONSTR_DEFAULT:
            default = deparse(con.raw_expr)
        elif kind == ConstrType.CONSTR_PRIMARY:
            is_pk = True
        elif kind == ConstrType.CONSTR_UNIQUE:
            unique.append((con.conname, bool(con.nulls_not_distinct)))
        elif kind == ConstrType.CONSTR_CHECK:
            checks.append(Constraint(_check_name(table, con, set() if check_names is None
                                                 else check_names), "c", (attnum,),
                                     expr=deparse(con.raw_expr)))
        elif kind == ConstrType.CONSTR_GENERATED:
            generated = deparse(con.raw_expr)
        elif kind == ConstrType.CONSTR_IDENTITY:
            identity, not_null = con.generated_when, True  # its sequence: sql.sequence_ddl
        elif kind in fk.COLUMN_KINDS:
            pass  # REFERENCES [DEFERRABLE ...]: sql.fk.column_references
        else:
            raise errors.FeatureNotSupported(what=f"column constraint {kind.name} is not supported")
    if elt.collClause is not None:
        coll = elt.collClause.collname[-1].sval
        if coll not in ("C", "POSIX", "default"):
            raise errors.FeatureNotSupported(what=f'collation "{coll}" is not supported: only C')
    return (Column(attnum, name, oid, typmod, not_null, default, generated, identity), is_pk,
            unique, checks)


async def _alter_table(binder: Binder, writer: CatalogWriter, node: ast.AlterTableStmt, sql: str) -> str:
    if _roles().is_owner_change(node):  # ALTER TABLE / VIEW / SEQUENCE ... OWNER TO
        return await _roles().alter_table_owner(binder, writer, node)
    rel = binder.find_relation(node.relation.schemaname, node.relation.relname)
    if rel is None:
        if node.missing_ok:
            return "ALTER TABLE"
        raise errors.UndefinedTable(name=node.relation.relname)
    for cmd in node.cmds:
        if cmd.subtype == AlterTableType.AT_AddColumn:
            col, is_pk, unique, checks = _column_def(cmd.def_, max((c.attnum for c in rel.columns), default=0) + 1, rel.name)
            if col.name in rel.column_by_name:
                if cmd.missing_ok:
                    continue
                raise errors.DuplicateColumn(f'column "{col.name}" of relation "{rel.name}" already exists')
            if col.attnum > COLUMNS_MAX:  # attnums are never reused: dropped columns count
                raise errors.TooManyColumns(what=f"tables can have at most {COLUMNS_MAX} columns")
            if is_pk or unique or checks or col.not_null or col.default is not None or col.generated \
                    or fk.column_references(cmd.def_):
                raise errors.FeatureNotSupported(what="ALTER TABLE ADD COLUMN with constraint not supported")
            rel = rel.with_changes(columns=rel.columns + (col,))
            check_table_shape(binder, len(rel.live_columns), [], 0)  # DSQL's 255 columns
        elif cmd.subtype == AlterTableType.AT_ColumnDefault:
            col = rel.column_by_name.get(cmd.name)
            if col is None:
                raise errors.UndefinedColumn(f'column "{cmd.name}" of relation "{rel.name}" does not exist')
            new = _seq().column_with_default(binder, rel, col, cmd.def_)  # 42601 on identity
            rel = rel.with_changes(columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))
        elif cmd.subtype in (AlterTableType.AT_AddIdentity, AlterTableType.AT_SetIdentity,
                             AlterTableType.AT_DropIdentity):
            rel = await _seq().alter_identity(binder, writer, rel, cmd)
        elif cmd.subtype == AlterTableType.AT_DropNotNull:
            col = rel.column_by_name.get(cmd.name)
            if col is None:
                raise errors.UndefinedColumn(f'column "{cmd.name}" of relation "{rel.name}" does not exist')
            if col.attnum in rel.primary_key:
                raise errors.InvalidTableDefinition(what=f'column "{col.name}" is in a primary key')
            new = Column(**{**col.__dict__, "not_null": False})
            rel = rel.with_changes(columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))
        elif cmd.subtype == AlterTableType.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint) \
                and cmd.def_.contype in (ConstrType.CONSTR_FOREIGN, ConstrType.CONSTR_CHECK):
            rel = await fk.add_constraint(binder, writer, rel, cmd.def_)
        elif cmd.subtype == AlterTableType.AT_DropConstraint:
            rel = await fk.drop_constraint(binder, writer, rel, cmd)
        elif cmd.subtype == AlterTableType.AT_ValidateConstraint:
            rel = await fk.validate_constraint(binder, writer, rel, cmd.name)
        elif cmd.subtype == AlterTableType.AT_DropColumn:
            rel = await alter_columns.drop_column(binder, writer, rel, cmd)
        else:
            raise errors.FeatureNotSupported(
                what=f"unsupported ALTER TABLE {cmd.subtype.name.removeprefix('AT_')} statement")
    writer.put_relation(rel)
    return "ALTER TABLE"


async def _rename(binder: Binder, writer: CatalogWriter, node: ast.RenameStmt, sql: str) -> str:
    kind = node.renameType
    if kind == ObjectType.OBJECT_ROLE:  # ALTER ROLE / USER / GROUP ... RENAME TO
        return await _roles().rename_role(binder, writer, node, sql)
    if kind == ObjectType.OBJECT_SCHEMA:
        raise errors.FeatureNotSupported(what="renaming a schema is not supported")
    if kind == ObjectType.OBJECT_INDEX:
        found = _find_index(binder, [node.relation.schemaname, node.relation.relname]
                            if node.relation.schemaname else [node.relation.relname])
        if found is None:
            raise errors.UndefinedObject(what=f'index "{node.relation.relname}" does not exist')
        rel, index = found
        new_name = _ident(node.newname)
        if binder.catalog.name_taken(rel.schema_oid, new_name):
            raise errors.DuplicateTable(name=new_name)
        renamed = Index(**{**index.__dict__, "name": new_name})
        writer.put_relation(rel.with_changes(indexes=tuple(renamed if i.oid == index.oid else i for i in rel.indexes)))
        return "ALTER INDEX"
    # The tag is the statement's (ALTER TABLE on a view says ALTER TABLE, as in PostgreSQL).
    stated = node.relationType if kind == ObjectType.OBJECT_COLUMN else kind
    tag = "ALTER VIEW" if stated == ObjectType.OBJECT_VIEW else "ALTER TABLE"
    rel = binder.find_relation(node.relation.schemaname, node.relation.relname)
    if rel is None:
        if node.missing_ok:
            return "ALTER SEQUENCE" if kind == ObjectType.OBJECT_SEQUENCE else tag
        raise errors.UndefinedTable(name=node.relation.relname)
    if kind == ObjectType.OBJECT_VIEW and rel.kind != "v":  # (RENAME COLUMN does not check)
        raise errors.WrongObjectType(what=f'"{rel.name}" is not a view')
    if kind == ObjectType.OBJECT_SEQUENCE:
        if rel.kind != "S":
            raise errors.WrongObjectType(what=f'"{rel.name}" is not a sequence')
        tag = "ALTER SEQUENCE"
    new_name = _ident(node.newname)
    if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_SEQUENCE):
        if binder.catalog.name_taken(rel.schema_oid, new_name):
            raise errors.DuplicateTable(name=new_name)
        alter_columns.rename_in_views(binder, writer, rel, new_name)
        writer.put_relation(rel.with_changes(name=new_name))
        return tag
    if kind == ObjectType.OBJECT_COLUMN:
        col = rel.column_by_name.get(node.subname)
        if col is None:
            raise errors.UndefinedColumn(f'column "{node.subname}" does not exist')
        if new_name in rel.column_by_name:
            raise errors.DuplicateColumn(f'column "{new_name}" of relation "{rel.name}" already exists')
        # Views that read the column, bound as the catalog still names it; then CHECK,
        # DEFAULT and generated-column texts, index expressions and predicates
        alter_columns.rename_column_in_views(binder, writer, rel, col.name, new_name)
        writer.put_relation(alter_columns.rename_column(rel, col.name, new_name))
        return tag
    raise errors.FeatureNotSupported(what=f"renaming {kind.name} is not supported")


# -- indexes and views ------------------------------------------------------------------

def _compat(binder: Binder) -> Compat:
    return getattr(binder.ctx.settings, "compat", Compat.DSQL)


async def _create_index(binder: Binder, writer: CatalogWriter, node: ast.IndexStmt, sql: str) -> str:
    """CREATE INDEX: the index is built at once, in this transaction. Only in relaxed
    mode: DSQL refuses it (even on an empty table) and wants CREATE INDEX ASYNC."""
    _check_index_syntax(binder, node, sql)
    if _compat(binder) is Compat.DSQL:
        raise errors.IndexAsyncRequired()
    planned = await _plan_index(binder, writer, node)
    if planned is None:
        return "CREATE INDEX"
    rel, index = planned
    new_rel = rel.with_changes(indexes=rel.indexes + (index,))
    await _build_index(binder, writer.txn, new_rel, index)
    writer.put_relation(new_rel)
    return "CREATE INDEX"


async def _create_index_async(binder: Binder, writer: CatalogWriter, node: ast.IndexStmt,
                              sql: str) -> DdlResult:
    """CREATE INDEX ASYNC: this transaction only writes the index, invalid (writes
    maintain it, reads ignore it), and a submitted job; `qp.jobs.JobRunner` backfills it
    and makes it valid once this transaction has committed. Returns the job id."""
    from borealis.qp.jobs import new_job_id
    _check_index_syntax(binder, node, sql)
    txn = writer.txn
    job_id = new_job_id(txn.rt.random)
    planned = await _plan_index(binder, writer, node, job_id=job_id)
    if planned is None:  # IF NOT EXISTS, and it does: no job
        return DdlResult("CREATE INDEX", JOB_ID_COLUMNS, [])
    rel, index = planned
    writer.put_relation(rel.with_changes(indexes=rel.indexes + (index,)))
    schema = binder.catalog.schema_by_oid(rel.schema_oid)
    object_name = f"{schema.name if schema else ''}.{index.name}"
    store.put_job(txn, Job(job_id, JOB_INDEX_BUILD, JOB_SUBMITTED, index.oid, object_name,
                           rel.oid, txn.rt.clock.now()))
    runner = getattr(getattr(binder.ctx.settings, "backend", None), "jobs", None)
    if runner is not None:
        runner.submitted(job_id, txn)
    return DdlResult("CREATE INDEX", JOB_ID_COLUMNS, [(job_id,)])


def _check_index_syntax(binder: Binder, node: ast.IndexStmt, sql: str) -> None:
    """What DSQL refuses in any CREATE INDEX: CONCURRENTLY, USING (but its own
    btree_index), ASC/DESC on keys. Relaxed mode takes CONCURRENTLY and DESC, and USING
    btree."""
    dsql = _compat(binder) is Compat.DSQL
    if dsql and node.concurrent:
        raise errors.IndexConcurrentlyNotSupported()
    method = node.accessMethod or "btree"
    explicit = method != "btree" or _names_access_method(sql)
    if explicit and method != "btree_index":
        if dsql:
            raise errors.IndexUsingNotSupported()
        if method != "btree":
            raise errors.FeatureNotSupported(what=f'access method "{method}" is not supported')
    if dsql and any(e.ordering != SortByDir.SORTBY_DEFAULT for e in node.indexParams):
        raise errors.IndexSortOrderNotSupported()


def _names_access_method(sql: str) -> bool:
    """Whether the statement says USING (the parse tree cannot tell `USING btree` from
    the default): a USING token between ON and the key list's parenthesis."""
    try:
        tokens = scan(sql)
    except ParseError:
        return False
    after_on = False
    for tok in tokens:
        if tok.name == "ON":
            after_on = True
        elif after_on and tok.name == "USING":
            return True
        elif after_on and tok.name == "ASCII_40":
            return False
    return False


async def _plan_index(binder: Binder, writer: CatalogWriter, node: ast.IndexStmt, *,
                      job_id: str = "") -> tuple[Relation, Index] | None:
    """The table and the new index (not yet written); None when IF NOT EXISTS finds the
    name taken. With a `job_id` the index starts invalid, to be built by that job."""
    rel = binder.relation(node.relation)
    if rel.kind != "r":
        raise errors.WrongObjectType(what=f'"{rel.name}" is not a table')
    keys = index_keys.plan_keys(binder, rel, node, _check_indexable)  # expressions, WHERE
    include = []
    for elem in node.indexIncludingParams or ():
        if elem.name is None:
            raise errors.FeatureNotSupported(what="expressions are not supported in included columns")
        col = rel.column_by_name.get(elem.name)
        if col is None:
            raise errors.UndefinedColumn(name=elem.name)
        include.append(col.attnum)
    base = node.idxname or f"{rel.name}_{'_'.join(keys.names)}_idx"
    name = _ident(base)
    if binder.catalog.name_taken(rel.schema_oid, name):
        if node.if_not_exists:
            return None
        if node.idxname is None:
            n = 1
            while binder.catalog.name_taken(rel.schema_oid, _ident(f"{base}{n}")):
                n += 1
            name = _ident(f"{base}{n}")
        else:
            raise errors.DuplicateTable(name=name)
    check_new_index(binder, rel, len(keys.columns))  # DSQL: 8 key columns, 24 indexes
    index = Index(await writer.allocate_oid(), name, keys.columns, unique=bool(node.unique),
                  include=tuple(include),
                  descending=keys.descending if any(keys.descending) else (),
                  nulls_not_distinct=bool(node.nulls_not_distinct),
                  valid=not job_id, job_id=job_id, expressions=keys.expressions,
                  predicate=keys.predicate)
    return rel, index


async def _build_index(binder: Binder, txn, rel: Relation, index: Index) -> None:
    """Write an index entry for every existing row (synchronously, in this transaction)."""
    from borealis.sql.dml import RowCodec
    codec = RowCodec(binder, rel)
    start, end = rel.prefix, prefix_end(rel.prefix)
    width = len(rel.columns)
    seen: dict[bytes, bytes] = {}
    while True:
        rows = await txn.scan(start, end, limit=1000)
        for key, raw in rows:
            row = values.loads(raw)
            row = row + (None,) * (width - len(row))
            for _, entry_key, unique in codec.index_entries(row, key, only=index.oid):
                if unique and entry_key in seen:
                    raise errors.UniqueViolation(f'could not create unique index "{index.name}"',
                                                 detail=codec.unique_detail(index, row, "is duplicated"))
                seen[entry_key] = key
                txn.put(entry_key, key)
        if len(rows) < 1000:
            return
        start = rows[-1][0] + b"\x00"


async def _create_view(binder: Binder, writer: CatalogWriter, node: ast.ViewStmt, sql: str) -> str:
    rv = node.view
    schema = _target_schema(binder, rv.schemaname)
    name = _ident(rv.relname)
    query = binder.bind_query(node.query)
    from borealis.sql.dml import SelectWithWrites
    if isinstance(query.node, SelectWithWrites):
        raise errors.FeatureNotSupported(what="views must not contain data-modifying statements in WITH")
    cols = query.columns
    if node.aliases:
        aliases = [a.sval for a in node.aliases]
        if len(aliases) > len(cols):
            raise errors.SyntaxError(what="CREATE VIEW specifies more column names than columns")
        cols = [type(c)(aliases[i] if i < len(aliases) else c.name, c.oid, c.typmod)
                for i, c in enumerate(cols)]
    seen: set[str] = set()
    for c in cols:
        if c.name in seen:
            raise errors.DuplicateColumn(name=c.name)
        seen.add(c.name)
    existing = binder.catalog.relation(schema.oid, name)
    if existing is not None and not (node.replace and existing.kind == "v"):
        raise errors.DuplicateTable(name=name)
    typmods = [c.typmod for c in cols]
    if existing is not None:
        _check_view_columns(existing.columns, cols)
        # A typmod an expression lost here (see _check_view_columns) is the one kept.
        typmods[:len(existing.columns)] = [max(old.typmod, new) for old, new
                                           in zip(existing.columns, typmods)]
    oid = existing.oid if existing is not None else await writer.allocate_oid()
    columns = tuple(Column(i + 1, c.name, c.oid, typmod)
                    for i, (c, typmod) in enumerate(zip(cols, typmods)))
    view_sql = deparse(node.query)
    check_view_definition(binder, view_sql)  # DSQL's limits
    if _seq().canonical_sequences(binder, node.query) is not None:
        view_sql = deparse(node.query)  # the sequences it calls by OID, as a default
    if existing is None:
        check_new_relation(binder, "v")
    writer.put_relation(Relation(oid, schema.oid, name, "v", columns, view_sql=view_sql,
                                 view_search_path=tuple(binder.ctx.search_path)))
    return "CREATE VIEW"


def _check_view_columns(old: tuple[Column, ...], new: list) -> None:
    """CREATE OR REPLACE VIEW keeps the view's columns, as PostgreSQL does: it may add
    columns at the end, not drop, rename or retype one (42P16). A typmod counts only
    when both sides have one: several expressions (a UNION's column, coalesce, CASE, a
    scalar subquery) lose here the typmod PostgreSQL keeps, and replacing a view with
    its UNION ALL with another query must not fail on that."""
    if len(new) < len(old):
        raise errors.InvalidTableDefinition(what="cannot drop columns from view")
    for before, after in zip(old, new):
        if before.name != after.name:
            raise errors.InvalidTableDefinition(
                what=f'cannot change name of view column "{before.name}" to "{after.name}"',
                hint="Use ALTER VIEW ... RENAME COLUMN ... to change name of view column "
                     "instead.")
        if before.type_oid != after.oid or min(before.typmod, after.typmod) >= 0 \
                and before.typmod != after.typmod:
            raise errors.InvalidTableDefinition(
                what=f'cannot change data type of view column "{before.name}" from '
                     f"{T.format_type(before.type_oid, before.typmod)} to "
                     f"{T.format_type(after.oid, after.typmod)}")


async def _comment(binder: Binder, writer: CatalogWriter, node: ast.CommentStmt, sql: str) -> str:
    kind = node.objtype
    text = node.comment
    if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW, ObjectType.OBJECT_SEQUENCE):
        names = [s.sval for s in node.object]
        rel = binder.find_relation(names[-2] if len(names) > 1 else None, names[-1])
        if rel is None:
            raise errors.UndefinedTable(name=names[-1])
        writer.put_relation(rel.with_changes(comment=text))
    elif kind == ObjectType.OBJECT_COLUMN:
        names = [s.sval for s in node.object]
        rel = binder.find_relation(names[-3] if len(names) > 2 else None, names[-2])
        if rel is None:
            raise errors.UndefinedTable(name=names[-2])
        col = rel.column_by_name.get(names[-1])
        if col is None:
            raise errors.UndefinedColumn(name=names[-1])
        new = Column(**{**col.__dict__, "comment": text})
        writer.put_relation(rel.with_changes(columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns)))
    elif kind == ObjectType.OBJECT_SCHEMA:
        name = node.object.sval
        schema = binder.catalog.schema(name)
        if schema is None:
            raise errors.UndefinedSchema(name=name)
        writer.put_schema(Schema(schema.oid, schema.name, schema.owner, text))
    elif kind == ObjectType.OBJECT_INDEX:
        names = [s.sval for s in node.object]
        found = _find_index(binder, names)
        if found is None:
            raise errors.UndefinedObject(what=f'index "{names[-1]}" does not exist')
        rel, index = found
        renamed = Index(**{**index.__dict__, "comment": text})
        writer.put_relation(rel.with_changes(indexes=tuple(renamed if i.oid == index.oid else i for i in rel.indexes)))
    else:
        raise errors.FeatureNotSupported(what=f"COMMENT ON {kind.name.removeprefix('OBJECT_')} is not supported")
    return "COMMENT"


_HANDLERS = {
    ast.CreateSchemaStmt: _create_schema,
    ast.DropStmt: _drop,
    ast.CreateStmt: _create_table,
    ast.AlterTableStmt: _alter_table,
    ast.RenameStmt: _rename,
    ast.IndexStmt: _create_index,
    ast.ViewStmt: _create_view,
    ast.CommentStmt: _comment,
    ast.CreateSeqStmt: lambda binder, writer, node, sql: _seq().create_sequence(binder, writer, node),
    ast.AlterSeqStmt: lambda binder, writer, node, sql: _seq().alter_sequence(binder, writer, node),
}


def _roles():
    """`sql.role_ddl` (roles, GRANT / REVOKE, OWNER TO, AWS IAM GRANT / REVOKE)."""
    from borealis.sql import role_ddl
    return role_ddl


def _privileges():
    """`sql.privileges` (who may run which DDL)."""
    from borealis.sql import privileges
    return privileges


_HANDLERS.update(_roles().HANDLERS)
# SQL functions (sql.function_ddl): DROP / RENAME / OWNER TO / COMMENT naming no function
# go back to the handlers above (_BASE_HANDLERS).
_BASE_HANDLERS = dict(_HANDLERS)
from borealis.sql import function_ddl  # noqa: E402  (builds on this module's helpers)

_HANDLERS.update(function_ddl.HANDLERS)

async def _alter_table_async(binder: Binder, writer: CatalogWriter, node: ast.AlterTableStmt,
                             sql: str) -> DdlResult:
    """ALTER TABLE ASYNC t VALIDATE CONSTRAINT name: submits a VALIDATE_CONSTRAINT job
    (`qp.constraint_jobs`) and returns its id; the constraint stays NOT VALID (and
    enforced on new writes) until the job has checked every existing row."""
    from borealis.qp.jobs import new_job_id
    cmds = node.cmds or ()
    if len(cmds) != 1 or cmds[0].subtype != AlterTableType.AT_ValidateConstraint:
        raise errors.FeatureNotSupported(what="ALTER TABLE ASYNC supports only VALIDATE CONSTRAINT")
    rel = binder.find_relation(node.relation.schemaname, node.relation.relname)
    if rel is None or rel.kind != "r":
        raise errors.UndefinedTable(name=node.relation.relname)
    con = fk.validate_target(rel, cmds[0].name)
    txn = writer.txn
    job_id = new_job_id(txn.rt.random)
    schema = binder.catalog.schema_by_oid(rel.schema_oid)
    from borealis.catalog.virtual import PG_CONSTRAINT_OID, constraint_oid
    position = next(i for i, c in enumerate(rel.constraints) if c.name == con.name)
    store.put_job(txn, Job(job_id, JOB_VALIDATE_CONSTRAINT, JOB_SUBMITTED,
                           constraint_oid(rel, position), f"{schema.name if schema else ''}.{con.name}",
                           rel.oid, txn.rt.clock.now(), class_id=PG_CONSTRAINT_OID,
                           constraint_name=con.name))
    runner = getattr(getattr(binder.ctx.settings, "backend", None), "jobs", None)
    if runner is not None:
        runner.submitted(job_id, txn)
    return DdlResult("ALTER TABLE", JOB_ID_COLUMNS, [(job_id,)])


# Statements with an ASYNC form (`parse.MODIFIERS`): the job-returning handlers.
_ASYNC_HANDLERS = {
    ast.IndexStmt: _create_index_async,
    ast.AlterTableStmt: _alter_table_async,
}

DDL_NODES = frozenset(_HANDLERS)

__all__ = ["DDL_NODES", "PUBLIC_SCHEMA_OID", "execute_ddl"]
