"""The storage role: applies the crossbar's ordered feed and serves reads at τ.

A read at τ is served only once the applied watermark is ≥ τ (every commit ≤ τ is
here), so a snapshot is never missing a commit (DESIGN.md §5). Until then the read
waits — bounded by `read_wait_max_ns`, after which the client gets a clear retryable
error — and storage asks the crossbar for an immediate heartbeat so an idle cluster
answers in one round trip rather than at the next heartbeat.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import logging
import os
from dataclasses import dataclass

from borealis.control.shardmap import CROSSBAR_ADDRESS, storage_address
from borealis.core import errors
from borealis.crossbar.messages import NeedWatermark
from borealis.runtime.base import Runtime
from borealis.storage.engine import MvccStore
from borealis.storage.messages import Applied, AppliedQuery, Apply, Get, GetReply, Scan, ScanReply

log = logging.getLogger(__name__)

MS = 1_000_000
S = 1_000_000_000


@dataclass
class StorageConfig:
    read_wait_max_ns: int = 5 * S
    window_ns: int = 300 * S  # MVCC history kept: the maximum transaction age
    sync_interval_ns: int = 200 * MS
    gc_interval_ns: int = 1 * S
    gc_budget_versions: int = 2000
    waiters_max: int = 100_000
    # Deliberate bug for negative tests: serve reads without waiting for the watermark.
    buggy_serve_early: bool = False


class Storage:
    def __init__(self, runtime: Runtime, index: int, config: StorageConfig | None = None) -> None:
        self.rt = runtime
        self.index = index
        self.config = config or StorageConfig()
        self.store: MvccStore | None = None
        self._waiters: list[tuple[int, int, asyncio.Future]] = []
        self._seq = itertools.count()
        self._nudged = 0  # τ of the last NeedWatermark sent
        self._wanted = 0  # the highest τ a read has waited for
        self._gc_cursor = b""

    @property
    def applied(self) -> int:
        return self.store.applied if self.store else 0

    async def start(self) -> None:
        path = self.rt.disk.real_path("lmdb")
        os.makedirs(path, exist_ok=True)
        self.store = MvccStore(path)
        self.rt.on_close(self.store.close)
        # Inline: reads bound their own wait (read_wait_max_ns), hold nothing across an
        # await but their place among the waiters, and Apply never awaits.
        self.rt.listen(storage_address(self.index), self._handle, inline=True)
        self.rt.spawn(self._maintenance_loop(), name=f"store{self.index} sync")

    def _handle(self, sender: str, msg):
        # Plain, not async: a read whose τ is applied already is answered at once; one
        # that must wait for the watermark returns a coroutine, which awaits it.
        if isinstance(msg, Apply):
            return self._apply(msg)
        if isinstance(msg, (Get, Scan)):
            if self._must_wait(msg.ts):
                return self._read_later(msg)
            return self._read(msg)
        if isinstance(msg, AppliedQuery):
            return Applied(self.store.applied, self.store.durable)
        raise errors.ProtocolViolation(what=f"storage got {type(msg).__name__}")

    def _read(self, msg: Get | Scan) -> GetReply | ScanReply:
        store = self.store
        if isinstance(msg, Get):
            return GetReply(tuple(store.get(k, msg.ts) for k in msg.keys))
        rows, more, scanned, read_bytes = store.scan_metered(
            msg.start, msg.end, msg.ts, limit=msg.limit, reverse=msg.reverse,
            filter=msg.filter, projection=msg.projection)
        return ScanReply(tuple(rows), more, scanned, read_bytes)

    async def _read_later(self, msg: Get | Scan) -> GetReply | ScanReply:
        await self._wait_for(msg.ts)
        return self._read(msg)  # no await between the wait and the read

    def _apply(self, msg: Apply) -> Applied:
        applied = self.store.apply(msg.commits, msg.watermark)
        waiters = self._waiters
        while waiters and waiters[0][0] <= applied:
            _, _, future = heapq.heappop(waiters)
            if not future.done():
                future.set_result(None)
        if self._wanted > applied >= self._nudged:
            self._nudge()
        return Applied(applied, self.store.durable)

    def _nudge(self) -> None:
        """Ask the crossbar for a watermark ≥ the highest τ a read waits for. One nudge
        is outstanding until an Apply reaches it; reads arriving meanwhile only raise
        `_wanted`, and the Apply that answers sends the next nudge for all of them."""
        self._nudged = self._wanted
        self.rt.send(CROSSBAR_ADDRESS, NeedWatermark(self._wanted, self.index))

    def _must_wait(self, ts: int) -> bool:
        """Whether a read at `ts` waits for the watermark; raises if `ts` is older than
        the history kept."""
        applied = self.store.applied
        if ts < applied - self.config.window_ns:
            raise errors.TransactionAgeLimit()
        return ts > applied and not self.config.buggy_serve_early

    async def _wait_for(self, ts: int) -> None:
        """Wait until the watermark reaches `ts`. Checked again here: over a message
        transport an Apply may have come between `_handle` and this task's start."""
        if not self._must_wait(ts):
            return
        if len(self._waiters) >= self.config.waiters_max:
            raise errors.Unavailable(what=f"storage shard {self.index} (too many waiting reads)")
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (ts, next(self._seq), future))
        if ts > self._wanted:
            self._wanted = ts
            if self.store.applied >= self._nudged:
                self._nudge()
        # A timer that fails the future, not asyncio.timeout/wait_for: cheaper, and on
        # 3.11 wait_for can swallow a cancellation.
        timer = self.rt.call_later(self.config.read_wait_max_ns, lambda: _expire(future))
        try:
            await future
        finally:
            timer.cancel()

    async def _maintenance_loop(self) -> None:
        since_gc = 0
        while True:
            await self.rt.sleep(self.config.sync_interval_ns)
            store = self.store
            applied = store.prepare_sync()
            await self.rt.disk.flush_external(store.flush)
            store.durable = max(store.durable, applied)
            since_gc += self.config.sync_interval_ns
            if since_gc >= self.config.gc_interval_ns:
                since_gc = 0
                self._collect_garbage()

    def _collect_garbage(self) -> None:
        horizon = self.store.applied - self.config.window_ns
        if horizon <= 0:
            return
        cursor, _ = self.store.collect_garbage(horizon, self._gc_cursor,
                                               self.config.gc_budget_versions)
        self._gc_cursor = cursor or b""


def _expire(future: asyncio.Future) -> None:
    if not future.done():
        future.set_exception(errors.ReadTimeout())
