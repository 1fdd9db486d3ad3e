"""The two `Disk` implementations: real files (`OsDisk`) and the simulator's `SimDisk`."""

from __future__ import annotations

import asyncio
import os
import random
import threading
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borealis.runtime.disk import INLINE_SYNC_MAX_NS, PREALLOCATE_BYTES, OsDisk
from borealis.sim.disk import SimDisk, SimDiskStore


async def _yield_sleep(ns: int) -> None:
    """Virtual time for unit tests: one nanosecond is one event-loop turn."""
    for _ in range(ns):
        await asyncio.sleep(0)


def _sim_disk(store: SimDiskStore, latency_ns: int = 1) -> SimDisk:
    return store.disk(_yield_sleep, lambda: latency_ns, "/nonexistent/sim-root")


# ------------------------------------------------------------------- OsDisk


def test_os_disk_file_round_trip(tmp_path):
    disk = OsDisk(str(tmp_path / "node"))
    disk.makedirs("a/b")
    f = disk.open("a/b/file")
    assert f.size() == 0
    assert f.append(b"hello ") == 0
    assert f.append(b"world") == 6
    assert f.size() == 11
    assert f.read(0, 100) == b"hello world"
    assert f.read(6, 3) == b"wor"
    asyncio.run(f.sync())
    f.truncate(5)
    assert f.read(0, 100) == b"hello"
    assert f.append(b"!") == 5
    f.close()
    f.close()  # idempotent
    with pytest.raises(ValueError):
        f.append(b"x")

    again = disk.open("a/b/file")
    assert again.size() == 6
    assert again.read(0, 6) == b"hello!"
    again.close()
    assert (tmp_path / "node" / "a" / "b" / "file").read_bytes() == b"hello!"


def test_os_file_writes_zeros_ahead_and_gives_them_back(tmp_path):
    disk = OsDisk(str(tmp_path))
    real = tmp_path / "f"
    f = disk.open("f")
    assert f.append(b"abc") == 0
    assert f.size() == 3
    assert real.stat().st_size == 3 + PREALLOCATE_BYTES  # zeros ahead of the end
    assert f.read(0, 100) == b"abc"  # reads stop at the logical end
    assert f.read(3, 10) == b""
    asyncio.run(f.sync())
    # A second view, as a restart after a crash sees it: the zeros are part of the file.
    crashed = disk.open("f")
    assert crashed.size() == 3 + PREALLOCATE_BYTES
    assert crashed.read(0, 5) == b"abc\0\0"
    crashed.close()
    # Writing past the space written ahead extends it again.
    big = b"x" * (PREALLOCATE_BYTES + 10)
    assert f.append(big) == 3
    assert f.size() == 3 + len(big)
    assert real.stat().st_size > f.size()
    assert f.read(0, f.size()) == b"abc" + big
    f.truncate(f.size())  # gives the zeros back
    assert real.stat().st_size == 3 + len(big)
    f.append(b"!")
    f.close()  # so does close
    assert real.read_bytes() == b"abc" + big + b"!"


def test_os_disk_syncs_on_the_loop_while_syncs_are_fast(tmp_path):
    disk = OsDisk(str(tmp_path))
    f = disk.open("f")
    f.append(b"data")
    timer = disk._sync_timer
    assert timer.inline
    threads = set()

    def fake_fdatasync(fd: int) -> None:
        threads.add(threading.get_ident())

    async def main() -> None:
        loop_thread = threading.get_ident()
        with mock.patch.object(os, "fdatasync", fake_fdatasync):
            await f.sync()
            assert threads == {loop_thread}
            timer.record(100 * INLINE_SYNC_MAX_NS)  # a slow disk: to a worker thread
            assert not timer.inline
            threads.clear()
            await f.sync()
            assert threads and loop_thread not in threads

    asyncio.run(main())
    f.close()


def test_os_disk_directory_operations(tmp_path):
    disk = OsDisk(str(tmp_path))
    disk.makedirs("d")
    disk.makedirs("d")  # exists_ok
    for name in ("c", "a", "b"):
        disk.open(f"d/{name}").close()
    assert disk.listdir("d") == ["a", "b", "c"]
    assert disk.exists("d/a") and disk.exists("d")
    disk.remove("d/a")
    assert not disk.exists("d/a")
    with pytest.raises(FileNotFoundError):
        disk.remove("d/a")
    asyncio.run(disk.sync_dir("d"))
    assert disk.real_path("d/b") == str(tmp_path / "d" / "b")


def test_os_disk_refuses_paths_outside_root(tmp_path):
    disk = OsDisk(str(tmp_path))
    with pytest.raises(ValueError):
        disk.open("../escape")
    with pytest.raises(ValueError):
        disk.real_path("/etc/passwd")


def test_os_file_close_during_fsync_is_safe(tmp_path):
    disk = OsDisk(str(tmp_path))

    async def main() -> None:
        f = disk.open("f")
        f.append(b"x" * 4096)
        syncs = [asyncio.ensure_future(f.sync()) for _ in range(4)]
        await asyncio.sleep(0)
        f.close()
        # Each sync either ran before the close or reports the closed file.
        for result in await asyncio.gather(*syncs, return_exceptions=True):
            assert result is None or isinstance(result, ValueError)

    asyncio.run(main())


# ------------------------------------------------------------------ SimDisk


def test_sim_disk_directory_operations():
    disk = _sim_disk(SimDiskStore())
    with pytest.raises(FileNotFoundError):
        disk.open("missing/f")
    disk.makedirs("x/y")
    disk.open("x/y/b").close()
    disk.open("x/y/a").close()
    disk.open("top").close()
    assert disk.listdir("x/y") == ["a", "b"]
    assert disk.listdir("x") == ["y"]
    assert disk.listdir("") == ["top", "x"]
    assert disk.exists("x/y/a") and disk.exists("x")
    disk.remove("x/y/a")
    assert not disk.exists("x/y/a")
    with pytest.raises(FileNotFoundError):
        disk.remove("x/y/a")
    with pytest.raises(ValueError):
        disk.open("../up")
    assert disk.real_path("lmdb/data.mdb") == "/nonexistent/sim-root/lmdb/data.mdb"
    asyncio.run(disk.sync_dir("x"))


def test_sim_file_basics():
    store = SimDiskStore()
    f = _sim_disk(store).open("f")
    assert f.append(b"abc") == 0
    assert f.append(b"def") == 3
    assert (f.size(), f.read(2, 3)) == (6, b"cde")
    f.truncate(4)
    assert f.read(0, 100) == b"abcd"
    f.truncate(6)  # extends with zeros
    assert store.contents("f") == b"abcd\0\0"
    f.close()
    with pytest.raises(ValueError):
        f.read(0, 1)


def test_crash_keeps_synced_bytes_and_tears_unsynced_tail():
    lengths = set()
    for seed in range(200):
        store = SimDiskStore()
        f = _sim_disk(store).open("f")
        f.append(b"durable-")
        asyncio.run(f.sync())
        f.append(b"0123456789" * 3)
        assert store.durable_contents("f") == b"durable-"
        store.crash(random.Random(seed))
        survived = store.contents("f")
        assert survived.startswith(b"durable-")
        assert len(survived) <= len(b"durable-") + 30
        assert store.durable_contents("f") == survived
        lengths.add(len(survived) - len(b"durable-"))
    assert 0 in lengths and 30 in lengths
    assert len(lengths) > 5, "a torn tail should land at many different cuts"


def test_crash_sometimes_garbles_the_kept_tail():
    garbled = 0
    tail = bytes(range(1, 101))
    for seed in range(200):
        store = SimDiskStore()
        f = _sim_disk(store).open("f")
        f.append(tail)
        store.crash(random.Random(seed))
        survived = store.contents("f")
        garbled += survived != tail[: len(survived)]
    assert 0 < garbled < 200


def test_sync_covers_only_bytes_written_before_it_started():
    async def main() -> None:
        store = SimDiskStore()
        gate = asyncio.Event()

        async def sleep(ns: int) -> None:
            await gate.wait()

        f = store.disk(sleep, lambda: 1, "/r").open("f")
        f.append(b"first")
        syncing = asyncio.ensure_future(f.sync())
        await asyncio.sleep(0)
        f.append(b"second")
        gate.set()
        await syncing
        assert store.durable_contents("f") == b"first"
        assert store.contents("f") == b"firstsecond"
        assert store.sync_count == 1

    asyncio.run(main())


def test_unsynced_truncation_is_undone_or_kept_coherently():
    outcomes = set()
    for seed in range(100):
        store = SimDiskStore()
        f = _sim_disk(store).open("f")
        f.append(b"abcdefghi")
        asyncio.run(f.sync())
        f.truncate(2)
        f.append(b"XY")
        store.crash(random.Random(seed))
        survived = store.contents("f")
        if survived == b"abcdefghi":
            outcomes.add("undone")
        else:
            assert survived.startswith(b"ab") and len(survived) <= 4
            outcomes.add("kept")
    assert outcomes == {"undone", "kept"}


def test_truncation_during_sync_does_not_change_what_it_made_durable():
    async def main() -> None:
        store = SimDiskStore()
        gate = asyncio.Event()

        async def sleep(ns: int) -> None:
            await gate.wait()

        f = store.disk(sleep, lambda: 1, "/r").open("f")
        f.append(b"abcdef")
        syncing = asyncio.ensure_future(f.sync())
        await asyncio.sleep(0)
        f.truncate(2)
        gate.set()
        await syncing
        assert store.durable_contents("f") == b"abcdef"
        assert store.contents("f") == b"ab"

    asyncio.run(main())


def test_views_of_a_crashed_incarnation_are_dead():
    async def main() -> None:
        store = SimDiskStore()
        disk = _sim_disk(store, latency_ns=5)
        f = disk.open("f")
        f.append(b"abc")
        syncing = asyncio.ensure_future(f.sync())
        await asyncio.sleep(0)
        store.crash(random.Random(1))
        with pytest.raises(RuntimeError, match="dead incarnation"):
            await syncing
        for call in (lambda: f.append(b"x"), f.size, lambda: disk.open("g"), f.close):
            with pytest.raises(RuntimeError, match="dead incarnation"):
                call()
        with pytest.raises(RuntimeError, match="dead incarnation"):
            await f.sync()
        # The next incarnation works, and the interrupted sync made nothing durable.
        fresh = _sim_disk(store).open("f")
        assert fresh.size() <= 3
        fresh.append(b"more")

    asyncio.run(main())


def _crash_outcome(seed: int) -> dict[str, bytes]:
    store = SimDiskStore()
    disk = _sim_disk(store)
    for name in ("b", "a", "c"):
        f = disk.open(name)
        f.append(name.encode() * 10)
        if name == "a":
            asyncio.run(f.sync())
        f.append(bytes(range(50)))
    store.crash(random.Random(seed))
    return {path: store.contents(path) for path in store.paths()}


def test_crash_is_deterministic_for_a_seed():
    assert _crash_outcome(7) == _crash_outcome(7)
    assert len({tuple(_crash_outcome(s).values()) for s in range(20)}) > 1


@settings(max_examples=200, deadline=None)
@given(
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("append"), st.binary(min_size=1, max_size=20)),
            st.tuples(st.just("sync"), st.just(b"")),
        ),
        max_size=20,
    ),
    seed=st.integers(0, 2**32),
)
def test_crash_survivor_extends_the_durable_contents(ops, seed):
    store = SimDiskStore()
    f = _sim_disk(store).open("f")
    for op, data in ops:
        if op == "append":
            f.append(data)
        else:
            asyncio.run(f.sync())
    durable, current = store.durable_contents("f"), store.contents("f")
    store.crash(random.Random(seed))
    survived = store.contents("f")
    assert survived[: len(durable)] == durable
    assert len(durable) <= len(survived) <= len(current)
