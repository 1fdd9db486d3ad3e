"""The shard map (`borealis.control.shardmap.ShardMap`): which range owns a key at
and around split points, which ranges a scan overlaps, uniform maps, and how ranges
share adjudicators and storage shards."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from borealis.control.shardmap import KeyRange, ShardMap


@pytest.fixture
def three() -> ShardMap:
    return ShardMap.uniform(3)


def test_uniform_split_points(three):
    assert [(r.start, r.end) for r in three.ranges] == [
        (b"", b"\x55"), (b"\x55", b"\xaa"), (b"\xaa", None)]
    assert [(r.adjudicator, r.storage) for r in three.ranges] == [(0, 0), (1, 1), (2, 2)]
    assert three.adjudicator_count == three.storage_count == 3


def test_uniform_with_one_shard_owns_everything():
    m = ShardMap.uniform(1)
    assert [(r.start, r.end) for r in m.ranges] == [(b"", None)]
    for key in (b"", b"\x00", b"\xff" * 10):
        assert m.range_for(key) is m.ranges[0]
    assert m.range_of_all([b"\xff", b"", b"\x80"]) is m.ranges[0]
    assert m.range_of_all([]) is None
    assert m.owned_of(0, [b"\x01", b"\xfe"]) == [b"\x01", b"\xfe"]
    assert m.split_by_storage([(b"\xfe", b"v"), (b"\x01", None)]) == {
        0: [(b"\xfe", b"v"), (b"\x01", None)]}


def test_uniform_four():
    assert [r.start for r in ShardMap.uniform(4).ranges] == [b"", b"\x40", b"\x80", b"\xc0"]


@pytest.mark.parametrize(("key", "index"), [
    (b"", 0),
    (b"\x00", 0),
    (b"\x54", 0),
    (b"\x54\xff\xff", 0),
    (b"\x55", 1),  # a split point belongs to the range it starts
    (b"\x55\x00", 1),
    (b"\xa9\xff", 1),
    (b"\xaa", 2),
    (b"\xff\xff\xff", 2),
])
def test_range_for_at_boundaries(three, key, index):
    r = three.range_for(key)
    assert r is three.ranges[index]
    assert r.contains(key)
    assert three.storage_for(key) == index
    assert three.adjudicator_for(key) == index
    assert three.owned_by_adjudicator(index, key)
    assert not three.owned_by_adjudicator((index + 1) % 3, key)


@pytest.mark.parametrize(("start", "end", "indexes"), [
    (b"", None, [0, 1, 2]),
    (b"", b"\x55", [0]),  # end is exclusive
    (b"", b"\x55\x00", [0, 1]),
    (b"\x55", b"\xaa", [1]),
    (b"\x54\xff", b"\xaa\x00", [0, 1, 2]),
    (b"\xaa", None, [2]),
    (b"\xab", b"\xac", [2]),
    (b"\x10", b"\x20", [0]),
])
def test_ranges_overlapping(three, start, end, indexes):
    assert three.ranges_overlapping(start, end) == [three.ranges[i] for i in indexes]


def test_more_ranges_than_roles_wrap_around():
    m = ShardMap([b"b", b"c", b"d", b"e"], adjudicators=2, storages=3)
    assert [r.adjudicator for r in m.ranges] == [0, 1, 0, 1, 0]
    assert [r.storage for r in m.ranges] == [0, 1, 2, 0, 1]
    assert [r.start for r in m.storage_ranges(1)] == [b"b", b"e"]
    assert (m.adjudicator_count, m.storage_count) == (2, 3)


def test_counts_are_capped_by_the_number_of_ranges():
    m = ShardMap([b"m"], adjudicators=5, storages=4)
    assert (m.adjudicator_count, m.storage_count) == (2, 2)


@pytest.mark.parametrize("points", [[b"b", b"a"], [b"a", b"a"], [b""], [b"", b"a"]])
def test_invalid_split_points(points):
    with pytest.raises(ValueError):
        ShardMap(points, 1, 1)


def test_key_range_contains():
    r = KeyRange(b"b", b"d", 0, 0)
    assert r.contains(b"b") and r.contains(b"c\xff")
    assert not r.contains(b"a\xff") and not r.contains(b"d")
    assert KeyRange(b"b", None, 0, 0).contains(b"\xff" * 5)


keys = st.binary(max_size=3)


@given(st.lists(st.binary(min_size=1, max_size=2), unique=True, max_size=6).map(sorted),
       keys, keys, st.booleans())
def test_ranges_partition_the_keyspace(points, a, b, open_end):
    m = ShardMap(points, 2, 2)
    for key in (a, b):
        owners = [r for r in m.ranges if r.contains(key)]
        assert owners == [m.range_for(key)]
    start, end = min(a, b), (None if open_end else max(a, b))
    if end is not None and start == end:
        return
    expected = [r for r in m.ranges
                if (end is None or r.start < end) and (r.end is None or r.end > start)]
    assert m.ranges_overlapping(start, end) == expected


def test_the_catalog_version_is_adjudicated_everywhere(three):
    from borealis.core.keyspace import CATALOG_VERSION_KEY

    assert three.range_for(CATALOG_VERSION_KEY).adjudicator == 0
    assert all(three.owned_by_adjudicator(i, CATALOG_VERSION_KEY) for i in range(3))
    assert not three.owned_by_adjudicator(1, b"\x10")
    # a DML transaction checking it is decided where its writes are: one adjudicator
    assert three.participants([b"\xc0row"], [CATALOG_VERSION_KEY]) == [2]
    assert three.participants([b"\x60a", b"\x61b"], [CATALOG_VERSION_KEY, b"\x62c"]) == [1]
    assert three.participants([b"\x10a"], [CATALOG_VERSION_KEY, b"\xc0c"]) == [0, 2]
    # ... one that only checks it (FOR UPDATE locks aside) by its owner
    assert three.participants([], [CATALOG_VERSION_KEY]) == [0]
    # a DDL writing it involves every adjudicator
    assert three.participants([CATALOG_VERSION_KEY, b"\x00\x02desc"], []) == [0, 1, 2]
    assert ShardMap([b"\x80"], 2, 2, everywhere=frozenset()).participants(
        [b"\x90"], [CATALOG_VERSION_KEY]) == [0, 1]


_keys = st.lists(st.binary(max_size=3), max_size=12)


@given(keys=_keys, adjudicator=st.integers(0, 2), everywhere=st.booleans())
def test_owned_of_is_owned_by_adjudicator_key_by_key(keys, adjudicator, everywhere):
    """The batch answer (two look-ups when one range holds the batch) is the per-key
    answer, in order, for batches within one range, across ranges, and with a key
    every adjudicator owns (here b"\\x01", inside range 0)."""
    m = ShardMap([b"\x55", b"\xaa"], 3, 3,
                 everywhere=frozenset({b"\x01"}) if everywhere else frozenset())
    keys = keys + [b"\x01"] if everywhere else keys
    assert m.owned_of(adjudicator, keys) == [
        k for k in keys if m.owned_by_adjudicator(adjudicator, k)]


@given(keys=_keys, storages=st.integers(1, 3))
def test_split_by_storage_is_storage_for_key_by_key(keys, storages):
    m = ShardMap([b"\x55", b"\xaa"], 3, storages)
    writes = [(k, bytes([i])) for i, k in enumerate(keys)]
    expected: dict[int, list] = {}
    for w in writes:
        expected.setdefault(m.storage_for(w[0]), []).append(w)
    assert m.split_by_storage(writes) == expected
