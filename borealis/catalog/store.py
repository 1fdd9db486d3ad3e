"""Reading and writing the catalog in the keyspace, transactionally (DESIGN.md §3).

Keys (all under the system prefix 0x00, never used by user data):

    0x00 0x01 catalog-version        the cluster-wide catalog version (an int)
    0x00 0x02 's' <oid:4>            a schema descriptor
    0x00 0x02 'r' <oid:4>            a relation descriptor (table or view, with its
                                     columns, indexes and constraints)
    0x00 0x03 next-oid               the next object id to hand out

DDL is an ordinary transaction: it reads the catalog at τ_start, writes new
descriptors, and bumps the version key. Two concurrent DDLs both write the version key,
so one of them gets OC001; every other transaction has the version key in its check
set, so a DDL committed after its τ_start gives it OC001 too (DSQL's semantics).

`CatalogCache` keeps snapshots by version: a session reads the version key at τ_start
(one point read) and only rebuilds the snapshot when the version moved.
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
    Index,
    Relation,
    Schema,
)
from borealis.core import values
from borealis.core.keyspace import CATALOG_VERSION_KEY
from borealis.qp.txn import Transaction

DESCRIPTOR_PREFIX = b"\x00\x02"
DESCRIPTOR_END = b"\x00\x03"
NEXT_OID_KEY = b"\x00\x03next-oid"
_OID = struct.Struct(">I")

CACHE_SNAPSHOTS_MAX = 8


def _key(kind: bytes, oid: int) -> bytes:
    return DESCRIPTOR_PREFIX + kind + _OID.pack(oid)


def _encode(obj: Any) -> bytes:
    return values.dumps((type(obj).__name__, dataclasses.asdict(obj)))


def _decode(raw: bytes) -> Schema | Relation:
    kind, fields = values.loads(raw)
    if kind == "Schema":
        return Schema(**fields)
    fields = dict(fields)
    fields["columns"] = tuple(Column(**c) for c in fields["columns"])
    fields["indexes"] = tuple(Index(**i) for i in fields["indexes"])
    fields["constraints"] = tuple(Constraint(**c) for c in fields["constraints"])
    return Relation(**fields)


def bootstrap_snapshot() -> CatalogSnapshot:
    """What an empty database holds: the public schema."""
    return CatalogSnapshot(0, (Schema(PUBLIC_SCHEMA_OID, "public"),), ())


async def read_version(txn: Transaction) -> int:
    raw = await txn.get(CATALOG_VERSION_KEY)
    return values.loads(raw) if raw is not None else 0


async def load_snapshot(txn: Transaction, version: int) -> CatalogSnapshot:
    if version == 0:
        return bootstrap_snapshot()
    rows = await txn.scan(DESCRIPTOR_PREFIX, DESCRIPTOR_END)
    schemas, relations = [], []
    for _, raw in rows:
        obj = _decode(raw)
        (schemas if isinstance(obj, Schema) else relations).append(obj)
    return CatalogSnapshot(version, tuple(schemas), tuple(relations))


class CatalogCache:
    """Snapshots by version, shared by the sessions of one QP process."""

    def __init__(self) -> None:
        self._snapshots: dict[int, CatalogSnapshot] = {}

    async def snapshot(self, txn: Transaction) -> CatalogSnapshot:
        txn.check(CATALOG_VERSION_KEY)
        version = await read_version(txn)
        snap = self._snapshots.get(version)
        if snap is None:
            snap = await load_snapshot(txn, version)
            if len(self._snapshots) >= CACHE_SNAPSHOTS_MAX:
                del self._snapshots[min(self._snapshots)]
            self._snapshots[version] = snap
        return snap


class CatalogWriter:
    """The writes of one DDL transaction against the snapshot it read."""

    def __init__(self, txn: Transaction, snapshot: CatalogSnapshot) -> None:
        self.txn = txn
        self.snapshot = snapshot
        self._next_oid: int | None = None
        self._bumped = False

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
            self.txn.put(CATALOG_VERSION_KEY, values.dumps(self.snapshot.version + 1))
            if self.snapshot.version == 0:
                # First DDL ever: materialise the bootstrap objects.
                for schema in self.snapshot.schemas:
                    self.txn.put(_key(b"s", schema.oid), _encode(schema))

    def put_schema(self, schema: Schema) -> None:
        self._bump()
        self.txn.put(_key(b"s", schema.oid), _encode(schema))

    def drop_schema(self, schema: Schema) -> None:
        self._bump()
        self.txn.delete(_key(b"s", schema.oid))

    def put_relation(self, relation: Relation) -> None:
        self._bump()
        self.txn.put(_key(b"r", relation.oid), _encode(relation))

    def drop_relation(self, relation: Relation) -> None:
        self._bump()
        self.txn.delete(_key(b"r", relation.oid))

    def bump(self) -> None:
        """A catalog change with no descriptor of its own (GRANT, REVOKE, ...)."""
        self._bump()
