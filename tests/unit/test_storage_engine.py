"""The MVCC storage engine over LMDB (`borealis.storage.engine.MvccStore`).

Covers reads at a snapshot timestamp (before, at, between and after versions),
tombstones, keys that are prefixes of other keys and keys holding 0x00/0xFF bytes,
forward and reverse scans with bounds, limits and the `more` flag, filter and
projection pushdown, idempotent re-delivery, the applied watermark across a reopen,
and garbage collection. Two hypothesis tests compare the engine with a plain
in-memory model of versions: one for gets and scans, one for GC.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borealis.core import errors, values
from borealis.storage.engine import (
    SCAN_REPLY_BYTES_MAX,
    STORAGE_KEY_BYTES_MAX,
    MvccStore,
    _split,
    check_key,
    unescape,
)

MAP_SIZE = 64 << 20

# Prefix chains, 0x00 and 0xFF bytes: the cases the key escaping exists for.
TRICKY_KEYS = [
    b"",
    b"\x00",
    b"\x00\x00",
    b"\x00\xff",
    b"\x01",
    b"a",
    b"a\x00",
    b"a\x00\x01",
    b"a\x00\xff",
    b"a\x01",
    b"a\xff",
    b"ab",
    b"\xff",
    b"\xff\x00",
    b"\xff\xff",
]


@contextmanager
def fresh_store() -> Iterator[MvccStore]:
    with tempfile.TemporaryDirectory() as path:
        store = MvccStore(path, map_size=MAP_SIZE)
        try:
            yield store
        finally:
            store.close()


@pytest.fixture
def store(tmp_path) -> Iterator[MvccStore]:
    s = MvccStore(str(tmp_path / "lmdb"), map_size=MAP_SIZE)
    yield s
    s.close()


def put_all(store: MvccStore, commits) -> int:
    """Apply `commits` [(ts, [(key, value|None)])] with the watermark at the last ts."""
    commits = [(ts, tuple(writes)) for ts, writes in commits]
    return store.apply(commits, max((ts for ts, _ in commits), default=0))


def stored_versions(store: MvccStore) -> dict[bytes, dict[int, bytes | None]]:
    """Every stored version, read straight from LMDB: {key: {ts: value or None}}."""
    out: dict[bytes, dict[int, bytes | None]] = {}
    with store.env.begin(db=store._versions) as txn:
        for stored, raw in txn.cursor():
            esc, ts = _split(stored)
            out.setdefault(unescape(esc), {})[ts] = raw[1:] if raw[:1] == b"P" else None
    return out


# ----------------------------------------------------------------- the model


class Model:
    """Versions as {key: {ts: value or None}}; None is a tombstone."""

    def __init__(self) -> None:
        self.versions: dict[bytes, dict[int, bytes | None]] = {}

    def apply(self, commits) -> None:
        for ts, writes in commits:
            for key, value in writes:
                self.versions.setdefault(key, {})[ts] = value

    def get(self, key: bytes, ts: int) -> bytes | None:
        older = [t for t in self.versions.get(key, {}) if t <= ts]
        return self.versions[key][max(older)] if older else None

    def scan(self, start, end, ts, reverse=False) -> list[tuple[bytes, bytes]]:
        rows = []
        for key in sorted(self.versions, reverse=reverse):
            if key < start or (end is not None and key >= end):
                continue
            value = self.get(key, ts)
            if value is not None:
                rows.append((key, value))
        return rows


# ----------------------------------------------------------------- point reads


def test_get_at_snapshots_before_at_between_and_after_versions(store):
    put_all(store, [(10, [(b"k", b"v10")]), (20, [(b"k", b"v20")]),
                    (30, [(b"k", None)]), (40, [(b"k", b"v40")])])
    expected = {0: None, 9: None, 10: b"v10", 15: b"v10", 19: b"v10", 20: b"v20",
                29: b"v20", 30: None, 39: None, 40: b"v40", 10**18: b"v40"}
    for ts, value in expected.items():
        assert store.get(b"k", ts) == value, ts
    assert store.get(b"other", 10**18) is None


def test_delete_of_a_key_that_never_existed_reads_as_absent(store):
    put_all(store, [(5, [(b"ghost", None)]), (6, [(b"real", b"x")])])
    assert store.get(b"ghost", 100) is None
    assert store.scan(b"", None, 100)[0] == [(b"real", b"x")]


def test_empty_value_is_a_row_not_a_tombstone(store):
    put_all(store, [(5, [(b"k", b"")])])
    assert store.get(b"k", 5) == b""
    assert store.scan(b"", None, 5)[0] == [(b"k", b"")]


def test_prefix_keys_and_zero_and_ff_bytes_are_independent(store):
    # Each key gets versions at its own timestamps so a mix-up would show.
    commits = []
    for i, key in enumerate(TRICKY_KEYS):
        commits.append((100 + 2 * i, [(key, b"first-" + key)]))
    for i, key in enumerate(TRICKY_KEYS):
        commits.append((200 + 2 * i, [(key, None if i % 3 == 0 else b"second-" + key)]))
    put_all(store, commits)
    for i, key in enumerate(TRICKY_KEYS):
        assert store.get(key, 99) is None
        assert store.get(key, 100 + 2 * i) == b"first-" + key
        assert store.get(key, 199 + 2 * i) == b"first-" + key
        assert store.get(key, 1000) == (None if i % 3 == 0 else b"second-" + key)
    # All first versions at ts 150: a full scan lists them in user-key order.
    rows, more, _ = store.scan(b"", None, 150)
    assert [k for k, _ in rows] == sorted(TRICKY_KEYS)
    assert not more
    rows, _, _ = store.scan(b"", None, 150, reverse=True)
    assert [k for k, _ in rows] == sorted(TRICKY_KEYS, reverse=True)


# ----------------------------------------------------------------- scans


@pytest.fixture
def five(store):
    put_all(store, [(10, [(b"a", b"1"), (b"a\x00", b"2"), (b"a\x00\x01", b"3"),
                          (b"ab", b"4"), (b"b", b"5")])])
    return store


@pytest.mark.parametrize(("start", "end", "keys"), [
    (b"", None, [b"a", b"a\x00", b"a\x00\x01", b"ab", b"b"]),
    (b"a", b"a\x00", [b"a"]),
    (b"a\x00", b"ab", [b"a\x00", b"a\x00\x01"]),
    (b"a\x00\x00", b"a\x00\x01", []),
    (b"a\x00\x00", b"a\x00\x02", [b"a\x00\x01"]),
    (b"a\x01", None, [b"ab", b"b"]),
    (b"", b"a", []),
    (b"b", b"b", []),
    (b"b", b"a", []),
    (b"b\x00", None, []),
    (b"aa", b"\xff\xff", [b"ab", b"b"]),
])
def test_scan_bounds_forward_and_reverse(five, start, end, keys):
    rows, more, scanned = five.scan(start, end, 10)
    assert [k for k, _ in rows] == keys
    assert not more and scanned == len(keys)
    rows, more, _ = five.scan(start, end, 10, reverse=True)
    assert [k for k, _ in rows] == keys[::-1]
    assert not more


def test_scan_limit_and_more_flag(five):
    rows, more, _ = five.scan(b"", None, 10, limit=2)
    assert [k for k, _ in rows] == [b"a", b"a\x00"] and more
    rows, more, _ = five.scan(b"", None, 10, limit=2, reverse=True)
    assert [k for k, _ in rows] == [b"b", b"ab"] and more
    rows, more, _ = five.scan(b"", None, 10, limit=6)
    assert len(rows) == 5 and not more
    # Continuing after the last key returned picks up where the limit stopped.
    rows, _, _ = five.scan(b"a\x00" + b"\x00", None, 10, limit=2)
    assert [k for k, _ in rows] == [b"a\x00\x01", b"ab"]
    rows, _, _ = five.scan(b"", b"ab", 10, limit=2, reverse=True)
    assert [k for k, _ in rows] == [b"a\x00\x01", b"a\x00"]


def test_scan_skips_tombstones_and_versions_newer_than_the_snapshot(store):
    put_all(store, [
        (10, [(b"a", b"a10"), (b"b", b"b10"), (b"c", b"c10")]),
        (20, [(b"b", None), (b"d", b"d20")]),
        (30, [(b"a", b"a30"), (b"b", b"b30"), (b"c", None)]),
    ])
    assert store.scan(b"", None, 5)[0] == []
    assert store.scan(b"", None, 10)[0] == [(b"a", b"a10"), (b"b", b"b10"), (b"c", b"c10")]
    assert store.scan(b"", None, 25)[0] == [(b"a", b"a10"), (b"c", b"c10"), (b"d", b"d20")]
    assert store.scan(b"", None, 30)[0] == [(b"a", b"a30"), (b"b", b"b30"), (b"d", b"d20")]
    assert store.scan(b"", None, 25, reverse=True)[0] == \
        [(b"d", b"d20"), (b"c", b"c10"), (b"a", b"a10")]
    # A limit counts visible rows only, never skipped tombstones.
    assert store.scan(b"", None, 25, limit=2)[0] == [(b"a", b"a10"), (b"c", b"c10")]


def test_scan_over_runs_of_versions_longer_than_it_steps_over(store):
    """A hot key with many versions, between keys with one: the scan steps over a few
    unwanted versions and seeks past longer runs, both newer and older than the
    snapshot, and the answer is the same at every snapshot."""
    hot = [(ts, [(b"h", b"h%d" % ts)]) for ts in range(10, 40)]
    put_all(store, [(5, [(b"a", b"a5"), (b"z", b"z5")])] + hot + [(40, [(b"h", None)])])
    for ts in (5, 9, 10, 11, 24, 38, 39):
        expect_h = [(b"h", b"h%d" % ts)] if ts >= 10 else []
        assert store.scan(b"", None, ts)[0] == [(b"a", b"a5")] + expect_h + [(b"z", b"z5")]
        assert store.scan(b"", None, ts, reverse=True)[0] == \
            [(b"z", b"z5")] + expect_h + [(b"a", b"a5")]
    # Deleted at 40: nothing of h at or after it, however many versions lie below.
    assert store.scan(b"", None, 41)[0] == [(b"a", b"a5"), (b"z", b"z5")]
    assert store.scan(b"h", b"i", 41)[0] == []


def test_scan_stops_at_the_reply_size_bound_with_more(store):
    big = b"x" * (1 << 20)
    put_all(store, [(10, [(bytes([i]), big) for i in range(1, 7)])])
    rows, more, _ = store.scan(b"", None, 10)
    assert more
    assert 0 < len(rows) < 6
    assert sum(len(v) for _, v in rows) >= SCAN_REPLY_BYTES_MAX
    rest, more, _ = store.scan(rows[-1][0] + b"\x00", None, 10)
    assert not more
    assert [k for k, _ in rows + rest] == [bytes([i]) for i in range(1, 7)]


# ----------------------------------------------------------------- pushdown


@pytest.fixture
def people(store):
    table = [
        (1, "ann", 7),
        (2, "bob", None),
        (3, "cy", 3),
        (4, "dee", 9),
        (5, "eve", 5),
    ]
    put_all(store, [(10, [(b"p" + bytes([r[0]]), values.dumps(r)) for r in table])])
    return store


def test_filter_pushdown_skips_false_and_null_rows(people):
    f = ("cmp", ">=", ("col", 2), ("const", 5))
    rows, more, scanned = people.scan(b"p", b"q", 10, filter=f)
    assert rows == [(b"p\x01", (1, "ann", 7)), (b"p\x04", (4, "dee", 9)),
                    (b"p\x05", (5, "eve", 5))]
    assert not more and scanned == 5


def test_projection_pushdown_returns_tuples(people):
    rows, _, _ = people.scan(b"p", b"q", 10, projection=(1,))
    assert [v for _, v in rows] == [("ann",), ("bob",), ("cy",), ("dee",), ("eve",)]
    rows, _, _ = people.scan(b"p", b"q", 10, projection=(2, 0), reverse=True)
    assert [v for _, v in rows] == [(5, 5), (9, 4), (3, 3), (None, 2), (7, 1)]


def test_filter_projection_and_limit_together(people):
    f = ("or", ("isnull", ("col", 2)), ("cmp", "<", ("col", 2), ("const", 5)))
    rows, more, scanned = people.scan(b"p", b"q", 10, filter=f, projection=(1,), limit=1)
    assert rows == [(b"p\x02", ("bob",))] and more
    assert scanned == 2  # ann was read and rejected before bob
    rows, more, scanned = people.scan(b"p", b"q", 10, filter=f, projection=(1,),
                                      limit=1, reverse=True)
    assert rows == [(b"p\x03", ("cy",))] and more
    assert scanned == 3


def test_pushdown_sees_the_version_at_the_snapshot(people):
    put_all(people, [(20, [(b"p\x03", values.dumps((3, "cy", 50)))])])
    f = ("cmp", ">", ("col", 2), ("const", 10))
    assert people.scan(b"p", b"q", 10, filter=f)[0] == []
    assert people.scan(b"p", b"q", 20, filter=f)[0] == [(b"p\x03", (3, "cy", 50))]


# ----------------------------------------------------------------- apply


def test_redelivery_is_idempotent(store):
    commits = [(10, ((b"a", b"1"), (b"b", b"2"))), (20, ((b"a", None), (b"c", b"3")))]
    assert store.apply(commits, 20) == 20
    before = stored_versions(store)
    assert store.apply(commits, 20) == 20
    assert stored_versions(store) == before
    # A re-delivered commit never overwrites what is there, even with other contents.
    store.apply([(20, ((b"c", b"changed"),)), (10, ((b"z", b"new"),))], 20)
    assert stored_versions(store) == before
    assert store.get(b"c", 20) == b"3"


def test_same_ts_commits_from_two_journals_in_one_apply_are_both_applied(store):
    put_all(store, [(10, [(b"x", b"old")])])
    assert store.apply([(30, ((b"x", b"from-j0"),)), (30, ((b"y", b"from-j1"),))], 30) == 30
    assert store.get(b"x", 30) == b"from-j0"
    assert store.get(b"y", 30) == b"from-j1"
    assert store.get(b"x", 29) == b"old"


def test_watermark_moves_only_forward(store):
    assert store.applied == 0
    assert store.apply([], 50) == 50
    assert store.apply([], 40) == 50
    assert store.apply([(60, ((b"k", b"v"),))], 55) == 60
    assert store.applied == 60
    # Commits at or below the watermark are re-deliveries, even if never seen.
    store.apply([(45, ((b"late", b"v"),))], 60)
    assert store.get(b"late", 100) is None


def test_applied_watermark_and_data_survive_reopen(tmp_path):
    path = str(tmp_path / "lmdb")
    store = MvccStore(path, map_size=MAP_SIZE)
    store.apply([(10, ((b"a", b"1"),)), (30, ((b"b", b"2"), (b"a", None)))], 50)
    store.sync()
    assert store.durable == 50
    store.close()
    store = MvccStore(path, map_size=MAP_SIZE)
    try:
        assert store.applied == 50
        assert store.durable == 50
        assert store.get(b"a", 20) == b"1"
        assert store.get(b"a", 50) is None
        assert store.get(b"b", 50) == b"2"
        # After a restart the crossbar re-sends from the watermark: skipped.
        store.apply([(30, ((b"b", b"dup"),))], 50)
        assert store.get(b"b", 50) == b"2"
        assert store.apply([(51, ((b"c", b"3"),))], 51) == 51
        assert store.get(b"c", 51) == b"3"
    finally:
        store.close()


def test_durable_lags_until_sync(store):
    store.apply([(10, ((b"a", b"1"),))], 10)
    assert store.durable == 0
    store.sync()
    assert store.durable == 10


def test_check_key_bounds_the_stored_key_size(store):
    check_key(b"k" * STORAGE_KEY_BYTES_MAX)
    with pytest.raises(errors.KeySizeTooLarge):
        check_key(b"k" * (STORAGE_KEY_BYTES_MAX + 1))
    # Escaping doubles 0x00 bytes: a short raw key can still be too long to store.
    with pytest.raises(errors.KeySizeTooLarge):
        check_key(b"\x00" * 300)
    # Whatever check_key accepts, storage can hold.
    for key in (b"k" * STORAGE_KEY_BYTES_MAX, b"\x00" * 250, b"\xff" * STORAGE_KEY_BYTES_MAX):
        check_key(key)
        put_all(store, [(store.applied + 1, [(key, b"v")])])
        assert store.get(key, store.applied) == b"v"


# ----------------------------------------------------------------- garbage collection


def gc_sweep(store: MvccStore, horizon: int, budget: int) -> int:
    """One full pass over the keyspace in steps of `budget` versions."""
    cursor: bytes | None = b""
    removed = 0
    while cursor is not None:
        cursor, n = store.collect_garbage(horizon, cursor, budget)
        removed += n
    return removed


def test_gc_drops_shadowed_versions_and_keeps_the_one_visible_at_the_horizon(store):
    put_all(store, [(10, [(b"k", b"v10")]), (20, [(b"k", b"v20")]), (30, [(b"k", b"v30")])])
    assert gc_sweep(store, 25, 100) == 1
    assert stored_versions(store) == {b"k": {20: b"v20", 30: b"v30"}}
    assert store.get(b"k", 25) == b"v20"
    assert store.get(b"k", 30) == b"v30"


def test_gc_keeps_a_version_exactly_at_the_horizon(store):
    put_all(store, [(10, [(b"k", b"v10")]), (20, [(b"k", b"v20")])])
    gc_sweep(store, 20, 100)
    assert stored_versions(store) == {b"k": {20: b"v20"}}
    gc_sweep(store, 19, 100)
    assert stored_versions(store) == {b"k": {20: b"v20"}}


def test_gc_keeps_everything_newer_than_the_horizon(store):
    put_all(store, [(10, [(b"k", b"v10")]), (20, [(b"k", None)]), (30, [(b"k", b"v30")])])
    assert gc_sweep(store, 15, 100) == 0
    assert stored_versions(store) == {b"k": {10: b"v10", 20: None, 30: b"v30"}}


def test_gc_removes_old_tombstones_that_are_the_oldest_version(store):
    put_all(store, [(10, [(b"gone", None), (b"back", None)]), (30, [(b"back", b"again")])])
    assert gc_sweep(store, 20, 100) == 2
    assert stored_versions(store) == {b"back": {30: b"again"}}
    assert store.get(b"gone", 20) is None and store.get(b"back", 20) is None


def test_gc_eventually_removes_an_old_tombstone_over_older_puts(store):
    put_all(store, [(5, [(b"k", b"v5")]), (10, [(b"k", None)]), (11, [(b"z", b"keep")])])
    for _ in range(3):
        gc_sweep(store, 20, 100)
    assert stored_versions(store) == {b"z": {11: b"keep"}}
    assert store.get(b"k", 20) is None


def test_gc_of_the_last_entry_in_the_database(store):
    # Deleting the very last LMDB entry leaves the cursor unpositioned.
    put_all(store, [(10, [(b"a", b"keep"), (b"z", None)])])
    assert gc_sweep(store, 20, 100) == 1
    put_all(store, [(30, [(b"z", b"z30")]), (40, [(b"z", b"z40")])])
    assert gc_sweep(store, 50, 100) == 1
    assert stored_versions(store) == {b"a": {10: b"keep"}, b"z": {40: b"z40"}}


def test_gc_respects_its_budget_and_resumes(store):
    put_all(store, [(ts, [(bytes([c]), b"%d" % ts) for c in b"abcd"]) for ts in (10, 20, 30)])
    cursor, removed = store.collect_garbage(25, b"", 3)
    assert cursor is not None and removed == 1  # a@30, a@20 kept, a@10 removed
    assert store.version_count() == 11
    while cursor is not None:
        cursor, _ = store.collect_garbage(25, cursor, 3)
    assert store.version_count() == 8
    for c in b"abcd":
        assert store.get(bytes([c]), 25) == b"20"


# ----------------------------------------------------------------- model-based

keys_st = st.lists(st.sampled_from([0x00, 0x01, 0x61, 0xFE, 0xFF]), max_size=3).map(bytes)
writes_st = st.lists(
    st.tuples(keys_st, st.one_of(st.none(), st.binary(max_size=4))), min_size=1, max_size=4)
# (gap to the previous commit, writes): gap 0 is a second journal's commit at the same τ.
commits_st = st.lists(st.tuples(st.integers(0, 3), writes_st), min_size=1, max_size=25)


def to_commits(spec) -> list[tuple[int, tuple]]:
    ts, out = 0, []
    for gap, writes in spec:
        ts += gap if out else gap + 1
        out.append((ts, tuple(writes)))
    return out


def apply_in_batches(store: MvccStore, model: Model, commits, cuts: list[int]) -> None:
    """Apply in batches that never split one τ (the crossbar releases a τ whole)."""
    pos = 0
    for cut in sorted({c % (len(commits) + 1) for c in cuts} | {len(commits)}):
        if cut <= pos:
            continue
        while cut < len(commits) and commits[cut][0] == commits[cut - 1][0]:
            cut += 1
        store.apply(commits[pos:cut], commits[cut - 1][0])
        pos = cut
    model.apply(commits)


scan_st = st.tuples(keys_st, st.one_of(st.none(), keys_st), st.integers(0, 120),
                    st.booleans(), st.integers(0, 4))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commits_st, st.lists(st.integers(0, 30), max_size=3), st.lists(scan_st, max_size=12),
       st.lists(st.tuples(keys_st, st.integers(0, 120)), max_size=12))
def test_scans_and_gets_match_the_model(spec, cuts, scans, gets):
    commits = to_commits(spec)
    model = Model()
    with fresh_store() as store:
        apply_in_batches(store, model, commits, cuts)
        # Replaying everything changes nothing.
        store.apply(commits, commits[-1][0])
        for key, ts in gets:
            assert store.get(key, ts) == model.get(key, ts)
        for start, end, ts, reverse, limit in scans:
            full = model.scan(start, end, ts, reverse)
            rows, more, scanned = store.scan(start, end, ts, limit=limit, reverse=reverse)
            assert rows == (full[:limit] if limit else full)
            assert more == (limit > 0 and len(full) >= limit)
            assert scanned == len(rows)


def reads(store: MvccStore, keys, stamps) -> list:
    return [
        [store.get(k, ts) for k in keys] + [store.scan(b"", None, ts)[0],
                                            store.scan(b"", None, ts, reverse=True)[0]]
        for ts in stamps
    ]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(commits_st, st.integers(0, 80), st.integers(1, 6))
def test_gc_never_changes_reads_at_or_after_the_horizon(spec, horizon, budget):
    commits = to_commits(spec)
    model = Model()
    with fresh_store() as store:
        apply_in_batches(store, model, commits, [])
        last = commits[-1][0]
        keys = sorted(model.versions) + [b"\x00\x00\x00\x00"]
        stamps = sorted({horizon, last + 1} | {ts for ts, _ in commits if ts >= horizon})
        before = reads(store, keys, stamps)
        assert stored_versions(store) == model.versions

        gc_sweep(store, horizon, budget)
        assert reads(store, keys, stamps) == before

        # An unbounded pass leaves at most the version visible at the horizon, and
        # only if it is a put or still shadows older versions.
        gc_sweep(store, horizon, 10**6)
        assert reads(store, keys, stamps) == before
        after = stored_versions(store)
        for key, versions in model.versions.items():
            newer = {t: v for t, v in versions.items() if t > horizon}
            old = sorted(t for t in versions if t <= horizon)
            kept = after.get(key, {})
            assert {t: v for t, v in kept.items() if t > horizon} == newer
            kept_old = [t for t in kept if t <= horizon]
            if not old or (versions[old[-1]] is None and len(old) == 1):
                assert kept_old == []
            elif versions[old[-1]] is not None:
                assert kept_old == [old[-1]]
            else:
                assert kept_old in ([], [old[-1]])

        # Repeated passes reach the fixed point: nothing invisible at the horizon left.
        while gc_sweep(store, horizon, 10**6):
            pass
        assert reads(store, keys, stamps) == before
        expected = {}
        for key, versions in model.versions.items():
            keep = {t: v for t, v in versions.items() if t > horizon}
            old = [t for t in versions if t <= horizon]
            if old and versions[max(old)] is not None:
                keep[max(old)] = versions[max(old)]
            if keep:
                expected[key] = keep
        assert stored_versions(store) == expected
