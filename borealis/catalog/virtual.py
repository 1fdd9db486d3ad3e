"""The emulated system catalogs: `pg_catalog` and `information_schema` (DESIGN.md §6).

Drivers, ORMs, psql and GUI tools learn about a database by querying PostgreSQL's
system catalogs. Borealis keeps its own catalog (`catalog.model`: schemas and relation
descriptors), so the system catalogs are *virtual*: each is a relation whose rows are
computed, when a statement runs, from the `CatalogSnapshot` that statement was bound
against (and the session, for settings and the current user).

```
 binder ── relation("pg_catalog", "pg_class") ──▶ VirtualCatalog ──▶ VirtualRelation
        ── virtual_rows(bind_ctx, cols) ─────────────────────────▶ CatalogScan (plan node)
 executor ── CatalogScan.batches(ctx) ──▶ rows computed from bind_ctx.catalog, cached per
                                          execution (a correlated subquery over pg_attrdef
                                          does not rebuild it per outer row)
```

`VirtualCatalog` is handed to `QpBackend(virtual=...)`; the binder asks it for names in
`pg_catalog` and `information_schema`, and for unqualified names not found on the
search path (PostgreSQL searches `pg_catalog` implicitly).

Decisions (where Borealis' model differs from PostgreSQL's):

- Column sets follow PostgreSQL 16, minus internal columns no client reads (xid
  counters, `attmissingval`, system columns such as `tableoid`). Function-name
  columns of rows that exist (pg_type.typinput, ..., pg_am.amhandler) are `name`s, since
  there are no pg_proc rows for a `regproc` to name, and
  `pg_node_tree` columns (adbin, conbin, indexprs, indpred) are `text` holding SQL text,
  which `pg_get_expr` returns unchanged (an index predicate asked for pretty is printed
  again from its definition, `sql.index_keys`).
- A table is index-organized: its primary key index shares the table's OID in the
  model. Here that index gets its own OID, `PK_INDEX_OID_BASE + table oid`, so pg_class
  has one row per OID. Constraints have no OID in the model; they get
  `CONSTRAINT_OID_BASE + table oid * 256 + position` (both ranges lie far above the
  OIDs DDL hands out). `catalog_functions` decodes both.
- The primary key index lists only its key columns (the other columns it stores are
  the table itself, not INCLUDE columns).
- Roles: `admin` (OID 10) and the roles of the catalog (`catalog.roles`), with their
  memberships (pg_auth_members) and IAM mappings (sys.iam_pg_role_mappings); a session
  user or owner name that is not a role (`--auth trust`) gets a stable OID from its name.
- pg_attrdef rows get `CONSTRAINT_OID_BASE + table oid * 256 + 255 - attnum` (attnum
  capped at 128), counting down from the top of the table's constraint range.
- Rows are computed when the statement runs, so a prepared statement sees the
  session's current settings and search path.
- Privileges: relacl and nspacl show the stored ACL as aclitem text (`app=r/admin`),
  NULL while an object has its default ACL (the `public` schema shows its default, as
  PostgreSQL 15+ does); information_schema.table_privileges / role_table_grants list
  the grants the current role can see; `sql.privileges` answers has_*_privilege.
"""

from __future__ import annotations

import datetime
import functools
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from borealis.catalog.model import (
    INFORMATION_SCHEMA_OID,
    PG_CATALOG_OID,
    PUBLIC_SCHEMA_OID,
    SYS_SCHEMA_OID,
    CatalogSnapshot,
    Column,
    Constraint,
    Index,
    Relation,
    Schema,
)
from borealis.core import errors, values
from borealis.core.limits import JOB_RETENTION_S, Compat
from borealis.sql.deparse import quote_ident
from borealis.sql.plan import BATCH_ROWS, Node, OutCol

ADMIN = "admin"
ADMIN_OID = 10
DATABASE_OID = 5
DATABASE_NAME = "postgres"
PK_INDEX_OID_BASE = 2_000_000_000
CONSTRAINT_OID_BASE = 3_000_000_000
CONSTRAINTS_PER_TABLE = 256
BTREE_AM_OID = 403
BTREE_INDEX_AM_OID = 9_900  # DSQL's "btree_index" (DSQL mode only; its real OID is unknown)
HEAP_AM_OID = 2
DEFAULT_COLLATION_OID = 100
C_COLLATION_OID = 950
PG_DEFAULT_TABLESPACE = 1663
UTF8_ENCODING = 6
PLPGSQL_EXT_OID = 13_500

PG_CLASS_OID = 1259
PG_ATTRDEF_OID = 2604
PG_CONSTRAINT_OID = 2606
PG_NAMESPACE_OID = 2615
PG_TYPE_OID = 1247
PG_PROC_OID = 1255
PG_DATABASE_OID = 1262
PG_AUTHID_OID = 1260

# SQL spellings of the column types used below → type OID.
TYPES = {
    "bool": 16, "bytea": 17, "char": 18, "name": 19, "int8": 20, "int2": 21,
    "int2vector": 22, "int4": 23, "regproc": 24, "procname": 19, "text": 25, "oid": 26, "oidvector": 30,
    "pg_node_tree": 25, "float4": 700, "float8": 701, "inet": 25, "aclitem[]": 1009,
    "text[]": 1009, "name[]": 1003, "oid[]": 1028, "int2[]": 1005, "char[]": 1002,
    "regclass": 2205, "regtype": 2206, "timestamptz": 1184, "varchar": 1043,
    "sql_identifier": 19, "character_data": 1043, "yes_or_no": 1043,
    "cardinal_number": 23, "int4[]": 1007,
}

COLLATABLE = frozenset({25, 1043, 1042, 19})
VECTOR_TYPES = frozenset({22, 30})  # int2vector, oidvector: arrays with lower bound 0


def type_collation(type_oid: int) -> int:
    """pg_type.typcollation: "default" for the string types, "C" for name, an array's
    element's collation for arrays, 0 for the rest."""
    from borealis.sql import types as T
    info = T.type_by_oid(type_oid)
    if info is not None and info.is_array and type_oid not in VECTOR_TYPES:
        type_oid = info.elem_oid
    if type_oid == 19:
        return C_COLLATION_OID
    return DEFAULT_COLLATION_OID if type_oid in COLLATABLE else 0


def type_storage(type_oid: int, typlen: int) -> str:
    """pg_type.typstorage: numeric is "main", other varlena types "extended"."""
    if type_oid == 1700:
        return "m"
    return "x" if typlen == -1 and type_oid not in VECTOR_TYPES else "p"


def role_oid(name: str) -> int:
    """A role's OID: 10 for the bootstrap superuser, else stable from the name."""
    if name == ADMIN:
        return ADMIN_OID
    return 0x7F00_0000 + (zlib.crc32(name.encode()) & 0xFF_FFFF)


def role_oid_in(catalog: CatalogSnapshot, name: str) -> int:
    """A role's OID in a snapshot: the catalog's role, else `role_oid` (a name that is
    not a role: a trust-mode session user)."""
    oid = catalog.auth.oid_of(name)
    return oid if oid is not None else role_oid(name)


def builtin_schemas() -> list[Schema]:
    return [Schema(PG_CATALOG_OID, "pg_catalog", ADMIN, "system catalog schema"),
            Schema(INFORMATION_SCHEMA_OID, "information_schema", ADMIN),
            Schema(SYS_SCHEMA_OID, "sys", ADMIN, "Aurora DSQL system views")]


def acl_text(catalog: CatalogSnapshot, oid: int, kind: str, owner: str, *,
             public_schema: bool = False) -> list[str] | None:
    """relacl / nspacl: the stored ACL as aclitem text; NULL for a default ACL (except
    the public schema's, which PostgreSQL 15+ shows)."""
    from borealis.catalog.roles import default_acl
    auth = catalog.auth
    items = auth.stored_acl(oid)
    if items is None:
        if not public_schema:
            return None
        items = default_acl(kind, role_oid_in(catalog, owner), public_schema=True)
    return auth.format_acl(items)


def index_oid(rel: Relation, index: Index) -> int:
    """The pg_class OID of an index (the primary key index shares the table's OID)."""
    return index.oid if index.oid != rel.oid else PK_INDEX_OID_BASE + rel.oid


def constraint_oid(rel: Relation, position: int) -> int:
    return CONSTRAINT_OID_BASE + rel.oid * CONSTRAINTS_PER_TABLE + position


def key_columns(rel: Relation, index: Index) -> tuple[int, ...]:
    return index.columns


def include_columns(rel: Relation, index: Index) -> tuple[int, ...]:
    return () if index.primary else index.include


# -- the relation objects -----------------------------------------------------------

class InsufficientPrivilege(errors.BorealisError):
    """42501: system catalogs are read-only (PostgreSQL's message for a non-superuser)."""

    sqlstate = "42501"
    template = "permission denied for table {name}"


Rows = Callable[["CatalogView"], Iterable[dict]]


@dataclass(frozen=True)
class VirtualRelation(Relation):
    """A system catalog: a `Relation` the binder reads through `virtual_rows`."""

    relkind: str = "r"  # what pg_class says: "r" catalog table, "v" system view
    producer: Rows | None = field(default=None, compare=False, repr=False)
    defaults: tuple = field(default=(), compare=False, repr=False)

    def virtual_rows(self, bind_ctx: Any, cols: list[OutCol]) -> Node:
        return CatalogScan(self, bind_ctx, cols)

    def refuse_write(self) -> None:
        """INSERT, UPDATE and DELETE call this: the rows are computed, not stored."""
        raise InsufficientPrivilege(name=self.name)

    def with_changes(self, **changes) -> Relation:
        """DDL (ALTER TABLE, CREATE INDEX, COMMENT ON) builds a changed descriptor
        through this; a system catalog has no descriptor to change."""
        raise InsufficientPrivilege(name=self.name)

    def compute(self, view: CatalogView) -> list[tuple]:
        names = [c.name for c in self.columns]
        defaults = self.defaults
        out = []
        assert self.producer is not None
        for row in self.producer(view):
            out.append(tuple(row.get(n, d) for n, d in zip(names, defaults)))
        return out


def _emitted(ctx, node: Node, rows: list[tuple]) -> Iterator[list[tuple]]:
    """A virtual table's rows, all computed at once: counted as one loop of `node`
    for EXPLAIN ANALYZE, and cut into batches."""
    stat = ctx.stat(node)
    stat.loops += 1
    stat.rows += len(rows)
    return (rows[i:i + BATCH_ROWS] for i in range(0, len(rows), BATCH_ROWS))


@dataclass(eq=False)
class CatalogScan(Node):
    """The rows of one system catalog, computed once per execution."""

    relation: VirtualRelation
    bind_ctx: Any
    columns: list[OutCol]

    async def batches(self, ctx):
        cache = ctx.catalog_rows
        key = (self.relation.oid, id(self.bind_ctx.catalog))
        rows = cache.get(key)
        if rows is None:
            rows = cache[key] = self.relation.compute(CatalogView(self.bind_ctx))
        for batch in _emitted(ctx, self, rows):
            yield batch


class CatalogView:
    """What a catalog's rows are computed from: the snapshot and the session."""

    def __init__(self, bind_ctx: Any) -> None:
        self.catalog: CatalogSnapshot = bind_ctx.catalog
        self.session = bind_ctx.settings
        self.search_path: tuple[str, ...] = current_search_path(bind_ctx)

    @property
    def user(self) -> str:
        return getattr(self.session, "user", None) or ADMIN

    def setting(self, name: str) -> str | None:
        if self.session is None:
            return None
        try:
            return self.session.show(name, missing_ok=True)
        except errors.BorealisError:
            return None

    def schemas(self) -> list[Schema]:
        """Every schema, the built-in ones first."""
        return builtin_schemas() + sorted(self.catalog.schemas, key=lambda s: s.oid)

    def schema_name(self, oid: int) -> str:
        if oid == PG_CATALOG_OID:
            return "pg_catalog"
        if oid == INFORMATION_SCHEMA_OID:
            return "information_schema"
        if oid == SYS_SCHEMA_OID:
            return "sys"
        s = self.catalog.schema_by_oid(oid)
        return s.name if s is not None else ""

    def user_relations(self) -> list[Relation]:
        return sorted(self.catalog.relations, key=lambda r: r.oid)

    def virtual_relations(self) -> list[VirtualRelation]:
        return list(_ALL)

    def relations(self) -> list[Relation]:
        return self.virtual_relations() + self.user_relations()

    def roles(self) -> list[str]:
        names = {ADMIN, self.user}
        for s in self.catalog.schemas:
            names.add(s.owner)
        for r in self.catalog.relations:
            names.add(r.owner)
        names.update(self.catalog.auth.by_name)
        return sorted(n for n in names if n)

    def role_oid(self, name: str) -> int:
        return role_oid_in(self.catalog, name)

    @property
    def current_user(self) -> str:
        return getattr(self.session, "current_user", None) or self.user

    def path(self) -> list[str]:
        """The effective search path: pg_catalog first unless placed explicitly."""
        path = list(self.search_path)
        if "pg_catalog" not in path:
            path.insert(0, "pg_catalog")
        return path

    def visible(self, rel: Relation) -> bool:
        return relation_visible(self.catalog, self.search_path, rel)


def current_search_path(bind_ctx: Any) -> tuple[str, ...]:
    """The session's search path now (a prepared plan may outlive a SET search_path),
    else the one the statement was bound with."""
    session = bind_ctx.settings
    if session is not None and hasattr(session, "search_path"):
        return tuple(session.search_path())
    return tuple(bind_ctx.search_path or ("public",))


def relation_visible(catalog: CatalogSnapshot, search_path: Iterable[str], rel: Relation | str,
                     schema_oid: int | None = None) -> bool:
    """PostgreSQL's pg_table_is_visible: the relation's schema is on the search path and
    no schema before it holds a relation (or index) of the same name."""
    name = rel if isinstance(rel, str) else rel.name
    own = schema_oid if schema_oid is not None else rel.schema_oid  # type: ignore[union-attr]
    path = list(search_path)
    if "pg_catalog" not in path:
        path.insert(0, "pg_catalog")
    for sname in path:
        if sname == "pg_catalog":
            if own == PG_CATALOG_OID:
                return True
            if _VIRTUAL_BY_NAME.get(("pg_catalog", name)) is not None:
                return False
            continue
        s = catalog.schema(sname)
        if s is None:
            continue
        if s.oid == own:
            return True
        if catalog.name_taken(s.oid, name):
            return False
    return False


# -- table definitions ------------------------------------------------------------------

_ALL: list[VirtualRelation] = []
_VIRTUAL_BY_NAME: dict[tuple[str, str], VirtualRelation] = {}
_NEXT_VIEW_OID = [12_000]
_NEXT_INFO_OID = [13_001]

_DEFAULT_LITERALS = {"false": False, "true": True, "null": None, "''": ""}


def _parse_columns(spec: str) -> tuple[tuple[Column, ...], tuple]:
    cols, defaults = [], []
    for i, part in enumerate(p.strip() for p in spec.split(",")):
        if not part:
            continue
        words = part.split()
        name, type_name = words[0], words[1]
        default: Any = None
        if "=" in words:
            raw = words[words.index("=") + 1]
            if raw in _DEFAULT_LITERALS:
                default = _DEFAULT_LITERALS[raw]
            elif raw.startswith("'"):
                default = raw.strip("'")
            elif raw.lstrip("-").isdigit():
                default = int(raw)
            else:
                default = float(raw)
        oid = TYPES[type_name]
        if oid == 700 and isinstance(default, int):
            default = float(default)
        cols.append(Column(i + 1, name, oid))
        defaults.append(default)
    return tuple(Column(j + 1, c.name, c.type_oid) for j, c in enumerate(cols)), tuple(defaults)


def catalog_table(name: str, oid: int | None, spec: str, *, schema: str = "pg_catalog",
                  view: bool = False, cls: type[VirtualRelation] | None = None):
    """Register a system catalog: `spec` is "col type [= default], ..."; `cls` for one
    whose rows do not come from the catalog snapshot (sys.jobs)."""
    def register(fn: Rows) -> Rows:
        columns, defaults = _parse_columns(spec)
        if oid is not None:
            rel_oid = oid
        elif schema == "information_schema":
            rel_oid = _NEXT_INFO_OID[0]
            _NEXT_INFO_OID[0] += 1
        else:
            rel_oid = _NEXT_VIEW_OID[0]
            _NEXT_VIEW_OID[0] += 1
        schema_oid = {"pg_catalog": PG_CATALOG_OID, "sys": SYS_SCHEMA_OID}.get(
            schema, INFORMATION_SCHEMA_OID)
        rel = (cls or VirtualRelation)(rel_oid, schema_oid, name, "r", columns, owner=ADMIN,
                                       relkind="v" if view else "r", producer=fn, defaults=defaults)
        _ALL.append(rel)
        _VIRTUAL_BY_NAME[(schema, name)] = rel
        return fn
    return register


def _empty(name: str, oid: int | None, spec: str, *, view: bool = False) -> None:
    catalog_table(name, oid, spec, view=view)(lambda v: ())


class VirtualCatalog:
    """Resolves `pg_catalog.*` and `information_schema.*` names for the binder."""

    def relation(self, schema: str, name: str) -> VirtualRelation | None:
        return _VIRTUAL_BY_NAME.get((schema, name))

    def relation_by_oid(self, oid: int) -> VirtualRelation | None:
        return _VIRTUAL_BY_OID.get(oid)

    def relations(self) -> list[VirtualRelation]:
        return list(_ALL)


def virtual_relation(schema: str, name: str) -> VirtualRelation | None:
    return _VIRTUAL_BY_NAME.get((schema, name))


def virtual_relation_by_oid(oid: int) -> VirtualRelation | None:
    return _VIRTUAL_BY_OID.get(oid)


# -- pg_namespace, pg_class, pg_attribute, pg_type -------------------------------------

@catalog_table("pg_namespace", PG_NAMESPACE_OID,
               "oid oid, nspname name, nspowner oid = 10, nspacl aclitem[]")
def _pg_namespace(v: CatalogView):
    for s in v.schemas():
        yield {"oid": s.oid, "nspname": s.name, "nspowner": v.role_oid(s.owner),
               "nspacl": acl_text(v.catalog, s.oid, "schema", s.owner,
                                  public_schema=s.oid == PUBLIC_SCHEMA_OID)}


_PG_CLASS = """oid oid, relname name, relnamespace oid, reltype oid = 0, reloftype oid = 0,
    relowner oid = 10, relam oid = 0, relfilenode oid = 0, reltablespace oid = 0,
    relpages int4 = 0, reltuples float4 = -1, relallvisible int4 = 0, reltoastrelid oid = 0,
    relhasindex bool = false, relisshared bool = false, relpersistence char = 'p',
    relkind char = 'r', relnatts int2 = 0, relchecks int2 = 0, relhasrules bool = false,
    relhastriggers bool = false, relhassubclass bool = false, relrowsecurity bool = false,
    relforcerowsecurity bool = false, relispopulated bool = true, relreplident char = 'd',
    relispartition bool = false, relrewrite oid = 0, relacl aclitem[], reloptions text[],
    relpartbound pg_node_tree"""


@catalog_table("pg_class", PG_CLASS_OID, _PG_CLASS)
def _pg_class(v: CatalogView):
    for rel in v.relations():
        kind = rel.relkind if isinstance(rel, VirtualRelation) else rel.kind
        yield {"oid": rel.oid, "relname": rel.name, "relnamespace": rel.schema_oid,
               "relowner": v.role_oid(rel.owner), "relkind": kind,
               "relacl": None if isinstance(rel, VirtualRelation)
               else acl_text(v.catalog, rel.oid, "relation", rel.owner),
               "relam": HEAP_AM_OID if kind == "r" else 0,
               "relfilenode": rel.oid if kind in ("r", "S") else 0,
               "relhasindex": bool(rel.indexes),
               "relnatts": len([c for c in rel.columns if not c.dropped]) if kind != "r"
               else max((c.attnum for c in rel.columns), default=0),
               "relchecks": sum(1 for c in rel.constraints if c.kind == "c"),
               "relhasrules": kind == "v" and not isinstance(rel, VirtualRelation),
               # foreign keys are triggers in PostgreSQL; psql's \d shows them only then
               "relhastriggers": kind == "r" and bool(rel.foreign_keys
                                                      or v.catalog.referencing(rel.oid)),
               "reltuples": -1.0 if kind == "r" else 1.0 if kind == "S" else 0.0}
        for index in rel.indexes:
            yield {"oid": index_oid(rel, index), "relname": index.name,
                   "relnamespace": rel.schema_oid, "relowner": v.role_oid(rel.owner),
                   "relkind": "i", "relam": index_am(v.session)[0],
                   "relfilenode": index_oid(rel, index), "reltuples": -1.0,
                   "relnatts": len(key_columns(rel, index)) + len(include_columns(rel, index))}


_PG_ATTRIBUTE = """attrelid oid, attname name, atttypid oid, attlen int2 = -1, attnum int2,
    atttypmod int4 = -1, attndims int2 = 0, attbyval bool = false, attalign char = 'i',
    attstorage char = 'p', attcompression char = '', attnotnull bool = false,
    atthasdef bool = false, atthasmissing bool = false, attidentity char = '',
    attgenerated char = '', attisdropped bool = false, attislocal bool = true,
    attinhcount int2 = 0, attstattarget int2 = -1, attcollation oid = 0, attacl aclitem[],
    attoptions text[], attfdwoptions text[]"""


def _type_facts(type_oid: int) -> dict:
    from borealis.sql import types as T
    info = T.type_by_oid(type_oid)
    if info is None:
        return {}
    return {"attlen": info.typlen, "attbyval": info.byval, "attalign": info.align,
            "attstorage": type_storage(type_oid, info.typlen),
            "attndims": 1 if info.is_array and info.delimiter == "," else 0,
            "attcollation": type_collation(type_oid)}


@catalog_table("pg_attribute", 1249, _PG_ATTRIBUTE)
def _pg_attribute(v: CatalogView):
    for rel in v.relations():
        for col in rel.columns:
            row = {"attrelid": rel.oid, "attnum": col.attnum, "atttypid": col.type_oid,
                   "atttypmod": col.typmod, "attnotnull": col.not_null,
                   "atthasdef": col.default is not None or col.generated is not None,
                   "attidentity": col.identity or "", "attgenerated": "s" if col.generated else "",
                   "attisdropped": col.dropped}
            row.update(_type_facts(col.type_oid))
            if col.dropped:
                row.update(attname=f"........pg.dropped.{col.attnum}........", atttypid=0)
            else:
                row["attname"] = col.name
            yield row
        by_attnum = {c.attnum: c for c in rel.columns}
        for index in rel.indexes:
            attnums = key_columns(rel, index) + include_columns(rel, index)
            if index.expressions:  # expression keys: named and typed as CREATE INDEX chose
                from borealis.sql import index_keys
                names = index_keys.column_names(rel, index)
                types = index_keys.key_types(rel, index)
            for i, a in enumerate(attnums):
                col = by_attnum.get(a)
                if a == 0 and index.expressions:
                    row = {"attrelid": index_oid(rel, index), "attname": names[i], "attnum": i + 1,
                           "atttypid": types[i]}
                    row.update(_type_facts(types[i]))
                    yield row
                    continue
                if col is None:
                    continue
                row = {"attrelid": index_oid(rel, index), "attname": col.name, "attnum": i + 1,
                       "atttypid": col.type_oid, "atttypmod": col.typmod,
                       "attnotnull": col.not_null}
                row.update(_type_facts(col.type_oid))
                yield row


_PG_TYPE = """oid oid, typname name, typnamespace oid = 11, typowner oid = 10, typlen int2,
    typbyval bool, typtype char = 'b', typcategory char, typispreferred bool = false,
    typisdefined bool = true, typdelim char, typrelid oid = 0, typsubscript procname = '-',
    typelem oid = 0, typarray oid = 0, typinput procname, typoutput procname,
    typreceive procname, typsend procname, typmodin procname = '-', typmodout procname = '-',
    typanalyze procname = '-', typalign char, typstorage char = 'p', typnotnull bool = false,
    typbasetype oid = 0, typtypmod int4 = -1, typndims int4 = 0, typcollation oid = 0,
    typdefaultbin pg_node_tree, typdefault text, typacl aclitem[]"""

_IO_NAMES = {"int2vector": "int2vector", "oidvector": "oidvector", "bool": "bool",
             "bytea": "bytea", "char": "char", "name": "name", "int8": "int8", "int2": "int2",
             "int4": "int4", "text": "text", "oid": "oid", "float4": "float4",
             "float8": "float8", "unknown": "unknown", "bpchar": "bpchar",
             "varchar": "varchar", "numeric": "numeric", "regclass": "regclass",
             "regtype": "regtype"}
# Types with typmod functions, as PostgreSQL names them.
_TYPMOD_FNS = {1042: "bpchar", 1043: "varchar", 1083: "time", 1114: "timestamp",
               1184: "timestamptz", 1186: "interval", 1700: "numeric"}
# Pseudo-types clients meet in catalog columns and function signatures.
_PSEUDO_OIDS = frozenset({705, 2249, 2287})  # unknown, record, record[]: typtype 'p'
_PSEUDO = ((2249, "record", 2287), (2278, "void", 0), (2276, "any", 0), (2277, "anyarray", 0),
           (2283, "anyelement", 0), (2279, "trigger", 0), (2275, "cstring", 1263),
           (194, "pg_node_tree", 0), (24, "regproc", 1008), (28, "xid", 1011),
           (1033, "aclitem", 1034), (869, "inet", 1041))


def _type_rows() -> list[dict]:
    from borealis.sql import types as T
    rows = []
    known = set()
    for info in T.all_types():
        known.add(info.oid)
        is_array = info.is_array and info.delimiter == ","
        base = _IO_NAMES.get(info.name)
        if is_array:
            io = ("array_in", "array_out", "array_recv", "array_send")
        elif base is not None:
            io = (base + "in", base + "out", base + "recv", base + "send")
        else:
            io = (info.name + "_in", info.name + "_out", info.name + "_recv", info.name + "_send")
        elem_typmod = _TYPMOD_FNS.get(info.elem_oid if is_array else info.oid)
        rows.append({
            "oid": info.oid, "typname": info.name, "typlen": info.typlen,
            "typbyval": info.byval, "typtype": "p" if info.oid in _PSEUDO_OIDS else "b",
            "typcategory": "P" if info.oid in (2249, 2287) else info.category,
            "typispreferred": info.preferred,
            "typdelim": info.delimiter if not info.is_array or is_array else ",",
            "typelem": info.elem_oid if info.oid != 19 else 18,  # name: a fixed "char" array
            "typarray": info.array_oid,
            "typinput": io[0], "typoutput": io[1], "typreceive": io[2], "typsend": io[3],
            "typmodin": (elem_typmod + "typmodin") if elem_typmod else "-",
            "typmodout": (elem_typmod + "typmodout") if elem_typmod else "-",
            "typsubscript": "array_subscript_handler" if info.elem_oid else "-",
            "typalign": info.align, "typstorage": type_storage(info.oid, info.typlen),
            "typcollation": type_collation(info.oid),
        })
    for oid, name, array in _PSEUDO:
        if oid in known:
            continue
        pseudo = name in ("record", "void", "any", "anyarray", "anyelement", "trigger", "cstring")
        rows.append({"oid": oid, "typname": name, "typlen": -1 if name != "void" else 4,
                     "typbyval": False, "typtype": "p" if pseudo else "b",
                     "typcategory": "P" if pseudo else "U", "typarray": array,
                     "typinput": name + "_in", "typoutput": name + "_out",
                     "typreceive": name + "_recv", "typsend": name + "_send",
                     "typdelim": ",", "typalign": "d" if name == "record" else "i"})
    return rows


_TYPE_ROWS: list[dict] = []


@catalog_table("pg_type", PG_TYPE_OID, _PG_TYPE)
def _pg_type(v: CatalogView):
    if not _TYPE_ROWS:
        _TYPE_ROWS.extend(_type_rows())
    return _TYPE_ROWS


# -- indexes, constraints, defaults, comments -------------------------------------------

_PG_INDEX = """indexrelid oid, indrelid oid, indnatts int2, indnkeyatts int2, indisunique bool,
    indnullsnotdistinct bool = false, indisprimary bool = false, indisexclusion bool = false,
    indimmediate bool = true, indisclustered bool = false, indisvalid bool = true,
    indcheckxmin bool = false, indisready bool = true, indislive bool = true,
    indisreplident bool = false, indkey int2vector, indcollation oidvector,
    indclass oidvector, indoption int2vector, indexprs pg_node_tree, indpred pg_node_tree"""


def index_option(index: Index, position: int) -> int:
    """pg_index.indoption for a key column: 1 = DESC, 2 = NULLS FIRST (DESC's default)."""
    desc = position < len(index.descending) and index.descending[position]
    return 3 if desc else 0


@catalog_table("pg_index", 2610, _PG_INDEX)
def _pg_index(v: CatalogView):
    for rel in v.user_relations():
        for index in rel.indexes:
            keys = key_columns(rel, index)
            attnums = keys + include_columns(rel, index)
            types = index_key_types(rel, index)
            yield {"indexrelid": index_oid(rel, index), "indrelid": rel.oid,
                   "indnatts": len(attnums), "indnkeyatts": len(keys),
                   "indisunique": index.unique, "indnullsnotdistinct": index.nulls_not_distinct,
                   "indisprimary": index.primary, "indisvalid": index.valid,
                   "indisready": True, "indkey": tuple(attnums),  # writes maintain it at once
                   "indcollation": tuple(type_collation(t) for t in types),
                   "indclass": tuple(0 for _ in keys),
                   "indoption": tuple(index_option(index, i) for i in range(len(keys))),
                   # pg_node_tree columns hold the text pg_get_expr shows (sql.index_keys)
                   "indexprs": index_expressions_text(rel, index),
                   "indpred": index_predicate_text(rel, index, pretty=False)}


def index_key_types(rel: Relation, index: Index) -> tuple[int, ...]:
    """The type of each key column of an index (a column's, or an expression's)."""
    if index.expressions:
        from borealis.sql import index_keys
        return index_keys.key_types(rel, index)
    by_attnum = {c.attnum: c for c in rel.columns}
    return tuple(by_attnum[a].type_oid if a in by_attnum else 0 for a in key_columns(rel, index))


def index_expressions_text(rel: Relation, index: Index) -> str | None:
    if not index.expressions:
        return None
    from borealis.sql import index_keys
    return index_keys.expressions_text(rel, index)


def index_predicate_text(rel: Relation, index: Index, *, pretty: bool) -> str | None:
    if index.predicate is None:
        return None
    from borealis.sql import index_keys
    return index_keys.predicate_text(rel, index, pretty=pretty)


_PG_CONSTRAINT = """oid oid, conname name, connamespace oid, contype char,
    condeferrable bool = false, condeferred bool = false, convalidated bool = true,
    conrelid oid, contypid oid = 0, conindid oid = 0, conparentid oid = 0, confrelid oid = 0,
    confupdtype char = ' ', confdeltype char = ' ', confmatchtype char = ' ',
    conislocal bool = true, coninhcount int2 = 0, connoinherit bool = false, conkey int2[],
    confkey int2[], conpfeqop oid[], conppeqop oid[], conffeqop oid[], confdelsetcols int2[],
    conexclop oid[], conbin pg_node_tree"""


def constraints_of(rel: Relation) -> list[tuple[int, Constraint]]:
    return [(constraint_oid(rel, i), c) for i, c in enumerate(rel.constraints)]


def constraint_index(rel: Relation, con: Constraint, catalog: CatalogSnapshot | None = None) -> int:
    """pg_constraint.conindid: a key's own index; for a foreign key, the referenced
    table's unique index (which needs `catalog`)."""
    if con.kind == "f":
        parent = catalog.relation_by_oid(con.ref_relation) if catalog is not None else None
        index = next((i for i in parent.indexes if i.oid == con.index_oid), None) if parent else None
        return index_oid(parent, index) if index is not None else 0
    if con.kind not in ("p", "u"):
        return 0
    for index in rel.indexes:
        if index.oid == con.index_oid:
            return index_oid(rel, index)
    return 0


def _foreign_key_columns(con: Constraint) -> dict:
    """pg_constraint's foreign-key columns (blank / NULL for other constraints)."""
    if con.kind != "f":
        return {}
    return {"confrelid": con.ref_relation, "confupdtype": con.on_update,
            "confdeltype": con.on_delete, "confmatchtype": con.match,
            "confkey": tuple(con.ref_columns), "condeferrable": con.deferrable,
            "condeferred": con.deferred,
            "confdelsetcols": tuple(con.delete_set_columns) if con.delete_set_columns else None}


def constraint_columns(rel: Relation, con: Constraint) -> tuple[int, ...] | None:
    """pg_constraint.conkey. A table CHECK constraint lists the columns its expression
    names, in order of first mention (Django's introspection reads them back); one that
    names none has NULL."""
    if con.kind == "c" and con.expr:
        names = _check_expr_columns(con.expr)
        by_name = {c.name: c.attnum for c in rel.columns if not c.dropped}
        attnums = tuple(by_name[n] for n in names if n in by_name)
        return attnums or None
    return tuple(con.columns) if con.columns else None


@functools.lru_cache(maxsize=1024)
def _check_expr_columns(expr: str) -> tuple[str, ...]:
    """The column names a stored CHECK expression mentions, first mention first."""
    from pglast import ast

    from borealis.sql.parse import parse
    found: dict[str, None] = {}
    stack: list[Any] = [parse(f"SELECT {expr}")[0].node.targetList[0].val]
    seen = 0
    while stack and seen < 100_000:  # bounded: stored expressions are small
        seen += 1
        n = stack.pop()
        if isinstance(n, ast.ColumnRef):
            last = n.fields[-1]
            if isinstance(last, ast.String):
                found.setdefault(last.sval)
        elif isinstance(n, ast.Node):
            stack.extend(reversed([getattr(n, attr) for attr in n]))
        elif isinstance(n, tuple):
            stack.extend(reversed(n))
    return tuple(found)


@catalog_table("pg_constraint", PG_CONSTRAINT_OID, _PG_CONSTRAINT)
def _pg_constraint(v: CatalogView):
    for rel in v.user_relations():
        for oid, con in constraints_of(rel):
            yield {"oid": oid, "conname": con.name, "connamespace": rel.schema_oid,
                   "contype": con.kind, "convalidated": con.validated, "conrelid": rel.oid,
                   "conindid": constraint_index(rel, con, v.catalog),
                   "conkey": constraint_columns(rel, con),
                   "conbin": con.expr if con.kind == "c" else None,
                   "connoinherit": False, **_foreign_key_columns(con)}


@catalog_table("pg_attrdef", 2604, "oid oid, adrelid oid, adnum int2, adbin pg_node_tree")
def _pg_attrdef(v: CatalogView):
    for rel in v.user_relations():
        for col in rel.columns:
            expr = col.default if col.default is not None else col.generated
            if expr is not None and not col.dropped:
                if col.default is not None:
                    expr = column_default(v, col)
                yield {"oid": attrdef_oid(rel, col), "adrelid": rel.oid, "adnum": col.attnum,
                       "adbin": expr}


def view_definition(catalog, search_path, rel) -> str | None:
    """A view's stored text as pg_get_viewdef shows it (`pg_views`,
    `information_schema.views` too): after a space, ended by `;`, a sequence it calls
    by OID (see `sql.sequence_ddl.canonical_sequences`) by its current name."""
    text = rel.view_sql
    if text is None:
        return None
    if "regclass" in text:
        from borealis.sql.sequence_ddl import display_default_sequences
        text = display_default_sequences(text, CatalogNames(catalog, search_path).relation_name)
    return f" {text};"


def column_default(v: CatalogView, col: Column) -> str:
    """A column's default as pg_get_expr shows it; a sequence it calls by its current
    name (the default stores the sequence's OID: `sql.sequence_ddl`)."""
    text = display_default(col.default, col.type_oid)
    if col.default_sequences:
        from borealis.sql.sequence_ddl import display_default_sequences
        text = display_default_sequences(text, CatalogNames(v.catalog, v.search_path).relation_name)
    return text


_STRING_TYPES = {25: "text", 1043: "character varying", 1042: "bpchar", 19: "name"}
_LITERAL_TYPES = frozenset({17, 114, 1082, 1083, 1114, 1184, 1186, 2950, 3802})


def display_default(text: str, type_oid: int) -> str:
    """A column default as pg_get_expr shows it: the stored SQL text, with a literal
    written the way PostgreSQL deparses the constant it stores ('x' on a text column is
    'x'::text, TRUE is true, -1 on an integer column is '-1'::integer)."""
    from pglast import ast, parse_sql

    from borealis.sql import types as T
    try:
        (raw,) = parse_sql("SELECT " + text)
        target = raw.stmt.targetList
        node = target[0].val if len(target) == 1 else None
    except Exception:
        return text
    if not isinstance(node, ast.A_Const) or node.isnull:
        return text
    value = node.val
    if isinstance(value, ast.Boolean):
        return "true" if value.boolval else "false"
    if isinstance(value, ast.String):
        literal = "'" + value.sval.replace("'", "''") + "'"
        if type_oid in _STRING_TYPES:
            return f"{literal}::{_STRING_TYPES[type_oid]}"
        if type_oid in _LITERAL_TYPES:
            return f"{literal}::{T.format_type(type_oid, None)}"
        return text
    if isinstance(value, ast.Integer) and value.ival < 0 and type_oid in (21, 23, 20):
        return f"'{value.ival}'::{T.format_type(type_oid, None)}"
    return text


def attrdef_oid(rel: Relation, col: Column) -> int:
    return CONSTRAINT_OID_BASE + rel.oid * CONSTRAINTS_PER_TABLE + CONSTRAINTS_PER_TABLE - 1 \
        - min(col.attnum, CONSTRAINTS_PER_TABLE // 2)


def descriptions(catalog: CatalogSnapshot) -> dict[tuple[int, int, int], str]:
    """(objoid, classoid, objsubid) → comment, for every commented object."""
    out: dict[tuple[int, int, int], str] = {}
    for s in catalog.schemas:
        if s.comment is not None:
            out[(s.oid, PG_NAMESPACE_OID, 0)] = s.comment
    for rel in catalog.relations:
        if rel.comment is not None:
            out[(rel.oid, PG_CLASS_OID, 0)] = rel.comment
        for col in rel.columns:
            if col.comment is not None and not col.dropped:
                out[(rel.oid, PG_CLASS_OID, col.attnum)] = col.comment
        for index in rel.indexes:
            if index.comment is not None:
                out[(index_oid(rel, index), PG_CLASS_OID, 0)] = index.comment
        for oid, con in constraints_of(rel):
            if con.comment is not None:
                out[(oid, PG_CONSTRAINT_OID, 0)] = con.comment
    for fn in catalog.functions:
        if fn.comment is not None:
            out[(fn.oid, PG_PROC_OID, 0)] = fn.comment
    out[(PG_CATALOG_OID, PG_NAMESPACE_OID, 0)] = "system catalog schema"
    return out


@catalog_table("pg_description", 2609,
               "objoid oid, classoid oid, objsubid int4 = 0, description text")
def _pg_description(v: CatalogView):
    for (objoid, classoid, objsubid), text in sorted(descriptions(v.catalog).items()):
        yield {"objoid": objoid, "classoid": classoid, "objsubid": objsubid, "description": text}


@catalog_table("pg_shdescription", 2396, "objoid oid, classoid oid, description text")
def _pg_shdescription(v: CatalogView):
    yield {"objoid": DATABASE_OID, "classoid": PG_DATABASE_OID,
           "description": "default administrative connection database"}


# -- roles, databases, settings -----------------------------------------------------------

_ROLE_FLAGS = """rolsuper bool = false, rolinherit bool = true, rolcreaterole bool = false,
    rolcreatedb bool = false, rolcanlogin bool = true, rolreplication bool = false,
    rolconnlimit int4 = -1"""


def _role_rows(v: CatalogView):
    auth = v.catalog.auth
    for name in v.roles():
        superuser = name == ADMIN
        role = auth.role(name)
        yield {"oid": v.role_oid(name), "rolname": name, "rolsuper": superuser,
               "rolcreaterole": superuser, "rolcreatedb": superuser,
               "rolreplication": superuser, "rolbypassrls": superuser,
               "rolcanlogin": role.login if role is not None else True,
               "rolinherit": role.inherit if role is not None else True}


@catalog_table("pg_authid", PG_AUTHID_OID,
               f"oid oid, rolname name, {_ROLE_FLAGS}, rolbypassrls bool = false, "
               "rolpassword text, rolvaliduntil timestamptz")
def _pg_authid(v: CatalogView):
    """DSQL does not expose pg_authid (dsql-behaviour.md §2.5): in DSQL mode reading it
    is PostgreSQL's answer to a role that is not a superuser, 42501."""
    if getattr(v.session, "compat", None) is Compat.DSQL:
        raise InsufficientPrivilege(name="pg_authid")
    return _role_rows(v)


@catalog_table("pg_roles", None,
               f"rolname name, {_ROLE_FLAGS}, rolpassword text = '********', "
               "rolvaliduntil timestamptz, rolbypassrls bool = false, rolconfig text[], oid oid",
               view=True)
def _pg_roles(v: CatalogView):
    return _role_rows(v)


@catalog_table("pg_user", None,
               "usename name, usesysid oid, usecreatedb bool, usesuper bool, userepl bool, "
               "usebypassrls bool, passwd text = '********', valuntil timestamptz, "
               "useconfig text[]", view=True)
def _pg_user(v: CatalogView):
    auth = v.catalog.auth
    for name in v.roles():
        role = auth.role(name)
        if role is not None and not role.login:
            continue  # pg_user: the roles that can log in
        superuser = name == ADMIN
        yield {"usename": name, "usesysid": v.role_oid(name), "usecreatedb": superuser,
               "usesuper": superuser, "userepl": superuser, "usebypassrls": superuser}


AUTH_MEMBERS_OID_BASE = 3_900_000_000  # pg_auth_members.oid: memberships have no OID


@catalog_table("pg_auth_members", 1261,
               "oid oid, roleid oid, member oid, grantor oid, admin_option bool, "
               "inherit_option bool, set_option bool = true")
def _pg_auth_members(v: CatalogView):
    auth = v.catalog.auth
    for role in sorted(auth.by_oid.values(), key=lambda r: r.oid):
        for i, m in enumerate(role.members):
            member = auth.by_oid.get(m.member)
            yield {"oid": AUTH_MEMBERS_OID_BASE + (role.oid * 64 + i) % 300_000_000,
                   "roleid": role.oid, "member": m.member, "grantor": m.grantor,
                   "admin_option": m.admin_option,
                   "inherit_option": member.inherit if member is not None else True}


@catalog_table("pg_database", PG_DATABASE_OID,
               "oid oid, datname name, datdba oid = 10, encoding int4 = 6, "
               "datlocprovider char = 'c', datistemplate bool = false, "
               "datallowconn bool = true, datconnlimit int4 = -1, dattablespace oid = 1663, "
               "datcollate text = 'C', datctype text = 'C', daticulocale text, "
               "daticurules text, datcollversion text, datacl aclitem[]")
def _pg_database(v: CatalogView):
    yield {"oid": DATABASE_OID, "datname": DATABASE_NAME}


@catalog_table("pg_tablespace", 1213,
               "oid oid, spcname name, spcowner oid = 10, spcacl aclitem[], spcoptions text[]")
def _pg_tablespace(v: CatalogView):
    yield {"oid": PG_DEFAULT_TABLESPACE, "spcname": "pg_default"}
    yield {"oid": 1664, "spcname": "pg_global"}


@catalog_table("pg_settings", None,
               "name text, setting text, unit text, category text = 'Ungrouped', "
               "short_desc text = '', extra_desc text, context text = 'user', "
               "vartype text = 'string', source text = 'default', min_val text, "
               "max_val text, enumvals text[], boot_val text, reset_val text, "
               "sourcefile text, sourceline int4, pending_restart bool = false", view=True)
def _pg_settings(v: CatalogView):
    from borealis.qp import session as qp_session
    current = dict(qp_session.DEFAULT_SETTINGS)
    if v.session is not None:
        current.update(getattr(v.session, "settings", {}) or {})
    for name in sorted(current):
        value = current[name]
        default = qp_session.DEFAULT_SETTINGS.get(name)
        vartype = "bool" if value in ("on", "off") else (
            "integer" if value.lstrip("-").isdigit() else "string")
        yield {"name": qp_session.DISPLAY_NAMES.get(name, name), "setting": value,
               "vartype": vartype, "boot_val": default, "reset_val": default,
               "source": "default" if value == default else "session",
               "context": "internal" if name in ("server_version", "server_version_num",
                                                 "server_encoding", "lc_collate", "lc_ctype",
                                                 "max_identifier_length", "integer_datetimes")
               else "user"}


@catalog_table("pg_stat_activity", None,
               "datid oid, datname name, pid int4, leader_pid int4, usesysid oid, "
               "usename name, application_name text, client_addr inet, client_hostname text, "
               "client_port int4, backend_start timestamptz, xact_start timestamptz, "
               "query_start timestamptz, state_change timestamptz, wait_event_type text, "
               "wait_event text, state text, query_id int8, query text, backend_type text",
               view=True)
def _pg_stat_activity(v: CatalogView):
    s = v.session
    if s is not None:  # the querying session itself: active, in this statement
        began, xact, now = s.started_at, s.transaction_timestamp(), s.statement_timestamp()
    else:
        began = xact = now = datetime.datetime.now(datetime.UTC)
    yield {"datid": DATABASE_OID, "datname": DATABASE_NAME,
           "pid": getattr(s, "process_id", 0), "usesysid": v.role_oid(v.user), "usename": v.user,
           "application_name": v.setting("application_name") or "", "backend_start": began,
           "xact_start": xact, "query_start": now, "state_change": now, "state": "active",
           "query": "", "backend_type": "client backend"}


# -- access methods, types, languages, extensions ---------------------------------------

@catalog_table("pg_am", 2601, "oid oid, amname name, amhandler procname, amtype char")
def _pg_am(v: CatalogView):
    yield {"oid": HEAP_AM_OID, "amname": "heap", "amhandler": "heap_tableam_handler", "amtype": "t"}
    yield {"oid": BTREE_AM_OID, "amname": "btree", "amhandler": "bthandler", "amtype": "i"}
    if index_am(v.session)[0] == BTREE_INDEX_AM_OID:
        yield {"oid": BTREE_INDEX_AM_OID, "amname": "btree_index", "amhandler": "bthandler",
               "amtype": "i"}


def index_am(session: Any) -> tuple[int, str]:
    """The access method indexes report: DSQL's catalog says `btree_index` (pg_class.relam,
    pg_get_indexdef, pg_indexes; dsql-behaviour.md §2.3), PostgreSQL's `btree`."""
    if getattr(session, "compat", None) is Compat.DSQL:
        return BTREE_INDEX_AM_OID, "btree_index"
    return BTREE_AM_OID, "btree"


@catalog_table("pg_collation", 3456,
               "oid oid, collname name, collnamespace oid = 11, collowner oid = 10, "
               "collprovider char = 'c', collisdeterministic bool = true, "
               "collencoding int4 = -1, collcollate text, collctype text, "
               "colliculocale text, collicurules text, collversion text")
def _pg_collation(v: CatalogView):
    yield {"oid": DEFAULT_COLLATION_OID, "collname": "default", "collprovider": "d"}
    yield {"oid": C_COLLATION_OID, "collname": "C", "collcollate": "C", "collctype": "C"}
    yield {"oid": 951, "collname": "POSIX", "collcollate": "POSIX", "collctype": "POSIX"}


@catalog_table("pg_language", 2612,
               "oid oid, lanname name, lanowner oid = 10, lanispl bool = false, "
               "lanpltrusted bool = false, lanplcallfoid oid = 0, laninline oid = 0, "
               "lanvalidator oid = 0, lanacl aclitem[]")
def _pg_language(v: CatalogView):
    yield {"oid": 12, "lanname": "internal"}
    yield {"oid": 13, "lanname": "c"}
    yield {"oid": 14, "lanname": "sql", "lanpltrusted": True}
    yield {"oid": 13_499, "lanname": "plpgsql", "lanispl": True, "lanpltrusted": True}


@catalog_table("pg_extension", 3079,
               "oid oid, extname name, extowner oid = 10, extnamespace oid = 11, "
               "extrelocatable bool = false, extversion text, extconfig oid[], "
               "extcondition text[]")
def _pg_extension(v: CatalogView):
    yield {"oid": PLPGSQL_EXT_OID, "extname": "plpgsql", "extversion": "1.0"}


@catalog_table("pg_proc", PG_PROC_OID,
               "oid oid, proname name, pronamespace oid, proowner oid, prolang oid, procost float4, "
               "prorows float4, provariadic oid, prosupport regproc, prokind char, prosecdef bool, "
               "proleakproof bool, proisstrict bool, proretset bool, provolatile char, "
               "proparallel char, pronargs int2, pronargdefaults int2, prorettype oid, "
               "proargtypes oidvector, proallargtypes oid[], proargmodes char[], proargnames text[], "
               "proargdefaults pg_node_tree, protrftypes oid[], prosrc text, probin text, "
               "prosqlbody pg_node_tree, proconfig text[], proacl aclitem[]")
def _pg_proc(v: CatalogView):
    """SQL functions only (CREATE FUNCTION): the built-ins have no rows."""
    from borealis.sql.routine_catalog import pg_proc_rows
    return pg_proc_rows(v)
_empty("pg_inherits", 2611,
       "inhrelid oid, inhparent oid, inhseqno int4, inhdetachpending bool")


def sequences(v: CatalogView) -> list[Relation]:
    return [r for r in v.user_relations() if r.kind == "S" and r.sequence is not None]


@catalog_table("pg_sequence", 2224,
               "seqrelid oid, seqtypid oid, seqstart int8, seqincrement int8, seqmax int8, "
               "seqmin int8, seqcache int8, seqcycle bool")
def _pg_sequence(v: CatalogView):
    for rel in sequences(v):
        o = rel.sequence
        yield {"seqrelid": rel.oid, "seqtypid": o.type_oid, "seqstart": o.start,
               "seqincrement": o.increment, "seqmax": o.max_value, "seqmin": o.min_value,
               "seqcache": o.cache, "seqcycle": o.cycle}


_empty("pg_enum", 3501, "oid oid, enumtypid oid, enumsortorder float4, enumlabel name")
_empty("pg_range", 3541,
       "rngtypid oid, rngsubtype oid, rngmultitypid oid, rngcollation oid, rngsubopc oid, "
       "rngcanonical regproc, rngsubdiff regproc")
_empty("pg_trigger", 2620,
       "oid oid, tgrelid oid, tgparentid oid, tgname name, tgfoid oid, tgtype int2, "
       "tgenabled char, tgisinternal bool, tgconstrrelid oid, tgconstrindid oid, "
       "tgconstraint oid, tgdeferrable bool, tginitdeferred bool, tgnargs int2, "
       "tgattr int2vector, tgqual pg_node_tree, tgoldtable name, tgnewtable name")


@catalog_table("pg_depend", 2608,
               "classid oid, objid oid, objsubid int4 = 0, refclassid oid, refobjid oid, "
               "refobjsubid int4 = 0, deptype char")
def _pg_depend(v: CatalogView):
    """The dependencies clients read: a sequence owned by a column (serial, OWNED BY:
    "a"; identity: "i"), and a column default on the sequences it calls ("n")."""
    for rel in sequences(v):
        table_oid, attnum = rel.sequence.owned_by
        if table_oid:
            yield {"classid": PG_CLASS_OID, "objid": rel.oid, "refclassid": PG_CLASS_OID,
                   "refobjid": table_oid, "refobjsubid": attnum,
                   "deptype": "i" if rel.sequence.identity else "a"}
    for rel in v.user_relations():
        for col in rel.columns:
            if col.dropped or col.default is None:
                continue
            for seq in col.default_sequences:
                yield {"classid": PG_ATTRDEF_OID, "objid": attrdef_oid(rel, col),
                       "refclassid": PG_CLASS_OID, "refobjid": seq, "deptype": "n"}


_empty("pg_rewrite", 2618,
       "oid oid, rulename name, ev_class oid, ev_type char, ev_enabled char, "
       "is_instead bool, ev_qual pg_node_tree, ev_action pg_node_tree")
_empty("pg_policy", 3256,
       "oid oid, polname name, polrelid oid, polcmd char, polpermissive bool, "
       "polroles oid[], polqual pg_node_tree, polwithcheck pg_node_tree")
_empty("pg_statistic_ext", 3381,
       "oid oid, stxrelid oid, stxname name, stxnamespace oid, stxowner oid, "
       "stxstattarget int4, stxkeys int2vector, stxkind char[], stxexprs pg_node_tree")
_empty("pg_publication", 6104,
       "oid oid, pubname name, pubowner oid, puballtables bool, pubinsert bool, "
       "pubupdate bool, pubdelete bool, pubtruncate bool, pubviaroot bool")
_empty("pg_publication_rel", 6106,
       "oid oid, prpubid oid, prrelid oid, prqual pg_node_tree, prattrs int2vector")
_empty("pg_publication_namespace", 6237, "oid oid, pnpubid oid, pnnspid oid")
_empty("pg_foreign_table", 3118, "ftrelid oid, ftserver oid, ftoptions text[]")
_empty("pg_partitioned_table", 3350,
       "partrelid oid, partstrat char, partnatts int2, partdefid oid, partattrs int2vector, "
       "partclass oidvector, partcollation oidvector, partexprs pg_node_tree")
_empty("pg_event_trigger", 3466,
       "oid oid, evtname name, evtevent name, evtowner oid, evtfoid oid, evtenabled char, "
       "evttags text[]")
_empty("pg_opclass", 2616,
       "oid oid, opcmethod oid, opcname name, opcnamespace oid, opcowner oid, "
       "opcfamily oid, opcintype oid, opcdefault bool, opckeytype oid")
_empty("pg_operator", 2617,
       "oid oid, oprname name, oprnamespace oid, oprowner oid, oprkind char, "
       "oprcanmerge bool, oprcanhash bool, oprleft oid, oprright oid, oprresult oid, "
       "oprcom oid, oprnegate oid, oprcode regproc, oprrest regproc, oprjoin regproc")
_empty("pg_cast", 2605,
       "oid oid, castsource oid, casttarget oid, castfunc oid, castcontext char, "
       "castmethod char")
_empty("pg_aggregate", 2600, "aggfnoid regproc, aggkind char, aggnumdirectargs int2")
_empty("pg_ts_config", 3602,
       "oid oid, cfgname name, cfgnamespace oid, cfgowner oid, cfgparser oid")
_empty("pg_db_role_setting", 2964, "setdatabase oid, setrole oid, setconfig text[]")
_empty("pg_conversion", 2607,
       "oid oid, conname name, connamespace oid, conowner oid, conforencoding int4, "
       "contoencoding int4, conproc regproc, condefault bool")
@catalog_table("pg_default_acl", 826,
               "oid oid, defaclrole oid, defaclnamespace oid, defaclobjtype char, "
               "defaclacl aclitem[]")
def _pg_default_acl(v: CatalogView):
    auth = v.catalog.auth
    for d in sorted(auth.default_acls, key=lambda d: d.oid):
        yield {"oid": d.oid, "defaclrole": d.role, "defaclnamespace": d.schema,
               "defaclobjtype": d.objtype, "defaclacl": auth.format_acl(d.items)}
_empty("pg_init_privs", 3394,
       "objoid oid, classoid oid, objsubid int4, privtype char, initprivs aclitem[]")
_empty("pg_seclabel", 3596,
       "objoid oid, classoid oid, objsubid int4, provider text, label text")
_empty("pg_foreign_server", 1417,
       "oid oid, srvname name, srvowner oid, srvfdw oid, srvtype text, srvversion text, "
       "srvacl aclitem[], srvoptions text[]")
_empty("pg_foreign_data_wrapper", 2328,
       "oid oid, fdwname name, fdwowner oid, fdwhandler oid, fdwvalidator oid, "
       "fdwacl aclitem[], fdwoptions text[]")
_empty("pg_matviews", None,
       "schemaname name, matviewname name, matviewowner name, tablespace name, "
       "hasindexes bool, ispopulated bool, definition text", view=True)


class SequencesRelation(VirtualRelation):
    """pg_sequences: its last_value is each sequence's state key, read as it stands now
    (`get_many_latest`: it changes outside transactions and the catalog version)."""

    def virtual_rows(self, bind_ctx: Any, cols: list[OutCol]) -> Node:
        return SequencesScan(self, bind_ctx, cols)


@dataclass(eq=False)
class SequencesScan(Node):
    relation: SequencesRelation
    bind_ctx: Any
    columns: list[OutCol]

    async def batches(self, ctx):
        from borealis.catalog.model import sequence_state_key
        view = CatalogView(self.bind_ctx)
        found = sequences(view)
        raws = await ctx.txn.get_many_latest([sequence_state_key(r.oid) for r in found]) \
            if found else []
        view.sequence_state = {}
        for rel, raw in zip(found, raws):
            if raw is not None:
                last_value, _, is_called = values.loads(raw)
                view.sequence_state[rel.oid] = last_value if is_called else None
        rows = self.relation.compute(view)
        for batch in _emitted(ctx, self, rows):
            yield batch


@catalog_table("pg_sequences", None,
               "schemaname name, sequencename name, sequenceowner name, data_type regtype, "
               "start_value int8, min_value int8, max_value int8, increment_by int8, cycle bool, "
               "cache_size int8, last_value int8", view=True, cls=SequencesRelation)
def _pg_sequences(v: CatalogView):
    state = getattr(v, "sequence_state", {})
    for rel in sequences(v):
        o = rel.sequence
        yield {"schemaname": v.schema_name(rel.schema_oid), "sequencename": rel.name,
               "sequenceowner": rel.owner, "data_type": o.type_oid, "start_value": o.start,
               "min_value": o.min_value, "max_value": o.max_value, "increment_by": o.increment,
               "cycle": o.cycle, "cache_size": o.cache, "last_value": state.get(rel.oid)}


_empty("pg_locks", None,
       "locktype text, database oid, relation oid, page int4, tuple int2, "
       "virtualxid text, transactionid int8, classid oid, objid oid, objsubid int2, "
       "virtualtransaction text, pid int4, mode text, granted bool, fastpath bool, "
       "waitstart timestamptz", view=True)
_empty("pg_prepared_xacts", None,
       "transaction int8, gid text, prepared timestamptz, owner name, database name",
       view=True)


# -- convenience views ------------------------------------------------------------------

def index_definition(v_catalog: CatalogSnapshot, rel: Relation, index: Index,
                     am: str = "btree", *, pretty: bool = False, qualified: bool = True) -> str:
    """pg_get_indexdef: CREATE [UNIQUE] INDEX name ON schema.table USING btree (keys)
    [INCLUDE (cols)] [NULLS NOT DISTINCT] [WHERE predicate]. Key expressions and the
    predicate are printed as PostgreSQL prints them (`pretty`: fewer parentheses)."""
    from borealis.sql import index_keys
    by_attnum = {c.attnum: c for c in rel.columns}
    keys = index_keys.key_texts(rel, index, pretty=pretty)
    table = quote_ident(rel.name)
    if qualified:
        table = f"{quote_ident(schema_name_of(v_catalog, rel.schema_oid))}.{table}"
    text = (f"CREATE {'UNIQUE ' if index.unique else ''}INDEX {quote_ident(index.name)} "
            f"ON {table} USING {am} ({', '.join(keys)})")
    include = include_columns(rel, index)
    if include:
        names = [quote_ident(by_attnum[a].name) for a in include if a in by_attnum]
        text += f" INCLUDE ({', '.join(names)})"
    if index.nulls_not_distinct:
        text += " NULLS NOT DISTINCT"
    predicate = index_predicate_text(rel, index, pretty=pretty)
    if predicate is not None:
        text += f" WHERE {predicate}"
    return text


def constraint_definition(rel: Relation, con: Constraint, catalog: CatalogSnapshot | None = None,
                          search_path: Iterable[str] = ("public",)) -> str:
    """pg_get_constraintdef: PRIMARY KEY (a, b) / UNIQUE (a) / CHECK ((expr)) /
    FOREIGN KEY (a) REFERENCES p(id) ... (which needs `catalog`)."""
    if con.kind == "f" and catalog is not None:
        return foreign_key_definition(rel, con, catalog, search_path)
    by_attnum = {c.attnum: c for c in rel.columns}
    cols = ", ".join(quote_ident(by_attnum[a].name) for a in con.columns if a in by_attnum)
    if con.kind == "p":
        return f"PRIMARY KEY ({cols})"
    if con.kind == "u":
        nnd = any(i.nulls_not_distinct for i in rel.indexes if i.oid == con.index_oid)
        return f"UNIQUE {'NULLS NOT DISTINCT ' if nnd else ''}({cols})"
    if con.kind == "c":
        expr = con.expr or "true"
        text = f"CHECK (({expr}))" if not (expr.startswith("(") and expr.endswith(")")) \
            else f"CHECK ({expr})"
        return text if con.validated else text + " NOT VALID"
    return con.expr or ""


FK_ACTIONS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def foreign_key_definition(rel: Relation, con: Constraint, catalog: CatalogSnapshot,
                           search_path: Iterable[str]) -> str:
    """As PostgreSQL prints it: FOREIGN KEY (a) REFERENCES p(id) MATCH FULL ON UPDATE ...
    ON DELETE ... DEFERRABLE INITIALLY DEFERRED NOT VALID; the referenced table is
    schema-qualified when the search path would not find it."""
    def names(table: Relation | None, attnums) -> str:
        by_attnum = {c.attnum: c for c in table.columns} if table is not None else {}
        return ", ".join(quote_ident(by_attnum[a].name) if a in by_attnum else str(a) for a in attnums)
    parent = catalog.relation_by_oid(con.ref_relation)
    if parent is None:
        target = str(con.ref_relation)
    elif relation_visible(catalog, search_path, parent):
        target = quote_ident(parent.name)
    else:
        target = f"{quote_ident(schema_name_of(catalog, parent.schema_oid))}.{quote_ident(parent.name)}"
    text = f"FOREIGN KEY ({names(rel, con.columns)}) REFERENCES {target}({names(parent, con.ref_columns)})"
    if con.match == "f":
        text += " MATCH FULL"
    if con.on_update != "a":
        text += f" ON UPDATE {FK_ACTIONS[con.on_update]}"
    if con.on_delete != "a":
        text += f" ON DELETE {FK_ACTIONS[con.on_delete]}"
        if con.delete_set_columns:
            text += f" ({names(rel, con.delete_set_columns)})"
    if con.deferrable:
        text += " DEFERRABLE"
    if con.deferred:
        text += " INITIALLY DEFERRED"
    if not con.validated:
        text += " NOT VALID"
    return text


def schema_name_of(catalog: CatalogSnapshot, oid: int) -> str:
    if oid == PG_CATALOG_OID:
        return "pg_catalog"
    if oid == INFORMATION_SCHEMA_OID:
        return "information_schema"
    if oid == SYS_SCHEMA_OID:
        return "sys"
    s = catalog.schema_by_oid(oid)
    return s.name if s is not None else ""


@catalog_table("pg_tables", None,
               "schemaname name, tablename name, tableowner name, tablespace name, "
               "hasindexes bool, hasrules bool = false, hastriggers bool = false, "
               "rowsecurity bool = false", view=True)
def _pg_tables(v: CatalogView):
    for rel in v.relations():
        kind = rel.relkind if isinstance(rel, VirtualRelation) else rel.kind
        if kind == "r":
            yield {"schemaname": v.schema_name(rel.schema_oid), "tablename": rel.name,
                   "tableowner": rel.owner, "hasindexes": bool(rel.indexes)}


@catalog_table("pg_views", None,
               "schemaname name, viewname name, viewowner name, definition text", view=True)
def _pg_views(v: CatalogView):
    for rel in v.relations():
        kind = rel.relkind if isinstance(rel, VirtualRelation) else rel.kind
        if kind == "v":
            yield {"schemaname": v.schema_name(rel.schema_oid), "viewname": rel.name,
                   "viewowner": rel.owner,
                   "definition": view_definition(v.catalog, v.search_path, rel)}


@catalog_table("pg_indexes", None,
               "schemaname name, tablename name, indexname name, tablespace name, "
               "indexdef text", view=True)
def _pg_indexes(v: CatalogView):
    for rel in v.user_relations():
        for index in rel.indexes:
            yield {"schemaname": v.schema_name(rel.schema_oid), "tablename": rel.name,
                   "indexname": index.name,
                   "indexdef": index_definition(v.catalog, rel, index, index_am(v.session)[1])}


# -- information_schema -------------------------------------------------------------------

def _info(name: str, spec: str):
    return catalog_table(name, None, spec, schema="information_schema", view=True)


@_info("schemata",
       "catalog_name sql_identifier = 'postgres', schema_name sql_identifier, "
       "schema_owner sql_identifier, default_character_set_catalog sql_identifier, "
       "default_character_set_schema sql_identifier, "
       "default_character_set_name sql_identifier, sql_path character_data")
def _schemata(v: CatalogView):
    for s in v.schemas():
        yield {"schema_name": s.name, "schema_owner": s.owner}


@_info("tables",
       "table_catalog sql_identifier = 'postgres', table_schema sql_identifier, "
       "table_name sql_identifier, table_type character_data, "
       "self_referencing_column_name sql_identifier, reference_generation character_data, "
       "user_defined_type_catalog sql_identifier, user_defined_type_schema sql_identifier, "
       "user_defined_type_name sql_identifier, is_insertable_into yes_or_no, "
       "is_typed yes_or_no = 'NO', commit_action character_data")
def _tables(v: CatalogView):
    for rel in v.relations():
        kind = rel.relkind if isinstance(rel, VirtualRelation) else rel.kind
        if kind == "S":
            continue  # information_schema.sequences lists them
        user_table = kind == "r" and not isinstance(rel, VirtualRelation)
        yield {"table_schema": v.schema_name(rel.schema_oid), "table_name": rel.name,
               "table_type": "BASE TABLE" if kind == "r" else "VIEW",
               "is_insertable_into": "YES" if user_table else "NO"}


_COLUMNS = """table_catalog sql_identifier = 'postgres', table_schema sql_identifier,
    table_name sql_identifier, column_name sql_identifier, ordinal_position cardinal_number,
    column_default character_data, is_nullable yes_or_no, data_type character_data,
    character_maximum_length cardinal_number, character_octet_length cardinal_number,
    numeric_precision cardinal_number, numeric_precision_radix cardinal_number,
    numeric_scale cardinal_number, datetime_precision cardinal_number,
    interval_type character_data, interval_precision cardinal_number,
    character_set_catalog sql_identifier, character_set_schema sql_identifier,
    character_set_name sql_identifier, collation_catalog sql_identifier,
    collation_schema sql_identifier, collation_name sql_identifier,
    domain_catalog sql_identifier, domain_schema sql_identifier, domain_name sql_identifier,
    udt_catalog sql_identifier = 'postgres', udt_schema sql_identifier = 'pg_catalog',
    udt_name sql_identifier, scope_catalog sql_identifier, scope_schema sql_identifier,
    scope_name sql_identifier, maximum_cardinality cardinal_number,
    dtd_identifier sql_identifier, is_self_referencing yes_or_no = 'NO',
    is_identity yes_or_no = 'NO', identity_generation character_data,
    identity_start character_data, identity_increment character_data,
    identity_maximum character_data, identity_minimum character_data,
    identity_cycle yes_or_no = 'NO', is_generated character_data = 'NEVER',
    generation_expression character_data, is_updatable yes_or_no = 'YES'"""


def column_type_facts(type_oid: int, typmod: int) -> dict:
    """information_schema.columns' type columns for one column."""
    from borealis.sql import types as T
    info = T.type_by_oid(type_oid)
    out: dict[str, Any] = {}
    if info is None:
        return out
    if info.is_array and info.delimiter == ",":
        out["data_type"] = "ARRAY"
    else:
        out["data_type"] = T.format_type(type_oid, None) if type_oid != 1042 else "character"
    out["udt_name"] = info.name
    if type_oid in (1043, 1042):
        if typmod >= 4:
            out["character_maximum_length"] = typmod - 4
            out["character_octet_length"] = (typmod - 4) * 4
        else:
            out["character_octet_length"] = 1073741824
    elif type_oid == 25:
        out["character_octet_length"] = 1073741824
    ints = {21: 16, 23: 32, 20: 64}
    if type_oid in ints:
        out.update(numeric_precision=ints[type_oid], numeric_precision_radix=2, numeric_scale=0)
    elif type_oid in (700, 701):
        out.update(numeric_precision=24 if type_oid == 700 else 53, numeric_precision_radix=2)
    elif type_oid == 1700:
        out["numeric_precision_radix"] = 10
        if typmod >= 4:
            raw = typmod - 4
            out["numeric_precision"] = (raw >> 16) & 0xFFFF
            scale = raw & 0x7FF
            out["numeric_scale"] = scale - 0x800 if scale & 0x400 else scale
    elif type_oid in (1082,):
        out["datetime_precision"] = 0
    elif type_oid in (1083, 1114, 1184, 1186):
        out["datetime_precision"] = typmod if typmod >= 0 else 6
    return out


@_info("columns", _COLUMNS)
def _columns(v: CatalogView):
    for rel in v.relations():
        if rel.kind == "S":
            continue  # PostgreSQL lists the columns of tables and views only
        schema = v.schema_name(rel.schema_oid)
        for col in rel.columns:
            if col.dropped:
                continue
            row = {"table_schema": schema, "table_name": rel.name, "column_name": col.name,
                   "ordinal_position": col.attnum,
                   "column_default": column_default(v, col)
                   if col.default is not None and col.generated is None else None,
                   "is_nullable": "NO" if col.not_null else "YES",
                   "dtd_identifier": str(col.attnum)}
            row.update(column_type_facts(col.type_oid, col.typmod))
            if col.identity:
                row.update(is_identity="YES",
                           identity_generation="ALWAYS" if col.identity == "a" else "BY DEFAULT")
                seq = v.catalog.relation_by_oid(col.identity_sequence)
                if seq is not None and seq.sequence is not None:
                    o = seq.sequence
                    row.update(identity_start=str(o.start), identity_increment=str(o.increment),
                               identity_maximum=str(o.max_value), identity_minimum=str(o.min_value),
                               identity_cycle="YES" if o.cycle else "NO")
            if col.generated is not None:
                row.update(is_generated="ALWAYS", generation_expression=col.generated)
            if isinstance(rel, VirtualRelation):
                row["is_updatable"] = "NO"
            yield row


@_info("sequences",
       "sequence_catalog sql_identifier = 'postgres', sequence_schema sql_identifier, "
       "sequence_name sql_identifier, data_type character_data, "
       "numeric_precision cardinal_number, numeric_precision_radix cardinal_number = 2, "
       "numeric_scale cardinal_number = 0, start_value character_data, "
       "minimum_value character_data, maximum_value character_data, "
       "increment character_data, cycle_option yes_or_no")
def _sequences(v: CatalogView):
    """Like PostgreSQL's view, without identity columns' sequences."""
    for rel in sequences(v):
        o = rel.sequence
        if o.identity:
            continue
        yield {"sequence_schema": v.schema_name(rel.schema_oid), "sequence_name": rel.name,
               "data_type": column_type_facts(o.type_oid, -1).get("data_type"),
               "numeric_precision": {21: 16, 23: 32, 20: 64}.get(o.type_oid),
               "start_value": str(o.start), "minimum_value": str(o.min_value),
               "maximum_value": str(o.max_value), "increment": str(o.increment),
               "cycle_option": "YES" if o.cycle else "NO"}


_CONSTRAINT_TYPES = {"p": "PRIMARY KEY", "u": "UNIQUE", "c": "CHECK", "f": "FOREIGN KEY"}


@_info("table_constraints",
       "constraint_catalog sql_identifier = 'postgres', constraint_schema sql_identifier, "
       "constraint_name sql_identifier, table_catalog sql_identifier = 'postgres', "
       "table_schema sql_identifier, table_name sql_identifier, "
       "constraint_type character_data, is_deferrable yes_or_no = 'NO', "
       "initially_deferred yes_or_no = 'NO', enforced yes_or_no = 'YES', "
       "nulls_distinct yes_or_no")
def _table_constraints(v: CatalogView):
    for rel in v.user_relations():
        schema = v.schema_name(rel.schema_oid)
        for _, con in constraints_of(rel):
            nnd = None
            if con.kind == "u":
                nnd = "NO" if any(i.nulls_not_distinct for i in rel.indexes
                                  if i.oid == con.index_oid) else "YES"
            yield {"constraint_schema": schema, "constraint_name": con.name,
                   "table_schema": schema, "table_name": rel.name,
                   "constraint_type": _CONSTRAINT_TYPES.get(con.kind, con.kind),
                   "is_deferrable": "YES" if con.deferrable else "NO",
                   "initially_deferred": "YES" if con.deferred else "NO",
                   "nulls_distinct": nnd}
        for col in rel.columns:
            if col.not_null and not col.dropped:
                yield {"constraint_schema": schema,
                       "constraint_name": f"{rel.oid}_{rel.oid}_{col.attnum}_not_null",
                       "table_schema": schema, "table_name": rel.name,
                       "constraint_type": "CHECK"}


@_info("key_column_usage",
       "constraint_catalog sql_identifier = 'postgres', constraint_schema sql_identifier, "
       "constraint_name sql_identifier, table_catalog sql_identifier = 'postgres', "
       "table_schema sql_identifier, table_name sql_identifier, "
       "column_name sql_identifier, ordinal_position cardinal_number, "
       "position_in_unique_constraint cardinal_number")
def _key_column_usage(v: CatalogView):
    for rel in v.user_relations():
        schema = v.schema_name(rel.schema_oid)
        by_attnum = {c.attnum: c for c in rel.columns}
        for _, con in constraints_of(rel):
            if con.kind not in ("p", "u", "f"):
                continue
            unique_cols = _referenced_key_columns(v.catalog, con) if con.kind == "f" else ()
            for i, a in enumerate(con.columns):
                if a in by_attnum:
                    position = None
                    if con.kind == "f" and con.ref_columns[i] in unique_cols:
                        position = unique_cols.index(con.ref_columns[i]) + 1
                    yield {"constraint_schema": schema, "constraint_name": con.name,
                           "table_schema": schema, "table_name": rel.name,
                           "column_name": by_attnum[a].name, "ordinal_position": i + 1,
                           "position_in_unique_constraint": position}


def _referenced_key_columns(catalog: CatalogSnapshot, con: Constraint) -> tuple[int, ...]:
    """The columns of the unique index a foreign key references, in index order."""
    parent = catalog.relation_by_oid(con.ref_relation)
    index = next((i for i in parent.indexes if i.oid == con.index_oid), None) if parent else None
    return index.columns if index is not None else tuple(con.ref_columns)


@_info("constraint_column_usage",
       "table_catalog sql_identifier = 'postgres', table_schema sql_identifier, "
       "table_name sql_identifier, column_name sql_identifier, "
       "constraint_catalog sql_identifier = 'postgres', constraint_schema sql_identifier, "
       "constraint_name sql_identifier")
def _constraint_column_usage(v: CatalogView):
    for rel in v.user_relations():
        schema = v.schema_name(rel.schema_oid)
        by_attnum = {c.attnum: c for c in rel.columns}
        for _, con in constraints_of(rel):
            if con.kind == "f":  # a foreign key uses the referenced table's columns
                parent = v.catalog.relation_by_oid(con.ref_relation)
                if parent is None:
                    continue
                parent_cols = {c.attnum: c for c in parent.columns}
                for a in sorted(con.ref_columns, key=lambda a: parent_cols[a].name
                                if a in parent_cols else ""):
                    if a in parent_cols:
                        yield {"table_schema": v.schema_name(parent.schema_oid),
                               "table_name": parent.name, "column_name": parent_cols[a].name,
                               "constraint_schema": schema, "constraint_name": con.name}
                continue
            for a in con.columns:
                if a in by_attnum:
                    yield {"table_schema": schema, "table_name": rel.name,
                           "column_name": by_attnum[a].name, "constraint_schema": schema,
                           "constraint_name": con.name}


@_info("check_constraints",
       "constraint_catalog sql_identifier = 'postgres', constraint_schema sql_identifier, "
       "constraint_name sql_identifier, check_clause character_data")
def _check_constraints(v: CatalogView):
    for rel in v.user_relations():
        schema = v.schema_name(rel.schema_oid)
        for _, con in constraints_of(rel):
            if con.kind == "c":
                yield {"constraint_schema": schema, "constraint_name": con.name,
                       "check_clause": con.expr}


@_info("referential_constraints",
       "constraint_catalog sql_identifier = 'postgres', constraint_schema sql_identifier, "
       "constraint_name sql_identifier, unique_constraint_catalog sql_identifier, "
       "unique_constraint_schema sql_identifier, unique_constraint_name sql_identifier, "
       "match_option character_data, update_rule character_data, "
       "delete_rule character_data")
def _referential_constraints(v: CatalogView):
    for rel in v.user_relations():
        schema = v.schema_name(rel.schema_oid)
        for _, con in constraints_of(rel):
            if con.kind != "f":
                continue
            parent = v.catalog.relation_by_oid(con.ref_relation)
            unique = None
            if parent is not None:
                # the referenced key's constraint (a unique index without one: none)
                unique = next((c for c in parent.constraints if c.kind in ("p", "u")
                               and c.index_oid == con.index_oid), None)
            yield {"constraint_schema": schema, "constraint_name": con.name,
                   "unique_constraint_catalog": "postgres" if unique is not None else None,
                   "unique_constraint_schema": v.schema_name(parent.schema_oid)
                   if unique is not None else None,
                   "unique_constraint_name": unique.name if unique is not None else None,
                   "match_option": "FULL" if con.match == "f" else "NONE",
                   "update_rule": FK_ACTIONS[con.on_update],
                   "delete_rule": FK_ACTIONS[con.on_delete]}


@_info("views",
       "table_catalog sql_identifier = 'postgres', table_schema sql_identifier, "
       "table_name sql_identifier, view_definition character_data, "
       "check_option character_data = 'NONE', is_updatable yes_or_no = 'NO', "
       "is_insertable_into yes_or_no = 'NO', is_trigger_updatable yes_or_no = 'NO', "
       "is_trigger_deletable yes_or_no = 'NO', is_trigger_insertable_into yes_or_no = 'NO'")
def _views(v: CatalogView):
    for rel in v.relations():
        kind = rel.relkind if isinstance(rel, VirtualRelation) else rel.kind
        if kind == "v":
            yield {"table_schema": v.schema_name(rel.schema_oid), "table_name": rel.name,
                   "view_definition": view_definition(v.catalog, v.search_path, rel)}


# -- sys (DSQL's own views) ----------------------------------------------------------------

@dataclass(frozen=True)
class JobsRelation(VirtualRelation):
    """sys.jobs: the async job records (`catalog.store`), read from the keyspace at the
    statement's snapshot: they change without a catalog version, so they are not in
    the catalog snapshot. Finished jobs older than JOB_RETENTION_S are not shown (the
    job runner deletes them)."""

    def virtual_rows(self, bind_ctx: Any, cols: list[OutCol]) -> Node:
        return JobsScan(self, cols)


@dataclass(eq=False)
class JobsScan(Node):
    relation: JobsRelation
    columns: list[OutCol]

    async def batches(self, ctx):
        from borealis.catalog.model import JOB_FINISHED
        from borealis.catalog.store import list_jobs
        jobs = await list_jobs(ctx.txn)
        horizon = ctx.txn.snapshot() - JOB_RETENTION_S * 1_000_000_000
        rows = [(j.job_id, j.status, j.details, j.job_type, j.class_id, j.object_id,
                 j.object_name, _timestamp(j.start_time), _timestamp(j.update_time))
                for j in sorted(jobs, key=lambda j: (j.start_time, j.job_id))
                if j.status not in JOB_FINISHED or (j.update_time or j.start_time) >= horizon]
        for batch in _emitted(ctx, self, rows):
            yield batch


def _timestamp(ns: int | None) -> datetime.datetime | None:
    if ns is None:
        return None
    return _EPOCH + datetime.timedelta(microseconds=ns // 1000)


_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)


@catalog_table("jobs", None,
               "job_id text, status text, details text, job_type text, class_id oid, "
               "object_id oid, object_name text, start_time timestamptz, "
               "update_time timestamptz", schema="sys", view=True, cls=JobsRelation)
def _sys_jobs(v: CatalogView):
    return ()  # JobsScan reads the rows


# -- roles and privileges (catalog.roles) --------------------------------------------------

@catalog_table("iam_pg_role_mappings", None,
               "iam_oid oid, arn text, pg_role_oid oid, pg_role_name name, "
               "grantor_pg_role_oid oid, grantor_pg_role_name name", schema="sys", view=True)
def _sys_iam_pg_role_mappings(v: CatalogView):
    """DSQL's view of AWS IAM GRANT: one row per (IAM principal, database role)."""
    auth = v.catalog.auth
    for role in sorted(auth.by_oid.values(), key=lambda r: r.oid):
        for m in role.iam:
            yield {"iam_oid": m.iam_oid, "arn": m.arn, "pg_role_oid": role.oid,
                   "pg_role_name": role.name, "grantor_pg_role_oid": m.grantor,
                   "grantor_pg_role_name": auth.name_of(m.grantor)}


def _enabled_roles(v: CatalogView) -> frozenset[int]:
    """The roles whose privileges the current role has (information_schema's
    "enabled roles")."""
    auth = v.catalog.auth
    oid = auth.oid_of(v.current_user)
    return auth.closure(oid) if oid is not None else frozenset()


def _table_grants(v: CatalogView, *, roles_only: bool):
    """information_schema.table_privileges (and role_table_grants, `roles_only`): each
    privilege of each table and view, from its ACL (its default one when none is stored)."""
    from borealis.catalog.roles import PUBLIC_OID, relation_kind
    auth = v.catalog.auth
    enabled = _enabled_roles(v)
    for rel in v.user_relations():
        if rel.kind == "S":
            continue
        owner = role_oid_in(v.catalog, rel.owner)
        items = auth.acl(rel.oid, relation_kind(rel.kind), owner)
        schema = v.schema_name(rel.schema_oid)
        for item in items:
            visible = item.grantor in enabled or item.grantee in enabled
            if not visible and (roles_only or item.grantee != PUBLIC_OID):
                continue
            grantee = auth.name_of(item.grantee) or str(item.grantee)
            for letter in item.privileges:
                name = _PRIVILEGE_NAMES.get(letter)
                if name is None:
                    continue
                grantable = letter in item.grantable or (
                    item.grantee != PUBLIC_OID and auth.has_privs_of(item.grantee, owner))
                yield {"grantor": auth.name_of(item.grantor) or str(item.grantor),
                       "grantee": grantee, "table_schema": schema, "table_name": rel.name,
                       "privilege_type": name, "is_grantable": "YES" if grantable else "NO",
                       "with_hierarchy": "YES" if letter == "r" else "NO"}


_PRIVILEGE_NAMES = {"a": "INSERT", "r": "SELECT", "w": "UPDATE", "d": "DELETE", "D": "TRUNCATE",
                    "x": "REFERENCES", "t": "TRIGGER"}
_TABLE_GRANTS = ("grantor sql_identifier, grantee sql_identifier, "
                 "table_catalog sql_identifier = 'postgres', table_schema sql_identifier, "
                 "table_name sql_identifier, privilege_type character_data, "
                 "is_grantable yes_or_no, with_hierarchy yes_or_no")


@_info("table_privileges", _TABLE_GRANTS)
def _table_privileges(v: CatalogView):
    return _table_grants(v, roles_only=False)


@_info("role_table_grants", _TABLE_GRANTS)
def _role_table_grants(v: CatalogView):
    return _table_grants(v, roles_only=True)


@_info("enabled_roles", "role_name sql_identifier")
def _info_enabled_roles(v: CatalogView):
    auth = v.catalog.auth
    for oid in sorted(_enabled_roles(v)):
        yield {"role_name": auth.name_of(oid)}


@_info("applicable_roles", "grantee sql_identifier, role_name sql_identifier, "
                           "is_grantable yes_or_no")
def _info_applicable_roles(v: CatalogView):
    auth = v.catalog.auth
    enabled = _enabled_roles(v)
    for role in sorted(auth.by_oid.values(), key=lambda r: r.oid):
        for m in role.members:
            if m.member in enabled:
                yield {"grantee": auth.name_of(m.member), "role_name": role.name,
                       "is_grantable": "YES" if m.admin_option else "NO"}


_VIRTUAL_BY_OID: dict[int, VirtualRelation] = {r.oid: r for r in _ALL}


# -- regclass names ------------------------------------------------------------------------

def split_qualified(name: str) -> list[str]:
    """'"My Schema".tbl' → ['My Schema', 'tbl'] (unquoted parts fold to lower case)."""
    parts, cur, quoted, i = [], [], False, 0
    text = name.strip()
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"':
                if i + 1 < len(text) and text[i + 1] == '"':
                    cur.append('"')
                    i += 1
                else:
                    quoted = False
            else:
                cur.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ".":
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch.lower())
        i += 1
    parts.append("".join(cur))
    if quoted or any(p == "" for p in parts):
        raise errors.InvalidParameterValue(what=f'invalid name syntax: "{name}"')
    return parts


class CatalogNames:
    """regclass I/O against one statement's catalog snapshot (`types.RELATION_RESOLVER`)."""

    def __init__(self, catalog: CatalogSnapshot, search_path: Iterable[str],
                 user: str | None = None) -> None:
        self.catalog = catalog
        self.search_path = tuple(search_path)
        self.user = user or ADMIN

    # regnamespace and regrole (sql.catalog_types) use these.
    def namespace_oid(self, name: str) -> int | None:
        (schema,) = split_qualified(name)[-1:]
        fixed = {"pg_catalog": PG_CATALOG_OID, "information_schema": INFORMATION_SCHEMA_OID}
        if schema in fixed:
            return fixed[schema]
        s = self.catalog.schema(schema)
        return s.oid if s is not None else None

    def namespace_name(self, oid: int) -> str | None:
        name = schema_name_of(self.catalog, oid)
        return quote_ident(name) if name else None

    def role_oid(self, name: str) -> int | None:
        """regrole input: the catalog's role of that name (None: no such role)."""
        (name,) = split_qualified(name)[-1:]
        if name == self.user or name in {s.owner for s in self.catalog.schemas}:
            return role_oid_in(self.catalog, name)
        return self.catalog.auth.oid_of(name)

    def role_name(self, oid: int) -> str | None:
        role = self.catalog.auth.by_oid.get(oid)
        if role is not None:
            return quote_ident(role.name)
        names = {ADMIN, self.user}
        names.update(s.owner for s in self.catalog.schemas)
        names.update(r.owner for r in self.catalog.relations)
        for n in names:
            if role_oid(n) == oid:
                return quote_ident(n)
        return None

    # regproc (sql.catalog_types) uses these: the catalog's SQL functions.
    def function_oid(self, name: str) -> int | None:
        from borealis.sql.routine_catalog import regproc_oid
        return regproc_oid(self, name)

    def function_name(self, oid: int) -> str | None:
        from borealis.sql.routine_catalog import function_name
        return function_name(self.catalog, self.search_path, oid)

    def lookup(self, name: str) -> int | None:
        parts = split_qualified(name)
        if len(parts) > 3:
            raise errors.SyntaxError(what=f"improper relation name (too many dotted names): {name}")
        rel_name = parts[-1]
        if len(parts) >= 2:
            schemas = [parts[-2]]
        else:
            schemas = list(self.search_path)
            if "pg_catalog" not in schemas:
                schemas.insert(0, "pg_catalog")
        for sname in schemas:
            vrel = _VIRTUAL_BY_NAME.get((sname, rel_name))
            if vrel is not None:
                return vrel.oid
            s = self.catalog.schema(sname)
            if s is None:
                continue
            rel = self.catalog.relation(s.oid, rel_name)
            if rel is not None:
                return rel.oid
            found = self.catalog.index(s.oid, rel_name)
            if found is not None:
                return index_oid(*found)
        return None

    def relation_oid(self, name: str) -> int:
        oid = self.lookup(name)
        if oid is None:
            raise errors.UndefinedTable(name=name.strip())
        return oid

    def relation_name(self, oid: int) -> str | None:
        vrel = _VIRTUAL_BY_OID.get(oid)
        if vrel is not None:
            schema = "pg_catalog" if vrel.schema_oid == PG_CATALOG_OID else "information_schema"
            if schema == "pg_catalog":
                return quote_ident(vrel.name)
            return f"{schema}.{quote_ident(vrel.name)}"
        found = self.find(oid)
        if found is None:
            return None
        name, schema_oid = found
        if relation_visible(self.catalog, self.search_path, name, schema_oid):
            return quote_ident(name)
        return f"{quote_ident(schema_name_of(self.catalog, schema_oid))}.{quote_ident(name)}"

    def find(self, oid: int) -> tuple[str, int] | None:
        """(name, schema oid) of the relation or index with this pg_class OID."""
        for rel in self.catalog.relations:
            if rel.oid == oid:
                return rel.name, rel.schema_oid
            for index in rel.indexes:
                if index_oid(rel, index) == oid:
                    return index.name, rel.schema_oid
        return None
