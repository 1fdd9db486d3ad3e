"""The conflict table: the last commit time of every recently written key.

This is the adjudicator's whole concurrency-control state (DESIGN.md §4), kept as a pure
data structure with no clock and no I/O so it can be tested alone (like FoundationDB's
`ConflictSet`).

- `last_commit[key]` is the τ_commit of the newest committed transaction that wrote
  (or locked) `key`. A transaction that read at τ_start conflicts on `key` iff
  `last_commit[key] > τ_start`: someone committed it inside (τ_start, τ_commit].
- `pending[key]` marks keys promised to a multi-adjudicator transaction whose outcome
  is not known yet. Their future commit time is unknown, so any other transaction
  touching them is refused (OC000) until the outcome arrives: conservative, never wrong.
- Entries older than the horizon (now − 300 s) are forgotten: no transaction that old
  may commit, so they can never matter. `trim` bounds memory by the write rate × 300 s.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class ConflictTable:
    __slots__ = ("_by_time", "horizon", "last_commit", "pending")

    def __init__(self) -> None:
        self.last_commit: dict[bytes, int] = {}
        self.pending: dict[bytes, bytes] = {}  # key -> txn id holding the promise
        self._by_time: deque[tuple[int, bytes]] = deque()  # (τ, key), τ non-decreasing
        self.horizon = 0  # transactions with τ_start < horizon are refused

    def first_conflict(self, keys: Iterable[bytes], t_start: int,
                       txn_id: bytes | None = None) -> bytes | None:
        """The first key written after `t_start` or promised to another transaction."""
        last = self.last_commit
        pending = self.pending
        for key in keys:
            if last.get(key, 0) > t_start:
                return key
            holder = pending.get(key)
            if holder is not None and holder != txn_id:
                return key
        return None

    def record(self, keys: Iterable[bytes], t_commit: int) -> None:
        """Keys committed at `t_commit` (must not go backwards per key)."""
        last = self.last_commit
        by_time = self._by_time
        for key in keys:
            if last.get(key, 0) < t_commit:
                last[key] = t_commit
                by_time.append((t_commit, key))

    def promise(self, keys: Iterable[bytes], txn_id: bytes) -> None:
        for key in keys:
            self.pending[key] = txn_id

    def release(self, keys: Iterable[bytes], txn_id: bytes) -> None:
        pending = self.pending
        for key in keys:
            if pending.get(key) == txn_id:
                del pending[key]

    def trim(self, horizon: int) -> None:
        """Forget commits older than `horizon`; refuse snapshots older than it."""
        self.horizon = max(self.horizon, horizon)
        by_time = self._by_time
        last = self.last_commit
        while by_time and by_time[0][0] < self.horizon:
            t, key = by_time.popleft()
            if last.get(key) == t:
                del last[key]

    def __len__(self) -> int:
        return len(self.last_commit)
