"""The journal log: durability, group commit, recovery from crashes, rotation and trim.

Most tests run over `SimDisk` with a "virtual time" where one nanosecond of fsync
latency is one event-loop turn, so each seeded run is deterministic.
"""

from __future__ import annotations

import asyncio
import posixpath
import random

import pytest

from borealis.journal.log import (
    RECORD_HEADER_BYTES,
    JournalClosed,
    JournalFailed,
    JournalLog,
    JournalTrimmed,
    segment_name,
)
from borealis.runtime.disk import PREALLOCATE_BYTES, OsDisk
from borealis.sim.disk import SimDisk, SimDiskStore

DIR = "journal"


async def _yield_sleep(ns: int) -> None:
    for _ in range(ns):
        await asyncio.sleep(0)


def _sim_disk(store: SimDiskStore, latency_ns: int | None = None, rng=None) -> SimDisk:
    if latency_ns is not None:
        return store.disk(_yield_sleep, lambda: latency_ns, "/nonexistent")
    rng = rng or random.Random(0)
    return store.disk(_yield_sleep, lambda: rng.randint(1, 8), "/nonexistent")


def _payload(i: int) -> bytes:
    return f"payload-{i}".encode() * (1 + i % 5)


async def _append_all(log: JournalLog, items: list[tuple[int, bytes]]) -> list[int]:
    return list(await asyncio.gather(*(log.append(ts, p) for ts, p in items)))


# --------------------------------------------------------------- round trip


async def _round_trip(disk_factory) -> None:
    log = await JournalLog.open(disk_factory(), DIR)
    assert (log.first_lsn, log.last_lsn, log.durable_lsn, log.last_ts) == (1, 0, 0, 0)
    assert log.read(0, 10) == []
    items = [(100 + i, _payload(i)) for i in range(10)]
    assert await _append_all(log, items) == list(range(1, 11))
    expected = [(i + 1, ts, p) for i, (ts, p) in enumerate(items)]
    assert log.read(0, 100) == expected
    assert log.read(3, 2) == expected[3:5]
    assert log.read(10, 5) == []
    assert (log.durable_lsn, log.last_ts) == (10, 109)
    log.close()

    log = await JournalLog.open(disk_factory(), DIR)
    assert log.read(0, 100) == expected
    assert (log.first_lsn, log.durable_lsn, log.last_lsn, log.last_ts) == (1, 10, 10, 109)
    assert await log.append(500, b"next") == 11
    assert log.read(10, 10) == [(11, 500, b"next")]
    with pytest.raises(ValueError):
        await log.append(500, b"same ts")
    log.close()


def test_round_trip_on_sim_disk():
    store = SimDiskStore()
    asyncio.run(_round_trip(lambda: _sim_disk(store, latency_ns=2)))


def test_round_trip_on_os_disk(tmp_path):
    asyncio.run(_round_trip(lambda: OsDisk(str(tmp_path))))


def test_rotation_and_reads_from_files_on_os_disk(tmp_path):
    async def main() -> None:
        log = await JournalLog.open(
            OsDisk(str(tmp_path)), DIR, segment_bytes_max=500, cache_bytes_max=0
        )
        items = [(i + 1, _payload(i)) for i in range(60)]
        await _append_all(log, items)
        log.close()
        log = await JournalLog.open(OsDisk(str(tmp_path)), DIR, segment_bytes_max=500)
        assert [(ts, p) for _, ts, p in log.read(0, 1000)] == items
        log.close()

    asyncio.run(main())
    assert len(list((tmp_path / DIR).iterdir())) > 5


def test_unclean_stop_on_os_disk_keeps_every_record_across_segments(tmp_path):
    """A process that dies without closing leaves its last segment ending in the zeros
    OsFile wrote ahead; the full segments were cut to their records when the next one
    began, so recovery keeps every acknowledged record of every segment."""
    async def main() -> None:
        log = await JournalLog.open(OsDisk(str(tmp_path)), DIR, segment_bytes_max=500)
        items = [(i + 1, _payload(i)) for i in range(60)]
        for ts, payload in items:  # one at a time: rotations between acknowledgements
            await log.append(ts, payload)
        segments = sorted((tmp_path / DIR).iterdir())
        assert len(segments) > 5
        # Not closed, as after a crash: only the active segment has zeros beyond it.
        sizes = [len(f.read_bytes()) for f in segments]
        assert all(size <= 500 + 100 for size in sizes[:-1])
        assert sizes[-1] >= PREALLOCATE_BYTES
        again = await JournalLog.open(OsDisk(str(tmp_path)), DIR, segment_bytes_max=500)
        assert [(ts, p) for _, ts, p in again.read(0, 1000)] == items
        assert await again.append(1000, b"after") == len(items) + 1
        again.close()

    asyncio.run(main())


# ------------------------------------------------------------- group commit


def test_group_commit_batches_concurrent_appends():
    async def main() -> None:
        store = SimDiskStore()
        log = await JournalLog.open(_sim_disk(store, latency_ns=5), DIR)
        syncs_before = store.sync_count
        appends = 500
        lsns = await _append_all(log, [(i + 1, _payload(i)) for i in range(appends)])
        assert lsns == list(range(1, appends + 1))
        syncs = store.sync_count - syncs_before
        assert 1 <= syncs <= 3, f"{syncs} fsyncs for {appends} concurrent appends"
        assert log.durable_lsn == appends

    asyncio.run(main())


def test_appends_during_a_sync_wait_for_the_next_one():
    async def main() -> None:
        store = SimDiskStore()
        log = await JournalLog.open(_sim_disk(store, latency_ns=20), DIR)
        first = asyncio.ensure_future(log.append(1, b"a"))
        await asyncio.sleep(0)  # its fsync is now in flight
        second = asyncio.ensure_future(log.append(2, b"b"))
        third = asyncio.ensure_future(log.append(3, b"c"))
        await asyncio.sleep(0)
        assert log.last_lsn == 3 and log.durable_lsn == 0
        assert log.read(0, 10) == []  # nothing durable yet is ever returned
        assert await first == 1
        assert log.durable_lsn == 1 and not second.done()
        assert (await second, await third) == (2, 3)

    asyncio.run(main())


def test_backpressure_bounds_unsynced_bytes_and_keeps_order():
    async def main() -> None:
        store = SimDiskStore()
        record_bytes = RECORD_HEADER_BYTES + 100
        log = await JournalLog.open(
            _sim_disk(store, latency_ns=3), DIR, pending_bytes_max=3 * record_bytes
        )
        path = posixpath.join(DIR, segment_name(1))
        unsynced_max = 0

        async def watch() -> None:
            nonlocal unsynced_max
            while True:
                unsynced = len(store.contents(path)) - len(store.durable_contents(path))
                unsynced_max = max(unsynced_max, unsynced)
                await asyncio.sleep(0)

        watcher = asyncio.ensure_future(watch())
        items = [(i + 1, bytes([i % 256]) * 100) for i in range(50)]
        assert await _append_all(log, items) == list(range(1, 51))
        watcher.cancel()
        assert 0 < unsynced_max <= 3 * record_bytes
        assert [(ts, p) for _, ts, p in log.read(0, 100)] == items

    asyncio.run(main())


def test_cancelled_appenders_do_not_wedge_the_log():
    async def main() -> None:
        store = SimDiskStore()
        log = await JournalLog.open(
            _sim_disk(store, latency_ns=3), DIR, pending_bytes_max=RECORD_HEADER_BYTES + 10
        )
        tasks = [asyncio.ensure_future(log.append(i + 1, b"x" * 10)) for i in range(20)]
        await asyncio.sleep(0)
        for task in tasks[5:15]:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        assert await log.append(1000, b"after") == log.last_lsn
        assert log.durable_lsn == log.last_lsn

    asyncio.run(main())


def test_close_fails_pending_appends_and_readers():
    async def main() -> None:
        store = SimDiskStore()
        log = await JournalLog.open(_sim_disk(store, latency_ns=10), DIR)
        pending = asyncio.ensure_future(log.append(1, b"a"))
        reader = asyncio.ensure_future(log.wait_for_append(5))
        await asyncio.sleep(0)
        log.close()
        with pytest.raises(JournalClosed):
            await pending
        with pytest.raises(JournalClosed):
            await reader
        with pytest.raises(JournalClosed):
            await log.append(2, b"b")

    asyncio.run(main())


# ----------------------------------------------------------------- readers


def test_wait_for_append_wakes_on_durable_records():
    async def main() -> None:
        log = await JournalLog.open(_sim_disk(SimDiskStore(), latency_ns=2), DIR)
        reader = asyncio.ensure_future(log.wait_for_append(0))
        await asyncio.sleep(0)
        assert not reader.done()
        await log.append(7, b"x")
        assert await reader == 1
        assert await log.wait_for_append(0) == 1  # already there: no wait

    asyncio.run(main())


def test_first_lsn_after_ts():
    async def main() -> None:
        log = await JournalLog.open(
            _sim_disk(SimDiskStore(), latency_ns=1), DIR, segment_bytes_max=100
        )
        assert log.first_lsn_after_ts(0) == 1
        await _append_all(log, [(10 * (i + 1), b"p" * 30) for i in range(20)])  # ts 10..200
        assert log.first_lsn_after_ts(0) == 1
        assert log.first_lsn_after_ts(10) == 2
        assert log.first_lsn_after_ts(15) == 2
        assert log.first_lsn_after_ts(199) == 20
        assert log.first_lsn_after_ts(200) == 21
        assert log.first_lsn_after_ts(10**12) == 21

    asyncio.run(main())


# ----------------------------------------------------------- rotation, trim


def test_rotation_trim_and_trimmed_reads():
    async def main() -> None:
        store = SimDiskStore()
        disk = _sim_disk(store, latency_ns=1)
        log = await JournalLog.open(disk, DIR, segment_bytes_max=400, cache_bytes_max=300)
        items = [(i + 1, _payload(i)) for i in range(100)]
        for ts, p in items:  # one at a time: a rotation per segment_bytes_max
            await log.append(ts, p)
        names = disk.listdir(DIR)
        assert len(names) > 5 and names == sorted(names)
        firsts = [int(n.removesuffix(".seg")) for n in names]
        assert firsts[0] == 1 and firsts == sorted(firsts)
        expected = [(i + 1, ts, p) for i, (ts, p) in enumerate(items)]
        assert log.read(0, 1000) == expected  # mostly from files: the cache is tiny

        first = await log.trim(50)
        assert 1 < first <= 50 and first == log.first_lsn
        assert int(disk.listdir(DIR)[0].removesuffix(".seg")) == first
        with pytest.raises(JournalTrimmed):
            log.read(0, 10)
        assert log.read(first - 1, 1000) == expected[first - 1 :]
        assert log.first_lsn_after_ts(0) == first

        await log.trim(10**9)  # never the active segment
        assert log.first_lsn == firsts[-1] and log.read(log.first_lsn - 1, 1000)
        log.close()

        log = await JournalLog.open(_sim_disk(store, latency_ns=1), DIR, segment_bytes_max=400)
        assert (log.first_lsn, log.last_lsn, log.last_ts) == (firsts[-1], 100, 100)
        assert await log.append(101, b"more") == 101

    asyncio.run(main())


def test_trim_keeps_a_segment_until_its_successor_is_durable():
    async def main() -> None:
        store = SimDiskStore()
        log = await JournalLog.open(_sim_disk(store, latency_ns=20), DIR, segment_bytes_max=50)
        await log.append(1, b"a" * 60)
        rotating = asyncio.ensure_future(log.append(2, b"b"))  # opens segment 2
        await asyncio.sleep(0)
        assert await log.trim(10) == 1  # lsn 2 is not durable yet
        await rotating
        assert await log.trim(10) == 2

    asyncio.run(main())


# ---------------------------------------------------------------- recovery


def test_torn_tail_with_garbage_is_repaired():
    async def main() -> None:
        store = SimDiskStore()
        log = await JournalLog.open(_sim_disk(store, latency_ns=1), DIR)
        await _append_all(log, [(i + 1, _payload(i)) for i in range(5)])
        log.close()
        path = posixpath.join(DIR, segment_name(1))
        clean = store.contents(path)
        raw = _sim_disk(store, latency_ns=1).open(path)
        raw.append(b"JRNL\xff\xff\x00\x00 not a record at all")
        await raw.sync()

        log = await JournalLog.open(_sim_disk(store, latency_ns=1), DIR)
        assert log.last_lsn == 5 and store.durable_contents(path) == clean
        assert await log.append(6, b"six") == 6
        log.close()
        log = await JournalLog.open(_sim_disk(store, latency_ns=1), DIR)
        assert [lsn for lsn, _, _ in log.read(0, 100)] == [1, 2, 3, 4, 5, 6]

    asyncio.run(main())


def test_a_corrupt_record_cuts_the_log_and_drops_later_segments():
    async def main() -> None:
        store = SimDiskStore()
        disk = _sim_disk(store, latency_ns=1)
        log = await JournalLog.open(disk, DIR, segment_bytes_max=200)
        for i in range(30):
            await log.append(i + 1, _payload(i))
        names = disk.listdir(DIR)
        log.close()
        # Flip a byte in the second segment's last record, as a torn write would.
        second = posixpath.join(DIR, names[1])
        data = bytearray(store.contents(second))
        data[-1] ^= 0x40
        raw = _sim_disk(store, latency_ns=1).open(second)
        raw.truncate(0)
        raw.append(bytes(data))
        await raw.sync()

        disk = _sim_disk(store, latency_ns=1)
        log = await JournalLog.open(disk, DIR, segment_bytes_max=200)
        assert disk.listdir(DIR) == names[:2]
        assert log.last_lsn == int(names[2].removesuffix(".seg")) - 2
        assert await log.append(1000, b"x") == log.last_lsn

    asyncio.run(main())


async def _crash_round(
    store: SimDiskStore, rng: random.Random, log_so_far: list[tuple[int, bytes]], ts: int
) -> tuple[list[tuple[int, bytes]], int, int]:
    """Open, check the log equals `log_so_far`, race appends against a crash.

    Returns every record that may be in the log (all attempted, in order), the highest
    acknowledged LSN, and the last ts used.
    """
    options = {
        "segment_bytes_max": rng.choice([150, 1000, 1 << 20]),
        "pending_bytes_max": rng.choice([100, 2000, 1 << 20]),
        "cache_bytes_max": rng.choice([0, 500, 1 << 20]),
    }
    log = await JournalLog.open(_sim_disk(store, rng=rng), DIR, **options)
    records = log.read(0, 10**6)
    assert [lsn for lsn, _, _ in records] == list(range(1, len(records) + 1))
    assert [(t, p) for _, t, p in records] == log_so_far, "not the prefix that was written"
    assert log.last_lsn == log.durable_lsn == len(log_so_far)

    attempted = list(log_so_far)
    acked: dict[int, tuple[int, bytes]] = {}

    async def append(ts: int, payload: bytes) -> None:
        acked[await log.append(ts, payload)] = (ts, payload)

    tasks = []
    for _ in range(rng.randint(0, 150)):
        ts += rng.randint(1, 1000)
        payload = rng.randbytes(rng.randint(0, 80))
        attempted.append((ts, payload))
        tasks.append(asyncio.ensure_future(append(ts, payload)))
        if rng.random() < 0.2:
            await _yield_sleep(rng.randint(1, 5))
    await _yield_sleep(rng.randint(0, 300))

    store.crash(rng)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await _yield_sleep(20)  # let the dead incarnation's fsync task notice and stop

    for lsn, item in acked.items():
        assert attempted[lsn - 1] == item
    return attempted, max(acked, default=0), ts


async def _crash_scenario(seed: int) -> None:
    rng = random.Random(seed)
    store = SimDiskStore()
    survivors: list[tuple[int, bytes]] = []
    ts = 0
    for _ in range(4):
        attempted, acked_max, ts = await _crash_round(store, rng, survivors, ts)
        log = await JournalLog.open(_sim_disk(store, rng=rng), DIR)
        records = log.read(log.first_lsn - 1, 10**6)
        kept = log.last_lsn
        assert acked_max <= kept <= len(attempted), "an acknowledged append was lost"
        assert records == [(lsn, *attempted[lsn - 1]) for lsn in range(log.first_lsn, kept + 1)]
        survivors = attempted[:kept]
        log.close()


@pytest.mark.parametrize("seed", range(50))
def test_crash_at_random_moments_loses_no_acknowledged_append(seed):
    asyncio.run(_crash_scenario(seed))


def test_fsync_task_runs_through_the_injected_spawn():
    async def main() -> None:
        spawned = []

        def spawn(coro):
            task = asyncio.ensure_future(coro)
            spawned.append(task)
            return task

        log = await JournalLog.open(_sim_disk(SimDiskStore(), latency_ns=1), DIR, spawn=spawn)
        await _append_all(log, [(1, b"a"), (2, b"b")])
        assert len(spawned) == 1
        await log.append(3, b"c")
        assert len(spawned) == 2  # the first task ended when it caught up

        def refuse(coro):
            coro.close()  # as a dying node's runtime does

        log = await JournalLog.open(_sim_disk(SimDiskStore(), latency_ns=1), DIR, spawn=refuse)
        with pytest.raises(JournalFailed):
            await log.append(1, b"a")

    asyncio.run(main())
