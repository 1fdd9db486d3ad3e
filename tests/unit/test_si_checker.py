"""Tests for the strong snapshot isolation checker over list-append histories.

Hand-written histories pin down each anomaly (and the look-alikes SI allows, like write
skew); generated histories from a serial store and from a small snapshot-isolation
simulator must pass, and mutating them must not.
"""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from borealis.sim.checkers.history import FAIL, INFO, OK, Append, Read, Txn
from borealis.sim.checkers.si import CheckResult, check


def a(key: str, value: int) -> Append:
    return Append(key, value)


def r(key: str, *values: int) -> Read:
    return Read(key, values or None)


def T(tid: int, *ops: Append | Read, status: str = OK, at: tuple[int, int] = (0, 100)) -> Txn:
    """A transaction; by default all overlap in time, so there are no real-time edges."""
    return Txn(id=tid, process=tid, invoke_ns=at[0], complete_ns=at[1], status=status, ops=ops)


def assert_ok(history: list[Txn]) -> None:
    result = check(history)
    assert result.ok, result.describe()
    assert result.anomalies == {}


def assert_anomaly(history: list[Txn], name: str, *txns: int) -> CheckResult:
    """Assert `name` is reported and its explanations mention each of `txns`."""
    result = check(history)
    assert not result.ok
    assert name in result.anomalies, result.describe()
    text = "\n".join(result.anomalies[name])
    for t in txns:
        assert f"T{t}" in text, text
    return result


# --- valid histories ------------------------------------------------------------------


def test_empty_history_passes():
    assert_ok([])


def test_serial_history_passes():
    assert_ok([
        T(1, r("x"), a("x", 1), a("y", 2), at=(0, 10)),
        T(2, r("x", 1), a("x", 3), r("x", 1, 3), at=(20, 30)),
        T(3, a("y", 4), r("y", 2, 4), at=(40, 50)),
        T(4, r("x", 1, 3), r("y", 2, 4), at=(60, 70)),
    ])


def test_write_skew_is_allowed():
    # T1 and T2 each read both keys and write a different one: G2-item, allowed by SI.
    assert_ok([
        T(1, r("x"), r("y"), a("x", 1), at=(0, 10)),
        T(2, r("x"), r("y"), a("y", 2), at=(1, 11)),
        T(3, r("x", 1), r("y", 2), at=(20, 30)),
    ])


def test_read_only_snapshot_of_concurrent_writer_is_allowed():
    # T2 overlaps T1 and may take its snapshot before T1 commits.
    assert_ok([
        T(1, a("x", 1), at=(0, 10)),
        T(2, r("x"), at=(5, 15)),
        T(3, r("x", 1), at=(20, 30)),
    ])


def test_visible_info_txn_passes():
    assert_ok([
        T(1, a("x", 1), status=INFO, at=(0, 10)),
        T(2, r("x", 1), at=(20, 30)),
    ])


def test_invisible_info_txn_passes():
    # Never observed, so it may simply not have committed, even though T2 came later.
    assert_ok([
        T(1, a("x", 1), status=INFO, at=(0, 10)),
        T(2, r("x"), at=(20, 30)),
        T(3, a("x", 2), at=(40, 50)),
        T(4, r("x", 2), at=(60, 70)),
    ])


def test_failed_txn_invisible_passes():
    assert_ok([
        T(1, r("x"), a("x", 1), status=FAIL, at=(0, 10)),
        T(2, r("x"), at=(20, 30)),
    ])


# --- anomalies ------------------------------------------------------------------------


def test_g1a_aborted_read():
    assert_anomaly([
        T(1, a("x", 1), status=FAIL),
        T(2, r("x", 1)),
    ], "G1a", 1, 2)


def test_g1b_intermediate_read():
    assert_anomaly([
        T(1, a("x", 1), a("x", 2)),
        T(2, r("x", 1)),
    ], "G1b", 1, 2)


def test_garbage_value():
    assert_anomaly([T(1, r("x", 99))], "dirty-or-garbage", 1)


def test_value_appended_to_another_key_is_garbage():
    assert_anomaly([T(1, a("y", 1)), T(2, r("x", 1))], "dirty-or-garbage", 2)


def test_duplicate_value_in_read():
    assert_anomaly([T(1, a("x", 1)), T(2, r("x", 1, 1))], "dirty-or-garbage", 2)


def test_later_append_without_earlier_one():
    # T1's appends land in order, so no state holds its 2 without its 1.
    assert_anomaly([
        T(1, a("x", 1), a("x", 2)),
        T(2, r("x", 2)),
    ], "dirty-or-garbage", 1, 2)


def test_incompatible_version_orders():
    assert_anomaly([
        T(1, a("x", 1)),
        T(2, a("x", 2)),
        T(3, r("x", 1, 2)),
        T(4, r("x", 2, 1)),
    ], "dirty-or-garbage", 3, 4)


def test_g0_write_cycle():
    assert_anomaly([
        T(1, a("x", 1), a("y", 2)),
        T(2, a("x", 3), a("y", 4)),
        T(3, r("x", 1, 3)),
        T(4, r("y", 4, 2)),
    ], "G0", 1, 2)


def test_g1c_circular_information_flow():
    assert_anomaly([
        T(1, a("x", 1), r("y", 2)),
        T(2, a("y", 2), r("x", 1)),
    ], "G1c", 1, 2)


def test_lost_update_both_observed():
    assert_anomaly([
        T(1, r("x"), a("x", 1)),
        T(2, r("x"), a("x", 2)),
        T(3, r("x", 1, 2)),
    ], "lost-update", 1, 2)


def test_lost_update_one_never_observed():
    # T2's append is lost without trace, but T2 committed after reading the same version.
    assert_anomaly([
        T(1, r("x"), a("x", 1)),
        T(2, r("x"), a("x", 2)),
        T(3, r("x", 1)),
    ], "lost-update", 1, 2)


def test_lost_update_against_blind_writer():
    # T2 never read x, but its append landed between T1's snapshot and T1's append.
    assert_anomaly([
        T(1, r("x"), a("x", 1)),
        T(2, a("x", 2)),
        T(3, r("x", 2, 1)),
    ], "lost-update", 1, 2)


def test_non_repeatable_read():
    assert_anomaly([
        T(1, a("x", 1)),
        T(2, r("x"), r("x", 1)),
    ], "non-repeatable-read", 2)


def test_read_missing_own_append():
    assert_anomaly([T(1, a("x", 1), r("x"))], "non-repeatable-read", 1)


def test_read_of_own_future_append():
    assert_anomaly([T(1, r("x", 1), a("x", 1))], "non-repeatable-read", 1)


def test_own_appends_on_top_of_snapshot_are_repeatable():
    assert_ok([
        T(1, a("x", 1), at=(0, 10)),
        T(2, r("x", 1), a("x", 2), r("x", 1, 2), a("x", 3), r("x", 1, 2, 3), at=(20, 30)),
        T(3, r("x", 1, 2, 3), at=(40, 50)),
    ])


def test_g_single_read_skew():
    # T2 sees T1's y but not T1's x: one anti-dependency closes the cycle.
    result = assert_anomaly([
        T(1, a("x", 1), a("y", 2)),
        T(2, r("x"), r("y", 2)),
        T(3, r("x", 1)),
    ], "G-single", 1, 2)
    assert "rw(x)" in result.anomalies["G-single"][0]


def test_g_single_non_adjacent_anti_dependencies():
    # T1 -rw-> T2 -wr-> T3 -rw-> T4 -wr-> T1: two rw edges, but never adjacent.
    assert_anomaly([
        T(1, r("a"), r("d", 4)),
        T(2, a("a", 1), a("b", 2)),
        T(3, r("b", 2), r("c")),
        T(4, a("c", 3), a("d", 4)),
        T(5, r("a", 1), r("c", 3)),
    ], "G-single", 1, 2, 3, 4)


def test_realtime_stale_read():
    result = assert_anomaly([
        T(1, a("x", 1), at=(0, 10)),
        T(2, r("x"), at=(20, 30)),
    ], "realtime", 1, 2)
    assert "rt" in result.anomalies["realtime"][0]


def test_realtime_stale_read_across_intermediaries():
    # The rt path T1 -> T3 goes through T2 in the reduced real-time graph.
    assert_anomaly([
        T(1, a("x", 1), at=(0, 10)),
        T(2, a("y", 2), at=(20, 30)),
        T(3, r("x"), at=(40, 50)),
    ], "realtime", 1, 3)


def test_realtime_write_order_reversed():
    # T2 began after T1 was acknowledged, yet its append precedes T1's.
    assert_anomaly([
        T(1, a("x", 1), at=(0, 10)),
        T(2, a("x", 2), at=(20, 30)),
        T(3, r("x", 2, 1), at=(40, 50)),
    ], "realtime", 1, 2)


def many_readers_then_many_blind_writers() -> list[Txn]:
    # Five readers of the empty x, then five appends to x that nobody ever reads.
    return [T(i, r("x")) for i in range(1, 6)] + [T(i, a("x", i)) for i in range(6, 11)]


def test_unobserved_writers_after_many_readers_pass():
    assert_ok(many_readers_then_many_blind_writers())


def test_stale_read_of_one_of_many_unobserved_writes():
    result = assert_anomaly(many_readers_then_many_blind_writers() + [
        T(11, r("x"), at=(200, 300)),
    ], "realtime", 11)
    assert "T11 -rw(x)-> T" in result.anomalies["realtime"][0]


def test_g_single_through_one_of_many_unobserved_writes():
    assert_anomaly(many_readers_then_many_blind_writers() + [
        T(11, a("x", 11), a("y", 12)),
        T(12, r("x"), r("y", 12)),
    ], "G-single", 11, 12)


def test_no_realtime_edge_at_equal_times():
    # Real-time order needs T1 acknowledged strictly before T2 was invoked.
    assert_ok([
        T(1, a("x", 1), at=(0, 10)),
        T(2, r("x"), at=(10, 30)),
    ])


def test_info_txn_is_not_a_realtime_source():
    # T1's commit may have landed after its client gave up at 10.
    assert_ok([
        T(1, a("x", 1), status=INFO, at=(0, 10)),
        T(2, r("x"), at=(20, 30)),
        T(3, r("x", 1), at=(40, 50)),
    ])


def test_malformed_history_is_rejected():
    with pytest.raises(ValueError):
        check([T(1, a("x", 1)), T(2, a("x", 1))])
    with pytest.raises(ValueError):
        check([T(1), T(1)])


# --- generated histories --------------------------------------------------------------

KEYS = ("x", "y", "z")
op_specs = st.lists(st.tuples(st.sampled_from("ra"), st.sampled_from(KEYS)), min_size=1, max_size=5)
txn_specs = st.lists(
    st.tuples(op_specs, st.sampled_from([OK, OK, OK, FAIL, INFO]), st.booleans()), max_size=30
)


def serial_history(specs: list[tuple[list[tuple[str, str]], str, bool]]) -> list[Txn]:
    """Run transactions one at a time against a list-append store.

    "ok" transactions are applied, "fail" ones are not, and "info" ones are applied iff
    their flag says so.
    """
    state: dict[str, tuple[int, ...]] = {}
    history = []
    next_value = 1
    for i, (ops, status, applied) in enumerate(specs):
        view = dict(state)
        recorded: list[Append | Read] = []
        for kind, key in ops:
            if kind == "r":
                recorded.append(Read(key, view.get(key)))
            else:
                view[key] = view.get(key, ()) + (next_value,)
                recorded.append(Append(key, next_value))
                next_value += 1
        if status == OK or (status == INFO and applied):
            state = view
        history.append(Txn(i, i % 3, 10 * i, 10 * i + 5, status, tuple(recorded)))
    return history


def si_history(rng: random.Random, n: int, processes: int, keys: int, *,
               first_committer_wins: bool = True, snapshot_lag: int = 0) -> list[Txn]:
    """A concurrent history from a tiny strong-SI store.

    Each process runs transactions back to back; a transaction's snapshot is taken at
    invocation and it commits at completion unless a key it appended to was committed
    by another transaction since its snapshot. The flags break the store on purpose.
    """
    # Times are step * processes + process, so no two events ever share a timestamp.
    plans = []
    for p in range(processes):
        step = rng.randrange(5)
        for _ in range(n // processes):
            start, step = step, step + rng.randrange(1, 12)
            plans.append((start * processes + p, step * processes + p, p))
            step += rng.randrange(1, 4)
    events = sorted([(s, 0, i) for i, (s, _, _) in enumerate(plans)]
                    + [(c, 1, i) for i, (_, c, _) in enumerate(plans)])
    versions: list[tuple[int, dict[str, tuple[int, ...]]]] = [(-(2**62), {})]
    last_write: dict[str, int] = {}
    running: dict[int, tuple[int, list[Append | Read]]] = {}
    names = [f"k{k}" for k in range(keys)]
    history = []
    next_value = 1
    for now, completes, i in events:
        if not completes:
            snap_at = now - snapshot_lag
            snap = next(state for at, state in reversed(versions) if at < snap_at)
            view = dict(snap)
            ops: list[Append | Read] = []
            for _ in range(rng.randrange(1, 5)):
                key = rng.choice(names)
                if rng.random() < 0.5:
                    ops.append(Read(key, view.get(key)))
                else:
                    view[key] = view.get(key, ()) + (next_value,)
                    ops.append(Append(key, next_value))
                    next_value += 1
            running[i] = (snap_at, ops)
            continue
        snap_at, ops = running.pop(i)
        written = {op.key for op in ops if isinstance(op, Append)}
        since_snapshot = (last_write.get(k, -(2**62)) >= snap_at for k in written)
        conflict = first_committer_wins and any(since_snapshot)
        # 5% client aborts, 80% ok, 5% info that committed, 10% info that did not
        roll = rng.random()
        applied = not conflict and 0.05 <= roll < 0.9
        status = FAIL if conflict or roll < 0.05 else INFO if roll >= 0.85 else OK
        if applied:
            state = dict(versions[-1][1])
            for op in ops:
                if isinstance(op, Append):
                    state[op.key] = state.get(op.key, ()) + (op.value,)
                    last_write[op.key] = now
            versions.append((now, state))
        start, end, p = plans[i]
        history.append(Txn(i, p, start, end, status, tuple(ops)))
    return history


@settings(max_examples=200, deadline=None)
@given(txn_specs)
def test_serial_executions_pass(specs):
    history = serial_history(specs)
    assert_ok(history)


def droppable_reads(history: list[Txn]) -> list[tuple[int, int]]:
    """(txn position, op position) of reads in ok txns whose snapshot ends in another
    ok txn's append: dropping that element makes the read stale."""
    by_value = {op.value: t for t in history for op in t.ops if isinstance(op, Append)}
    found = []
    for ti, t in enumerate(history):
        own: set[int] = set()
        for oi, op in enumerate(t.ops):
            if isinstance(op, Append):
                own.add(op.value)
                continue
            ext = [v for v in op.items if v not in own]
            if t.status == OK and ext and by_value[ext[-1]].status == OK:
                found.append((ti, oi))
    return found


@settings(max_examples=200, deadline=None)
@given(txn_specs, st.data())
def test_dropping_a_read_element_is_caught(specs, data):
    history = serial_history(specs)
    candidates = droppable_reads(history)
    assume(candidates)
    ti, oi = data.draw(st.sampled_from(candidates))
    txn = history[ti]
    read = txn.ops[oi]
    assert isinstance(read, Read)
    own = {op.value for op in txn.ops[:oi] if isinstance(op, Append)}
    ext = [v for v in read.items if v not in own]
    mutated = tuple(v for v in read.items if v != ext[-1])
    ops = txn.ops[:oi] + (Read(read.key, mutated or None),) + txn.ops[oi + 1:]
    history[ti] = Txn(txn.id, txn.process, txn.invoke_ns, txn.complete_ns, txn.status, ops)
    assert not check(history).ok


@settings(max_examples=100, deadline=None)
@given(txn_specs, st.integers(min_value=1000, max_value=2000))
def test_injecting_a_garbage_value_is_caught(specs, garbage):
    history = serial_history(specs)
    reads = [(ti, oi) for ti, t in enumerate(history) if t.status != FAIL
             for oi, op in enumerate(t.ops) if isinstance(op, Read)]
    assume(reads)
    ti, oi = reads[garbage % len(reads)]
    txn = history[ti]
    read = txn.ops[oi]
    assert isinstance(read, Read)
    ops = txn.ops[:oi] + (Read(read.key, (garbage, *read.items)),) + txn.ops[oi + 1:]
    history[ti] = Txn(txn.id, txn.process, txn.invoke_ns, txn.complete_ns, txn.status, ops)
    assert "dirty-or-garbage" in check(history).anomalies


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=0, max_value=2**32))
def test_concurrent_si_executions_pass(seed):
    history = si_history(random.Random(seed), n=40, processes=4, keys=3)
    assert_ok(history)


def test_missing_first_committer_wins_is_caught():
    history = si_history(random.Random(7), n=300, processes=6, keys=3, first_committer_wins=False)
    assert "lost-update" in check(history).anomalies


def test_stale_snapshots_are_caught():
    history = si_history(random.Random(7), n=300, processes=6, keys=3, snapshot_lag=200)
    assert "realtime" in check(history).anomalies


def test_large_history_is_fast():
    history = si_history(random.Random(2024), n=2000, processes=10, keys=8)
    assert sum(t.status == OK for t in history) > 1000
    began = time.perf_counter()
    result = check(history)
    elapsed = time.perf_counter() - began
    assert result.ok, result.describe()
    assert elapsed < 5, f"took {elapsed:.2f}s"
