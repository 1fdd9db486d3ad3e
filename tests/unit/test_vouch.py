"""The watermark a waiting read asks for comes back as a `Vouch` (crossbar ← journal),
not through the journal's long poll: the adjudicator raises its floor without waking
the poll, and the crossbar takes the vouched watermark as the journal's horizon only
once it has read every record the Vouch covers."""

from __future__ import annotations

import asyncio

import pytest

from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.control.shardmap import CROSSBAR_ADDRESS, ShardMap, journal_address
from borealis.core import errors, messages
from borealis.crossbar.messages import NeedWatermark, Vouch
from borealis.crossbar.service import Crossbar
from borealis.journal.records import Bump, CommitRecord, JournalBatch


class _Runtime:
    """Just what a Crossbar that is not started touches: sends and the clock."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, object]] = []

    def send(self, address: str, message: object) -> None:
        self.sent.append((address, message))

    def now_ns(self) -> int:
        return 0


def test_a_vouch_raises_the_horizon_only_over_records_already_read() -> None:
    async def body() -> None:
        rt = _Runtime()
        xbar = Crossbar(rt, ShardMap.uniform(1))
        cursor = xbar._journals[0]
        cursor.after_lsn, cursor.horizon = 5, 10  # records up to LSN 5 read
        # A read waits for 40 at storage shard 0: the crossbar bumps the journal.
        xbar._handle("@store0", NeedWatermark(40, 0))
        assert rt.sent == [(journal_address(0), Bump(40))]
        # The journal vouches for 40 beyond LSN 6, which is not read yet: taking 40
        # now would release past the commit at LSN 6. It waits for that record.
        xbar._handle("@adj0", Vouch(0, 40, 6))
        assert cursor.horizon == 10 and xbar.released == 0
        record = CommitRecord(b"t1", 20, ((b"k", b"v"),), (), ())
        xbar._absorb(cursor, JournalBatch(((6, 20, messages.encode(record)),), 20, 6))
        assert cursor.horizon == 40 and xbar.released == 40
        # The storage shard gets the commit and the vouched watermark together.
        assert list(xbar._queues[0]) == [([(20, ((b"k", b"v"),))], 40)]
        # Over records already read, a Vouch counts at once; a late one changes nothing.
        xbar._handle("@adj0", Vouch(0, 50, 6))
        assert cursor.horizon == 50 and xbar.released == 50
        xbar._handle("@adj0", Vouch(0, 30, 5))
        assert cursor.horizon == 50 and cursor.vouched == (0, 0)
        with pytest.raises(errors.ProtocolViolation):
            xbar._handle("@adj0", Vouch(3, 60, 5))

    asyncio.run(body())


def test_a_bump_is_answered_by_a_vouch_without_waking_the_long_poll(tmp_path) -> None:
    async def body() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=1)) as cluster:
            txn = cluster.txn_client().begin()
            txn.put(b"\x10k", b"v")
            await txn.commit()
            adj = cluster.adjudicators[0]
            for _ in range(500):  # until a heartbeat puts the promise ahead of the floor
                if adj.promise >= adj.floor + 1_000:
                    break
                await asyncio.sleep(0.01)
            sent: list[tuple[str, object]] = []
            adj.rt.send = lambda address, message: sent.append((address, message))
            progress = adj._progress
            target = adj.floor + 1_000
            assert target <= adj.promise  # no promise record needed
            adj._handle_journal("@xbar", Bump(target))
            assert adj.floor == target
            assert not progress.is_set()
            assert sent == [(CROSSBAR_ADDRESS,
                             Vouch(0, adj.watermark(), adj.journal.durable_lsn))]
            assert adj.watermark() == target

    asyncio.run(body())


def test_a_waiting_read_is_served_without_a_journal_batch(tmp_path) -> None:
    """End to end: the read at a fresh τ waits for the watermark, and gets it from the
    Vouch; no journal batch that could have served it arrives meanwhile."""
    async def body() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=1)) as cluster:
            client = cluster.txn_client()
            txn = client.begin()
            txn.put(b"\x10k", b"v")
            await txn.commit()
            await asyncio.sleep(0.01)  # the crossbar has read the commit
            adj = cluster.adjudicators[0]
            adj.config.heartbeat_interval_ns = 10**12  # no heartbeat may serve the read
            await asyncio.sleep(0.05)  # a heartbeat sleeping on the old interval fires
            batches = 0
            xbar = cluster.crossbar
            original = xbar._absorb

            def counted(cursor, batch):
                nonlocal batches
                if batch.records or batch.watermark > cursor.horizon:
                    batches += 1  # not a long poll timing out with nothing new
                original(cursor, batch)

            xbar._absorb = counted
            reader = client.begin()
            assert await reader.get(b"\x10k") == b"v"
            assert batches == 0
            assert cluster.storages[0].applied >= reader.t_start

    asyncio.run(body())
