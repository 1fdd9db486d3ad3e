"""DDL: schema changes as ordinary transactions on the catalog (DESIGN.md §3).

Each statement reads the catalog snapshot, builds new descriptors (`catalog.model`)
and writes them with `CatalogWriter`, which also bumps the cluster-wide catalog version
so concurrent sessions get OC001. Expressions kept in the catalog (DEFAULT, CHECK,
generated columns, view bodies) are stored as SQL text deparsed by pglast and bound
again where they are used.
"""

from __future__ import annotations

from pglast import ast
from pglast.enums import AlterTableType, ConstrType, ObjectType, SortByDir
from pglast.stream import RawStream

from borealis.catalog.model import (
    PUBLIC_SCHEMA_OID,
    Column,
    Constraint,
    Index,
    Relation,
    Schema,
    key_type,
    relation_prefix,
)
from borealis.catalog.store import CatalogWriter
from borealis.core import errors, values
from borealis.core.keys import INDEXABLE_OIDS, prefix_end
from borealis.sql import types as T
from borealis.sql.bind import Binder, type_from_ast

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


async def execute_ddl(binder: Binder, writer: CatalogWriter, node: ast.Node, sql: str) -> str:
    """Run one DDL statement; returns the command tag."""
    handler = _HANDLERS.get(type(node))
    if handler is None:
        raise errors.UnsupportedStatement(what=type(node).__name__.removesuffix("Stmt"))
    return await handler(binder, writer, node, sql)


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
    writer.put_schema(Schema(await writer.allocate_oid(), name))
    return "CREATE SCHEMA"


async def _drop(binder: Binder, writer: CatalogWriter, node: ast.DropStmt, sql: str) -> str:
    kind = node.removeType
    cascade = node.behavior.value == 1
    if kind == ObjectType.OBJECT_SCHEMA:
        for obj in node.objects:
            name = obj.sval if isinstance(obj, ast.String) else obj[-1].sval
            schema = binder.catalog.schema(name)
            if schema is None:
                if node.missing_ok:
                    continue
                raise errors.UndefinedSchema(name=name)
            members = [r for r in binder.catalog.relations if r.schema_oid == schema.oid]
            if members and not cascade:
                raise errors.DependentObjectsStillExist(
                    what=f"cannot drop schema {name} because other objects depend on it",
                    hint="Use DROP ... CASCADE to drop the dependent objects too.")
            for rel in members:
                await _drop_relation(writer, rel)
            writer.drop_schema(schema)
        return "DROP SCHEMA"
    if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW):
        want = "r" if kind == ObjectType.OBJECT_TABLE else "v"
        for obj in node.objects:
            names = [s.sval for s in obj]
            rel = binder.find_relation(names[-2] if len(names) > 1 else None, names[-1])
            if rel is None or rel.kind != want or getattr(rel, "virtual_rows", None) is not None:
                if node.missing_ok and (rel is None or rel.kind != want):
                    continue
                what = "table" if want == "r" else "view"
                if rel is None:
                    raise errors.UndefinedTable(f'{what} "{names[-1]}" does not exist')
                raise errors.WrongObjectType(what=f'"{names[-1]}" is not a {what}')
            await _drop_relation(writer, rel)
        return "DROP TABLE" if want == "r" else "DROP VIEW"
    if kind == ObjectType.OBJECT_INDEX:
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
            await _delete_range(writer.txn, relation_prefix(index.oid))
            cons = tuple(c for c in rel.constraints if c.index_oid != index.oid)
            writer.put_relation(rel.with_changes(
                indexes=tuple(i for i in rel.indexes if i.oid != index.oid), constraints=cons))
        return "DROP INDEX"
    raise errors.UnsupportedObject(what="unsupported object in DROP")


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
    writer.drop_relation(rel)


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
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            col, col_pk, col_unique, col_checks = _column_def(elt, len(columns) + 1, name)
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
                constraints.append(Constraint(elt.conname or f"{name}_check{len(constraints) + 1 or ''}",
                                              "c", expr=deparse(elt.raw_expr)))
            elif kind == ConstrType.CONSTR_FOREIGN:
                raise errors.FeatureNotSupported(what="FOREIGN KEY constraints are not supported yet")
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
    _check_constraint_names(constraints, name)
    rel = Relation(oid, schema.oid, name, "r", tuple(columns), pk, tuple(indexes), tuple(constraints))
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


def _column_def(elt: ast.ColumnDef, attnum: int, table: str):
    """(Column, is primary key, [(unique name, nulls not distinct)], [check constraints])."""
    oid, typmod = type_from_ast(elt.typeName)
    name = _ident(elt.colname)
    not_null = bool(elt.is_not_null)
    default = generated = None
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
            checks.append(Constraint(con.conname or f"{table}_{name}_check", "c", (attnum,),
                                     expr=deparse(con.raw_expr)))
        elif kind == ConstrType.CONSTR_GENERATED:
            generated = deparse(con.raw_expr)
        elif kind == ConstrType.CONSTR_IDENTITY:
            raise errors.FeatureNotSupported(what="identity columns are not supported yet")
        elif kind == ConstrType.CONSTR_FOREIGN:
            raise errors.FeatureNotSupported(what="FOREIGN KEY constraints are not supported yet")
        else:
            raise errors.FeatureNotSupported(what=f"column constraint {kind.name} is not supported")
    if elt.collClause is not None:
        coll = elt.collClause.collname[-1].sval
        if coll not in ("C", "POSIX", "default"):
            raise errors.FeatureNotSupported(what=f'collation "{coll}" is not supported: only C')
    return Column(attnum, name, oid, typmod, not_null, default, generated), is_pk, unique, checks


async def _alter_table(binder: Binder, writer: CatalogWriter, node: ast.AlterTableStmt, sql: str) -> str:
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
            if is_pk or unique or checks or col.not_null or col.default is not None or col.generated:
                raise errors.FeatureNotSupported(what="ALTER TABLE ADD COLUMN with constraint not supported")
            rel = rel.with_changes(columns=rel.columns + (col,))
        elif cmd.subtype == AlterTableType.AT_ColumnDefault:
            col = rel.column_by_name.get(cmd.name)
            if col is None:
                raise errors.UndefinedColumn(f'column "{cmd.name}" of relation "{rel.name}" does not exist')
            new = Column(**{**col.__dict__, "default": deparse(cmd.def_) if cmd.def_ is not None else None})
            rel = rel.with_changes(columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))
        elif cmd.subtype == AlterTableType.AT_DropNotNull:
            col = rel.column_by_name.get(cmd.name)
            if col is None:
                raise errors.UndefinedColumn(f'column "{cmd.name}" of relation "{rel.name}" does not exist')
            if col.attnum in rel.primary_key:
                raise errors.InvalidTableDefinition(what=f'column "{col.name}" is in a primary key')
            new = Column(**{**col.__dict__, "not_null": False})
            rel = rel.with_changes(columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns))
        else:
            raise errors.FeatureNotSupported(
                what=f"unsupported ALTER TABLE {cmd.subtype.name.removeprefix('AT_')} statement")
    writer.put_relation(rel)
    return "ALTER TABLE"


async def _rename(binder: Binder, writer: CatalogWriter, node: ast.RenameStmt, sql: str) -> str:
    kind = node.renameType
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
    rel = binder.find_relation(node.relation.schemaname, node.relation.relname)
    if rel is None:
        if node.missing_ok:
            return "ALTER TABLE"
        raise errors.UndefinedTable(name=node.relation.relname)
    tag = "ALTER VIEW" if rel.kind == "v" else "ALTER TABLE"
    new_name = _ident(node.newname)
    if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW):
        if binder.catalog.name_taken(rel.schema_oid, new_name):
            raise errors.DuplicateTable(name=new_name)
        writer.put_relation(rel.with_changes(name=new_name))
        return tag
    if kind == ObjectType.OBJECT_COLUMN:
        col = rel.column_by_name.get(node.subname)
        if col is None:
            raise errors.UndefinedColumn(f'column "{node.subname}" does not exist')
        if new_name in rel.column_by_name:
            raise errors.DuplicateColumn(f'column "{new_name}" of relation "{rel.name}" already exists')
        new = Column(**{**col.__dict__, "name": new_name})
        writer.put_relation(rel.with_changes(
            columns=tuple(new if c.attnum == col.attnum else c for c in rel.columns)))
        return tag
    raise errors.FeatureNotSupported(what=f"renaming {kind.name} is not supported")


# -- indexes and views ------------------------------------------------------------------

async def _create_index(binder: Binder, writer: CatalogWriter, node: ast.IndexStmt, sql: str) -> str:
    rel = binder.relation(node.relation)
    if rel.kind != "r":
        raise errors.WrongObjectType(what=f'"{rel.name}" is not a table')
    if node.whereClause is not None:
        raise errors.FeatureNotSupported(what="partial indexes are not supported")
    attnums, desc = [], []
    for elem in node.indexParams:
        if elem.name is None:
            raise errors.FeatureNotSupported(what="expression indexes are not supported")
        col = rel.column_by_name.get(elem.name)
        if col is None:
            raise errors.UndefinedColumn(name=elem.name)
        _check_indexable(col)
        attnums.append(col.attnum)
        desc.append(elem.ordering == SortByDir.SORTBY_DESC)
    include = []
    for elem in node.indexIncludingParams or ():
        col = rel.column_by_name.get(elem.name)
        if col is None:
            raise errors.UndefinedColumn(name=elem.name)
        include.append(col.attnum)
    base = node.idxname or f"{rel.name}_{'_'.join(rel.columns[rel.position[a]].name for a in attnums)}_idx"
    name = _ident(base)
    if binder.catalog.name_taken(rel.schema_oid, name):
        if node.if_not_exists:
            return "CREATE INDEX"
        if node.idxname is None:
            n = 1
            while binder.catalog.name_taken(rel.schema_oid, _ident(f"{base}{n}")):
                n += 1
            name = _ident(f"{base}{n}")
        else:
            raise errors.DuplicateTable(name=name)
    index = Index(await writer.allocate_oid(), name, tuple(attnums), unique=bool(node.unique),
                  include=tuple(include), descending=tuple(desc) if any(desc) else (),
                  nulls_not_distinct=bool(node.nulls_not_distinct))
    new_rel = rel.with_changes(indexes=rel.indexes + (index,))
    await _build_index(binder, writer.txn, new_rel, index)
    writer.put_relation(new_rel)
    return "CREATE INDEX"


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
            for idx, entry_key, unique in codec.index_entries(row, key):
                if idx.oid != index.oid:
                    continue
                if unique and entry_key in seen:
                    raise errors.UniqueViolation(name=index.name)
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
    cols = query.columns
    if node.aliases:
        aliases = [a.sval for a in node.aliases]
        cols = [type(c)(aliases[i] if i < len(aliases) else c.name, c.oid, c.typmod)
                for i, c in enumerate(cols)]
    existing = binder.catalog.relation(schema.oid, name)
    if existing is not None and not (node.replace and existing.kind == "v"):
        raise errors.DuplicateTable(name=name)
    oid = existing.oid if existing is not None else await writer.allocate_oid()
    columns = tuple(Column(i + 1, c.name, c.oid, c.typmod) for i, c in enumerate(cols))
    writer.put_relation(Relation(oid, schema.oid, name, "v", columns, view_sql=deparse(node.query)))
    return "CREATE VIEW"


async def _comment(binder: Binder, writer: CatalogWriter, node: ast.CommentStmt, sql: str) -> str:
    kind = node.objtype
    text = node.comment
    if kind in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW):
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
}

DDL_NODES = frozenset(_HANDLERS)

__all__ = ["DDL_NODES", "PUBLIC_SCHEMA_OID", "execute_ddl"]
