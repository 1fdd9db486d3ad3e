"""The transaction client: what the query processor drives (DESIGN.md §2, §4).

```
 begin ── first read/write takes τ_start = clock.latest
   get / scan ──▶ storage shards, "as of τ_start", overlaid with this txn's own writes
                 (a statement's reads: its own writes as they stood when it began)
   put / delete ─ buffered here; nothing leaves the QP before COMMIT
   lock ──────── a FOR UPDATE key: conflict-checked and recorded as written
   check ─────── must not have been written since τ_start (catalog version, FK parents,
                 FOR KEY SHARE rows)
 commit ─ read-only: a local no-op at τ_start, never aborts
        ─ one adjudicator: CommitRequest ─▶ reply τ_commit | 40001
        ─ several: Prepare ─▶ each non-leader, CommitRequest ─▶ leader (lowest index)
```

Retries of a commit reuse the transaction id, so the adjudicator's dedup makes them
safe; if no answer comes before the deadline the outcome is unknown (08007), which is
not the same as aborted, and the client is told so.

The transaction also keeps the counts DSQL's limits are about (DESIGN.md §7): the bytes
of its write set (keys and post-images, index entries included, each key counted once
at its latest value), the distinct rows DML modified (`mark_modified`), and its age
since τ_start. With `limits` set (DSQL mode) a write that crosses the row or size limit
fails at once with 54000, so an oversized statement never buffers more than the limit.
Every written key is also checked against what storage can hold: LMDB keys are shorter
than DSQL's 1 KiB, and a key storage cannot apply must never reach the journal.
Its storage traffic (requests, rows examined, bytes read and written) is metered in
`usage` for EXPLAIN ANALYZE VERBOSE's DPU estimate (`qp.metering`).

A SQL statement reads the transaction as it stood when the statement began, as in
PostgreSQL (whose command counter does this): its scans and subqueries, RETURNING's
included, never see the rows it writes itself, so `INSERT INTO t SELECT ... FROM t`
reads each source row once however its writes land in the key order, and
`DELETE ... RETURNING (SELECT count(*) FROM t)` counts the rows before the delete.
`statement_view()` gives the statement a `StatementView` that its reads pass as
`view=`, until `end_view` when the statement ends (a portal suspended by max_rows keeps
its view until it closes). A view taken while the write set is empty hides every own
write (`blind`: most statements, nothing to record). Otherwise it keeps the value each
key had when it began, recorded by the write that first changes the key after that
(`before`); a read through it takes that value, or storage's where the key was not yet
written. A VOLATILE SQL function's statements take views of their own, which see what
the calling statement wrote so far, as PostgreSQL's fresh snapshot per statement does.
At most VIEWS_MAX views record at once: past that the oldest is `lost` and reads
through it see every write, as reads without a view do (uniqueness and foreign-key
checks, the catalog: as PostgreSQL's checks do).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add
from typing import Any

from borealis.adjudicator.messages import CommitReply, CommitRequest, Prepare
from borealis.control.shardmap import ShardMap, adjudicator_address, storage_address
from borealis.core import errors, limits, values
from borealis.core.expr import compile_filter, compile_projection
from borealis.qp.metering import WRITE_ROW_BYTES_MIN, Usage
from borealis.runtime.base import Runtime
from borealis.storage.engine import KEY_BYTES_ALWAYS_STORABLE, STORAGE_KEY_BYTES_MAX
from borealis.storage.engine import check_key as check_storage_key
from borealis.storage.messages import Get, GetReply, Scan, ScanReply

MS = 1_000_000
S = 1_000_000_000
MIB = 1 << 20


@dataclass(frozen=True)
class TxnLimits:
    """DSQL's per-transaction write limits (core/limits.py); None in relaxed mode."""

    modified_rows_max: int = limits.MAX_TXN_MODIFIED_ROWS
    write_bytes_max: int = limits.MAX_TXN_WRITE_BYTES


@dataclass
class TxnConfig:
    commit_timeout_ns: int = 5 * S
    commit_attempt_ns: int = 300 * MS
    read_timeout_ns: int = 10 * S  # storage's own bounded wait is below this
    attempt_first_ns: int = 100 * MS  # a lost request is retried after this, doubling
    attempt_max_ns: int = 2 * S
    retry_ns: int = 10 * MS


_ABSENT = object()


class StatementView:
    """The transaction's own writes as they stood when a statement began (see the
    module docstring). `before`: key → its value then (`_ABSENT`: not written then),
    for each key written since; `blind`: nothing was written then."""

    __slots__ = ("before", "blind", "lost")

    def __init__(self, blind: bool) -> None:
        self.before: dict[bytes, Any] = {}
        self.blind = blind
        self.lost = False  # no longer recording (VIEWS_MAX): reads see every write

    def own(self, writes: dict[bytes, bytes | None], key: bytes) -> Any:
        """Key's own value through this view: bytes, None (deleted) or `_ABSENT`."""
        if self.blind:
            return _ABSENT
        if key in self.before:
            return self.before[key]
        return writes.get(key, _ABSENT)


_BLIND = StatementView(True)  # shared: it records nothing


def _in_effect(view: StatementView | None) -> StatementView | None:
    """The view reads go through: None (every write) for a lost one."""
    return None if view is None or view.lost else view

VIEWS_MAX = 64  # views recording at once in one transaction (open statements, portals)


class TxnClient:
    def __init__(self, runtime: Runtime, shard_map: ShardMap,
                 config: TxnConfig | None = None) -> None:
        self.rt = runtime
        self.map = shard_map
        self.config = config or TxnConfig()

    def begin(self) -> Transaction:
        return Transaction(self)

    async def call_with_retry(self, address: str, request: Any, total_ns: int) -> Any:
        """Call, retrying a lost request or reply with doubling attempt timeouts."""
        cfg = self.config
        deadline = self.rt.now_ns() + total_ns
        attempt_ns = cfg.attempt_first_ns
        while True:
            attempt_ns = min(attempt_ns, max(1, deadline - self.rt.now_ns()))
            try:
                return await self.rt.call(address, request, attempt_ns)
            except errors.Unavailable:
                if self.rt.now_ns() + cfg.retry_ns >= deadline:
                    raise
                await self.rt.sleep(cfg.retry_ns)
            attempt_ns = min(2 * attempt_ns, cfg.attempt_max_ns)


class Transaction:
    def __init__(self, client: TxnClient) -> None:
        self.client = client
        self.rt = client.rt
        self.t_start: int | None = None
        self.writes: dict[bytes, bytes | None] = {}
        self.locks: dict[bytes, None] = {}
        self.checks: dict[bytes, None] = {}
        self.shares: dict[bytes, None] = {}
        # The keys of `writes` in order, but for those in `_unsorted` (written first
        # since the last scan): a scan sorts just those into it, so a transaction that
        # scans and writes in turns (an index build, INSERT ... SELECT) does not sort
        # its whole write set per scan.
        self._sorted: list[bytes] = []
        self._unsorted: list[bytes] = []
        self.state = "open"  # open, committed, aborted
        self.txn_id = self.rt.random.randbytes(16)
        self.limits: TxnLimits | None = None
        self.write_bytes = 0  # keys + post-images of the write set
        self.modified_rows: dict[bytes, None] = {}  # row keys DML inserted, updated or deleted
        self.ddl_statements = 0  # counted by the session (one DDL per transaction in DSQL)
        self.dml_statements = 0
        self.usage = Usage()  # storage traffic, for EXPLAIN's DPU estimate (qp.metering)
        self.catalog: Any = None  # the committed catalog at τ_start, once read (catalog.store)
        self._views: list[StatementView] = []  # those recording: not blind, not ended

    # -- statement views ------------------------------------------------------------

    def statement_view(self) -> StatementView:
        """The view of a statement starting now; `end_view` when it ends."""
        if not self.writes:
            return _BLIND
        view = StatementView(False)
        views = self._views
        views.append(view)
        if len(views) > VIEWS_MAX:
            views.pop(0).lost = True
        return view

    def end_view(self, view: StatementView | None) -> None:
        for i, v in enumerate(self._views):
            if v is view:
                del self._views[i]
                return

    def written_in_statement(self, view: StatementView | None) -> set[bytes]:
        """The keys written since `view`'s statement began."""
        view = _in_effect(view)
        if view is None:
            return set()
        return set(self.writes) if view.blind else set(view.before)

    def wrote_in_statement(self, view: StatementView | None, key: bytes) -> bool:
        """Whether `key` was written since `view`'s statement began."""
        view = _in_effect(view)
        if view is None:
            return False
        return key in self.writes if view.blind else key in view.before

    def _record(self, key: bytes, old: Any) -> None:
        """Before `key` changes from `old`: each recording view keeps its first value."""
        for view in self._views:
            if key not in view.before:
                view.before[key] = old

    # -- snapshot -------------------------------------------------------------------

    def snapshot(self) -> int:
        if self.t_start is None:
            self.t_start = self.rt.clock.latest
        return self.t_start

    def age_ns(self) -> int:
        """A lower bound on the time since τ_start (0 before the first statement)."""
        if self.t_start is None:
            return 0
        return max(0, self.rt.clock.earliest - self.t_start)

    def _check_open(self) -> None:
        if self.state != "open":
            raise errors.TransactionClosed()

    # -- reads ----------------------------------------------------------------------

    async def get(self, key: bytes, *, view: StatementView | None = None) -> bytes | None:
        return (await self.get_many([key], view=view))[0]

    async def get_many(self, keys: Sequence[bytes], *,
                       view: StatementView | None = None) -> list[bytes | None]:
        self._check_open()
        ts = self.snapshot()
        out: list[bytes | None] = [None] * len(keys)
        by_shard: dict[int, list[int]] = {}
        view = _in_effect(view)
        writes = self.writes if view is None or not view.blind else {}
        shard_map = self.client.map
        one = shard_map.range_of_all(keys) if len(keys) > 1 else None
        if one is not None and (not writes or writes.keys().isdisjoint(keys)):
            # The common batch case: one range, nothing of ours to overlay.
            by_shard[one.storage] = list(range(len(keys)))
        else:
            storage_for = shard_map.storage_for
            for i, key in enumerate(keys):
                own = writes.get(key, _ABSENT) if view is None else view.own(writes, key)
                if own is not _ABSENT:
                    out[i] = own
                else:
                    by_shard.setdefault(storage_for(key), []).append(i)
        cfg = self.client.config
        for shard, positions in by_shard.items():
            whole = len(positions) == len(keys)
            asked = tuple(keys) if whole else tuple(keys[i] for i in positions)
            reply = await self.client.call_with_retry(
                storage_address(shard), Get(asked, ts), cfg.read_timeout_ns)
            assert isinstance(reply, GetReply)
            got = reply.values
            if whole:
                out = list(got)
            else:
                for i, value in zip(positions, got):
                    out[i] = value
            found = [v for v in got if v is not None]
            self.usage.count_read(len(found), sum(map(len, asked)) + sum(map(len, found)))
        return out

    async def get_many_dense(self, keys: Sequence[bytes],
                             probe_rows: int = 64) -> list[bytes | None]:
        """`get_many` for a batch whose keys may lie close together (a bulk load of
        ascending keys): first the rows stored between the smallest and the largest
        key, at most `probe_rows` of them. Fewer than that answer every key — a load
        into an empty stretch costs one request that reads nothing; more, and it is
        `get_many` after all (the probe having read at most `probe_rows` rows)."""
        if len(keys) <= probe_rows:
            return await self.get_many(keys)
        self._check_open()
        ts = self.snapshot()
        rows = await self._scan_storage(min(keys), max(keys) + b"\x00", ts, probe_rows,
                                        False, None, None)
        if len(rows) >= probe_rows:
            return await self.get_many(keys)
        stored = dict(rows)
        writes = self.writes
        if writes and not writes.keys().isdisjoint(keys):
            return [writes[k] if k in writes else stored.get(k) for k in keys]
        return list(map(stored.get, keys))

    async def get_many_latest(self, keys: Sequence[bytes]) -> list[bytes | None]:
        """`keys` as committed now rather than at τ_start (a read at a fresh τ, outside
        this transaction), or as this transaction wrote them: for state that changes
        outside transactions, a sequence's (qp.sequences), which PostgreSQL reads as it
        stands whatever the snapshot."""
        self._check_open()
        writes = self.writes
        fresh = [k for k in keys if k not in writes]
        now = dict(zip(fresh, await self.client.begin().get_many(fresh))) if fresh else {}
        return [writes[k] if k in writes else now[k] for k in keys]

    async def scan(self, start: bytes, end: bytes | None, *, limit: int = 0,
                   reverse: bool = False, filter: Any = None,
                   projection: tuple[int, ...] | None = None,
                   view: StatementView | None = None) -> list[tuple[bytes, Any]]:
        """Rows in [start, end) at τ_start with this transaction's writes overlaid (as
        they stood when `view`'s statement began)."""
        self._check_open()
        ts = self.snapshot()
        own = self._own_in_range(start, end, view)
        storage_limit = limit + len(own) if limit else 0
        rows = await self._scan_storage(start, end, ts, storage_limit, reverse, filter, projection)
        if own:
            rows = self._overlay(rows, own, reverse, filter, projection)
        return rows[:limit] if limit else rows

    def _own_in_range(self, start: bytes, end: bytes | None,
                      view: StatementView | None = None) -> dict[bytes, bytes | None]:
        """Own keys in [start, end), in order, with their values (through `view`)."""
        view = _in_effect(view)
        if not self.writes or (view is not None and view.blind):
            return {}
        keys = self._sorted
        if self._unsorted:
            keys.extend(self._unsorted)  # a sorted run and a tail: the sort merges them
            keys.sort()
            self._unsorted.clear()
        lo = bisect.bisect_left(keys, start)
        hi = len(keys) if end is None else bisect.bisect_left(keys, end)
        writes = self.writes
        if view is None or not view.before:
            return {key: writes[key] for key in keys[lo:hi]}
        seen = ((key, view.own(writes, key)) for key in keys[lo:hi])
        return {key: value for key, value in seen if value is not _ABSENT}

    def _overlay(self, rows, own: dict[bytes, bytes | None], reverse, filter, projection):
        keep = compile_filter(filter)
        project = compile_projection(projection)
        decode = keep is not None or project is not None
        merged = [r for r in rows if r[0] not in own]
        for key, value in own.items():
            if value is None:
                continue
            self.usage.read_rows += 1  # examined like a stored row (EXPLAIN's Rows Filtered)
            if decode:
                row = values.loads(value)
                if keep is not None and not keep(row):
                    continue
                merged.append((key, project(row) if project else row))
            else:
                merged.append((key, value))
        merged.sort(key=lambda r: r[0], reverse=reverse)
        return merged

    async def _scan_storage(self, start, end, ts, limit, reverse, filter, projection):
        cfg = self.client.config
        ranges = self.client.map.ranges_overlapping(start, end)
        if reverse:
            ranges.reverse()
        rows: list[tuple[bytes, Any]] = []
        for r in ranges:
            lo = max(start, r.start)
            hi = end if r.end is None else (r.end if end is None else min(end, r.end))
            while True:
                want = limit - len(rows) if limit else 0
                request = Scan(lo, hi, ts, want, reverse, filter, projection)
                reply = await self.client.call_with_retry(
                    storage_address(r.storage), request, cfg.read_timeout_ns)
                assert isinstance(reply, ScanReply)
                self.usage.count_read(reply.scanned, reply.read_bytes)
                rows.extend(reply.rows)
                if limit and len(rows) >= limit:
                    return rows
                if not reply.more or not reply.rows:
                    break
                last = reply.rows[-1][0]
                if reverse:
                    hi = last
                else:
                    lo = last + b"\x00"
        return rows

    # -- writes ---------------------------------------------------------------------

    @staticmethod
    def _check_key(key: bytes) -> None:
        try:
            check_storage_key(key)
        except errors.KeySizeTooLarge:
            raise errors.KeySizeTooLarge(
                detail=f"The stored key is {len(key)} bytes; Borealis's storage (LMDB) holds keys of "
                       f"at most {STORAGE_KEY_BYTES_MAX} bytes, less than Aurora DSQL's "
                       f"{limits.MAX_KEY_BYTES}.") from None

    def put(self, key: bytes, value: bytes) -> None:
        self._write(key, value)

    def delete(self, key: bytes) -> None:
        self._write(key, None)

    def _write(self, key: bytes, value: bytes | None) -> None:
        self._check_open()
        self.snapshot()
        self._check_key(key)
        old = self.writes.get(key, _ABSENT)
        if self._views:
            self._record(key, old)
        if old is _ABSENT:
            self._unsorted.append(key)
        else:
            self.write_bytes -= len(key) + (len(old) if old is not None else 0)
        self.writes[key] = value
        self.write_bytes += len(key) + (len(value) if value is not None else 0)
        self.usage.count_write(len(key) + (len(value) if value is not None else 0))
        if self.limits is not None and self.write_bytes > self.limits.write_bytes_max:
            size_mb = -(-self.write_bytes // MIB)
            raise errors.TransactionSizeLimit(
                detail=f"Current transaction size {size_mb}mb {self.limits.write_bytes_max // MIB}mb")

    def put_many(self, keys: Sequence[bytes], values: Sequence[bytes]) -> None:
        """`put` of each key with its value, in order, with the same checks, counts and
        errors (a limit error is raised at the key that crosses it, that key recorded),
        in one call: the batch path of INSERT and COPY."""
        self._check_open()
        self.snapshot()
        writes = self.writes
        size_max = self.limits.write_bytes_max if self.limits is not None else None
        sizes = list(map(add, map(len, keys), map(len, values)))
        if keys and max(map(len, keys)) <= KEY_BYTES_ALWAYS_STORABLE \
                and (size_max is None or self.write_bytes + sum(sizes) <= size_max) \
                and writes.keys().isdisjoint(keys) and len(set(keys)) == len(keys):
            # New, distinct, short keys within the size limit: nothing to check per key.
            for view in self._views:  # (none of them recorded yet: they are new)
                view.before.update(dict.fromkeys(keys, _ABSENT))
            writes.update(zip(keys, values))
            self._unsorted.extend(keys)
            self.write_bytes += sum(sizes)
            self.usage.write_rows += len(keys)
            self.usage.write_bytes += sum(map(max, sizes, repeat(WRITE_ROW_BYTES_MIN)))
            return
        total = self.write_bytes
        metered = 0
        done = 0
        try:
            for key, value in zip(keys, values):
                if len(key) > KEY_BYTES_ALWAYS_STORABLE:
                    self._check_key(key)
                old = writes.get(key, _ABSENT)
                if self._views:
                    self._record(key, old)
                if old is _ABSENT:
                    self._unsorted.append(key)
                else:
                    total -= len(key) + (len(old) if old is not None else 0)
                writes[key] = value
                size = len(key) + len(value)
                total += size
                metered += size if size > WRITE_ROW_BYTES_MIN else WRITE_ROW_BYTES_MIN
                done += 1
                if size_max is not None and total > size_max:
                    raise errors.TransactionSizeLimit(
                        detail=f"Current transaction size {-(-total // MIB)}mb {size_max // MIB}mb")
        finally:
            self.write_bytes = total
            self.usage.write_rows += done
            self.usage.write_bytes += metered

    def mark_modified_many(self, row_keys: Sequence[bytes]) -> None:
        """`mark_modified` of each key in order."""
        modified = self.modified_rows
        if self.limits is None or len(modified) + len(row_keys) <= self.limits.modified_rows_max:
            modified.update(dict.fromkeys(row_keys))
            return
        for key in row_keys:
            self.mark_modified(key)

    def mark_modified(self, row_key: bytes) -> None:
        """Count a row DML inserted, updated or deleted (each row once per transaction)."""
        self.modified_rows[row_key] = None
        if self.limits is not None and len(self.modified_rows) > self.limits.modified_rows_max:
            raise errors.TransactionRowLimit()

    def lock(self, key: bytes) -> None:
        self._check_open()
        self.snapshot()
        self.locks[key] = None

    def check(self, key: bytes) -> None:
        """COMMIT fails (OC000) if another transaction wrote `key` after τ_start."""
        self._check_open()
        self.snapshot()
        self.checks[key] = None

    def share(self, key: bytes) -> None:
        """As `check`, and also: a transaction writing `key` that started before this
        one commits fails when it commits later (a foreign-key parent, a FOR KEY SHARE
        row: the row must not change under us, before or after our COMMIT)."""
        self._check_open()
        self.snapshot()
        self.shares[key] = None

    @property
    def read_only(self) -> bool:
        return not self.writes and not self.locks

    # -- end ------------------------------------------------------------------------

    def abort(self) -> None:
        if self.state == "open":
            self.state = "aborted"

    async def commit(self) -> int:
        """Commit; returns τ_commit (τ_start for a read-only transaction)."""
        self._check_open()
        ts = self.snapshot()
        if self.read_only:
            self.state = "committed"
            return ts
        try:
            t_commit = await self._commit(ts)
        except errors.BorealisError:
            self.state = "aborted"
            raise
        self.state = "committed"
        return t_commit

    async def _commit(self, t_start: int) -> int:
        client = self.client
        cfg = client.config
        writes = tuple(sorted(self.writes.items()))
        locks = tuple(self.locks)
        checks = tuple(self.checks)
        shares = tuple(self.shares)
        participants = client.map.participants((*self.writes, *locks, *shares), checks)
        leader, others = participants[0], tuple(participants[1:])
        deadline = self.rt.clock.now() + cfg.commit_timeout_ns
        request = CommitRequest(self.txn_id, t_start, deadline, writes, locks, checks, others,
                                shares)
        keys = (*self.writes, *locks)
        prepares = [(adjudicator_address(p),
                     Prepare(self.txn_id, t_start, deadline, keys, checks, leader, shares))
                    for p in others]
        give_up = self.rt.now_ns() + cfg.commit_timeout_ns + cfg.commit_attempt_ns
        while True:
            for address, prepare in prepares:
                self.rt.send(address, prepare)
            try:
                reply = await self.rt.call(adjudicator_address(leader), request,
                                           cfg.commit_attempt_ns)
            except errors.Unavailable:
                if self.rt.now_ns() >= give_up:
                    raise errors.TransactionResolutionUnknown() from None
                continue
            assert isinstance(reply, CommitReply)
            return reply.t_commit
