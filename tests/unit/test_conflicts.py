"""The adjudicator's conflict table (`borealis.adjudicator.conflicts.ConflictTable`):
a key conflicts iff it was committed strictly after τ_start or is promised to another
transaction; promises are released by their holder only; `trim` forgets commits older
than the horizon and never lowers it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from borealis.adjudicator.conflicts import ConflictTable


def test_empty_table_has_no_conflicts():
    table = ConflictTable()
    assert table.first_conflict([b"a", b"b"], 0) is None
    assert table.first_conflict([], 100) is None


def test_commit_strictly_after_t_start_conflicts_equal_does_not():
    table = ConflictTable()
    table.record([b"k"], 100)
    assert table.first_conflict([b"k"], 99) == b"k"
    assert table.first_conflict([b"k"], 100) is None
    assert table.first_conflict([b"k"], 101) is None
    assert table.first_conflict([b"other"], 0) is None


def test_first_conflict_reports_the_first_conflicting_key_in_order():
    table = ConflictTable()
    table.record([b"b", b"c"], 50)
    assert table.first_conflict([b"a", b"c", b"b"], 10) == b"c"
    assert table.first_conflict([b"a", b"b", b"c"], 10) == b"b"


def test_record_never_moves_a_key_backwards():
    table = ConflictTable()
    table.record([b"k"], 100)
    table.record([b"k"], 50)
    assert table.last_commit[b"k"] == 100
    assert table.first_conflict([b"k"], 60) == b"k"
    table.record([b"k"], 200)
    assert table.last_commit[b"k"] == 200
    assert len(table) == 1


def test_pending_promise_blocks_others_but_not_its_holder():
    table = ConflictTable()
    table.promise([b"p", b"q"], b"txn-1")
    assert table.first_conflict([b"p"], 10**9, b"txn-2") == b"p"
    assert table.first_conflict([b"x", b"q"], 10**9, b"txn-2") == b"q"
    assert table.first_conflict([b"p"], 10**9) == b"p"  # anonymous callers too
    assert table.first_conflict([b"p", b"q"], 0, b"txn-1") is None


def test_holder_still_conflicts_on_a_newer_commit():
    table = ConflictTable()
    table.record([b"p"], 100)
    table.promise([b"p"], b"txn-1")
    assert table.first_conflict([b"p"], 50, b"txn-1") == b"p"


def test_release_by_holder_unblocks_release_by_others_does_not():
    table = ConflictTable()
    table.promise([b"p", b"q"], b"txn-1")
    table.release([b"p", b"q"], b"txn-2")
    assert table.first_conflict([b"p"], 0, b"txn-2") == b"p"
    table.release([b"p"], b"txn-1")
    assert table.first_conflict([b"p"], 0, b"txn-2") is None
    assert table.first_conflict([b"q"], 0, b"txn-2") == b"q"
    table.release([b"q", b"never-promised"], b"txn-1")
    assert table.pending == {}


def test_a_later_promise_takes_over_the_key():
    table = ConflictTable()
    table.promise([b"p"], b"txn-1")
    table.promise([b"p"], b"txn-2")
    assert table.first_conflict([b"p"], 0, b"txn-2") is None
    table.release([b"p"], b"txn-1")  # the old holder cannot release it any more
    assert table.first_conflict([b"p"], 0, b"txn-3") == b"p"


def test_trim_forgets_commits_older_than_the_horizon():
    table = ConflictTable()
    table.record([b"a"], 10)
    table.record([b"b"], 20)
    table.record([b"c"], 30)
    table.trim(20)
    assert table.horizon == 20
    assert set(table.last_commit) == {b"b", b"c"}  # exactly at the horizon is kept
    assert table.first_conflict([b"a"], 0) is None
    assert table.first_conflict([b"b"], 19) == b"b"
    table.trim(31)
    assert len(table) == 0


def test_trim_keeps_a_key_rewritten_after_the_horizon():
    table = ConflictTable()
    table.record([b"k"], 10)
    table.record([b"k"], 40)
    table.trim(20)
    assert table.last_commit == {b"k": 40}
    table.trim(41)
    assert table.last_commit == {}


def test_horizon_never_goes_down():
    table = ConflictTable()
    table.record([b"k"], 50)
    table.trim(100)
    table.trim(10)
    assert table.horizon == 100
    table.record([b"k"], 60)  # a late commit below the horizon is forgotten at next trim
    table.trim(10)
    assert table.last_commit == {}


def test_trim_does_not_touch_promises():
    table = ConflictTable()
    table.promise([b"p"], b"txn-1")
    table.trim(10**12)
    assert table.first_conflict([b"p"], 10**12, b"txn-2") == b"p"


@given(st.lists(st.tuples(st.sampled_from([b"a", b"b", b"c", b"d"]), st.integers(1, 5)),
                max_size=40),
       st.integers(0, 200), st.integers(0, 200))
def test_matches_a_model_of_last_commit_times(writes, horizon, t_start):
    table = ConflictTable()
    model: dict[bytes, int] = {}
    ts = 0
    for key, gap in writes:
        ts += gap
        table.record([key], ts)
        model[key] = ts
    table.trim(horizon)
    for key in (b"a", b"b", b"c", b"d", b"e"):
        expected = key in model and model[key] >= horizon and model[key] > t_start
        assert (table.first_conflict([key], t_start) == key) == expected
    assert set(table.last_commit) == {k for k, t in model.items() if t >= horizon}


def test_a_share_conflicts_with_later_writers_not_with_readers_or_sharers():
    table = ConflictTable()
    table.record_shared([b"parent"], 100)  # a child insert committed at 100
    # A parent delete that read at 50 did not see the child: it must not commit.
    assert table.first_conflict([b"parent"], 50) == b"parent"
    assert table.first_conflict([b"parent"], 100) is None  # it read after: it saw the child
    # Other children, readers and checks of the parent are not affected.
    assert table.first_read_conflict([b"parent"], 50) is None
    # A write conflicts with sharers that read before it, not after.
    table.record([b"parent"], 200)
    assert table.first_read_conflict([b"parent"], 150) == b"parent"
    assert table.first_read_conflict([b"parent"], 200) is None
    assert len(table) == 2


def test_undecided_sharers_block_writers_only():
    table = ConflictTable()
    table.promise_shared([b"p"], b"child-1")
    table.promise_shared([b"p"], b"child-2")
    assert table.first_conflict([b"p"], 10**9, b"deleter") == b"p"
    assert table.first_read_conflict([b"p"], 0, b"child-3") is None
    # One sharer writing the key it shares is blocked only by the other sharer.
    assert table.first_conflict([b"p"], 0, b"child-1") == b"p"
    table.release_shared([b"p"], b"child-2")
    assert table.first_conflict([b"p"], 0, b"child-1") is None
    table.release_shared([b"p", b"other"], b"child-1")
    assert table.pending_shared == {}
    # An undecided writer blocks sharers.
    table.promise([b"q"], b"deleter")
    assert table.first_read_conflict([b"q"], 10**9, b"child-4") == b"q"


def test_trim_forgets_shares_like_writes():
    table = ConflictTable()
    table.record([b"w"], 100)
    table.record_shared([b"s"], 150)
    table.record_shared([b"s"], 300)
    table.trim(200)
    assert table.last_commit == {}
    assert table.last_shared == {b"s": 300}
    table.trim(301)
    assert len(table) == 0
