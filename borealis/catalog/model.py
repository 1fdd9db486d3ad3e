"""The catalog's objects and one immutable snapshot of them (DESIGN.md §3, §6).

Every schema and relation (table, view, with its columns, indexes and constraints) is
one descriptor: a frozen dataclass stored as one key in the shared keyspace (see
`catalog.store`). A `CatalogSnapshot` is everything as of one catalog version; the
binder resolves names against it, and sessions cache snapshots by version, so a
snapshot is never mutated: DDL builds new descriptors and writes them.

Data layout of a table (index-organized, DESIGN.md §3):
- row key   = `relation_prefix(table oid) | encode(primary-key columns)`; a table
  without a primary key gets a hidden 16-byte row id as its key;
- row value = `values.dumps(tuple of every column, by attnum order)`; rows written
  before an ADD COLUMN are shorter and read back padded with NULL (the default of a
  column added later is not stored);
- index key = `relation_prefix(index oid) | encode(index columns)`, followed by the
  encoded primary key unless the index is unique and no key column is NULL; its value
  is the row key, so an index lookup is one more `get`. A key column may be an
  expression over the row, and a partial index has entries only for the rows its
  predicate holds for (`sql.index_keys`).

`relation_prefix` starts with a byte spread over 1..255 by the oid, so the tables and
indexes of a database fall into different key ranges (adjudicators, storage shards)
instead of all sharing the first range; 0x00 is reserved for system keys.

A sequence is a relation of kind "S" whose descriptor carries its options
(`SequenceOptions`: type, start, increment, bounds, cache, cycle, owner column). Its
*state* is not in the descriptor: it is one ordinary key, `sequence_state_key(oid)` (the
sequence's own relation prefix), holding the row `(last_value, log_cnt, is_called)` as
PostgreSQL's sequence relation does. So `nextval` writes that key (in an autonomous
transaction, `qp.sequences`) and never the catalog version, and `SELECT * FROM seq`
reads it like a one-row table, but as it stands now, not at τ_start (as PostgreSQL's
sequences, which are not versioned: `Transaction.get_many_latest`).

A SQL function (`Function`, `CREATE FUNCTION ... LANGUAGE sql`) is a descriptor of its
own, indexed in the snapshot by (schema, name) for overload resolution (`sql.routines`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field, replace
from functools import cached_property

from borealis.core.keys import KeyCodec, KeyColumn

FIRST_USER_OID = 16384
PUBLIC_SCHEMA_OID = 2200
PG_CATALOG_OID = 11
INFORMATION_SCHEMA_OID = 13000
SYS_SCHEMA_OID = 13100
HIDDEN_ROWID = "__rowid"

_OID = struct.Struct(">I")


def relation_prefix(oid: int) -> bytes:
    spread = (oid * 151) % 255 + 1  # 151 is coprime with 255: neighbours spread out
    return bytes((spread,)) + _OID.pack(oid)


@dataclass(frozen=True)
class Column:
    attnum: int  # 1-based, never reused
    name: str
    type_oid: int
    typmod: int = -1
    not_null: bool = False
    default: str | None = None  # SQL expression text, evaluated at INSERT
    generated: str | None = None  # GENERATED ALWAYS AS (expr) STORED
    identity: str = ""  # "", "a" (ALWAYS) or "d" (BY DEFAULT)
    comment: str | None = None
    dropped: bool = False
    identity_sequence: int = 0  # oid of the identity column's sequence
    default_sequences: tuple[int, ...] = ()  # sequences `default` calls (nextval(oid))


@dataclass(frozen=True)
class Index:
    oid: int
    name: str
    columns: tuple[int, ...]  # attnums of the key columns; 0 = the next of `expressions`
    unique: bool = False
    primary: bool = False
    include: tuple[int, ...] = ()
    descending: tuple[bool, ...] = ()
    nulls_not_distinct: bool = False
    valid: bool = True  # false while an async build runs, and after it failed
    comment: str | None = None
    job_id: str = ""  # the CREATE INDEX ASYNC job that builds it ("" when built at once)
    # Expression keys and partial indexes (`sql.index_keys`): SQL text, bound where used.
    expressions: tuple[str, ...] = ()  # one per 0 in `columns`, in key order
    predicate: str | None = None  # WHERE: only rows for which it is true have entries


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: str  # "p" primary key, "u" unique, "c" check, "f" foreign key
    columns: tuple[int, ...] = ()  # for "f": the referencing (child) columns
    expr: str | None = None  # CHECK expression text
    index_oid: int = 0  # for "f": the referenced table's unique index (pg_constraint.conindid)
    validated: bool = True  # false after ADD CONSTRAINT ... NOT VALID, until VALIDATE
    comment: str | None = None
    # Foreign keys (kind "f"; `sql.fk` enforces them). Actions use pg_constraint's
    # letters: "a" NO ACTION, "r" RESTRICT, "c" CASCADE, "n" SET NULL, "d" SET DEFAULT.
    ref_relation: int = 0  # the referenced (parent) table (confrelid)
    ref_columns: tuple[int, ...] = ()  # its columns, paired with `columns` (confkey)
    on_update: str = "a"
    on_delete: str = "a"
    match: str = "s"  # "s" MATCH SIMPLE, "f" MATCH FULL
    delete_set_columns: tuple[int, ...] = ()  # ON DELETE SET NULL/DEFAULT (cols); () = all
    deferrable: bool = False
    deferred: bool = False  # INITIALLY DEFERRED


INT2_OID, INT4_OID, INT8_OID = 21, 23, 20
SEQUENCE_TYPE_BOUNDS = {INT2_OID: (-(1 << 15), (1 << 15) - 1), INT4_OID: (-(1 << 31), (1 << 31) - 1),
                        INT8_OID: (-(1 << 63), (1 << 63) - 1)}


@dataclass(frozen=True)
class SequenceOptions:
    """A sequence's definition (pg_sequence); its current value is separate state."""

    type_oid: int = INT8_OID  # smallint, integer or bigint
    start: int = 1
    increment: int = 1
    min_value: int = 1
    max_value: int = (1 << 63) - 1
    cache: int = 1
    cycle: bool = False
    owned_by: tuple[int, int] = (0, 0)  # (table oid, attnum), (0, 0) when not owned
    identity: bool = False  # an identity column's sequence (owned with dependency "i")


def sequence_columns() -> tuple[Column, ...]:
    """The columns a sequence reads as (PostgreSQL's): its state row."""
    return (Column(1, "last_value", INT8_OID, not_null=True),
            Column(2, "log_cnt", INT8_OID, not_null=True),
            Column(3, "is_called", 16, not_null=True))


def sequence_state_key(oid: int) -> bytes:
    """Where a sequence's state row `(last_value, log_cnt, is_called)` lives."""
    return relation_prefix(oid)


@dataclass(frozen=True)
class Relation:
    oid: int
    schema_oid: int
    name: str
    kind: str  # "r" table, "v" view, "S" sequence
    columns: tuple[Column, ...] = ()
    primary_key: tuple[int, ...] = ()  # attnums; empty → hidden row id
    indexes: tuple[Index, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    view_sql: str | None = None
    comment: str | None = None
    owner: str = "admin"
    sequence: SequenceOptions | None = None  # set for kind "S"
    # A view's text is bound with the search path it was created with (None: a view
    # stored before this was kept binds with the session's, as they all did then).
    view_search_path: tuple[str, ...] | None = None

    @cached_property
    def live_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.dropped)

    @cached_property
    def dropped_names(self) -> frozenset[str]:
        """The (internal) names of its dropped columns: no lookup or `*` finds them."""
        return frozenset(c.name for c in self.columns if c.dropped)

    @cached_property
    def column_by_name(self) -> dict[str, Column]:
        return {c.name: c for c in self.live_columns}

    @cached_property
    def position(self) -> dict[int, int]:
        """attnum → position in the stored row tuple."""
        return {c.attnum: i for i, c in enumerate(self.columns)}

    @cached_property
    def key_codec(self) -> KeyCodec:
        if not self.primary_key:
            return KeyCodec([KeyColumn(17)])  # the hidden row id, as bytea
        by_attnum = {c.attnum: c for c in self.columns}
        return KeyCodec([KeyColumn(key_type(by_attnum[a].type_oid)) for a in self.primary_key])

    @cached_property
    def prefix(self) -> bytes:
        return relation_prefix(self.oid)

    @cached_property
    def foreign_keys(self) -> tuple[Constraint, ...]:
        """This table's foreign-key constraints (it is their child)."""
        return tuple(c for c in self.constraints if c.kind == "f")

    def with_changes(self, **changes) -> Relation:
        return replace(self, **changes)


VOID_OID, RECORD_OID = 2278, 2249


@dataclass(frozen=True)
class FunctionArg:
    """One parameter of a function (pg_proc.proargnames / proallargtypes / proargmodes)."""

    name: str = ""  # "" for an unnamed parameter
    type_oid: int = 0
    mode: str = "i"  # "i" IN, "o" OUT, "b" INOUT, "v" VARIADIC, "t" a RETURNS TABLE column
    default: str | None = None  # the DEFAULT expression's SQL text (IN parameters)


@dataclass(frozen=True)
class Function:
    """A `CREATE FUNCTION ... LANGUAGE sql` function (pg_proc; `sql.routines` runs it).

    `body` is SQL text the function runs: the string of `AS '...'`, or, for the
    SQL-standard forms (`body_form` "return" or "atomic"), their statements deparsed
    (`RETURN e` is kept as `SELECT e`). A function returning a table's rows
    (`RETURNS [SETOF] t`) records the table in `return_relation`; its columns are the
    table's when the function runs, as PostgreSQL reads the row type then."""

    oid: int
    schema_oid: int
    name: str
    args: tuple[FunctionArg, ...] = ()
    return_type: int = VOID_OID  # prorettype: record for TABLE / OUT parameters / a table's rows
    returns_set: bool = False
    return_relation: int = 0
    body: str = ""
    body_form: str = "string"  # "string" (AS '...'), "return" (RETURN e), "atomic" (BEGIN ATOMIC)
    volatility: str = "v"  # "i" IMMUTABLE, "s" STABLE, "v" VOLATILE
    strict: bool = False
    security_definer: bool = False
    leakproof: bool = False
    parallel: str = "u"
    cost: float = 100.0
    rows: float = 0.0
    owner: str = "admin"
    comment: str | None = None

    @cached_property
    def input_args(self) -> tuple[FunctionArg, ...]:
        return tuple(a for a in self.args if a.mode in ("i", "b", "v"))

    @cached_property
    def input_types(self) -> tuple[int, ...]:
        return tuple(a.type_oid for a in self.input_args)

    @cached_property
    def output_args(self) -> tuple[FunctionArg, ...]:
        """OUT, INOUT and RETURNS TABLE columns: the result row's fields."""
        return tuple(a for a in self.args if a.mode in ("o", "b", "t"))


@dataclass(frozen=True)
class Schema:
    oid: int
    name: str
    owner: str = "admin"
    comment: str | None = None


# Async job states (sys.jobs.status) and kinds (sys.jobs.job_type), as DSQL names them.
JOB_SUBMITTED, JOB_PROCESSING, JOB_FAILED, JOB_COMPLETED = "submitted", "processing", "failed", "completed"
JOB_FINISHED = frozenset({JOB_FAILED, JOB_COMPLETED})
JOB_INDEX_BUILD = "INDEX_BUILD"
JOB_VALIDATE_CONSTRAINT = "VALIDATE_CONSTRAINT"
PG_CLASS_OID = 1259  # sys.jobs.class_id of a job on a relation or index


@dataclass(frozen=True)
class Job:
    """One asynchronous job (sys.jobs). It lives in the keyspace beside the catalog
    (`catalog.store`), but is not part of a catalog snapshot: its status changes
    without bumping the catalog version, so it is read live, at the reader's τ_start."""

    job_id: str  # 26 lowercase base32 characters, like DSQL's
    job_type: str
    status: str
    object_id: int  # the index being built
    object_name: str  # "schema.index"
    relation_oid: int  # the table it indexes
    start_time: int  # ns since the epoch
    update_time: int | None = None  # ns; None until the job first changes state
    details: str | None = None  # why it failed
    class_id: int = PG_CLASS_OID
    constraint_name: str = ""  # VALIDATE_CONSTRAINT: the constraint of `relation_oid`


def key_type(type_oid: int) -> int:
    """The type a column is encoded as in keys (varchar and bpchar sort as text)."""
    return {1043: 25, 1042: 25, 19: 25}.get(type_oid, type_oid)


@dataclass(frozen=True)
class CatalogSnapshot:
    version: int
    schemas: tuple[Schema, ...] = ()
    relations: tuple[Relation, ...] = ()
    _by_name: dict = field(default_factory=dict, compare=False, repr=False)
    # Roles, ACLs and default ACLs (`catalog.roles` records); `auth` indexes them.
    roles: tuple = field(default=(), compare=False, repr=False)
    acls: tuple = field(default=(), compare=False, repr=False)
    default_acls: tuple = field(default=(), compare=False, repr=False)
    functions: tuple[Function, ...] = field(default=(), compare=False, repr=False)
    epoch: int = 0  # quiet changes since (keyspace.CATALOG_EPOCH_KEY)
    # relation oid → keys of the quiet marks merged into it (`catalog.store`: an index
    # built, a constraint validated, recorded beside the descriptor, not in it)
    quiet_marks: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def ident(self) -> tuple[int, int]:
        """What names this catalog: plans and caches built from it are keyed by this."""
        return (self.version, self.epoch)

    @cached_property
    def auth(self):
        """This snapshot's `catalog.roles.RoleIndex` (roles, memberships, privileges)."""
        from borealis.catalog.roles import RoleIndex
        return RoleIndex(self.roles, self.acls, self.default_acls)

    def __post_init__(self) -> None:
        by_name = self._by_name
        for s in self.schemas:
            by_name[("schema", s.name)] = s
        for r in self.relations:
            by_name[("rel", r.schema_oid, r.name)] = r
            for index in r.indexes:
                by_name[("index", r.schema_oid, index.name)] = (r, index)
            if r.sequence is not None and r.sequence.owned_by[0]:
                by_name.setdefault(("owned", r.sequence.owned_by[0]), []).append(r)
            for c in r.columns:
                for seq in c.default_sequences:
                    if not c.dropped:
                        by_name.setdefault(("seq-users", seq), []).append((r, c))
            for con in r.foreign_keys:
                by_name.setdefault(("referenced-by", con.ref_relation), []).append((r, con))
        for f in self.functions:
            by_name.setdefault(("fn", f.schema_oid, f.name), []).append(f)
            by_name[("fn-oid", f.oid)] = f

    def schema(self, name: str) -> Schema | None:
        return self._by_name.get(("schema", name))

    def schema_by_oid(self, oid: int) -> Schema | None:
        for s in self.schemas:
            if s.oid == oid:
                return s
        return None

    def relation(self, schema_oid: int, name: str) -> Relation | None:
        return self._by_name.get(("rel", schema_oid, name))

    def relation_by_oid(self, oid: int) -> Relation | None:
        for r in self.relations:
            if r.oid == oid:
                return r
        return None

    def index(self, schema_oid: int, name: str) -> tuple[Relation, Index] | None:
        return self._by_name.get(("index", schema_oid, name))

    def functions_named(self, schema_oid: int, name: str) -> list[Function]:
        """The functions (overloads) called `name` in one schema."""
        return self._by_name.get(("fn", schema_oid, name), [])

    def function_by_oid(self, oid: int) -> Function | None:
        return self._by_name.get(("fn-oid", oid))

    def name_taken(self, schema_oid: int, name: str) -> bool:
        return (("rel", schema_oid, name) in self._by_name
                or ("index", schema_oid, name) in self._by_name)

    def owned_sequences(self, table_oid: int, attnum: int | None = None) -> list[Relation]:
        """The sequences owned by a table (or one of its columns): serial and identity
        sequences, and those given OWNED BY; they are dropped with it."""
        return [r for r in self._by_name.get(("owned", table_oid), ())
                if attnum is None or r.sequence.owned_by[1] == attnum]

    def referencing(self, table_oid: int) -> list[tuple[Relation, Constraint]]:
        """The foreign keys that reference a table: (child table, constraint)."""
        return self._by_name.get(("referenced-by", table_oid), [])

    def sequence_users(self, seq_oid: int) -> list[tuple[Relation, Column]]:
        """The columns whose default calls a sequence (they depend on it)."""
        return list(self._by_name.get(("seq-users", seq_oid), ()))
