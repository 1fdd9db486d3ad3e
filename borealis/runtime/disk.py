"""The real `Disk`: files under one directory of the host, made durable with fsync.

`OsDisk(root)` is what `AioRuntime` injects into role code. Every path a role passes is
relative to `root`; escaping it (absolute paths, ``..``) is refused, so a node can only
touch its own tree.

`OsFile.sync` runs `os.fsync` in the loop's default executor so the event loop keeps
running during the (milliseconds-long) flush. That is also what makes group commit work:
appenders that arrive while one fsync is in flight write immediately and are covered by
the next one.
"""

from __future__ import annotations

import asyncio
import os
import threading

_FILE_MODE = 0o644


class OsFile:
    """A `DurableFile` over one OS file descriptor opened for append and read."""

    def __init__(self, path: str, real: str) -> None:
        self.path = path
        self._fd: int | None = os.open(real, os.O_RDWR | os.O_APPEND | os.O_CREAT, _FILE_MODE)
        self._size = os.fstat(self._fd).st_size
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
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        self._size += len(data)
        return start

    def truncate(self, size: int) -> None:
        fd = self._require_open()
        assert size >= 0
        os.ftruncate(fd, size)
        self._size = size

    async def sync(self) -> None:
        self._require_open()
        await asyncio.get_running_loop().run_in_executor(None, self._fsync_in_thread)

    def close(self) -> None:
        with self._lock:
            if self._fd is None or self._close_requested:
                return
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
            os.fsync(fd)
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

    def open(self, path: str) -> OsFile:
        return OsFile(path, self.real_path(path))

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
