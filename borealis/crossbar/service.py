"""The crossbar: merges every journal by τ_commit and feeds each storage shard.

```
 journal/0 ─JournalRead(long poll)─▶ reader 0 ─┐ buffer + horizon
 journal/1 ─JournalRead(long poll)─▶ reader 1 ─┤
                                               ▼
                          merge: R = min(horizon of every journal)
                          release every buffered commit with τ ≤ R, in (τ, journal) order
                                               ▼
                     per shard: Apply(commits it owns, watermark R) ─▶ store/i (in order,
                                                                       retried until acked)
```

A shard that gets no commit in a release gets the new watermark only when one of its
reads waits for it (`NeedWatermark`, which the crossbar turns into at most one `Bump` in
flight per journal; the journal answers with a `Vouch`, which raises its horizon at once
if this cursor has read every record the Vouch covers) or when it has not had one for
`idle_watermark_ns`: heartbeats come every few milliseconds, and an Apply per shard per
heartbeat is most of an idle cluster's work.

A journal's horizon is the watermark of its last batch: it will never hold another
record at or below it. So once every horizon is ≥ R, every commit with τ ≤ R has been
read, and a storage shard that has applied the release "has every commit ≤ R". Commits
from two journals with equal τ are released together, in the same Apply.

The crossbar's state is soft. On start it asks every storage shard for its applied
watermark and re-reads the journals from the lowest one; storage skips what it has.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from dataclasses import dataclass, field

from borealis.control.shardmap import CROSSBAR_ADDRESS, ShardMap, journal_address, storage_address
from borealis.core import errors, messages
from borealis.crossbar.messages import NeedWatermark, Vouch
from borealis.journal.records import Bump, CommitRecord, JournalBatch, JournalRead, Trim
from borealis.runtime.base import Runtime
from borealis.storage.messages import Applied, AppliedQuery, Apply

log = logging.getLogger(__name__)

MS = 1_000_000


@dataclass
class CrossbarConfig:
    read_wait_ns: int = 100 * MS
    read_records_max: int = 1024
    buffer_records_max: int = 20_000  # per journal, before readers pause
    shard_queue_max: int = 64  # pending Apply batches per storage shard
    apply_commits_max: int = 2048  # commits coalesced into one Apply
    call_timeout_ns: int = 200 * MS  # beyond a long poll's own wait
    retry_ns: int = 10 * MS
    trim_interval_ns: int = 10_000 * MS
    idle_watermark_ns: int = 200 * MS  # a shard without commits or waiting reads


@dataclass
class _JournalCursor:
    index: int
    after_lsn: int = -1
    horizon: int = 0
    bumped: int = 0  # τ of the last Bump sent: in flight while above the horizon
    vouched: tuple[int, int] = (0, 0)  # (LSN, watermark) of a Vouch ahead of the reads
    buffer: deque = field(default_factory=deque)  # (ts, CommitRecord)


class Crossbar:
    def __init__(self, runtime: Runtime, shard_map: ShardMap,
                 config: CrossbarConfig | None = None) -> None:
        self.rt = runtime
        self.map = shard_map
        self.config = config or CrossbarConfig()
        self._journals = [_JournalCursor(i) for i in range(shard_map.adjudicator_count)]
        self._queues: list[deque] = [deque() for _ in range(shard_map.storage_count)]
        self._queue_ready = [asyncio.Event() for _ in range(shard_map.storage_count)]
        self._space = asyncio.Event()
        self._merge_needed = asyncio.Event()
        self.released = 0  # the last watermark released to storage
        self._start_ts = 0
        self._bumped = 0
        self._durable = [0] * shard_map.storage_count  # per shard, from Apply acks
        self._wanted = [0] * shard_map.storage_count  # per shard: a read waits for this τ
        self._sent = [0] * shard_map.storage_count  # per shard: the last watermark queued
        self._sent_at = [0] * shard_map.storage_count  # per shard: when (runtime ns)

    async def start(self) -> None:
        self.rt.listen(CROSSBAR_ADDRESS, self._handle)
        self.rt.spawn(self._run(), name="crossbar")

    async def _run(self) -> None:
        self._start_ts = await self._lowest_applied()
        self.released = self._start_ts
        for cursor in self._journals:
            self.rt.spawn(self._read_loop(cursor), name=f"xbar read {cursor.index}")
        for shard in range(len(self._queues)):
            self.rt.spawn(self._send_loop(shard), name=f"xbar send {shard}")
        self.rt.spawn(self._trim_loop(), name="xbar trim")
        await self._merge_loop()

    async def _lowest_applied(self) -> int:
        lowest = None
        for shard in range(self.map.storage_count):
            while True:
                try:
                    reply = await self.rt.call(storage_address(shard), AppliedQuery(),
                                               self.config.call_timeout_ns)
                    break
                except errors.BorealisError:
                    await self.rt.sleep(self.config.retry_ns)
            assert isinstance(reply, Applied)
            lowest = reply.applied if lowest is None else min(lowest, reply.applied)
        return lowest or 0

    def _handle(self, sender: str, msg):
        # Plain, not async: it never waits, so the runtime makes no task for it.
        if isinstance(msg, NeedWatermark):
            shards = range(len(self._queues)) if msg.shard < 0 else (msg.shard,)
            for shard in shards:
                self._wanted[shard] = max(self._wanted[shard], msg.ts)
                if self._sent[shard] < msg.ts <= self.released:  # released, not sent to it
                    self._queue(shard, [], self.released, self.rt.now_ns())
            if msg.ts > self._bumped:
                self._bumped = msg.ts
                for cursor in self._journals:
                    self._bump(cursor)
            return None
        if isinstance(msg, Vouch):
            self._on_vouch(msg)
            return None
        raise errors.ProtocolViolation(what=f"crossbar got {type(msg).__name__}")

    # -- reading journals -----------------------------------------------------------

    async def _read_loop(self, cursor: _JournalCursor) -> None:
        cfg = self.config
        while True:
            while len(cursor.buffer) >= cfg.buffer_records_max:
                await self._space.wait()
            request = JournalRead(cursor.after_lsn, self._start_ts, cfg.read_records_max,
                                  cfg.read_wait_ns, cursor.horizon)
            try:
                batch = await self.rt.call(journal_address(cursor.index), request,
                                           cfg.read_wait_ns + cfg.call_timeout_ns)
            except errors.BorealisError:
                await self.rt.sleep(cfg.retry_ns)
                continue
            assert isinstance(batch, JournalBatch)
            self._absorb(cursor, batch)

    def _absorb(self, cursor: _JournalCursor, batch: JournalBatch) -> None:
        if cursor.after_lsn >= 0 and batch.records and batch.records[0][0] != cursor.after_lsn + 1:
            return  # a stale or duplicated reply: re-read from our own cursor
        for lsn, ts, payload in batch.records:
            record = messages.decode(payload)
            if isinstance(record, CommitRecord):
                cursor.buffer.append((ts, record))
            cursor.after_lsn = lsn
        if cursor.after_lsn < 0:
            cursor.after_lsn = batch.last_lsn
        watermark = batch.watermark
        lsn, vouched = cursor.vouched
        if vouched and 0 <= lsn <= cursor.after_lsn:
            watermark = max(watermark, vouched)
            cursor.vouched = (0, 0)
        self._raise_horizon(cursor, watermark)

    def _on_vouch(self, msg: Vouch) -> None:
        if not 0 <= msg.journal < len(self._journals):
            raise errors.ProtocolViolation(what=f"Vouch from unknown journal {msg.journal}")
        cursor = self._journals[msg.journal]
        if msg.watermark <= max(cursor.horizon, cursor.vouched[1]):
            return  # late or duplicated
        if 0 <= msg.last_lsn <= cursor.after_lsn:
            self._raise_horizon(cursor, msg.watermark)
        else:
            # Records up to `last_lsn` are not read yet (typically a commit whose batch
            # is on its way): the Vouch counts once they are, in `_absorb`.
            cursor.vouched = (msg.last_lsn, msg.watermark)

    def _raise_horizon(self, cursor: _JournalCursor, watermark: int) -> None:
        if watermark > cursor.horizon:
            cursor.horizon = watermark
            self._bump(cursor)
        if self._storage_behind():
            self._merge_needed.set()  # the merge loop releases once storage catches up
        else:
            self._release()  # here, not in the merge loop: a read may be waiting for it

    def _bump(self, cursor: _JournalCursor) -> None:
        """Ask a journal to vouch for `_bumped` unless it already has, or an earlier Bump
        to it is still unanswered: one Bump in flight per journal, carrying the highest τ
        any read waits for, however many reads arrive meanwhile. A lost Bump is healed
        by the adjudicator's heartbeats, which move its horizon past it."""
        if cursor.horizon < self._bumped and cursor.bumped <= cursor.horizon:
            cursor.bumped = self._bumped
            self.rt.send(journal_address(cursor.index), Bump(self._bumped))

    # -- merging --------------------------------------------------------------------

    async def _merge_loop(self) -> None:
        while True:
            await self._merge_needed.wait()
            self._merge_needed.clear()
            while self._storage_behind():
                await self._space.wait()
            self._release()

    def _storage_behind(self) -> bool:
        """Whether some shard has `shard_queue_max` Apply batches unsent: no release
        until it catches up, so the queues stay bounded."""
        return any(len(q) >= self.config.shard_queue_max for q in self._queues)

    def _release(self) -> None:
        bound = min(c.horizon for c in self._journals)
        if bound <= self.released:
            return
        ready: list[tuple[int, int, CommitRecord]] = []
        for cursor in self._journals:
            buf = cursor.buffer
            while buf and buf[0][0] <= bound:
                ts, record = buf.popleft()
                ready.append((ts, cursor.index, record))
        ready.sort(key=lambda item: (item[0], item[1]))
        per_shard: list[list] = [[] for _ in self._queues]
        split_by_storage = self.map.split_by_storage
        for ts, _, record in ready:
            for shard, writes in split_by_storage(record.writes).items():
                per_shard[shard].append((ts, tuple(writes)))
        now = self.rt.now_ns()
        idle = self.config.idle_watermark_ns
        # A read waiting at one shard is a transaction that will most likely read at
        # others next (the catalog, then the table, then an index): a waiting read
        # sends the new watermark to every shard, not just its own, so the next read
        # finds it there instead of asking again (one Apply per shard, no commits).
        waiting = any(w > s for w, s in zip(self._wanted, self._sent))
        for shard, commits in enumerate(per_shard):
            if commits or waiting or now - self._sent_at[shard] >= idle:
                self._queue(shard, commits, bound, now)
        self.released = bound
        self._signal_space()

    def _queue(self, shard: int, commits: list, watermark: int, now: int) -> None:
        self._queues[shard].append((commits, watermark))
        self._queue_ready[shard].set()
        self._sent[shard] = watermark
        self._sent_at[shard] = now

    def _signal_space(self) -> None:
        self._space.set()
        self._space = asyncio.Event()

    # -- feeding storage ------------------------------------------------------------

    async def _send_loop(self, shard: int) -> None:
        queue = self._queues[shard]
        address = storage_address(shard)
        while True:
            if not queue:
                self._queue_ready[shard].clear()
                await self._queue_ready[shard].wait()
                continue
            commits, watermark = [], 0
            while queue and len(commits) < self.config.apply_commits_max:
                more, watermark = queue.popleft()
                commits.extend(more)
            self._signal_space()
            request = Apply(tuple(commits), watermark)
            while True:
                try:
                    reply = await self.rt.call(address, request, self.config.call_timeout_ns)
                    break
                except errors.BorealisError:
                    await self.rt.sleep(self.config.retry_ns)
            if isinstance(reply, Applied):
                self._durable[shard] = max(self._durable[shard], reply.durable)

    async def _trim_loop(self) -> None:
        """Tell every journal how far all storage shards have durably applied."""
        while True:
            await self.rt.sleep(self.config.trim_interval_ns)
            durable = min(self._durable)
            if durable > 0:
                for cursor in self._journals:
                    self.rt.send(journal_address(cursor.index), Trim(durable))
