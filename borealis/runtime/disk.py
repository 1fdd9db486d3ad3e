"""The real `Disk`: files under one directory of the host, made durable with fdatasync.

`OsDisk(root)` is what `AioRuntime` injects into role code. Every path a role passes is
relative to `root`; escaping it (absolute paths, ``..``) is refused, so a node can only
touch its own tree.

Syncing
    `OsFile.sync` is `os.fdatasync`: the data and the metadata needed to read it back
    (the size), not timestamps, as PostgreSQL's default wal_sync_method on Linux.

    Appends go into space written with zeros ahead of time (`PREALLOCATE_BYTES` at a
    time), so most syncs flush data blocks only, not the file size too; on this kind of
    virtual disk that is 127 µs against 219 µs for fsync of a growing file. `size()` is
    the logical size (what was appended); the zeros beyond it are given back by
    `truncate(size())` and by `close()`. After a crash they are still there: a reader
    of the file must treat a run of zeros after its last valid record as the end, as the
    journal's recovery does (its record magic is never zero), and must truncate a file
    it has finished appending to before anything written after it is acknowledged.

    Where the sync runs is chosen per disk from how long recent syncs took. A fast one
    (`INLINE_SYNC_MAX_NS`, a moving average) runs on the event loop itself: handing it
    to a worker thread and back costs about 110 µs of wake-ups here, more than the sync.
    A slow disk's syncs go to the loop's default executor, so the event loop keeps
    serving everything else during the flush; that is also what lets group commit
    batch, since appenders that arrive while one sync is in flight write at once and
    are covered by the next. On the loop, a batch is what arrived since the last sync.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
import time

_FILE_MODE = 0o644
PREALLOCATE_BYTES = 1 << 20
_ZEROS = memoryview(bytes(64 << 10))  # sliced without copying
INLINE_SYNC_MAX_NS = 500_000  # a moving average of sync time above this: a worker thread


class SyncTimer:
    """The moving average of one disk's sync durations, which picks where syncs run."""

    __slots__ = ("average_ns",)

    def __init__(self) -> None:
        self.average_ns = 0

    @property
    def inline(self) -> bool:
        return self.average_ns <= INLINE_SYNC_MAX_NS

    def record(self, elapsed_ns: int) -> None:
        self.average_ns += (elapsed_ns - self.average_ns) // 4


class OsFile:
    """A `DurableFile` over one OS file descriptor, appended to at its logical end."""

    def __init__(self, path: str, real: str, timer: SyncTimer | None = None) -> None:
        self.path = path
        self._fd: int | None = os.open(real, os.O_RDWR | os.O_CREAT, _FILE_MODE)
        self._size = os.fstat(self._fd).st_size  # logical: zeros after a crash count
        self._allocated = self._size  # bytes the OS file has, zeros ahead included
        self._timer = timer or SyncTimer()
        # fsync runs on executor threads; closing the fd under one of them could make it
        # flush (or fail on) an unrelated file that reused the number, so the last
        # finishing fsync closes a descriptor whose close was requested meanwhile.
        self._lock = threading.Lock()
        self._fsyncs_running = 0
        self._close_requested = False

    def size(self) -> int:
        self._require_open()
        return self._size

    def read(self, offset: int, length: int) -> bytes:
        fd = self._require_open()
        assert offset >= 0 and length >= 0
        length = max(0, min(length, self._size - offset))
        chunks: list[bytes] = []
        while length > 0:
            chunk = os.pread(fd, length, offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
            length -= len(chunk)
        return b"".join(chunks)

    def append(self, data: bytes) -> int:
        fd = self._require_open()
        start = self._size
        end = start + len(data)
        if end > self._allocated:
            self._preallocate(fd, end + PREALLOCATE_BYTES)
        _pwrite_all(fd, data, start)
        self._size = end
        return start

    def _preallocate(self, fd: int, target: int) -> None:
        # Real zeros, not fallocate: writing into an unwritten extent is a metadata
        # change again, which is what preallocating is meant to take out of the sync.
        offset = self._allocated
        while offset < target:
            n = min(len(_ZEROS), target - offset)
            _pwrite_all(fd, _ZEROS[:n], offset)
            offset += n
        self._allocated = target

    def truncate(self, size: int) -> None:
        """Cut the file at `size`, giving back any zeros written ahead."""
        fd = self._require_open()
        assert size >= 0
        os.ftruncate(fd, size)
        self._size = self._allocated = size

    async def sync(self) -> None:
        self._require_open()
        if self._timer.inline:
            elapsed = self._timed_fsync()
        else:
            elapsed = await asyncio.get_running_loop().run_in_executor(
                None, self._timed_fsync)
        self._timer.record(elapsed)

    def _timed_fsync(self) -> int:
        started = time.monotonic_ns()
        self._fsync_in_thread()
        return time.monotonic_ns() - started

    def close(self) -> None:
        with self._lock:
            if self._fd is None or self._close_requested:
                return
            if self._allocated > self._size:
                # Best effort: recovery treats the zeros as the end anyway.
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, self._size)
            self._close_requested = True
            if self._fsyncs_running == 0:
                self._close_now()

    def _fsync_in_thread(self) -> None:
        with self._lock:
            if self._close_requested:
                raise ValueError(f"{self.path}: file closed before fsync ran")
            fd = self._fd
            self._fsyncs_running += 1
        try:
            assert fd is not None
            os.fdatasync(fd)
        finally:
            with self._lock:
                self._fsyncs_running -= 1
                if self._close_requested and self._fsyncs_running == 0:
                    self._close_now()

    def _close_now(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def _require_open(self) -> int:
        fd = self._fd
        if fd is None or self._close_requested:
            raise ValueError(f"{self.path}: I/O on closed file")
        return fd


def _pwrite_all(fd: int, data: bytes | memoryview, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view = view[written:]
        offset += written


def _fsync_dir(real: str) -> None:
    fd = os.open(real, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class OsDisk:
    """A `Disk` rooted at `root` (created if missing)."""

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        os.makedirs(self.root, exist_ok=True)
        self._sync_timer = SyncTimer()  # one device: its files share one estimate

    def open(self, path: str) -> OsFile:
        return OsFile(path, self.real_path(path), self._sync_timer)

    def listdir(self, path: str) -> list[str]:
        return sorted(os.listdir(self.real_path(path)))

    def exists(self, path: str) -> bool:
        return os.path.exists(self.real_path(path))

    def remove(self, path: str) -> None:
        os.remove(self.real_path(path))

    def makedirs(self, path: str) -> None:
        os.makedirs(self.real_path(path), exist_ok=True)

    async def sync_dir(self, path: str) -> None:
        # Open, fsync and close all on the worker thread: if the awaiting task is
        # cancelled the thread still owns the descriptor it is flushing.
        real = self.real_path(path)
        await asyncio.get_running_loop().run_in_executor(None, _fsync_dir, real)

    async def flush_external(self, flush) -> None:
        await asyncio.get_running_loop().run_in_executor(None, flush)

    def real_path(self, path: str) -> str:
        if os.path.isabs(path):
            raise ValueError(f"disk paths are relative to the node root: {path!r}")
        real = os.path.normpath(os.path.join(self.root, path))
        if real != self.root and not real.startswith(self.root + os.sep):
            raise ValueError(f"path escapes the node root: {path!r}")
        return real
