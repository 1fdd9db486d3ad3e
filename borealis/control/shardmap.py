"""The shard map: which adjudicator and which storage shard own each key range.

The keyspace is cut at sorted split points into N ranges, [start, end). Range i is
adjudicated by `adj/<a>` (journal `journal/<a>`) and stored by `store/<s>`; several
ranges may share one adjudicator or storage shard. The map is static and comes from
configuration for now; the control role will later hold it in etcd, version it and
move ranges — every user already looks ranges up through this class, so only its
source changes then.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from borealis.core.keyspace import CATALOG_VERSION_KEY


def adjudicator_address(i: int) -> str:
    return f"adj/{i}"


def journal_address(i: int) -> str:
    return f"journal/{i}"


def storage_address(i: int) -> str:
    return f"store/{i}"


CROSSBAR_ADDRESS = "xbar/0"

# Keys every adjudicator adjudicates, whatever range holds them. The catalog version is
# written by every DDL and checked by every other transaction (OC001): if only its own
# range's adjudicator knew of it, every write transaction outside that range would be a
# distributed commit, a second adjudicator and a second journal fsync for a check. So a
# DDL promises and records it at every adjudicator, and any one of them can check it.
EVERYWHERE = frozenset({CATALOG_VERSION_KEY})


@dataclass(frozen=True)
class KeyRange:
    start: bytes  # inclusive
    end: bytes | None  # exclusive; None is the end of the keyspace
    adjudicator: int
    storage: int

    def contains(self, key: bytes) -> bool:
        return key >= self.start and (self.end is None or key < self.end)


class ShardMap:
    def __init__(self, split_points: list[bytes], adjudicators: int, storages: int,
                 everywhere: frozenset[bytes] = EVERYWHERE) -> None:
        if sorted(set(split_points)) != list(split_points) or b"" in split_points:
            raise ValueError("split points must be distinct, sorted and non-empty")
        assert adjudicators >= 1 and storages >= 1
        bounds = [b"", *split_points]
        self.ranges = tuple(
            KeyRange(start, bounds[i + 1] if i + 1 < len(bounds) else None,
                     i % adjudicators, i % storages)
            for i, start in enumerate(bounds)
        )
        self._starts = bounds
        self.everywhere = everywhere
        self.adjudicator_count = min(adjudicators, len(self.ranges))
        self.storage_count = min(storages, len(self.ranges))

    @classmethod
    def uniform(cls, shards: int, *, adjudicators: int | None = None,
                storages: int | None = None) -> ShardMap:
        """`shards` ranges cut evenly on the first key byte."""
        points = [bytes([(256 * i) // shards]) for i in range(1, shards)]
        return cls(points, adjudicators or shards, storages or shards)

    def range_for(self, key: bytes) -> KeyRange:
        return self.ranges[bisect.bisect_right(self._starts, key) - 1]

    def adjudicator_for(self, key: bytes) -> int:
        return self.range_for(key).adjudicator

    def storage_for(self, key: bytes) -> int:
        return self.range_for(key).storage

    def range_of_all(self, keys) -> KeyRange | None:
        """The one range that holds every key of `keys` (a non-empty collection), or
        None if they span several. Ranges are intervals, so the smallest and the
        largest key decide: two look-ups for a whole batch (none with one range, the
        default embedded cluster)."""
        if not keys:
            return None
        if len(self.ranges) == 1:
            return self.ranges[0]
        first = self.range_for(min(keys))
        return first if first is self.range_for(max(keys)) else None

    def ranges_overlapping(self, start: bytes, end: bytes | None) -> list[KeyRange]:
        first = bisect.bisect_right(self._starts, start) - 1
        out = []
        for r in self.ranges[first:]:
            if end is not None and r.start >= end:
                break
            out.append(r)
        return out

    def storage_ranges(self, storage: int) -> list[KeyRange]:
        return [r for r in self.ranges if r.storage == storage]

    def owned_by_adjudicator(self, adjudicator: int, key: bytes) -> bool:
        return key in self.everywhere or self.range_for(key).adjudicator == adjudicator

    def owned_of(self, adjudicator: int, keys: list[bytes]) -> list[bytes]:
        """The keys of `keys` that `adjudicator` owns, in their order. A batch that one
        range holds (a COPY's thousands of keys, most commits) costs two look-ups."""
        one = self.range_of_all(keys)
        if one is not None:
            if one.adjudicator == adjudicator:
                return list(keys)
            everywhere = self.everywhere
            return [k for k in keys if k in everywhere]
        owned = self.owned_by_adjudicator
        return [k for k in keys if owned(adjudicator, k)]

    def split_by_storage(self, writes) -> dict[int, list]:
        """`writes` ((key, value) pairs) grouped by the storage shard of their key, each
        group in the order given; one group for a batch that one range holds."""
        if not writes:
            return {}
        one = self.range_of_all([w[0] for w in writes])
        if one is not None:
            return {one.storage: list(writes)}
        storage_for = self.storage_for
        split: dict[int, list] = {}
        for write in writes:
            split.setdefault(storage_for(write[0]), []).append(write)
        return split

    def participants(self, keys, checks) -> list[int]:
        """The adjudicators a commit needs, the leader first: those owning `keys`
        (written, locked or shared) and `checks`. A key of `everywhere` brings every
        adjudicator when written and none of its own when only checked: whichever
        decides the rest of the transaction checks it too."""
        everywhere = self.everywhere
        if not everywhere.isdisjoint(keys):
            return list(range(self.adjudicator_count))
        routed = (*keys, *(k for k in checks if k not in everywhere))
        if not routed:
            routed = tuple(checks)
        one = self.range_of_all(routed)
        if one is not None:  # one range holds them all: one adjudicator
            return [one.adjudicator]
        return sorted({self.adjudicator_for(k) for k in routed})
