"""Foreign keys: declaring them, enforcing them on every write, validating them.

A foreign key is a `Constraint` of kind "f" on the referencing (child) table: its
`columns` pair up with `ref_columns` of the referenced (parent) table, which must be the
parent's primary key or the columns of a valid unique index (`index_oid`). The catalog
snapshot knows, for every table, the foreign keys that reference it
(`CatalogSnapshot.referencing`).

Enforcement follows PostgreSQL's trigger semantics without triggers:

```
 write_row / delete_row (sql.dml) ──▶ row_written / row_deleted: queue events (no I/O)
     child row inserted, or its key columns changed ───▶ ChildCheck
     parent row deleted, or its referenced key changed ─▶ ParentChange
 end of the statement (run_insert, run_modify, COPY) ─▶ end_statement: fire the queue
     ChildCheck   ─ the parent is looked up by its key (PK or unique index entry) through
                    the transaction: at τ_start, with this transaction's own writes
                    ─ missing ─▶ 23503; found ─▶ the parent's row key joins the share set
     ParentChange ─ NO ACTION: fine if a row with the old key exists again, else any
                    child ─▶ 23503;  RESTRICT: any child ─▶ 23503;  CASCADE, SET NULL,
                    SET DEFAULT: the children are written with write_row/delete_row,
                    which queue their own events (fired in the same loop)
 a DEFERRABLE constraint currently deferred (INITIALLY DEFERRED, SET CONSTRAINTS):
     its ChildCheck and NO ACTION events wait in the transaction's deferred list
     ─▶ before_commit (the session's COMMIT and implicit commit) or SET CONSTRAINTS
        ... IMMEDIATE fires them
```

Firing at the end of the statement (not per row) is what lets one INSERT add rows that
reference each other, and an UPDATE move a referenced key and its references together.
It also lets the statement's events be fired in groups: the parents of a group of child
rows with one `get_many`, and the children of a group of removed keys (one foreign key,
one action) together. Children are found through an index whose leading columns are the
foreign-key columns (the child's primary key, else the first valid secondary index that
fits), one key range per removed key; else with one scan of the child table for the
whole group, the filter pushed down to storage. ON UPDATE CASCADE events fire one by
one, in order, since each may create references the next must see.

Why no lock is needed (DESIGN.md §4, dsql-behaviour.md §1.4). Every read is at
τ_start; what a transaction read can only be invalidated by a write committed after
τ_start, and the adjudicator catches the writes that matter:

- A child insert (or key update) puts the parent's row key in its share set, as FOR
  KEY SHARE does. If a transaction deleting that parent (or changing its key, which
  rewrites the row key) commits first, the child's COMMIT fails with OC000.
- If the child commits first, the adjudicator records the parent key as shared at the
  child's τ_commit; the delete, whose τ_start precedes that and which therefore did not
  see the child, fails at its COMMIT with OC000 (`adjudicator.conflicts`).
- Readers of the parent, and other transactions adding children of the same parent,
  only share the key: they never conflict with each other, as in DSQL.
- Children a parent delete does find it deletes or updates itself (CASCADE, SET
  NULL/DEFAULT), so a concurrent change to those rows is a write-write conflict.

A difference from DSQL: the share is on the whole parent row, so a concurrent UPDATE of
non-key parent columns also conflicts with the child's transaction, whichever commits
second (DSQL lets both commit).

Validation (ALTER TABLE ... VALIDATE CONSTRAINT, and ADD CONSTRAINT without NOT VALID in
relaxed mode) reads every child row and looks up its parent, putting the parent keys in
the share set; `qp.constraint_jobs` does the same in chunks for the ASYNC form, which is
sound because the constraint was committed (NOT VALID, enforced) before the job began.
The synchronous forms share the weakness of every synchronous DDL here: a writer that
commits between the DDL's τ_start and its commit, planned without the constraint, is not
seen (DSQL itself only has the ASYNC form).

Other differences from PostgreSQL: MATCH PARTIAL is refused (as PostgreSQL does, but
pglast reports it as a syntax error); the removed keys of one statement are grouped per
foreign key, so with two foreign keys from one table to another the actions of the
first run for all rows before the checks of the second (PostgreSQL interleaves them row
by row); a referencing column may pair with a referenced one of another type when
PostgreSQL allows it (one integer family, one float family, text/varchar/char,
date/timestamp/timestamptz, or an implicit cast), and values are compared after casting
to the referenced type, a narrowing cast that changes the value matching nothing.
"""

from __future__ import annotations

import weakref
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pglast import ast
from pglast.enums import ConstrType

from borealis.catalog.model import (
    CatalogSnapshot,
    Column,
    Constraint,
    Index,
    Relation,
    key_type,
    relation_prefix,
)
from borealis.core import errors, values
from borealis.core.keys import KeyCodec, KeyColumn, prefix_end
from borealis.sql import types as T

NAME_BYTES_MAX = 63
ACTION_WORDS = {"a": "NO ACTION", "r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
EVENTS_PER_STATEMENT_MAX = 1_000_000  # events fired by one statement (cascades included)
CASCADE_DEPTH_MAX = 10_000  # levels of cascaded actions (a cycle of references stops here)
DEFERRED_EVENTS_MAX = 1_000_000  # checks waiting for COMMIT in one transaction
CHECK_GROUP_MAX = 1_000  # child checks looked up with one get_many
PAGE_ROWS = 1_000  # rows per scan page (children, validation)
CHILD_ROWS_MAX = 10_000_000  # children one parent change may act on

INT2, INT4, INT8, FLOAT4, FLOAT8 = 21, 23, 20, 700, 701
TEXT, VARCHAR, BPCHAR, DATE, TIMESTAMP, TIMESTAMPTZ = 25, 1043, 1042, 1082, 1114, 1184
# Types PostgreSQL compares across with its own operators (int2 = int8, float4 = float8,
# date = timestamptz, ...): a foreign key may pair any two of one family. Other pairs
# need an implicit cast from the referencing type to the referenced one.
_FAMILIES = (frozenset({INT2, INT4, INT8}), frozenset({FLOAT4, FLOAT8}),
             frozenset({TEXT, VARCHAR, BPCHAR}), frozenset({DATE, TIMESTAMP, TIMESTAMPTZ}))

_NO_MATCH = object()  # a converted value that no key of the other side can equal


# -- types --------------------------------------------------------------------------------

def comparable(fk_oid: int, pk_oid: int) -> bool:
    """Whether a referencing column of type `fk_oid` may reference one of `pk_oid`."""
    if fk_oid == pk_oid or any(fk_oid in f and pk_oid in f for f in _FAMILIES):
        return True
    return T.can_coerce(fk_oid, pk_oid, "implicit")


_CONVERTERS: dict[tuple[int, int, int], Callable[[Any], Any]] = {}


def converter(src: int, dst: int, dst_typmod: int = -1) -> Callable[[Any], Any]:
    """A function from a `src` value to the equal `dst` value, as a key of `dst`'s
    column holds it, or `_NO_MATCH` when no `dst` value equals it (out of range, or a
    narrowing cast that loses something: 2.5 is no integer, noon is no date)."""
    key = (src, dst, dst_typmod if dst == BPCHAR else -1)
    fn = _CONVERTERS.get(key)
    if fn is None:
        fn = _CONVERTERS[key] = _build_converter(*key)
    return fn


def _identity(v: Any) -> Any:
    return v


def _build_converter(src: int, dst: int, typmod: int) -> Callable[[Any], Any]:
    if src == dst and dst != BPCHAR:
        return _identity
    try:
        cast = T.cast_function(src, dst, typmod, explicit=False)
        back = None if T.can_coerce(src, dst, "implicit") else T.cast_function(dst, src, -1)
    except errors.BorealisError:
        return lambda v: None if v is None else _NO_MATCH

    def convert(v: Any) -> Any:
        if v is None:
            return None
        try:
            out = cast(v)
            if back is not None and back(out) != v:
                return _NO_MATCH
        except (errors.BorealisError, ArithmeticError, ValueError, OverflowError):
            return _NO_MATCH
        return out
    return convert


def _key_value(v: Any) -> Any:
    if isinstance(v, float) and v == 0:
        return 0.0  # -0.0 and 0.0 are one key, as in PostgreSQL
    return v


def _text(v: Any, oid: int) -> str:
    if v is None:
        return "null"
    info = T.type_by_oid(oid)
    return info.text_out(v) if info is not None else str(v)


def _columns(rel: Relation, attnums: Iterable[int]) -> list[Column]:
    by_attnum = {c.attnum: c for c in rel.columns}
    return [by_attnum[a] for a in attnums]


def _key_detail(rel: Relation, attnums: Sequence[int], vals: Sequence[Any]) -> str:
    cols = _columns(rel, attnums)
    names = ", ".join(c.name for c in cols)
    return f"Key ({names})=({', '.join(_text(v, c.type_oid) for v, c in zip(vals, cols))})"


# -- the referenced key -------------------------------------------------------------------

def unique_index_for(parent: Relation, attnums: Sequence[int]) -> Index | None:
    """The parent's primary key or valid unique index over exactly these columns (not
    a partial one, as in PostgreSQL)."""
    want = set(attnums)
    for index in sorted(parent.indexes, key=lambda i: not i.primary):
        if index.unique and index.valid and len(index.columns) == len(want) \
                and set(index.columns) == want and index.predicate is None:
            return index
    return None


def referenced_index(parent: Relation, con: Constraint) -> Index | None:
    for index in parent.indexes:
        if index.oid == con.index_oid:
            return index
    return unique_index_for(parent, con.ref_columns)


class ParentKey:
    """How to find the parent row of a foreign key: the storage key of its row (primary
    key) or of its unique index entry (whose value is the row key)."""

    def __init__(self, parent: Relation, con: Constraint, child: Relation | None = None) -> None:
        index = referenced_index(parent, con)
        if index is None:
            raise errors.InternalError(
                what=f'foreign key "{con.name}" has no unique index on "{parent.name}"')
        self.parent = parent
        self.is_row = index.primary
        self.order = [con.ref_columns.index(a) for a in index.columns]
        if index.primary:
            self.prefix, self.codec = parent.prefix, parent.key_codec
        else:
            pcols = _columns(parent, index.columns)
            desc = index.descending or (False,) * len(pcols)
            self.prefix = relation_prefix(index.oid)
            self.codec = KeyCodec([KeyColumn(key_type(c.type_oid), d) for c, d in zip(pcols, desc)])
        self.to_parent: list[Callable[[Any], Any]] = []
        if child is not None:
            pcols = _columns(parent, con.ref_columns)
            for c, p in zip(_columns(child, con.columns), pcols):
                self.to_parent.append(converter(c.type_oid, p.type_oid, p.typmod))

    def key(self, parent_vals: Sequence[Any]) -> bytes:
        return self.prefix + self.codec.encode([_key_value(parent_vals[i]) for i in self.order])

    def from_child(self, child_vals: Sequence[Any]) -> tuple | None:
        """The parent key values equal to a child's, or None if no parent can match."""
        out = tuple(f(v) for f, v in zip(self.to_parent, child_vals))
        return None if any(v is _NO_MATCH for v in out) else out

    async def find(self, txn, keys: list[bytes]) -> list[bytes | None]:
        """The parent row key for each lookup key (None: no such parent)."""
        found = await txn.get_many(keys)
        if self.is_row:
            return [k if v is not None else None for k, v in zip(keys, found)]
        return list(found)


# -- finding children ---------------------------------------------------------------------

def _prefix_path(child: Relation, con: Constraint):
    """(key prefix, codec over the FK columns in key order, attnum order) of the child's
    primary key or first valid secondary index whose leading columns are the foreign-key
    columns; None when there is none (then the table is scanned)."""
    n = len(con.columns)
    want = set(con.columns)
    if child.primary_key and set(child.primary_key[:n]) == want:
        cols = child.primary_key[:n]
        return child.prefix, KeyCodec(child.key_codec.columns[:n]), cols
    for index in child.indexes:
        if index.primary or not index.valid or set(index.columns[:n]) != want \
                or index.predicate is not None:  # a partial index lacks some rows
            continue
        cols = index.columns[:n]
        desc = index.descending or (False,) * len(index.columns)
        codec = KeyCodec([KeyColumn(key_type(c.type_oid), d)
                          for c, d in zip(_columns(child, cols), desc)])
        return relation_prefix(index.oid), codec, cols
    return None


async def find_children(txn, child: Relation, con: Constraint, child_vals: Sequence[Any],
                        limit: int = 0) -> list[tuple[bytes, tuple]]:
    """Child rows (row key, row) whose foreign-key columns equal `child_vals` (in
    `con.columns` order, none NULL), read through the transaction."""
    width = len(child.columns)
    positions = [child.position[a] for a in con.columns]
    want = tuple(child_vals)

    def matches(row: tuple) -> bool:
        return tuple(row[p] if p < len(row) else None for p in positions) == want

    out: list[tuple[bytes, tuple]] = []
    path = _prefix_path(child, con)
    if path is not None:
        prefix, codec, cols = path
        by_attnum = dict(zip(con.columns, want))
        start = prefix + codec.encode([_key_value(by_attnum[a]) for a in cols])
        end = prefix_end(start)
        via_index = prefix != child.prefix
        while len(out) < CHILD_ROWS_MAX:
            page = await txn.scan(start, end, limit=PAGE_ROWS)
            if via_index:
                keys = [v for _, v in page]
                raws = await txn.get_many(keys) if keys else []
                rows = [(k, r) for k, r in zip(keys, raws) if r is not None]
            else:
                rows = list(page)
            for key, raw in rows:
                row = _pad(values.loads(raw), width)
                if matches(row):
                    out.append((key, row))
                    if limit and len(out) >= limit:
                        return out
            if len(page) < PAGE_ROWS:
                return out
            start = page[-1][0] + b"\x00"
        raise errors.ProgramLimitExceeded(what=f"more than {CHILD_ROWS_MAX} rows reference one key")
    parts = [("cmp", "=", ("col", p), ("const", v)) for p, v in zip(positions, want)]
    pushdown = parts[0] if len(parts) == 1 else ("and", *parts)
    start, end = child.prefix, prefix_end(child.prefix)
    while len(out) < CHILD_ROWS_MAX:
        want_rows = min(PAGE_ROWS, limit - len(out)) if limit else PAGE_ROWS
        page = await txn.scan(start, end, limit=want_rows, filter=pushdown)
        for key, row in page:
            row = _pad(tuple(row), width)
            if matches(row):
                out.append((key, row))
        if (limit and len(out) >= limit) or len(page) < want_rows:
            return out
        start = page[-1][0] + b"\x00"
    raise errors.ProgramLimitExceeded(what=f"more than {CHILD_ROWS_MAX} rows reference one key")


async def find_children_many(txn, child: Relation, con: Constraint, wanted: list[tuple],
                             first_only: bool = False) -> dict[tuple, list[tuple[bytes, tuple]]]:
    """The child rows of several keys, by key (`first_only`: stop at the first row
    found). With an index on the foreign-key columns, one range per key; without one, a
    single scan of the child table for all of them (not one per key)."""
    keys = list(dict.fromkeys(wanted))
    out: dict[tuple, list[tuple[bytes, tuple]]] = {}
    if len(keys) == 1 or _prefix_path(child, con) is not None:
        for vals in keys:
            rows = await find_children(txn, child, con, vals, limit=1 if first_only else 0)
            if rows:
                out[vals] = rows
                if first_only:
                    return out
        return out
    width = len(child.columns)
    positions = [child.position[a] for a in con.columns]
    want = set(keys)
    if len(positions) == 1:
        pushdown: tuple = ("in", ("col", positions[0]), tuple(v for (v,) in keys))
    else:
        pushdown = ("and", *[("notnull", ("col", p)) for p in positions])
    start, end = child.prefix, prefix_end(child.prefix)
    seen = 0
    while seen < CHILD_ROWS_MAX:
        page = await txn.scan(start, end, limit=PAGE_ROWS, filter=pushdown)
        for key, row in page:
            row = _pad(tuple(row), width)
            vals = tuple(row[p] for p in positions)
            if vals in want:
                out.setdefault(vals, []).append((key, row))
                seen += 1
                if first_only:
                    return out
        if len(page) < PAGE_ROWS:
            return out
        start = page[-1][0] + b"\x00"
    raise errors.ProgramLimitExceeded(what=f"more than {CHILD_ROWS_MAX} rows reference the keys")


def _pad(row: tuple, width: int) -> tuple:
    return row + (None,) * (width - len(row)) if len(row) < width else row


# -- per-transaction state ------------------------------------------------------------------

@dataclass(eq=False)
class ChildCheck:
    """A child row was written with these foreign-key values: its parent must exist."""

    binder: Any
    child: Relation
    con: Constraint
    key: bytes  # the child row's key
    vals: tuple  # its foreign-key values, in `con.columns` order
    depth: int = 0


@dataclass(eq=False)
class ParentChange:
    """A referenced key went away (row deleted, or key updated to `new`)."""

    binder: Any
    parent: Relation
    child: Relation
    con: Constraint
    old: tuple  # the old referenced values, in `con.ref_columns` order
    new: tuple | None  # None: the parent row was deleted
    depth: int = 0


@dataclass
class FkState:
    """One transaction's pending foreign-key work (kept beside it, see `state`)."""

    pending: deque = field(default_factory=deque)  # events of the running statement
    deferred: list = field(default_factory=list)  # checks waiting for COMMIT
    all_deferred: bool | None = None  # SET CONSTRAINTS ALL ...; None: each as declared
    named: dict[tuple[int, str], bool] = field(default_factory=dict)  # SET CONSTRAINTS name
    depth: int = 0  # of the event being fired: what it queues is one level deeper
    codecs: dict[int, Any] = field(default_factory=dict)  # child oid → RowCodec
    codecs_catalog: Any = None  # the snapshot `codecs` were built against
    keys: dict[tuple[int, int, str], ParentKey] = field(default_factory=dict)

    def is_deferred(self, child: Relation, con: Constraint) -> bool:
        if not con.deferrable:
            return False
        named = self.named.get((child.oid, con.name))
        if named is not None:
            return named
        return con.deferred if self.all_deferred is None else self.all_deferred

    def parent_key(self, parent: Relation, con: Constraint, child: Relation) -> ParentKey:
        k = (id(parent), child.oid, con.name)
        pk = self.keys.get(k)
        if pk is None or pk.parent is not parent:
            pk = self.keys[k] = ParentKey(parent, con, child)
        return pk


_STATES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def state(txn, create: bool = True) -> FkState | None:
    st = _STATES.get(txn)
    if st is None and create:
        st = _STATES[txn] = FkState()
    return st


# -- queueing (called by sql.dml for every row write) --------------------------------------

def _vals(row: tuple, rel: Relation, attnums: Sequence[int]) -> tuple:
    pos = rel.position
    return tuple(row[pos[a]] if pos[a] < len(row) else None for a in attnums)


def row_written(ctx, codec, key: bytes, row: tuple, old_key: bytes | None = None,
                old_row: tuple | None = None) -> None:
    """A row was inserted (old_row None) or updated: queue what the statement must check."""
    rel = codec.rel
    fks = rel.foreign_keys
    refs = codec.binder.catalog.referencing(rel.oid) if old_row is not None else ()
    if not fks and not refs:
        return
    st = state(ctx.txn)
    depth = st.depth
    for con in fks:
        vals = _vals(row, rel, con.columns)
        if old_row is not None and key == old_key and _vals(old_row, rel, con.columns) == vals:
            continue  # key columns unchanged, row not moved: nothing new to check
        if all(v is None for v in vals) or (con.match != "f" and any(v is None for v in vals)):
            continue  # MATCH SIMPLE: a NULL column exempts the row; MATCH FULL: all NULL
        st.pending.append(ChildCheck(codec.binder, rel, con, key, vals, depth))
    for child, con in refs:
        old = _vals(old_row, rel, con.ref_columns)
        new = _vals(row, rel, con.ref_columns)
        if old != new and not any(v is None for v in old):
            st.pending.append(ParentChange(codec.binder, rel, child, con, old, new, depth))


def row_deleted(ctx, codec, key: bytes, row: tuple) -> None:
    rel = codec.rel
    refs = codec.binder.catalog.referencing(rel.oid)
    if not refs:
        return
    st = state(ctx.txn)
    for child, con in refs:
        old = _vals(row, rel, con.ref_columns)
        if not any(v is None for v in old):
            st.pending.append(ParentChange(codec.binder, rel, child, con, old, None, st.depth))


# -- firing ------------------------------------------------------------------------------

async def end_statement(ctx) -> None:
    """Fire the events the statement queued (and those their actions queue)."""
    st = state(ctx.txn, create=False)
    if st is None or not st.pending:
        return
    try:
        await _drain(ctx, st, final=False)
    finally:
        st.pending.clear()
        st.depth = 0


async def before_commit(txn, session) -> None:
    """COMMIT: the deferred checks. A failure fails the COMMIT (the caller rolls back)."""
    st = state(txn, create=False)
    if st is None or not st.deferred:
        return
    from borealis.sql.plan import ExecContext
    events, st.deferred = st.deferred, []
    st.pending.extend(events)
    try:
        with ExecContext(txn, session) as ctx:
            await _drain(ctx, st, final=True)
    finally:
        st.pending.clear()
        st.depth = 0


async def _drain(ctx, st: FkState, *, final: bool) -> None:
    fired = 0
    while st.pending:
        event = st.pending.popleft()
        fired += 1
        if fired > EVENTS_PER_STATEMENT_MAX:
            raise errors.ProgramLimitExceeded(
                what=f"a statement may fire at most {EVENTS_PER_STATEMENT_MAX} foreign-key checks")
        if event.depth >= CASCADE_DEPTH_MAX:
            raise errors.ProgramLimitExceeded(
                what=f"foreign-key actions cascade more than {CASCADE_DEPTH_MAX} levels deep")
        st.depth = event.depth + 1
        if isinstance(event, ChildCheck):
            group = [event]
            while st.pending and isinstance(st.pending[0], ChildCheck) and len(group) < CHECK_GROUP_MAX:
                group.append(st.pending.popleft())
            fired += len(group) - 1
            await _check_children(ctx, st, group, final)
        else:
            # Gathered from the whole queue, not only the next events: a row deleted from
            # a table with two referencing foreign keys queues one event for each, in turn.
            group, rest = [event], deque()
            while st.pending:
                other = st.pending.popleft()
                if len(group) < CHECK_GROUP_MAX and _groups_with(event, other):
                    group.append(other)
                else:
                    rest.append(other)
            st.pending = rest
            fired += len(group) - 1
            await _parents_changed(ctx, st, group, final)


def _defer(st: FkState, event) -> None:
    if len(st.deferred) >= DEFERRED_EVENTS_MAX:
        raise errors.ProgramLimitExceeded(
            what=f"more than {DEFERRED_EVENTS_MAX} deferred foreign-key checks in one transaction")
    st.deferred.append(event)


async def _check_children(ctx, st: FkState, group: list[ChildCheck], final: bool) -> None:
    txn = ctx.txn
    live = []
    current = await txn.get_many([e.key for e in group])
    for event, raw in zip(group, current):
        if raw is None:
            continue  # deleted since (by this transaction): nothing to check
        row = values.loads(raw)
        if _vals(row, event.child, event.con.columns) != event.vals:
            continue  # updated since: that update queued its own check
        if not final and st.is_deferred(event.child, event.con):
            _defer(st, event)
            continue
        live.append(event)
    lookups: list[tuple[ChildCheck, ParentKey, bytes]] = []
    parents: dict[tuple[int, int], Relation | None] = {}
    for event in live:
        con, child = event.con, event.child
        if any(v is None for v in event.vals):  # MATCH FULL with some (not all) NULL
            raise errors.ForeignKeyViolation(
                what=f'insert or update on table "{child.name}" violates foreign key constraint "{con.name}"',
                detail="MATCH FULL does not allow mixing of null and nonnull key values.")
        catalog = event.binder.catalog
        where = (id(catalog), con.ref_relation)
        if where not in parents:
            parents[where] = catalog.relation_by_oid(con.ref_relation)
        parent = parents[where]
        pk = st.parent_key(parent, con, child) if parent is not None else None
        parent_vals = pk.from_child(event.vals) if pk is not None else None
        if parent_vals is None:
            _missing_parent(event, parent)
        lookups.append((event, pk, pk.key(parent_vals)))
    by_pk: dict[int, list[int]] = {}
    for i, (_, pk, _) in enumerate(lookups):
        by_pk.setdefault(id(pk), []).append(i)
    found: list[bytes | None] = [None] * len(lookups)
    for positions in by_pk.values():
        pk = lookups[positions[0]][1]
        rows = await pk.find(txn, [lookups[i][2] for i in positions])
        for i, row_key in zip(positions, rows):
            found[i] = row_key
    for (event, pk, _), row_key in zip(lookups, found):
        if row_key is None:
            _missing_parent(event, pk.parent)
        txn.share(row_key)  # a concurrent delete of the parent aborts whichever commits last


def _missing_parent(event: ChildCheck, parent: Relation | None) -> None:
    child, con = event.child, event.con
    table = parent.name if parent is not None else "?"
    raise errors.ForeignKeyViolation(
        what=f'insert or update on table "{child.name}" violates foreign key constraint "{con.name}"',
        detail=f'{_key_detail(child, con.columns, event.vals)} is not present in table "{table}".')


def _action(event: ParentChange) -> str:
    return event.con.on_delete if event.new is None else event.con.on_update


def _groups_with(event: ParentChange, other: Any) -> bool:
    """Whether `other` may be fired together with `event`: the same foreign key and
    action, and not ON UPDATE CASCADE (whose updates may create references the next
    event of the group must see, so those fire one by one, in order)."""
    return (isinstance(other, ParentChange) and other.con is event.con
            and other.child is event.child and other.parent is event.parent
            and _action(other) == _action(event)
            and not (_action(event) == "c" and event.new is not None))


async def _parents_changed(ctx, st: FkState, group: list[ParentChange], final: bool) -> None:
    """Referenced keys went away (one foreign key, one action): check or act on their
    children, found with one lookup for the whole group."""
    first = group[0]
    con, child, parent = first.con, first.child, first.parent
    action = _action(first)
    if action == "a" and not final and st.is_deferred(child, con):
        for event in group:
            _defer(st, event)
        return
    txn = ctx.txn
    live = []
    for event in group:
        child_vals = _to_child(parent, child, con, event.old)
        if child_vals is not None:  # else no child value can equal this key
            live.append((event, child_vals))
    if action == "a" and live:
        pk = st.parent_key(parent, con, child)
        still = await pk.find(txn, [pk.key(e.old) for e, _ in live])
        # another row has the key now: its references are still satisfied
        live = [(e, cv) for (e, cv), row_key in zip(live, still) if row_key is None]
    if not live:
        return
    found = await find_children_many(txn, child, con, [cv for _, cv in live],
                                     first_only=action in ("a", "r"))
    if action in ("a", "r"):
        if found:
            event = next(e for e, cv in live if cv in found)
            raise errors.ForeignKeyViolation(
                what=f'update or delete on table "{parent.name}" violates foreign key constraint '
                     f'"{con.name}" on table "{child.name}"',
                detail=f'{_key_detail(parent, con.ref_columns, event.old)} is still referenced '
                       f'from table "{child.name}".')
        return
    from borealis.sql.dml import delete_row, write_row
    codec = _codec(st, first.binder, child)
    for event, child_vals in live:
        rows = found.pop(child_vals, [])
        if action == "c" and event.new is None:
            for key, row in rows:
                await delete_row(ctx, codec, key, row)
            continue
        changes = _new_child_values(event, child, codec) if rows else []
        for key, row in rows:
            new = list(row)
            for pos, value in changes:
                new[pos] = value
            new_row = codec.complete(new)
            new_key = await write_row(ctx, codec, new_row, old_key=key, old_row=row)
            vals = _vals(new_row, child, con.columns)
            if action == "d" and vals == _vals(row, child, con.columns) and None not in vals:
                # The default is the key just removed: an unchanged row queues no check
                # of its own, and it must not keep referencing a parent that is gone.
                st.pending.append(ChildCheck(event.binder, child, con, new_key, vals, st.depth))


def _to_child(parent: Relation, child: Relation, con: Constraint, parent_vals: Sequence[Any]):
    out = []
    for p, c, v in zip(_columns(parent, con.ref_columns), _columns(child, con.columns), parent_vals):
        cv = converter(p.type_oid, c.type_oid, c.typmod)(v)
        if cv is _NO_MATCH:
            return None
        out.append(cv)
    return tuple(out)


def _new_child_values(event: ParentChange, child: Relation, codec) -> list[tuple[int, Any]]:
    """(row position, value) a CASCADE / SET NULL / SET DEFAULT action writes."""
    con = event.con
    action = con.on_delete if event.new is None else con.on_update
    if action == "c":  # ON UPDATE CASCADE: the new key
        vals = _to_child(event.parent, child, con, event.new)
        if vals is None:
            raise errors.ForeignKeyViolation(
                what=f'update or delete on table "{event.parent.name}" violates foreign key '
                     f'constraint "{con.name}" on table "{child.name}"')
        return [(child.position[a], v) for a, v in zip(con.columns, vals)]
    attnums = con.columns
    if event.new is None and con.delete_set_columns:
        attnums = con.delete_set_columns
    if action == "n":
        return [(child.position[a], None) for a in attnums]
    from borealis.sql.dml import _default_expr
    out = []
    for col in _columns(child, attnums):
        out.append((child.position[col.attnum], _default_expr(codec.binder, col).compile()(())))
    return out


def _codec(st: FkState, binder, rel: Relation):
    from borealis.sql.dml import RowCodec
    if st.codecs_catalog is not binder.catalog:
        st.codecs = {}
        st.codecs_catalog = binder.catalog
    codec = st.codecs.get(rel.oid)
    if codec is None:
        codec = st.codecs[rel.oid] = RowCodec(binder, rel)
    return codec


# -- SET CONSTRAINTS -----------------------------------------------------------------------

async def set_constraints(ctx, catalog: CatalogSnapshot, search_path: Sequence[str],
                          node: ast.ConstraintsSetStmt) -> None:
    """SET CONSTRAINTS ALL | name, ... DEFERRED | IMMEDIATE for the current transaction.
    Switching to IMMEDIATE fires the checks deferred so far for those constraints."""
    st = state(ctx.txn)
    deferred = bool(node.deferred)
    if not node.constraints:
        st.all_deferred = deferred
        st.named.clear()
    else:
        for rv in node.constraints:
            for rel, con in _named_constraints(catalog, search_path, rv):
                if not con.deferrable:
                    raise errors.WrongObjectType(what=f'constraint "{rv.relname}" is not deferrable')
                st.named[(rel.oid, con.name)] = deferred
    if deferred or not st.deferred:
        return
    now = [e for e in st.deferred if not st.is_deferred(e.child, e.con)]
    st.deferred = [e for e in st.deferred if st.is_deferred(e.child, e.con)]
    st.pending.extend(now)
    try:
        await _drain(ctx, st, final=True)
    finally:
        st.pending.clear()
        st.depth = 0


def _named_constraints(catalog: CatalogSnapshot, search_path: Sequence[str],
                       rv: ast.RangeVar) -> list[tuple[Relation, Constraint]]:
    """The constraints a SET CONSTRAINTS name means: in its schema, or in the first
    schema of the search path that has one of that name."""
    schemas = [rv.schemaname] if rv.schemaname else list(search_path)
    for sname in schemas:
        schema = catalog.schema(sname)
        if schema is None:
            continue
        found = [(r, c) for r in catalog.relations if r.schema_oid == schema.oid
                 for c in r.constraints if c.name == rv.relname]
        if found:
            return found
    raise errors.UndefinedObject(what=f'constraint "{rv.relname}" does not exist')


# -- DDL: declaring foreign keys -------------------------------------------------------------

def _object_name(name1: str, name2: str, label: str) -> str:
    """PostgreSQL's rule for generated names: `name1_name2_label`, the longer of the
    first two parts shortened until the whole fits in 63 bytes."""
    avail = NAME_BYTES_MAX - len(label.encode()) - 1 - (1 if name2 else 0)
    b1, b2 = name1.encode(), name2.encode()
    n1, n2 = len(b1), len(b2)
    while n1 + n2 > avail:
        if n1 > n2:
            n1 -= 1
        else:
            n2 -= 1
    part1 = b1[:n1].decode(errors="ignore")
    part2 = b2[:n2].decode(errors="ignore")
    return f"{part1}_{part2}_{label}" if name2 else f"{part1}_{label}"


def choose_name(table: str, columns: Sequence[str], label: str, taken: set[str]) -> str:
    """A constraint name not in `taken`: `<table>_<col1>_<col2>_fkey`, then fkey1, ..."""
    joined = ""
    for name in columns:
        part = name if not joined else f"{joined}_{name}"
        if len(part.encode()) >= NAME_BYTES_MAX:
            break
        joined = part
    suffix = 0
    while True:
        candidate = _object_name(table, joined, label if not suffix else f"{label}{suffix}")
        if candidate not in taken:
            return candidate
        suffix += 1


def schema_constraint_names(catalog: CatalogSnapshot, schema_oid: int) -> set[str]:
    return {c.name for r in catalog.relations if r.schema_oid == schema_oid for c in r.constraints}


def column_references(coldef: ast.ColumnDef) -> list[ast.Constraint]:
    """A column definition's REFERENCES clauses, with the DEFERRABLE / INITIALLY
    DEFERRED attributes that follow each applied to it (as PostgreSQL's grammar does)."""
    out: list[ast.Constraint] = []
    last: ast.Constraint | None = None
    for con in coldef.constraints or ():
        kind = con.contype
        if kind not in ATTRIBUTE_KINDS:
            last = con
            if kind == ConstrType.CONSTR_FOREIGN:
                out.append(con)
            continue
        makes_deferred = kind in (ConstrType.CONSTR_ATTR_DEFERRABLE, ConstrType.CONSTR_ATTR_DEFERRED)
        if last is None or last.contype != ConstrType.CONSTR_FOREIGN:
            if not makes_deferred:
                continue  # NOT DEFERRABLE / INITIALLY IMMEDIATE: what every constraint is
            words = "DEFERRABLE" if kind == ConstrType.CONSTR_ATTR_DEFERRABLE else "INITIALLY DEFERRED"
            if last is not None and last.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
                raise errors.FeatureNotSupported(
                    what="deferrable unique and primary key constraints are not supported")
            raise errors.SyntaxError(what=f"misplaced {words} clause")
        if kind == ConstrType.CONSTR_ATTR_DEFERRABLE:
            last.deferrable = True
        elif kind == ConstrType.CONSTR_ATTR_NOT_DEFERRABLE:
            last.deferrable = False
        elif kind == ConstrType.CONSTR_ATTR_DEFERRED:
            last.initdeferred = True
        elif kind == ConstrType.CONSTR_ATTR_IMMEDIATE:
            last.initdeferred = False
    return out


ATTRIBUTE_KINDS = frozenset({ConstrType.CONSTR_ATTR_DEFERRABLE, ConstrType.CONSTR_ATTR_NOT_DEFERRABLE,
                             ConstrType.CONSTR_ATTR_DEFERRED, ConstrType.CONSTR_ATTR_IMMEDIATE})
# Column constraint kinds sql.ddl leaves to this module.
COLUMN_KINDS = ATTRIBUTE_KINDS | {ConstrType.CONSTR_FOREIGN}


def _not_found(name: str) -> errors.BorealisError:
    return errors.UndefinedColumn(f'column "{name}" referenced in foreign key constraint does not exist')


def build_foreign_key(binder, child: Relation, node: ast.Constraint, fk_names: Sequence[str],
                      taken: set[str], *, validated: bool) -> Constraint:
    """The `Constraint` a FOREIGN KEY / REFERENCES clause declares on `child` (which may
    be the table being created, and may reference itself). Checks what PostgreSQL
    checks, with its SQLSTATEs; `taken` holds the names a default name must avoid."""
    if node.fk_matchtype == "p":
        raise errors.FeatureNotSupported(what="MATCH PARTIAL not yet implemented")
    parent = _referenced_table(binder, child, node.pktable)
    fk_cols = []
    for name in fk_names:
        col = child.column_by_name.get(name)
        if col is None:
            raise _not_found(name)
        fk_cols.append(col)
    if node.pk_attrs:
        ref_cols = []
        for s in node.pk_attrs:
            col = parent.column_by_name.get(s.sval)
            if col is None:
                raise _not_found(s.sval)
            ref_cols.append(col)
        attnums = [c.attnum for c in ref_cols]
        if len(set(attnums)) != len(attnums):
            raise errors.InvalidForeignKey(what="foreign key referenced-columns list must not contain duplicates")
        index = unique_index_for(parent, attnums)
        if index is None:
            raise errors.InvalidForeignKey(
                what=f'there is no unique constraint matching given keys for referenced table "{parent.name}"')
    else:
        if not parent.primary_key:
            raise errors.UndefinedObject(what=f'there is no primary key for referenced table "{parent.name}"')
        index = next(i for i in parent.indexes if i.primary)
        ref_cols = _columns(parent, parent.primary_key)
    if len(fk_cols) != len(ref_cols):
        raise errors.InvalidForeignKey(
            what="number of referencing and referenced columns for foreign key disagree")
    name = node.conname or choose_name(child.name, [c.name for c in fk_cols], "fkey", taken)
    for fk, pk in zip(fk_cols, ref_cols):
        if not comparable(fk.type_oid, pk.type_oid):
            raise errors.DatatypeMismatch(
                what=f'foreign key constraint "{name}" cannot be implemented',
                detail=f'Key columns "{fk.name}" and "{pk.name}" are of incompatible types: '
                       f"{T.format_type(fk.type_oid, None)} and {T.format_type(pk.type_oid, None)}.")
    set_cols: list[int] = []
    for s in node.fk_del_set_cols or ():
        col = child.column_by_name.get(s.sval)
        if col is None:
            raise _not_found(s.sval)
        if col.attnum not in [c.attnum for c in fk_cols]:
            raise errors.InvalidColumnReference(
                what=f'column "{s.sval}" referenced in ON DELETE SET action must be part of foreign key')
        set_cols.append(col.attnum)
    if set_cols and node.fk_del_action not in ("n", "d"):
        raise errors.SyntaxError(what="a column list with ON DELETE is supported only for SET NULL and SET DEFAULT")
    deferred = bool(node.initdeferred)
    return Constraint(name, "f", tuple(c.attnum for c in fk_cols), index_oid=index.oid,
                      validated=validated, ref_relation=parent.oid,
                      ref_columns=tuple(c.attnum for c in ref_cols),
                      on_update=node.fk_upd_action or "a", on_delete=node.fk_del_action or "a",
                      match="f" if node.fk_matchtype == "f" else "s",
                      delete_set_columns=tuple(set_cols),
                      deferrable=bool(node.deferrable) or deferred, deferred=deferred)


def _referenced_table(binder, child: Relation, rv: ast.RangeVar) -> Relation:
    """The table a REFERENCES clause names; the table being created counts (it may
    reference itself)."""
    rel = binder.find_relation(rv.schemaname, rv.relname)
    if rel is not None and rel.oid == child.oid:
        return child  # ALTER TABLE: the descriptor as this statement has changed it so far
    if rv.relname == child.name and binder.catalog.relation_by_oid(child.oid) is None:
        own = binder.catalog.schema_by_oid(child.schema_oid)
        own_name = own.name if own is not None else "public"
        if rv.schemaname is not None:
            if rv.schemaname == own_name:
                return child
        else:  # the first schema on the search path with either table wins
            for sname in binder.ctx.search_path:
                if sname == own_name:
                    return child
                if rel is not None and rel.schema_oid == getattr(binder.catalog.schema(sname), "oid", None):
                    break
    if rel is None:
        name = f"{rv.schemaname}.{rv.relname}" if rv.schemaname else rv.relname
        raise errors.UndefinedTable(name=name)
    if rel.kind != "r" or getattr(rel, "virtual_rows", None) is not None:
        raise errors.WrongObjectType(what=f'referenced relation "{rel.name}" is not a table')
    return rel


def create_table_foreign_keys(binder, rel: Relation, node: ast.CreateStmt) -> Relation:
    """CREATE TABLE: the column-level REFERENCES and table-level FOREIGN KEY clauses of
    `node` added to the new table `rel` (its columns, keys and indexes already made)."""
    clauses: list[tuple[ast.Constraint, list[str]]] = []
    for elt in node.tableElts or ():
        if isinstance(elt, ast.ColumnDef):
            clauses.extend((con, [elt.colname]) for con in column_references(elt))
        elif isinstance(elt, ast.Constraint) and elt.contype == ConstrType.CONSTR_FOREIGN:
            clauses.append((elt, [s.sval for s in elt.fk_attrs or ()]))
    if not clauses:
        return rel
    taken = schema_constraint_names(binder.catalog, rel.schema_oid) | {c.name for c in rel.constraints}
    added = []
    for clause, names in clauses:
        con = build_foreign_key(binder, rel, clause, names, taken, validated=True)
        taken.add(con.name)
        added.append(con)
    return rel.with_changes(constraints=rel.constraints + tuple(added))


# -- DDL: ALTER TABLE ----------------------------------------------------------------------

def _compat_dsql(binder) -> bool:
    from borealis.core.limits import Compat
    session = binder.ctx.settings
    return getattr(session, "compat", Compat.DSQL) is Compat.DSQL if session is not None else False


async def add_constraint(binder, writer, rel: Relation, node: ast.Constraint) -> Relation:
    """ALTER TABLE ... ADD [CONSTRAINT name] FOREIGN KEY | CHECK ... [NOT VALID]. NOT VALID
    adds it unvalidated (enforced on new writes at once); otherwise the existing rows are
    checked now (relaxed mode: DSQL refuses the form, see `sql.parse`)."""
    if node.conname and any(c.name == node.conname for c in rel.constraints):
        raise errors.DuplicateObject(
            what=f'constraint "{node.conname}" for relation "{rel.name}" already exists')
    valid = not node.skip_validation
    if node.contype == ConstrType.CONSTR_FOREIGN:
        taken = schema_constraint_names(binder.catalog, rel.schema_oid) | {c.name for c in rel.constraints}
        con = build_foreign_key(binder, rel, node, [s.sval for s in node.fk_attrs or ()], taken,
                                validated=valid)
    elif node.contype == ConstrType.CONSTR_CHECK:
        from borealis.sql.ddl import deparse
        taken = {c.name for c in rel.constraints}
        con = Constraint(node.conname or choose_name(rel.name, _check_columns(rel, node), "check", taken),
                         "c", expr=deparse(node.raw_expr), validated=valid)
    else:
        raise errors.FeatureNotSupported(
            what=f"unsupported ALTER TABLE ADD {node.contype.name.removeprefix('CONSTR_')} statement")
    new_rel = rel.with_changes(constraints=rel.constraints + (con,))
    from borealis.sql.dml import RowCodec
    RowCodec(binder, new_rel)  # binds a CHECK expression now: 42703 & co. at ALTER
    if valid:
        await validate_all(writer.txn, binder, new_rel, con)
    return new_rel


def _check_columns(rel: Relation, node: ast.Constraint) -> list[str]:
    """The column a CHECK expression reads, if it reads exactly one (PostgreSQL names
    the constraint `<table>_<col>_check` then, else `<table>_check`)."""
    from borealis.sql.index_keys import names_in
    names = names_in(node.raw_expr)
    ordered = [c.name for c in rel.live_columns if c.name in names]
    return ordered if len(ordered) == 1 else []


def find_constraint(rel: Relation, name: str) -> Constraint:
    for con in rel.constraints:
        if con.name == name:
            return con
    raise errors.UndefinedObject(what=f'constraint "{name}" of relation "{rel.name}" does not exist')


async def drop_constraint(binder, writer, rel: Relation, cmd: ast.AlterTableCmd) -> Relation:
    """ALTER TABLE ... DROP CONSTRAINT [IF EXISTS] name [CASCADE]: a foreign key or CHECK
    goes; a UNIQUE constraint takes its index with it (and, with CASCADE, the foreign
    keys that reference it). The primary key cannot go: it is how rows are stored."""
    found = [c for c in rel.constraints if c.name == cmd.name]
    if not found:
        if cmd.missing_ok:
            return rel
        find_constraint(rel, cmd.name)
    con = found[0]
    if con.kind == "p":
        raise errors.FeatureNotSupported(what="unsupported ALTER TABLE DROP CONSTRAINT statement",
                                         detail="The primary key of a table cannot be dropped.")
    rel = rel.with_changes(constraints=tuple(c for c in rel.constraints if c.name != con.name))
    if con.kind == "u":
        index = next((i for i in rel.indexes if i.oid == con.index_oid), None)
        if index is not None:
            rel = await drop_index_dependents(binder, writer, rel, index, cascade=cmd.behavior.value == 1,
                                              what=f"constraint {con.name} on table "
                                                   f"{binder.described(rel)}")
            from borealis.sql.ddl import _delete_range
            await _delete_range(writer.txn, relation_prefix(index.oid))
            rel = rel.with_changes(indexes=tuple(i for i in rel.indexes if i.oid != index.oid))
    return rel


async def validate_constraint(binder, writer, rel: Relation, name: str) -> Relation:
    """ALTER TABLE ... VALIDATE CONSTRAINT name, synchronously (relaxed mode; DSQL wants
    the ASYNC form and refuses this one)."""
    con = find_constraint(rel, name)
    if con.kind not in ("f", "c"):
        raise errors.WrongObjectType(
            what=f'constraint "{name}" of relation "{rel.name}" is not a foreign key or check constraint')
    if _compat_dsql(binder):
        raise errors.ValidateConstraintAsyncRequired()
    if con.validated:
        return rel
    await validate_all(writer.txn, binder, rel, con)
    valid = replace(con, validated=True)
    return rel.with_changes(constraints=tuple(valid if c.name == name else c for c in rel.constraints))


def validate_target(rel: Relation, name: str) -> Constraint:
    """The constraint ALTER TABLE ASYNC ... VALIDATE CONSTRAINT works on."""
    con = find_constraint(rel, name)
    if con.kind not in ("f", "c"):
        raise errors.WrongObjectType(
            what=f'constraint "{name}" of relation "{rel.name}" is not a foreign key or check constraint')
    return con


async def validate_all(txn, binder, rel: Relation, con: Constraint) -> None:
    """Every row of `rel` satisfies `con` (raises 23503 / 23514 on the first that does not)."""
    start, end = rel.prefix, prefix_end(rel.prefix)
    width = len(rel.columns)
    checker = RowValidator(binder, rel, con)
    while True:
        page = await txn.scan(start, end, limit=PAGE_ROWS)
        await checker.check(txn, [(k, _pad(values.loads(v), width)) for k, v in page])
        if len(page) < PAGE_ROWS:
            return
        start = page[-1][0] + b"\x00"


class RowValidator:
    """Checks existing rows against one foreign-key or CHECK constraint (validation)."""

    def __init__(self, binder, rel: Relation, con: Constraint) -> None:
        self.rel, self.con = rel, con
        self.check_fn = None
        self.parent_key = None
        if con.kind == "c":
            from borealis.sql.dml import RowCodec
            codec = RowCodec(binder, rel)
            self.check_fn = next(fn for n, fn in codec.checks if n == con.name)
        else:
            parent = binder.catalog.relation_by_oid(con.ref_relation)
            if parent is None:
                raise errors.UndefinedTable(name=str(con.ref_relation))
            self.parent_key = ParentKey(parent, con, rel)

    async def check(self, txn, rows: list[tuple[bytes, tuple]]) -> None:
        rel, con = self.rel, self.con
        if self.check_fn is not None:
            for key, row in rows:
                if self.check_fn(row) is False:
                    from borealis.sql.dml import _row_text
                    raise errors.CheckViolation(
                        f'check constraint "{con.name}" of relation "{rel.name}" is violated by some row',
                        detail=f"Failing row contains {_row_text(rel, row)}.")
                txn.check(key)  # a concurrent update of the row must abort the validation
            return
        pk = self.parent_key
        lookups = []
        for _, row in rows:
            vals = _vals(row, rel, con.columns)
            if all(v is None for v in vals) or (con.match != "f" and any(v is None for v in vals)):
                continue
            event = ChildCheck(None, rel, con, b"", vals)
            if any(v is None for v in vals):
                raise errors.ForeignKeyViolation(
                    what=f'insert or update on table "{rel.name}" violates foreign key constraint "{con.name}"',
                    detail="MATCH FULL does not allow mixing of null and nonnull key values.")
            parent_vals = pk.from_child(vals)
            if parent_vals is None:
                _missing_parent(event, pk.parent)
            lookups.append((event, pk.key(parent_vals)))
        found = await pk.find(txn, [k for _, k in lookups]) if lookups else []
        for (event, _), row_key in zip(lookups, found):
            if row_key is None:
                _missing_parent(event, pk.parent)
            txn.share(row_key)  # a concurrent delete of the parent aborts whichever commits last


# -- DDL: what dropping a table or an index does to foreign keys --------------------------

def dependents(catalog: CatalogSnapshot, oids: set[int], dropping: set[int],
                index_oid: int | None = None) -> list[tuple[Relation, Constraint]]:
    """Foreign keys of tables not being dropped that reference the tables `oids` (or,
    with `index_oid`, the index)."""
    out = []
    for oid in oids:
        for child, con in catalog.referencing(oid):
            if child.oid in dropping:
                continue
            if index_oid is not None and con.index_oid != index_oid:
                continue
            out.append((child, con))
    return out


def dependency_line(binder, child: Relation, con: Constraint, target: str) -> str:
    """A 2BP01 DETAIL line for a foreign key that depends on `target` (`table t`)."""
    return f"constraint {con.name} on table {binder.described(child)} depends on {target}"


def _dependency_error(binder, what: str, deps: list[tuple[Relation, Constraint]],
                      target: str) -> errors.BorealisError:
    lines = [dependency_line(binder, child, con, target) for child, con in deps]
    return errors.DependentObjectsStillExist(
        what=f"cannot drop {what} because other objects depend on it", detail="\n".join(lines),
        hint="Use DROP ... CASCADE to drop the dependent objects too.")


def _drop_fks(writer, deps: list[tuple[Relation, Constraint]]) -> None:
    """Remove these foreign keys from their tables (the descriptors this DDL transaction
    already changed are changed further, not overwritten)."""
    by_child: dict[int, list[str]] = {}
    rels: dict[int, Relation] = {}
    for child, con in deps:
        by_child.setdefault(child.oid, []).append(con.name)
        rels[child.oid] = child
    for oid, names in by_child.items():
        current = writer.current(rels[oid])
        if current is None:
            continue  # dropped by this transaction
        writer.put_relation(current.with_changes(
            constraints=tuple(c for c in current.constraints if c.name not in names)))


def drop_referencing(binder, writer, rels: list[Relation], also: Iterable[int] = ()) -> None:
    """DROP TABLE / DROP SCHEMA ... CASCADE of `rels` (with `also`, the other tables the
    statement drops): the foreign keys of other tables that reference them go. (Without
    CASCADE, `sql.ddl` refuses the drop when there are any.)"""
    oids = {r.oid for r in rels}
    deps = dependents(binder.catalog, oids, oids | set(also))
    if deps:
        _drop_fks(writer, deps)


async def drop_index_dependents(binder, writer, rel: Relation, index: Index, *, cascade: bool,
                                what: str | None = None) -> Relation:
    """DROP INDEX (or DROP CONSTRAINT of a UNIQUE): foreign keys that reference the
    index's columns through it. Returns `rel` with its own such foreign keys removed."""
    deps = dependents(binder.catalog, {rel.oid}, set(), index.oid)
    if not deps:
        return rel
    if not cascade:
        raise _dependency_error(binder, what or f"index {index.name}", deps, f"index {index.name}")
    own = {con.name for child, con in deps if child.oid == rel.oid}
    _drop_fks(writer, [(child, con) for child, con in deps if child.oid != rel.oid])
    return rel.with_changes(constraints=tuple(c for c in rel.constraints if c.name not in own))


def job_constraint(snapshot: CatalogSnapshot, relation_oid: int, name: str):
    """(table, constraint) a VALIDATE_CONSTRAINT job works on, None if gone."""
    rel = snapshot.relation_by_oid(relation_oid)
    if rel is None:
        return None
    con = next((c for c in rel.constraints if c.name == name), None)
    return (rel, con) if con is not None else None


__all__ = ["ChildCheck", "FkState", "ParentChange", "before_commit", "build_foreign_key",
           "comparable", "converter", "create_table_foreign_keys", "end_statement",
           "find_children", "row_deleted", "row_written", "set_constraints", "state"]
