"""A simulated disk: files in memory that lose unsynced writes when the node crashes.

One `SimDiskStore` holds the files of one simulated node and outlives its crashes. Each
incarnation of the node gets a fresh view, `store.disk(...)` → `SimDisk`; `store.crash`
models power loss and kills every view handed out before it, so a coroutine of the
crashed incarnation that was cancelled late (or never) cannot write into the next one:
any call on a dead view raises ``RuntimeError("dead incarnation")``.

The crash model, per file (DESIGN.md §8):

- bytes covered by a completed `sync` survive;
- of the bytes appended since, a random prefix survives (a torn tail: none, all, or a
  cut anywhere), and sometimes that kept tail is garbled (a few bits flipped, or a
  suffix zero-filled, as when the size reached the disk but the data did not);
- a truncation that was not synced is either undone (the file returns to its synced
  contents) or kept together with a torn prefix of what was appended after it, never a
  mix that no real file system could produce;
- `sync` takes (virtual) time and covers only what was written when it started: bytes
  appended while it is in flight need a later sync, like a real fsync racing writes.

Simplifications, on purpose: creating and removing files and directories is durable at
once (so `sync_dir` only takes time), and files reached through `real_path` (LMDB) live
on the host outside this model; the simulator treats them as durable as soon as the
library's commit returns.

Every random choice comes from the `random.Random` passed to `crash`, and files are
visited in sorted order, so a seed reproduces the same surviving bytes.
"""

from __future__ import annotations

import os
import posixpath
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

Sleep = Callable[[int], Awaitable[None]]

_ROOT = "."
# How often a crash garbles the unsynced tail it keeps, out of 1.
_GARBLE_PROBABILITY = 0.25
_FLIPPED_BYTES_MAX = 3


@dataclass(eq=False)
class _SyncInFlight:
    """What one running `sync` will make durable when it completes."""

    seq: int
    length: int
    # Copied only if a truncation cuts below `length` while the sync runs; until then
    # the file's own prefix is the snapshot (appends never change earlier bytes).
    snapshot: bytes | None = None
    floor: int = 0


@dataclass
class _FileState:
    data: bytearray = field(default_factory=bytearray)
    # The durable contents are `durable_shadow` when set (an unsynced truncation cut into
    # them), else `data[:durable_len]`.
    durable_len: int = 0
    durable_shadow: bytes | None = None
    # Lowest length `data` has had since the durable point; below it, data == durable.
    floor: int = 0
    durable_seq: int = 0
    syncs: list[_SyncInFlight] = field(default_factory=list)

    def durable(self) -> bytes:
        if self.durable_shadow is not None:
            return self.durable_shadow
        return bytes(self.data[: self.durable_len])

    def truncate(self, size: int) -> None:
        if size >= len(self.data):
            self.data.extend(bytes(size - len(self.data)))
            return
        if size < self.durable_len and self.durable_shadow is None:
            self.durable_shadow = bytes(self.data[: self.durable_len])
        self.floor = min(self.floor, size)
        for pending in self.syncs:
            if size < pending.length and pending.snapshot is None:
                pending.snapshot = bytes(self.data[: pending.length])
            pending.floor = min(pending.floor, size)
        del self.data[size:]

    def complete_sync(self, pending: _SyncInFlight) -> None:
        # A sync that started before one that already completed adds nothing.
        if pending.seq <= self.durable_seq:
            return
        self.durable_seq = pending.seq
        self.durable_len = pending.length
        self.durable_shadow = pending.snapshot
        self.floor = pending.floor

    def survive_crash(self, rng: random.Random) -> bytes:
        if self.durable_shadow is not None and rng.random() < 0.5:
            return self.durable_shadow
        kept = min(self.floor, self.durable_len)
        return bytes(self.data[:kept]) + _torn(bytes(self.data[kept:]), rng)


def _torn(unsynced: bytes, rng: random.Random) -> bytes:
    """A random prefix of `unsynced`, sometimes garbled."""
    choice = rng.random()
    if choice < 0.25 or not unsynced:
        return b""
    if choice < 0.5:
        tail = bytearray(unsynced)
    else:
        tail = bytearray(unsynced[: rng.randint(1, len(unsynced))])
    if rng.random() < _GARBLE_PROBABILITY:
        _garble(tail, rng)
    return bytes(tail)


def _garble(tail: bytearray, rng: random.Random) -> None:
    if rng.random() < 0.5:
        for _ in range(rng.randint(1, _FLIPPED_BYTES_MAX)):
            i = rng.randrange(len(tail))
            tail[i] ^= 1 << rng.randrange(8)
    else:
        start = rng.randrange(len(tail))
        tail[start:] = bytes(len(tail) - start)


def _normalize(path: str) -> str:
    if posixpath.isabs(path):
        raise ValueError(f"disk paths are relative to the node root: {path!r}")
    norm = posixpath.normpath(path) if path else _ROOT
    if norm == ".." or norm.startswith("../"):
        raise ValueError(f"path escapes the node root: {path!r}")
    return norm


class SimDiskStore:
    """Every file of one simulated node, across its crashes and restarts."""

    def __init__(self) -> None:
        self._files: dict[str, _FileState] = {}
        self._dirs: set[str] = {_ROOT}
        self._incarnation = 0
        self._sync_seq = 0
        self.sync_count = 0  # completed file syncs, for tests and metrics

    def disk(self, sleep: Sleep, fsync_latency_ns: Callable[[], int], real_root: str) -> SimDisk:
        """A view for the node's current incarnation."""
        return SimDisk(self, self._incarnation, sleep, fsync_latency_ns, real_root)

    def crash(self, rng: random.Random) -> None:
        """Power loss: keep what is durable plus torn tails; kill every view."""
        self._incarnation += 1
        for path in sorted(self._files):
            survived = self._files[path].survive_crash(rng)
            self._files[path] = _FileState(
                data=bytearray(survived), durable_len=len(survived), floor=len(survived)
            )

    def paths(self) -> list[str]:
        return sorted(self._files)

    def contents(self, path: str) -> bytes:
        """What a read would return now (including unsynced bytes)."""
        return bytes(self._files[_normalize(path)].data)

    def durable_contents(self, path: str) -> bytes:
        """What is certain to survive a crash."""
        return self._files[_normalize(path)].durable()

    def _next_sync_seq(self) -> int:
        self._sync_seq += 1
        return self._sync_seq


class SimDisk:
    """One incarnation's view of a `SimDiskStore`; implements `Disk`."""

    def __init__(
        self,
        store: SimDiskStore,
        incarnation: int,
        sleep: Sleep,
        fsync_latency_ns: Callable[[], int],
        real_root: str,
    ) -> None:
        self._store = store
        self._incarnation = incarnation
        self._sleep = sleep
        self._fsync_latency_ns = fsync_latency_ns
        self._real_root = real_root

    def open(self, path: str) -> SimFile:
        self.check_alive()
        norm = _normalize(path)
        store = self._store
        if norm in store._dirs:
            raise IsADirectoryError(path)
        if _parent(norm) not in store._dirs:
            raise FileNotFoundError(path)
        state = store._files.setdefault(norm, _FileState())
        return SimFile(norm, self, state)

    def listdir(self, path: str) -> list[str]:
        self.check_alive()
        norm = _normalize(path)
        store = self._store
        if norm not in store._dirs:
            raise FileNotFoundError(path)
        children = [*store._files, *(d for d in store._dirs if d != _ROOT)]
        return sorted(posixpath.basename(c) for c in children if _parent(c) == norm)

    def exists(self, path: str) -> bool:
        self.check_alive()
        norm = _normalize(path)
        return norm in self._store._files or norm in self._store._dirs

    def remove(self, path: str) -> None:
        self.check_alive()
        norm = _normalize(path)
        if norm not in self._store._files:
            raise FileNotFoundError(path)
        del self._store._files[norm]

    def makedirs(self, path: str) -> None:
        self.check_alive()
        norm = _normalize(path)
        if norm in self._store._files:
            raise FileExistsError(path)
        while norm != _ROOT:
            self._store._dirs.add(norm)
            norm = _parent(norm)

    async def sync_dir(self, path: str) -> None:
        self.check_alive()
        await self._sleep(self._fsync_latency_ns())
        self.check_alive()

    def real_path(self, path: str) -> str:
        return os.path.join(self._real_root, _normalize(path))

    async def flush_external(self, flush) -> None:
        self.check_alive()
        await self._sleep(self._fsync_latency_ns())
        self.check_alive()
        flush()

    def check_alive(self) -> None:
        if self._incarnation != self._store._incarnation:
            raise RuntimeError("dead incarnation")


def _parent(norm: str) -> str:
    return posixpath.dirname(norm) or _ROOT


class SimFile:
    """A `DurableFile` in a `SimDiskStore`, valid only while its incarnation lives."""

    def __init__(self, path: str, disk: SimDisk, state: _FileState) -> None:
        self.path = path
        self._disk = disk
        self._state = state
        self._closed = False

    def size(self) -> int:
        self._check()
        return len(self._state.data)

    def read(self, offset: int, length: int) -> bytes:
        self._check()
        assert offset >= 0 and length >= 0
        return bytes(self._state.data[offset : offset + length])

    def append(self, data: bytes) -> int:
        self._check()
        start = len(self._state.data)
        self._state.data += data
        return start

    def truncate(self, size: int) -> None:
        self._check()
        assert size >= 0
        self._state.truncate(size)

    async def sync(self) -> None:
        self._check()
        state = self._state
        pending = _SyncInFlight(
            seq=self._disk._store._next_sync_seq(),
            length=len(state.data),
            floor=len(state.data),
        )
        state.syncs.append(pending)
        try:
            await self._disk._sleep(self._disk._fsync_latency_ns())
        finally:
            if pending in state.syncs:
                state.syncs.remove(pending)
        # A crash while sleeping replaced the state; this sync never completed.
        self._disk.check_alive()
        state.complete_sync(pending)
        self._disk._store.sync_count += 1

    def close(self) -> None:
        self._disk.check_alive()
        self._closed = True

    def _check(self) -> None:
        self._disk.check_alive()
        if self._closed:
            raise ValueError(f"{self.path}: I/O on closed file")
