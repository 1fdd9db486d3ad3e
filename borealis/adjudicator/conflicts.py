"""The conflict table: the last commit time of every recently written or shared key.

This is the adjudicator's whole concurrency-control state (DESIGN.md §4), kept as a pure
data structure with no clock and no I/O so it can be tested alone (like FoundationDB's
`ConflictSet`).

- `last_commit[key]` is the τ_commit of the newest committed transaction that wrote
  (or locked) `key`. A transaction that read at τ_start conflicts on `key` iff
  `last_commit[key] > τ_start`: someone committed it inside (τ_start, τ_commit].
- `last_shared[key]` is the τ_commit of the newest committed transaction that depended
  on `key` staying as it was without writing it (a foreign-key parent, a FOR KEY SHARE
  row). Writers conflict on it as on a write; readers and other sharers do not. So two
  child inserts under one parent both commit, but a parent delete that read before a
  child insert committed fails — whichever of the two commits second.
- `pending[key]` marks keys promised to a multi-adjudicator transaction that writes
  them and whose outcome is not known yet. Their future commit time is unknown, so any
  other transaction touching them is refused (OC000) until the outcome arrives:
  conservative, never wrong. `pending_shared[key]` holds the undecided sharers of a
  key: only writers are refused on it.
- Entries older than the horizon (now − 300 s) are forgotten: no transaction that old
  may commit, so they can never matter. `trim` bounds memory by the write rate × 300 s.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class ConflictTable:
    __slots__ = ("_by_time", "horizon", "last_commit", "last_shared", "pending",
                 "pending_shared")

    def __init__(self) -> None:
        self.last_commit: dict[bytes, int] = {}
        self.last_shared: dict[bytes, int] = {}
        self.pending: dict[bytes, bytes] = {}  # key -> txn id holding the promise
        self.pending_shared: dict[bytes, dict[bytes, None]] = {}  # key -> undecided sharers
        # (τ, keys recorded at τ, shared), τ non-decreasing: what `trim` forgets first
        self._by_time: deque[tuple[int, tuple[bytes, ...], bool]] = deque()
        self.horizon = 0  # transactions with τ_start < horizon are refused

    def first_conflict(self, keys: Iterable[bytes], t_start: int,
                       txn_id: bytes | None = None) -> bytes | None:
        """For keys a transaction writes or locks: the first one written or shared
        after `t_start`, or promised (written or shared) to another transaction."""
        keys = keys if isinstance(keys, (list, tuple)) else list(keys)
        return _first_in(keys, self.conflicts(keys, t_start, txn_id))

    def conflicts(self, keys: list[bytes] | tuple[bytes, ...], t_start: int,
                  txn_id: bytes | None = None) -> set[bytes]:
        """Every key of `first_conflict`'s kind, in no order."""
        last = self.last_commit
        shared = self.last_shared
        pending = self.pending
        pending_shared = self.pending_shared
        # Only keys the table holds can conflict: intersect at C speed (a commit of
        # thousands of new keys finds none), judge those, and only if one conflicts
        # walk `keys` for the first in order.
        bad = {k for k in last.keys() & keys if last[k] > t_start}
        if shared:
            bad.update(k for k in shared.keys() & keys if shared[k] > t_start)
        if pending:
            bad.update(k for k in pending.keys() & keys if pending[k] != txn_id)
        if pending_shared:
            for key in pending_shared.keys() & keys:
                sharers = pending_shared[key]
                if sharers and (len(sharers) > 1 or txn_id not in sharers):
                    bad.add(key)
        return bad

    def first_read_conflict(self, keys: Iterable[bytes], t_start: int,
                            txn_id: bytes | None = None) -> bytes | None:
        """For keys a transaction only checks or shares: the first one written after
        `t_start` or promised to another transaction that writes it."""
        keys = keys if isinstance(keys, (list, tuple)) else list(keys)
        return _first_in(keys, self.read_conflicts(keys, t_start, txn_id))

    def read_conflicts(self, keys: list[bytes] | tuple[bytes, ...], t_start: int,
                       txn_id: bytes | None = None) -> set[bytes]:
        """Every key of `first_read_conflict`'s kind, in no order."""
        last = self.last_commit
        pending = self.pending
        bad = {k for k in last.keys() & keys if last[k] > t_start}
        if pending:
            bad.update(k for k in pending.keys() & keys if pending[k] != txn_id)
        return bad

    def record(self, keys: Iterable[bytes], t_commit: int) -> None:
        """Keys written at `t_commit` (must not go backwards per key)."""
        self._record(self.last_commit, keys, t_commit, False)

    def record_shared(self, keys: Iterable[bytes], t_commit: int) -> None:
        """Keys a transaction committed at `t_commit` depended on without writing."""
        self._record(self.last_shared, keys, t_commit, True)

    def _record(self, table: dict[bytes, int], keys: Iterable[bytes], t_commit: int,
                shared: bool) -> None:
        keys = keys if isinstance(keys, (list, tuple)) else list(keys)
        if not table.keys().isdisjoint(keys):
            keys = [k for k in dict.fromkeys(keys) if table.get(k, 0) < t_commit]
        if keys:
            table.update(dict.fromkeys(keys, t_commit))
            # One entry per call, not per key: what `trim` forgets first.
            self._by_time.append((t_commit, tuple(keys), shared))

    def promise(self, keys: Iterable[bytes], txn_id: bytes) -> None:
        for key in keys:
            self.pending[key] = txn_id

    def promise_shared(self, keys: Iterable[bytes], txn_id: bytes) -> None:
        for key in keys:
            self.pending_shared.setdefault(key, {})[txn_id] = None

    def release(self, keys: Iterable[bytes], txn_id: bytes) -> None:
        pending = self.pending
        for key in keys:
            if pending.get(key) == txn_id:
                del pending[key]

    def release_shared(self, keys: Iterable[bytes], txn_id: bytes) -> None:
        pending_shared = self.pending_shared
        for key in keys:
            sharers = pending_shared.get(key)
            if sharers is not None:
                sharers.pop(txn_id, None)
                if not sharers:
                    del pending_shared[key]

    def trim(self, horizon: int) -> None:
        """Forget commits older than `horizon`; refuse snapshots older than it."""
        self.horizon = max(self.horizon, horizon)
        by_time = self._by_time
        while by_time and by_time[0][0] < self.horizon:
            t, keys, shared = by_time.popleft()
            table = self.last_shared if shared else self.last_commit
            for key in keys:
                if table.get(key) == t:
                    del table[key]

    def __len__(self) -> int:
        return len(self.last_commit) + len(self.last_shared)


def _first_in(keys: list[bytes] | tuple[bytes, ...], found: set[bytes]) -> bytes | None:
    """The first of `keys` that is in `found` (None if found is empty)."""
    if not found:
        return None
    return next(k for k in keys if k in found)
