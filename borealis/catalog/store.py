"""Reading and writing the catalog in the keyspace, transactionally (DESIGN.md §3).

Keys (all under the system prefix 0x00, never used by user data):

    0x00 0x01 catalog-version        the cluster-wide catalog version (an int)
    0x00 0x02 's' <oid:4>            a schema descriptor
    0x00 0x02 'r' <oid:4>            a relation descriptor (table, view or sequence,
                                     with its columns, indexes and constraints, or its
                                     sequence options)
    0x00 0x02 'p' <oid:4>            a SQL function (`model.Function`)
    0x00 0x02 'a' <oid:4>            a role (`catalog.roles.Role`: LOGIN, members, IAM
                                     mappings)
    0x00 0x02 'g' <oid:4>            the ACL of the schema or relation with that oid
    0x00 0x02 'd' <oid:4>            an ALTER DEFAULT PRIVILEGES record
    0x00 0x02 'v' <oid:4> 'i' <index oid:4>
    0x00 0x02 'v' <oid:4> 'c' <name> a quiet mark: that index of the relation was built
                                     (valid), that constraint validated (see below)
    0x00 0x03 next-oid               the next object id to hand out
    0x00 0x06 'j' <job id>           an async job (sys.jobs): not part of the catalog
                                     snapshot, and writing it bumps no version
    0x00 0x06 'p' <job id>           how far an index build's backfill has got

A sequence's current value is not a descriptor: it is an ordinary key
(`model.sequence_state_key`), written by `nextval` without touching the version key.

DDL is an ordinary transaction: it reads the catalog at τ_start, writes new
descriptors, and bumps the version key. Two concurrent DDLs both write the version key,
so one of them gets OC001; every other transaction has the version key in its check
set, so a DDL committed after its τ_start gives it OC001 too (DSQL's semantics).

`CatalogCache` keeps snapshots by version: a session reads the version key at τ_start
(one point read) and only rebuilds the snapshot when the version moved.

Quiet changes (an async index build completing, a constraint validation completing)
move the epoch key instead of the version (keyspace.CATALOG_EPOCH_KEY), and write a
mark of their own beside the relation's descriptor, not the descriptor: so a DDL on the
same table running across the completion (Django's migrate adds a column right after
creating an index) does not write-write conflict with it. `load_snapshot` merges the
marks into the relations; the next DDL that rewrites or drops the relation folds them
into the descriptor it writes and deletes them. An index mark is keyed by the index's
oid (never reused); a constraint mark by the constraint's name, so a DDL that removes,
renames or redefines a NOT VALID constraint puts its mark's key in the check set: the
validation landing under it unseen would otherwise mark whatever later takes the name.
"""

from __future__ import annotations

import dataclasses
import struct
from typing import Any

from borealis.catalog.model import (
    FIRST_USER_OID,
    PUBLIC_SCHEMA_OID,
    CatalogSnapshot,
    Column,
    Constraint,
    Function,
    FunctionArg,
    Index,
    Job,
    Relation,
    Schema,
    SequenceOptions,
)
from borealis.catalog.roles import (
    RECORD_TYPES,
    DefaultAcl,
    ObjectAcl,
    Role,
    decode_record,
    default_acl,
    relation_kind,
)
from borealis.catalog.roles import grant as acl_grant
from borealis.core import values
from borealis.core.keys import prefix_end
from borealis.core.keyspace import CATALOG_EPOCH_KEY, CATALOG_VERSION_KEY
from borealis.qp.txn import Transaction

DESCRIPTOR_PREFIX = b"\x00\x02"
DESCRIPTOR_END = b"\x00\x03"
NEXT_OID_KEY = b"\x00\x03next-oid"
JOB_PREFIX = b"\x00\x06j"
JOB_PROGRESS_PREFIX = b"\x00\x06p"
JOBS_LISTED_MAX = 100_000  # a bound on one listing; retention keeps far fewer
_OID = struct.Struct(">I")

CACHE_SNAPSHOTS_MAX = 8


def _key(kind: bytes, oid: int) -> bytes:
    return DESCRIPTOR_PREFIX + kind + _OID.pack(oid)


def _encode(obj: Any) -> bytes:
    return values.dumps((type(obj).__name__, dataclasses.asdict(obj)))


@dataclasses.dataclass(frozen=True)
class _Mark:
    """A quiet mark: `index` (an oid) of `relation` is valid, or `constraint` (a name,
    when not None) of it is validated."""

    relation: int
    index: int = 0
    constraint: str | None = None


def _mark_key(relation_oid: int, *, index: int = 0, constraint: str | None = None) -> bytes:
    if constraint is not None:
        return _key(b"v", relation_oid) + b"c" + constraint.encode()
    return _key(b"v", relation_oid) + b"i" + _OID.pack(index)


def _apply_marks(rel: Relation, marks: list[_Mark]) -> Relation:
    valid = {m.index for m in marks if m.constraint is None}
    validated = {m.constraint for m in marks if m.constraint is not None}
    return rel.with_changes(
        indexes=tuple(i if i.valid or i.oid not in valid else dataclasses.replace(i, valid=True)
                      for i in rel.indexes),
        constraints=tuple(c if c.validated or c.name not in validated
                          else dataclasses.replace(c, validated=True) for c in rel.constraints))


def _decode(raw: bytes) -> Schema | Relation:
    kind, fields = values.loads(raw)
    if kind == "Schema":
        return Schema(**fields)
    if kind in RECORD_TYPES:  # roles, ACLs, default ACLs (catalog.roles)
        return decode_record(kind, fields)
    if kind == "Mark":
        return _Mark(**fields)
    if kind == "Function":
        fields = dict(fields)
        fields["args"] = tuple(FunctionArg(**a) for a in fields["args"])
        return Function(**fields)
    fields = dict(fields)
    fields["columns"] = tuple(Column(**c) for c in fields["columns"])
    fields["indexes"] = tuple(Index(**i) for i in fields["indexes"])
    fields["constraints"] = tuple(Constraint(**c) for c in fields["constraints"])
    if fields.get("sequence") is not None:
        seq = dict(fields["sequence"])
        seq["owned_by"] = tuple(seq["owned_by"])
        fields["sequence"] = SequenceOptions(**seq)
    return Relation(**fields)


def bootstrap_snapshot() -> CatalogSnapshot:
    """What an empty database holds: the public schema."""
    return CatalogSnapshot(0, (Schema(PUBLIC_SCHEMA_OID, "public"),), ())


async def read_version(txn: Transaction) -> tuple[int, int]:
    """The catalog's (version, epoch) at the transaction's snapshot, in one read."""
    version, epoch = await txn.get_many([CATALOG_VERSION_KEY, CATALOG_EPOCH_KEY])
    return (values.loads(version) if version is not None else 0,
            values.loads(epoch) if epoch is not None else 0)


async def load_snapshot(txn: Transaction, ident: tuple[int, int]) -> CatalogSnapshot:
    version, epoch = ident
    if version == 0:
        return bootstrap_snapshot()
    rows = await txn.scan(DESCRIPTOR_PREFIX, DESCRIPTOR_END)
    schemas, relations, functions = [], [], []
    auth: dict[type, list] = {Role: [], ObjectAcl: [], DefaultAcl: []}
    marks: dict[int, list[tuple[bytes, _Mark]]] = {}  # relation oid → its quiet marks
    for key, raw in rows:
        obj = _decode(raw)
        if isinstance(obj, _Mark):
            marks.setdefault(obj.relation, []).append((key, obj))
            continue
        if type(obj) in auth:
            auth[type(obj)].append(obj)
            continue
        if isinstance(obj, Function):
            functions.append(obj)
            continue
        (schemas if isinstance(obj, Schema) else relations).append(obj)
    if marks:
        relations = [_apply_marks(r, [m for _, m in marks[r.oid]]) if r.oid in marks else r
                     for r in relations]
    return CatalogSnapshot(version, tuple(schemas), tuple(relations), roles=tuple(auth[Role]),
                           acls=tuple(auth[ObjectAcl]), default_acls=tuple(auth[DefaultAcl]),
                           functions=tuple(functions), epoch=epoch,
                           quiet_marks={oid: tuple(k for k, _ in ms) for oid, ms in marks.items()})


class CatalogCache:
    """Snapshots by version, shared by the sessions of one QP process."""

    def __init__(self) -> None:
        self._snapshots: dict[int, CatalogSnapshot] = {}

    async def snapshot(self, txn: Transaction) -> CatalogSnapshot:
        txn.check(CATALOG_VERSION_KEY)
        own_ddl = CATALOG_VERSION_KEY in txn.writes or CATALOG_EPOCH_KEY in txn.writes
        if txn.catalog is not None and not own_ddl:
            return txn.catalog  # one τ_start, one committed catalog: read it once
        version = await read_version(txn)
        if own_ddl:
            # This transaction's own DDL, not committed: it may still roll back, and
            # another DDL would then commit a different catalog under the same number.
            return await load_snapshot(txn, version)
        snap = self._snapshots.get(version)
        if snap is None:
            snap = await load_snapshot(txn, version)
            if len(self._snapshots) >= CACHE_SNAPSHOTS_MAX:
                del self._snapshots[min(self._snapshots)]
            self._snapshots[version] = snap
        txn.catalog = snap
        return snap


class CatalogWriter:
    """The writes of one DDL transaction against the snapshot it read."""

    def __init__(self, txn: Transaction, snapshot: CatalogSnapshot, *, quiet: bool = False) -> None:
        self.txn = txn
        self.snapshot = snapshot
        # quiet: a change transactions planned without it stay correct under (see
        # keyspace.CATALOG_EPOCH_KEY); it moves the epoch, not the conflict-checked version.
        self.quiet = quiet
        self._next_oid: int | None = None
        self._bumped = False
        self.owner: str | None = None  # the role creating objects (None: keep "admin")

    async def allocate_oid(self) -> int:
        if self._next_oid is None:
            raw = await self.txn.get(NEXT_OID_KEY)
            self._next_oid = values.loads(raw) if raw is not None else FIRST_USER_OID
        oid = self._next_oid
        self._next_oid += 1
        self.txn.put(NEXT_OID_KEY, values.dumps(self._next_oid))
        return oid

    def _bump(self) -> None:
        if not self._bumped:
            self._bumped = True
            if self.quiet:
                self.txn.put(CATALOG_EPOCH_KEY, values.dumps(self.snapshot.epoch + 1))
                return
            self.txn.put(CATALOG_VERSION_KEY, values.dumps(self.snapshot.version + 1))
            if self.snapshot.version == 0:
                # First DDL ever: materialise the bootstrap objects.
                for schema in self.snapshot.schemas:
                    self.txn.put(_key(b"s", schema.oid), _encode(schema))

    def put_schema(self, schema: Schema) -> None:
        existing = self.snapshot.schema_by_oid(schema.oid)
        schema = self._owned(schema, existing)
        self._bump()
        self.txn.put(_key(b"s", schema.oid), _encode(schema))
        if existing is None:
            self._default_privileges(schema.oid, schema.owner, 0, "n", "schema")

    def drop_schema(self, schema: Schema) -> None:
        self._bump()
        self.txn.delete(_key(b"s", schema.oid))
        self.txn.delete(_key(b"g", schema.oid))  # its ACL (catalog.roles)

    def put_relation(self, relation: Relation) -> None:
        existing = self.snapshot.relation_by_oid(relation.oid)
        relation = self._owned(relation, existing)
        self._bump()
        self.txn.put(_key(b"r", relation.oid), _encode(relation))
        self._fold_marks(existing, relation)
        if existing is None:
            objtype = "S" if relation.kind == "S" else "r"
            self._default_privileges(relation.oid, relation.owner, relation.schema_oid, objtype,
                                     relation_kind(relation.kind))

    def current(self, relation: Relation) -> Relation | None:
        """`relation` (of the snapshot) as this transaction has changed it so far; None
        when it dropped it. What a cascading change builds on, so as not to undo
        another's."""
        pending = self.txn.writes.get(_key(b"r", relation.oid), relation)
        return _decode(pending) if isinstance(pending, bytes) else pending

    def drop_relation(self, relation: Relation) -> None:
        self._bump()
        self.txn.delete(_key(b"r", relation.oid))
        self.txn.delete(_key(b"g", relation.oid))  # its ACL (catalog.roles)
        self._fold_marks(self.snapshot.relation_by_oid(relation.oid), None)

    def _fold_marks(self, existing: Relation | None, new: Relation | None) -> None:
        """A DDL rewriting (`new`) or dropping the relation `existing` of its snapshot:
        the quiet marks it saw are in what it writes now, so delete them; and the
        validation of a NOT VALID constraint it removes or redefines must not commit
        unseen before it (its mark would outlive the constraint): check those keys."""
        if existing is None or self.quiet:
            return
        for key in self.snapshot.quiet_marks.get(existing.oid, ()):
            self.txn.delete(key)
        kept = {dataclasses.replace(c, comment=None) for c in new.constraints} if new else set()
        for con in existing.constraints:
            if not con.validated and dataclasses.replace(con, comment=None) not in kept:
                self.txn.check(_mark_key(existing.oid, constraint=con.name))

    def mark_valid(self, relation: Relation, *, index: int = 0,
                   constraint: str | None = None) -> None:
        """A quiet change (`quiet` writers only): the index with oid `index` of
        `relation` is built, or its constraint named `constraint` is validated."""
        assert self.quiet
        self._bump()
        mark = _Mark(relation.oid, index, constraint)
        self.txn.put(_mark_key(relation.oid, index=index, constraint=constraint),
                     values.dumps(("Mark", dataclasses.asdict(mark))))

    def put_function(self, fn: Function) -> None:
        existing = self.snapshot.function_by_oid(fn.oid)
        fn = self._owned(fn, existing)
        self._bump()
        self.txn.put(_key(b"p", fn.oid), _encode(fn))
        if existing is None:
            self._default_privileges(fn.oid, fn.owner, fn.schema_oid, "f", "function")

    def drop_function(self, fn: Function) -> None:
        self._bump()
        self.txn.delete(_key(b"p", fn.oid))
        self.txn.delete(_key(b"g", fn.oid))  # its ACL (catalog.roles)

    # -- ownership, roles and privileges (catalog.roles) ------------------------------

    def _owned(self, obj, existing):
        """A new object belongs to the role creating it (`owner`, set by the session);
        rewriting an existing one keeps its owner (ALTER ... OWNER TO uses `set_owner`)."""
        if existing is not None:
            return obj if obj.owner == existing.owner else dataclasses.replace(obj, owner=existing.owner)
        if self.owner is not None and obj.owner != self.owner:
            return dataclasses.replace(obj, owner=self.owner)
        return obj

    def set_owner(self, obj: Schema | Relation | Function, owner: str) -> None:
        """ALTER ... OWNER TO, and a role rename: the descriptor with a new owner name."""
        self._bump()
        kind = b"s" if isinstance(obj, Schema) else b"p" if isinstance(obj, Function) else b"r"
        self.txn.put(_key(kind, obj.oid), _encode(dataclasses.replace(obj, owner=owner)))

    def _default_privileges(self, oid: int, owner: str, schema_oid: int, objtype: str,
                            kind: str) -> None:
        """ALTER DEFAULT PRIVILEGES of the new object's owner, applied to it."""
        auth = self.snapshot.auth
        owner_oid = auth.oid_of(owner)
        defaults = auth.defaults_for(owner_oid, schema_oid, objtype) if owner_oid is not None else []
        if not defaults:
            return
        items = next((d.items for d in defaults if d.schema == 0), None)
        if items is None:
            items = default_acl(kind, owner_oid)
        for d in defaults:
            if d.schema != 0:
                for item in d.items:
                    items = acl_grant(items, item.grantee, item.grantor, item.privileges, False)
                    items = acl_grant(items, item.grantee, item.grantor, item.grantable, True)
        self.put_acl(ObjectAcl(oid, {"n": "schema", "f": "function"}.get(objtype, "relation"), items))

    def put_role(self, role: Role) -> None:
        self._bump()
        self.txn.put(_key(b"a", role.oid), _encode(role))

    def drop_role(self, role: Role) -> None:
        self._bump()
        self.txn.delete(_key(b"a", role.oid))

    def put_acl(self, acl: ObjectAcl) -> None:
        self._bump()
        self.txn.put(_key(b"g", acl.oid), _encode(acl))

    def put_default_acl(self, acl: DefaultAcl) -> None:
        self._bump()
        if acl.items:
            self.txn.put(_key(b"d", acl.oid), _encode(acl))
        else:
            self.txn.delete(_key(b"d", acl.oid))

    def bump(self) -> None:
        """A catalog change with no descriptor of its own (GRANT, REVOKE, ...)."""
        self._bump()


# -- async jobs (sys.jobs) ----------------------------------------------------------------

def job_key(job_id: str) -> bytes:
    return JOB_PREFIX + job_id.encode()


def put_job(txn: Transaction, job: Job) -> None:
    txn.put(job_key(job.job_id), _encode(job))


def delete_job(txn: Transaction, job_id: str) -> None:
    txn.delete(job_key(job_id))
    delete_progress(txn, job_id)


async def get_job(txn: Transaction, job_id: str) -> Job | None:
    raw = await txn.get(job_key(job_id))
    return _decode_job(raw) if raw is not None else None


async def list_jobs(txn: Transaction) -> list[Job]:
    rows = await txn.scan(JOB_PREFIX, prefix_end(JOB_PREFIX), limit=JOBS_LISTED_MAX)
    return [_decode_job(raw) for _, raw in rows]


def _decode_job(raw: bytes) -> Job:
    kind, fields = values.loads(raw)
    assert kind == "Job", kind
    return Job(**fields)


async def get_progress(txn: Transaction, job_id: str) -> tuple[bytes | None, bytes | None, bool] | None:
    """An index build's backfill: (the last row key done or None, the last row key to
    do or None for an empty table, whether it is finished); None before it started."""
    raw = await txn.get(JOB_PROGRESS_PREFIX + job_id.encode())
    if raw is None:
        return None
    last, end, done = values.loads(raw)
    return last, end, done


def put_progress(txn: Transaction, job_id: str, last: bytes | None, end: bytes | None,
                 done: bool) -> None:
    txn.put(JOB_PROGRESS_PREFIX + job_id.encode(), values.dumps((last, end, done)))


def delete_progress(txn: Transaction, job_id: str) -> None:
    txn.delete(JOB_PROGRESS_PREFIX + job_id.encode())
