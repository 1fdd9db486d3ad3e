"""The journal's local log: durable, segmented, append-only, with group commit.

One adjudicator appends its committed transactions here (DESIGN.md §5); the crossbar
reads them back in order. This module is pure role code: it reaches storage only through
the injected `Disk`, so it runs unchanged on `OsDisk` and on the simulator's `SimDisk`.

Records and LSNs
    Every record gets an LSN: dense, starting at 1, continuing across restarts and trims.
    A record also carries a 64-bit timestamp `ts` (the commit timestamp), strictly
    increasing with the LSN, and an opaque payload.

On-disk format (little-endian)
    A segment is a file named ``%020d.seg`` after the LSN of its first record, so names
    sort in log order. It holds records back to back, with no file header::

        offset  size  field
        0       4     magic 0x4C4E524A ("JRNL")
        4       4     payload length in bytes
        8       8     lsn
        16      8     ts
        24      4     crc32 (zlib) of bytes 0..24 followed by the payload
        28      n     payload

    The LSN in each record must match its position (segment's first LSN + index) and ts
    must increase; together with the checksum this rejects torn writes, garbage and
    stale bytes alike.

Durability and group commit
    `append` writes the record to the file at once and returns only after an fsync that
    started after the write. One background task syncs: while it is flushing, newer
    appends go to the file and wait together for the next single fsync. Unsynced bytes
    are bounded by `pending_bytes_max`; beyond it `append` waits, first come first served,
    which keeps records in call order. If an fsync (or a write) fails the log is poisoned:
    later calls raise `JournalFailed`, because after a failed fsync the file's contents
    are unknown and retrying could acknowledge lost data.

Recovery
    `open` scans segments in order and stops at the first record that is incomplete or
    fails a check. That segment is truncated there and every later segment deleted: an
    acknowledged record needs all earlier ones durable (fsyncs cover a prefix), so nothing
    after the first bad byte was ever acknowledged. Survivors are fsynced before anything
    is served, since after a process crash (not a power loss) they may still sit only in
    the OS page cache. The zeros a real file writes ahead of its end (see
    `runtime.disk`) fail the magic check like any torn tail; a full segment is cut to
    its records before a record of the next one is acknowledged, so only the last
    segment can end in them.

Trimming
    `trim(before_lsn)` deletes whole segments below `before_lsn` (never the active one).
    It keeps every segment whose successor does not yet begin with a durable record, so
    the retained log always ends with a durable record, from which a restart recovers
    `last_lsn` and `last_ts`.
"""

from __future__ import annotations

import asyncio
import bisect
import posixpath
import struct
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from borealis.runtime.base import Disk, DurableFile

RECORD_MAGIC = 0x4C4E524A
_HEADER = struct.Struct("<IIQQ")  # magic, payload length, lsn, ts
_CRC = struct.Struct("<I")
RECORD_HEADER_BYTES = _HEADER.size + _CRC.size
PAYLOAD_BYTES_MAX = (1 << 32) - 1
TS_MAX = (1 << 64) - 1
SEGMENT_SUFFIX = ".seg"
_SCAN_CHUNK_BYTES = 1 << 20

Spawn = Callable[[Coroutine[Any, Any, None]], Any]


class JournalError(Exception):
    """Base of the journal log's own errors (not client-visible)."""


class JournalTrimmed(JournalError):
    """The requested records were trimmed away; the reader must restart from a snapshot."""


class JournalFailed(JournalError):
    """A write or fsync failed; the log accepts nothing more until reopened."""


class JournalClosed(JournalError):
    """The log was closed."""


class JournalCorrupt(JournalError):
    """A record read back from a segment failed its checksum."""


def segment_name(first_lsn: int) -> str:
    return f"{first_lsn:020d}{SEGMENT_SUFFIX}"


def parse_segment_name(name: str) -> int | None:
    stem = name.removesuffix(SEGMENT_SUFFIX)
    if stem == name or len(stem) != 20 or not stem.isdigit():
        return None
    return int(stem)


def encode_record(lsn: int, ts: int, payload: bytes) -> bytes:
    head = _HEADER.pack(RECORD_MAGIC, len(payload), lsn, ts)
    crc = zlib.crc32(payload, zlib.crc32(head))
    return head + _CRC.pack(crc) + payload


def decode_record(
    buf: bytes, pos: int, expected_lsn: int, prev_ts: int
) -> tuple[int, bytes] | None:
    """(ts, payload) of the record at `buf[pos:]`, or None if incomplete or invalid."""
    if pos + RECORD_HEADER_BYTES > len(buf):
        return None
    magic, length, lsn, ts = _HEADER.unpack_from(buf, pos)
    if magic != RECORD_MAGIC or lsn != expected_lsn or ts <= prev_ts:
        return None
    end = pos + RECORD_HEADER_BYTES + length
    if end > len(buf):
        return None
    (crc,) = _CRC.unpack_from(buf, pos + _HEADER.size)
    payload = bytes(buf[pos + RECORD_HEADER_BYTES : end])
    if zlib.crc32(payload, zlib.crc32(buf[pos : pos + _HEADER.size])) != crc:
        return None
    return ts, payload


@dataclass(eq=False)
class _Segment:
    first_lsn: int
    path: str
    file: DurableFile
    size: int = 0
    offsets: array = field(default_factory=lambda: array("Q"))  # per record, in the file
    ts: array = field(default_factory=lambda: array("Q"))

    @property
    def end_lsn(self) -> int:
        """One past the last record written here."""
        return self.first_lsn + len(self.offsets)


class _ChunkReader:
    """Reads a file through a window of `_SCAN_CHUNK_BYTES`, for sequential scans."""

    def __init__(self, file: DurableFile, size: int) -> None:
        self._file = file
        self._size = size
        self._start = 0
        self._buf = b""

    def window(self, offset: int, length: int) -> tuple[bytes, int] | None:
        """A buffer holding [offset, offset+length) and offset's position in it."""
        if offset + length > self._size:
            return None
        end = self._start + len(self._buf)
        if not (self._start <= offset and offset + length <= end):
            self._start = offset
            self._buf = self._file.read(offset, max(length, _SCAN_CHUNK_BYTES))
        return self._buf, offset - self._start


class _PayloadCache:
    """Payloads of the newest records, a contiguous LSN range, bounded in bytes."""

    def __init__(self, bytes_max: int, next_lsn: int) -> None:
        self._bytes_max = bytes_max
        self._payloads: dict[int, bytes] = {}
        self.first_lsn = next_lsn  # lowest cached LSN (== next LSN when empty)
        self._bytes = 0

    def add(self, lsn: int, payload: bytes) -> None:
        assert lsn == self.first_lsn + len(self._payloads)
        self._payloads[lsn] = payload
        self._bytes += len(payload)
        while self._bytes > self._bytes_max and self._payloads:
            self._bytes -= len(self._payloads.pop(self.first_lsn))
            self.first_lsn += 1

    def get(self, lsn: int) -> bytes:
        return self._payloads[lsn]

    def drop_before(self, lsn: int) -> None:
        while self.first_lsn < lsn and self._payloads:
            self._bytes -= len(self._payloads.pop(self.first_lsn))
            self.first_lsn += 1
        self.first_lsn = max(self.first_lsn, lsn)


class JournalLog:
    """See the module docstring. Create with `await JournalLog.open(...)`."""

    def __init__(
        self,
        disk: Disk,
        directory: str,
        segments: list[_Segment],
        *,
        segment_bytes_max: int,
        pending_bytes_max: int,
        cache: _PayloadCache,
        spawn: Spawn | None,
    ) -> None:
        assert segments
        self._disk = disk
        self._directory = directory
        self._segments = segments
        self._segment_bytes_max = segment_bytes_max
        self._pending_bytes_max = pending_bytes_max
        self._cache = cache
        self._spawn = spawn
        last = segments[-1]
        self._last_lsn = last.end_lsn - 1
        self._last_ts = self._ts_of(self._last_lsn)
        self._durable_lsn = self._last_lsn
        self._durable_ts = self._last_ts
        self._durable_changed = asyncio.Event()
        # Group commit state.
        self._dirty: list[_Segment] = []
        self._dir_dirty = False
        self._unsynced_bytes = 0  # written, not yet covered by a completed fsync
        # Admitted after a backpressure wait but not yet written: they go before any
        # newcomer, so records reach the file in call order.
        self._reserved_bytes = 0
        self._reserved_count = 0
        self._room_waiters: deque[tuple[int, asyncio.Future[bool]]] = deque()
        self._batch: asyncio.Future[None] | None = None  # waiters for the next fsync
        self._inflight: asyncio.Future[None] | None = None  # waiters for the running one
        self._sync_task: Any = None
        self._failure: JournalError | None = None

    # ----------------------------------------------------------------- opening

    @classmethod
    async def open(
        cls,
        disk: Disk,
        directory: str,
        *,
        segment_bytes_max: int = 64 << 20,
        pending_bytes_max: int = 16 << 20,
        cache_bytes_max: int = 8 << 20,
        spawn: Spawn | None = None,
    ) -> JournalLog:
        """Recover the log in `directory` (creating it if missing).

        `spawn` starts the background fsync task; pass the runtime's `spawn` so the task
        belongs to the node (and dies with it). Default: `loop.create_task`.
        """
        assert segment_bytes_max > 0 and pending_bytes_max > 0 and cache_bytes_max >= 0
        disk.makedirs(directory)
        segments, cache = await _recover(disk, directory, cache_bytes_max)
        return cls(
            disk,
            directory,
            segments,
            segment_bytes_max=segment_bytes_max,
            pending_bytes_max=pending_bytes_max,
            cache=cache,
            spawn=spawn,
        )

    # ------------------------------------------------------------- positions

    @property
    def first_lsn(self) -> int:
        """The first retained LSN (== durable_lsn + 1 when nothing is retained)."""
        return self._segments[0].first_lsn

    @property
    def last_lsn(self) -> int:
        """The last LSN written, durable or not."""
        return self._last_lsn

    @property
    def durable_lsn(self) -> int:
        return self._durable_lsn

    @property
    def last_ts(self) -> int:
        """ts of the last durable record, 0 if there is none."""
        return self._durable_ts

    def first_lsn_after_ts(self, ts: int) -> int:
        """The first retained durable record with timestamp > `ts`, else durable_lsn + 1."""
        durable_end = self._durable_lsn + 1
        for seg in self._segments:
            if seg.ts and seg.ts[-1] > ts:
                lsn = seg.first_lsn + bisect.bisect_right(seg.ts, ts)
                return min(lsn, durable_end)
        return durable_end

    # ----------------------------------------------------------------- append

    async def append(self, ts: int, payload: bytes) -> int:
        """Append one record; return its LSN once it is durable."""
        self._raise_if_unusable()
        size = RECORD_HEADER_BYTES + len(payload)
        if self._room_waiters or self._reserved_count or not self._has_room(size):
            await self._wait_for_room(size)
            self._release(size)
        try:
            self._raise_if_unusable()
            lsn = self._write(ts, payload)
        finally:
            # The room this append reserved is now counted as unsynced bytes (or freed,
            # if it failed): either way the next waiter may fit.
            self._admit_waiters()
        batch = self._join_batch()
        await asyncio.shield(batch)
        self._raise_if_unusable(lsn)
        return lsn

    def _has_room(self, size: int) -> bool:
        pending = self._unsynced_bytes + self._reserved_bytes
        # An empty pipeline admits anything, or one record over the bound would hang.
        return pending == 0 or pending + size <= self._pending_bytes_max

    async def _wait_for_room(self, size: int) -> None:
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        entry = (size, waiter)
        self._room_waiters.append(entry)
        try:
            admitted = await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled() and waiter.result():
                self._release(size)  # admitted, then cancelled before writing
            elif entry in self._room_waiters:
                self._room_waiters.remove(entry)
            self._admit_waiters()
            raise
        if not admitted:
            self._raise_if_unusable()
            raise AssertionError("a waiter is refused only when the log has failed")

    def _admit_waiters(self) -> None:
        while self._room_waiters:
            size, waiter = self._room_waiters[0]
            if not waiter.done() and not self._has_room(size):
                return
            self._room_waiters.popleft()
            if not waiter.done():
                self._reserved_bytes += size
                self._reserved_count += 1
                waiter.set_result(True)

    def _release(self, size: int) -> None:
        self._reserved_bytes -= size
        self._reserved_count -= 1

    def _write(self, ts: int, payload: bytes) -> int:
        # Not an `assert`: a ts out of order would make recovery cut the log there and
        # drop acknowledged records after it, so it must never reach the file.
        if not self._last_ts < ts <= TS_MAX:
            raise ValueError(f"journal ts must increase: {ts} after {self._last_ts}")
        if len(payload) > PAYLOAD_BYTES_MAX:
            raise ValueError(f"journal payload too large: {len(payload)} bytes")
        payload = bytes(payload)  # the cache must not alias a caller's mutable buffer
        try:
            seg = self._segment_for_append()
            lsn = self._last_lsn + 1
            record = encode_record(lsn, ts, payload)
            offset = seg.file.append(record)
        except Exception as exc:
            self._fail(JournalFailed(f"journal write failed: {exc!r}"))
            raise
        assert offset == seg.size, "segment grew behind the journal's back"
        seg.offsets.append(offset)
        seg.ts.append(ts)
        seg.size = offset + len(record)
        self._last_lsn = lsn
        self._last_ts = ts
        self._unsynced_bytes += len(record)
        self._cache.add(lsn, payload)
        if not self._dirty or self._dirty[-1] is not seg:
            self._dirty.append(seg)
        return lsn

    def _segment_for_append(self) -> _Segment:
        active = self._segments[-1]
        if active.size < self._segment_bytes_max or not active.offsets:
            return active
        # Seal the full segment: give back the zeros a real file wrote ahead of its end.
        # Recovery ends the log at the first record that fails its checks, zeros
        # included, and drops every later segment, so the cut must be durable before
        # any record of the next segment is acknowledged: the segment joins the next
        # sync batch, which syncs it before the new one.
        active.file.truncate(active.size)
        if active not in self._dirty:
            self._dirty.append(active)
        first = self._last_lsn + 1
        path = posixpath.join(self._directory, segment_name(first))
        file = self._disk.open(path)
        if file.size():
            file.truncate(0)  # left over from a removal that did not reach the disk
        seg = _Segment(first, path, file)
        self._segments.append(seg)
        self._dir_dirty = True
        return seg

    # ------------------------------------------------------------ group commit

    def _join_batch(self) -> asyncio.Future[None]:
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
        if self._sync_task is None:
            coro = self._sync_loop()
            if self._spawn is None:
                self._sync_task = asyncio.get_running_loop().create_task(coro)
            else:
                self._sync_task = self._spawn(coro)
                if self._sync_task is None:  # the runtime refused: its node is dying
                    batch = self._batch
                    self._fail(JournalFailed("could not start the journal fsync task"))
                    return batch  # _fail resolved it; the append then raises
        return self._batch

    async def _sync_loop(self) -> None:
        try:
            while self._last_lsn > self._durable_lsn and self._failure is None:
                await self._sync_batch()
        except asyncio.CancelledError:
            self._fail(JournalFailed("journal fsync task cancelled"))
            raise
        except Exception as exc:
            self._fail(JournalFailed(f"journal fsync failed: {exc!r}"))
        finally:
            self._sync_task = None

    async def _sync_batch(self) -> None:
        # Everything written before this point is covered by the syncs below, which all
        # start after it; later writes join the next batch.
        self._inflight, self._batch = self._batch, None
        target_lsn, target_ts = self._last_lsn, self._last_ts
        covered_bytes = self._unsynced_bytes
        files, self._dirty = self._dirty, []
        dir_dirty, self._dir_dirty = self._dir_dirty, False
        for seg in files:
            await seg.file.sync()
        if dir_dirty:
            await self._disk.sync_dir(self._directory)
        self._unsynced_bytes -= covered_bytes
        self._advance_durable(target_lsn, target_ts)
        done, self._inflight = self._inflight, None
        if done is not None:
            done.set_result(None)
        self._admit_waiters()

    def _advance_durable(self, lsn: int, ts: int) -> None:
        self._durable_lsn = lsn
        self._durable_ts = ts
        self._notify_readers()

    def _notify_readers(self) -> None:
        changed, self._durable_changed = self._durable_changed, asyncio.Event()
        changed.set()

    def _fail(self, error: JournalError) -> None:
        """Poison the log and wake everyone waiting on it."""
        if self._failure is None:
            self._failure = error
        for batch in (self._inflight, self._batch):
            if batch is not None and not batch.done():
                batch.set_result(None)
        self._inflight = self._batch = None
        while self._room_waiters:
            _, waiter = self._room_waiters.popleft()
            if not waiter.done():
                waiter.set_result(False)
        self._notify_readers()

    def _raise_if_unusable(self, lsn: int = 0) -> None:
        if self._failure is None or (lsn and lsn <= self._durable_lsn):
            return
        raise type(self._failure)(*self._failure.args) from self._failure

    # ------------------------------------------------------------------ reads

    def read(self, after_lsn: int, max_records: int) -> list[tuple[int, int, bytes]]:
        """Durable records with lsn > after_lsn, in order, at most `max_records`."""
        assert after_lsn >= 0 and max_records > 0
        start = after_lsn + 1
        if start < self.first_lsn:
            raise JournalTrimmed(
                f"journal records {start}..{self.first_lsn - 1} were trimmed;"
                f" first retained lsn is {self.first_lsn}"
            )
        end = min(self._durable_lsn, after_lsn + max_records)  # inclusive
        out: list[tuple[int, int, bytes]] = []
        lsn = start
        while lsn <= end:
            if lsn >= self._cache.first_lsn:
                seg = self._segment_of(lsn)
                out.append((lsn, seg.ts[lsn - seg.first_lsn], self._cache.get(lsn)))
                lsn += 1
            else:
                upto = min(end, self._cache.first_lsn - 1)
                lsn = self._read_from_file(lsn, upto, out)
        return out

    def _read_from_file(self, lsn: int, upto: int, out: list[tuple[int, int, bytes]]) -> int:
        """Append records lsn..upto (stopping at a segment's end) to `out`; the next lsn."""
        seg = self._segment_of(lsn)
        last = min(upto, seg.end_lsn - 1)
        first_i, last_i = lsn - seg.first_lsn, last - seg.first_lsn
        start = seg.offsets[first_i]
        end = seg.offsets[last_i + 1] if last_i + 1 < len(seg.offsets) else seg.size
        buf = seg.file.read(start, end - start)
        pos = 0
        for i in range(first_i, last_i + 1):
            decoded = decode_record(buf, pos, seg.first_lsn + i, seg.ts[i] - 1)
            if decoded is None:
                raise JournalCorrupt(f"{seg.path}: record {seg.first_lsn + i} is corrupt")
            ts, payload = decoded
            if ts != seg.ts[i]:
                raise JournalCorrupt(f"{seg.path}: record {seg.first_lsn + i} changed its ts")
            out.append((seg.first_lsn + i, ts, payload))
            pos += RECORD_HEADER_BYTES + len(payload)
        return last + 1

    def _segment_of(self, lsn: int) -> _Segment:
        i = bisect.bisect_right(self._segments, lsn, key=lambda s: s.first_lsn) - 1
        assert i >= 0
        return self._segments[i]

    def _ts_of(self, lsn: int) -> int:
        for seg in reversed(self._segments):
            if seg.first_lsn <= lsn < seg.end_lsn:
                return seg.ts[lsn - seg.first_lsn]
        return 0

    async def wait_for_append(self, after_lsn: int) -> int:
        """Wait until a durable record with lsn > `after_lsn` exists; return durable_lsn.

        Raises the log's failure (`JournalClosed`, `JournalFailed`) if it stops first.
        Callers bound the wait with their own timeout.
        """
        while self._durable_lsn <= after_lsn:
            self._raise_if_unusable()
            await self._durable_changed.wait()
        return self._durable_lsn

    # ------------------------------------------------------------ trim, close

    async def trim(self, before_lsn: int) -> int:
        """Delete whole segments whose records all have lsn < before_lsn; new first_lsn."""
        self._raise_if_unusable()
        limit = min(before_lsn, self._durable_lsn)
        removed = False
        while len(self._segments) > 1 and self._segments[1].first_lsn <= limit:
            seg = self._segments.pop(0)
            seg.file.close()
            self._disk.remove(seg.path)
            removed = True
        self._cache.drop_before(self.first_lsn)
        if removed:
            # Not needed for safety (recovery ignores a stale prefix) but keeps a
            # restart from resurrecting gigabytes of trimmed segments.
            await self._disk.sync_dir(self._directory)
        return self.first_lsn

    def close(self) -> None:
        """Stop: unsynced appends fail with `JournalClosed`; files are closed."""
        if isinstance(self._failure, JournalClosed):
            return
        task = self._sync_task
        self._failure = JournalClosed("journal closed")
        self._fail(self._failure)
        if task is not None and hasattr(task, "cancel"):
            task.cancel()
        for seg in self._segments:
            seg.file.close()


# ---------------------------------------------------------------- recovery


async def _recover(
    disk: Disk, directory: str, cache_bytes_max: int
) -> tuple[list[_Segment], _PayloadCache]:
    names = sorted(n for n in disk.listdir(directory) if parse_segment_name(n) is not None)
    segments: list[_Segment] = []
    cache: _PayloadCache | None = None
    removed = torn = False
    prev_ts = 0
    for name in names:
        first = parse_segment_name(name)
        assert first is not None
        path = posixpath.join(directory, name)
        # After a torn segment or a gap nothing can be acknowledged (see module doc).
        if torn or (segments and first != segments[-1].end_lsn) or first < 1:
            disk.remove(path)
            removed = True
            continue
        if cache is None:
            cache = _PayloadCache(cache_bytes_max, first)
        seg, torn = _scan_segment(disk.open(path), path, first, prev_ts, cache)
        prev_ts = seg.ts[-1] if seg.ts else prev_ts
        segments.append(seg)
    if not segments:
        path = posixpath.join(directory, segment_name(1))
        segments.append(_Segment(1, path, disk.open(path)))
        cache = _PayloadCache(cache_bytes_max, 1)
        removed = True  # the creation needs a directory sync too
    for seg in segments:
        await seg.file.sync()
    if removed:
        await disk.sync_dir(directory)
    assert cache is not None
    return segments, cache


def _scan_segment(
    file: DurableFile, path: str, first_lsn: int, prev_ts: int, cache: _PayloadCache
) -> tuple[_Segment, bool]:
    """Index the valid prefix of a segment, truncating anything after it; (seg, torn)."""
    size = file.size()
    reader = _ChunkReader(file, size)
    seg = _Segment(first_lsn, path, file)
    pos = 0
    while pos < size:
        decoded = _decode_at(reader, pos, seg.end_lsn, prev_ts)
        if decoded is None:
            break
        prev_ts, payload = decoded
        cache.add(seg.end_lsn, payload)
        seg.offsets.append(pos)
        seg.ts.append(prev_ts)
        pos += RECORD_HEADER_BYTES + len(payload)
    seg.size = pos
    torn = pos < size
    if torn:
        file.truncate(pos)
    return seg, torn


def _decode_at(
    reader: _ChunkReader, pos: int, expected_lsn: int, prev_ts: int
) -> tuple[int, bytes] | None:
    head = reader.window(pos, RECORD_HEADER_BYTES)
    if head is None:
        return None
    buf, at = head
    _, length, _, _ = _HEADER.unpack_from(buf, at)
    whole = reader.window(pos, RECORD_HEADER_BYTES + length)
    if whole is None:
        return None
    buf, at = whole
    return decode_record(buf, at, expected_lsn, prev_ts)
