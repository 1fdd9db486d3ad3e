"""MVCC over LMDB: versions by commit time, reads at a timestamp, garbage collection.

Layout of one storage shard's LMDB environment:

- sub-database ``versions``: key = ``escape(user key) | ~τ_commit`` (8 bytes, big
  endian, complemented so the newest version of a key comes first); value = ``b"P" +
  post-image`` for a put, ``b"D"`` for a delete (tombstone). `escape` makes user keys
  prefix-free (0x00 → 0x00 0xFF, then 0x00 0x01), so all versions of one key are
  contiguous and in user-key order even when one key is a prefix of another.
- sub-database ``meta``: ``applied`` → the applied watermark (8 bytes), written in the
  same LMDB transaction as the data it covers, so after any crash the watermark and
  the data agree and the crossbar resumes right after it.

LMDB runs with `sync=False`: storage is not responsible for durability (the journal
is). `sync()` flushes; `durable` is the watermark as of the last flush, which is what
journals may be trimmed below.

Garbage collection (DESIGN.md §3): a version is removed once a newer version of the
same key is itself older than the trim horizon (applied − 300 s), and a tombstone is
removed once it is older than the horizon and is the oldest version left. Reads below
the horizon are refused, so GC never changes an allowed read's answer.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import lmdb

from borealis.core import errors, values
from borealis.core.expr import compile_filter, compile_projection

_TS = struct.Struct(">Q")
_MASK = (1 << 64) - 1
_PUT = b"P"
_DEL = b"D"
_APPLIED = b"applied"
# LMDB's compiled-in key limit (511) minus the version suffix and escaping overhead.
STORAGE_KEY_BYTES_MAX = 480
_LMDB_KEY_BYTES_MAX = 511
SCAN_REPLY_BYTES_MAX = 4 << 20
# A scan steps over unwanted versions of one key one by one up to this many, then seeks.
_STEPS_BEFORE_SEEK = 4
# Keys up to this long fit whatever their bytes: escaping at most doubles them.
KEY_BYTES_ALWAYS_STORABLE = (_LMDB_KEY_BYTES_MAX - 2 - 8) // 2


def escape(key: bytes) -> bytes:
    return key.replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def unescape(stored: bytes) -> bytes:
    return stored[:-2].replace(b"\x00\xff", b"\x00")


def _version_key(esc: bytes, ts: int) -> bytes:
    return esc + _TS.pack(_MASK - ts)


def _split(stored_key: bytes) -> tuple[bytes, int]:
    return stored_key[:-8], _MASK - _TS.unpack(stored_key[-8:])[0]


class MvccStore:
    def __init__(self, path: str, *, map_size: int = 64 << 30) -> None:
        self.env = lmdb.open(path, map_size=map_size, max_dbs=4, sync=False,
                             metasync=False, writemap=False, max_readers=512)
        self._versions = self.env.open_db(b"versions")
        self._meta = self.env.open_db(b"meta")
        with self.env.begin(db=self._meta) as txn:
            raw = txn.get(_APPLIED)
        self.applied = _TS.unpack(raw)[0] if raw else 0
        self.durable = self.applied
        self._persisted = self.applied  # the applied watermark as stored in LMDB
        self._flushing = threading.Lock()  # a flush on a worker thread vs close
        # A read transaction and cursor that `get` reuses; every write transaction of
        # this store drops it first, so it always sees the latest data.
        self._reader: tuple[Any, Any] | None = None

    def close(self) -> None:
        self._drop_reader()
        with self._flushing:  # never close the map under a flush still running
            self.env.close()

    def _read_cursor(self):
        reader = self._reader
        if reader is None:
            txn = self.env.begin(db=self._versions)
            reader = self._reader = (txn, txn.cursor())
        return reader[1]

    def _drop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader[0].abort()

    def sync(self) -> None:
        applied = self.prepare_sync()
        self.flush()
        self.durable = max(self.durable, applied)

    def prepare_sync(self) -> int:
        """Store the applied watermark if heartbeats alone advanced it since the last
        write; what a `flush` after this makes durable."""
        applied = self.applied
        if applied > self._persisted:
            self._drop_reader()
            with self.env.begin(write=True, db=self._meta) as txn:
                txn.put(_APPLIED, _TS.pack(applied))
            self._persisted = applied
        return applied

    def flush(self) -> None:
        """The blocking part (an fsync of the map): safe on another thread."""
        with self._flushing:
            self.env.sync(True)

    # -- writes ---------------------------------------------------------------------

    def apply(self, commits: Iterable[tuple[int, Iterable[tuple[bytes, bytes | None]]]],
              watermark: int) -> int:
        """Apply commits newer than the applied watermark, then raise it, atomically.

        A batch with no commit (a heartbeat) only raises the watermark in memory: nothing
        needs storing for it, and `sync` persists the watermark before calling it
        durable. After a crash the feed resumes from the stored watermark, which is
        never ahead of the data stored with it."""
        if not commits:
            self.applied = max(self.applied, watermark)
            return self.applied
        base = applied = self.applied
        self._drop_reader()
        with self.env.begin(write=True) as txn:
            cursor = txn.cursor(db=self._versions)
            for ts, writes in commits:
                if ts <= base:
                    # A re-delivery after a crossbar restart. (Not `applied`: two
                    # journals may each hold a commit at the same τ.)
                    continue
                # escape(key) | ~τ, inlined: one C-level put of the whole commit.
                suffix = b"\x00\x01" + _TS.pack(_MASK - ts)
                cursor.putmulti((key.replace(b"\x00", b"\x00\xff") + suffix,
                                 _PUT + value if value is not None else _DEL)
                                for key, value in writes)
                applied = max(applied, ts)
            applied = max(applied, watermark)
            if applied > self._persisted:
                txn.put(_APPLIED, _TS.pack(applied), db=self._meta)
                self._persisted = applied
        self.applied = max(self.applied, applied)
        return self.applied

    # -- reads ----------------------------------------------------------------------

    def get(self, key: bytes, ts: int) -> bytes | None:
        esc = escape(key)
        cur = self._read_cursor()
        if not cur.set_range(_version_key(esc, ts)):
            return None
        stored = cur.key()
        if len(stored) != len(esc) + 8 or not stored.startswith(esc):
            return None
        value = cur.value()
        return value[1:] if value[:1] == _PUT else None

    def scan(self, start: bytes, end: bytes | None, ts: int, *, limit: int = 0,
             reverse: bool = False, filter: Any = None,
             projection: tuple[int, ...] | None = None) -> tuple[list[tuple[bytes, Any]], bool, int]:
        """Visible rows in [start, end) at `ts`: (rows, more, scanned)."""
        rows, more, scanned, _ = self.scan_metered(start, end, ts, limit=limit, reverse=reverse,
                                                   filter=filter, projection=projection)
        return rows, more, scanned

    def scan_metered(self, start: bytes, end: bytes | None, ts: int, *, limit: int = 0,
                     reverse: bool = False, filter: Any = None,
                     projection: tuple[int, ...] | None = None
                     ) -> tuple[list[tuple[bytes, Any]], bool, int, int]:
        """`scan`, plus the bytes (keys and values) of the rows read before the filter."""
        keep = compile_filter(filter)
        project = compile_projection(projection)
        decode = keep is not None or project is not None
        rows: list[tuple[bytes, Any]] = []
        scanned = 0
        read_bytes = 0
        size = 0
        with self.env.begin(db=self._versions) as txn:
            versions = self._visible_reverse(txn, start, end, ts) if reverse \
                else self._visible(txn, start, end, ts)
            if not decode:  # every row read is returned: one size serves all three counts
                for row in versions:
                    rows.append(row)
                    size += len(row[0]) + len(row[1])
                    if len(rows) == limit or size >= SCAN_REPLY_BYTES_MAX:
                        return rows, True, len(rows), size
                return rows, False, len(rows), size
            for key, value in versions:
                scanned += 1
                read_bytes += len(key) + len(value)
                row = values.loads(value)
                if keep is not None and not keep(row):
                    continue
                value = project(row) if project is not None else row
                size += 16 * len(value)
                rows.append((key, value))
                size += len(key)
                if (limit and len(rows) >= limit) or size >= SCAN_REPLY_BYTES_MAX:
                    return rows, True, scanned, read_bytes
        return rows, False, scanned, read_bytes

    def _visible(self, txn, start: bytes, end: bytes | None, ts: int) -> Iterator[tuple[bytes, bytes]]:
        """The newest version ≤ `ts` of each key in [start, end) that is a put.

        Walks the versions in order (LMDB's own iterator, one C call per entry) and
        steps over the ones it does not want: versions newer than the snapshot before
        a key's visible one, older ones after it. A key has one or a few versions
        almost always; a run of more than `_STEPS_BEFORE_SEEK` unwanted versions (a hot
        row updated many times within the GC horizon) is jumped with one B-tree seek
        instead."""
        end_esc = escape(end) if end is not None else None
        cur = txn.cursor()
        if not cur.set_range(escape(start)):
            return
        # Suffixes are ~τ big-endian: a suffix below this one is a version newer than ts.
        at_ts = _TS.pack(_MASK - ts)
        decided = None  # the key whose visible version (or absence) is settled
        while True:
            run = 0
            for stored, value in cur.iternext():
                esc = stored[:-8]
                if esc != decided:
                    if end_esc is not None and esc >= end_esc:
                        return
                    if stored[-8:] >= at_ts:  # the key's newest version ≤ ts: its answer
                        decided, run = esc, 0
                        if value[:1] == _PUT:
                            yield unescape(esc), value[1:]
                        continue
                # Unwanted: older than its key's answer, or newer than the snapshot.
                run += 1
                if run > _STEPS_BEFORE_SEEK:
                    seek = esc + (b"\xff" * 9 if esc == decided else at_ts)
                    break
            else:
                return
            if not cur.set_range(seek):
                return

    def _visible_reverse(self, txn, start: bytes, end: bytes | None, ts: int) -> Iterator[tuple[bytes, bytes]]:
        start_esc = escape(start)
        cur = txn.cursor()
        if end is not None and cur.set_range(escape(end)):
            positioned = cur.prev()
        else:
            positioned = cur.last()
        while positioned:
            esc, _ = _split(cur.key())
            if esc < start_esc:
                return
            if cur.set_range(_version_key(esc, ts)) and cur.key()[:-8] == esc:
                value = cur.value()
                if value[:1] == _PUT:
                    yield unescape(esc), value[1:]
            # Step to the last version of the previous key.
            cur.set_range(esc)
            positioned = cur.prev()

    # -- garbage collection ---------------------------------------------------------

    def collect_garbage(self, horizon: int, after: bytes, budget: int) -> tuple[bytes | None, int]:
        """Remove versions invisible to every read at or after `horizon`, visiting at
        most `budget` stored versions from escaped key `after`. Returns (where to
        continue or None at the end, versions removed)."""
        removed = 0
        self._drop_reader()
        with self.env.begin(write=True, db=self._versions) as txn:
            cur = txn.cursor()
            positioned = cur.set_range(after)
            current: bytes | None = None
            seen_at_horizon = False
            while positioned and budget > 0:
                budget -= 1
                stored = cur.key()
                esc, ts = _split(stored)
                if esc != current:
                    current, seen_at_horizon = esc, False
                if ts <= horizon:
                    is_oldest = not self._has_older(txn, esc, ts)
                    if seen_at_horizon or (cur.value()[:1] == _DEL and is_oldest):
                        # delete() moves to the next entry and returns True even when
                        # it removed the last one; the cursor is then unpositioned.
                        cur.delete()
                        positioned = bool(cur.key())
                        removed += 1
                        continue
                    seen_at_horizon = True
                positioned = cur.next()
            return (cur.key() if positioned else None), removed

    def _has_older(self, txn, esc: bytes, ts: int) -> bool:
        if ts == 0:
            return False
        cur = txn.cursor()
        return cur.set_range(_version_key(esc, ts - 1)) and cur.key()[:-8] == esc

    def version_count(self) -> int:
        with self.env.begin(db=self._versions) as txn:
            return txn.stat(self._versions)["entries"]


def check_key(key: bytes) -> None:
    # `escape` doubles every 0x00 byte, so the stored form must be checked as well.
    if len(key) <= KEY_BYTES_ALWAYS_STORABLE:
        return
    if len(key) > STORAGE_KEY_BYTES_MAX or len(escape(key)) + _TS.size > _LMDB_KEY_BYTES_MAX:
        raise errors.KeySizeTooLarge()


Reader = Callable[[bytes, int], bytes | None]
