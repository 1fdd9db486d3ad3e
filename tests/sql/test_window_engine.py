"""`sql.window` without servers: frames checked against their definition, row by row.

The differential cases (cases/window_frames.sql) compare with PostgreSQL on small
tables; here random partitions check every frame shape and exclusion against a direct
reading of the SQL definition, and that count/sum/min/max/bool_and over sliding frames
take the prefix-sum and deque paths (their accumulator is never made).
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from borealis.sql import window as W
from borealis.sql.expr import Col
from borealis.sql.plan import AggCall, Frame, SortKey, WindowCall

INT4, INT8, NUMERIC, BOOL = 23, 20, 1700, 16
STARTS = ("unbounded", "preceding", "current", "following")
ENDS = ("preceding", "current", "following", "unbounded")
EXCLUDES = ("none", "current", "group", "ties")


def _no_accumulator():
    raise AssertionError("the sliding path must not feed an accumulator")


def _member(mode: str, values: list, i: int, j: int, kind: str, offset: int, is_start: bool) -> bool:
    """Whether row j is on the inner side of row i's frame start (or end), read from the
    definition: positions for ROWS, peer-group numbers for GROUPS, values for RANGE."""
    if kind == "unbounded":
        return True
    if mode == "rows":
        here, there = i, j
    elif mode == "groups":
        groups = sorted(set(values))
        here, there = groups.index(values[i]), groups.index(values[j])
    else:
        here, there = values[i], values[j]
    step = 0 if kind == "current" else offset if kind == "following" else -offset
    return there >= here + step if is_start else there <= here + step


def _reference(mode, values, xs, start, end, exclude, offsets) -> list:
    out = []
    for i in range(len(values)):
        total, seen = 0, False
        for j in range(len(values)):
            if not (_member(mode, values, i, j, start, offsets[0], True)
                    and _member(mode, values, i, j, end, offsets[1], False)):
                continue
            peer = values[j] == values[i]
            if (exclude == "current" and j == i) or (exclude == "group" and peer) or (
                    exclude == "ties" and peer and j != i):
                continue
            if xs[j] is not None:
                total, seen = total + xs[j], True
        out.append(total if seen else None)
    return out


@pytest.mark.parametrize("seed", range(6))
def test_sliding_sums_match_the_frame_definition(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        n = rng.randint(0, 25)
        values = sorted(rng.randint(0, 8) for _ in range(n))
        rows = [(v, rng.choice([None, rng.randint(-5, 9)]), k) for k, v in enumerate(values)]
        mode = rng.choice(("rows", "groups", "range"))
        start = rng.choice(STARTS)
        end = rng.choice(ENDS[ENDS.index("current") if start == "current" else
                              ENDS.index("following") if start == "following" else 0:])
        offsets = (rng.randint(0, 3), rng.randint(0, 3))
        exclude = rng.choice(EXCLUDES)
        frame = Frame(mode, start, end, exclude=exclude,
                      in_range=W.range_offset(INT4)[1] if mode == "range" else None)
        agg = AggCall("sum", [Col(INT4, 1)], _no_accumulator, INT8)
        call = WindowCall("sum", agg.args, [], [SortKey(Col(INT4, 0))], INT8, frame, agg)
        got = [e[0] for e in W.run([call], rows, [offsets])]
        assert got == _reference(mode, values, [r[1] for r in rows], start, end, exclude,
                                 offsets), (mode, start, end, offsets, exclude, values)


def test_count_min_max_bool_avoid_accumulators() -> None:
    rows = [(k, k % 7, k % 3 == 0) for k in range(300)]
    frame = Frame("rows", "preceding", "following", exclude="ties")
    order = [SortKey(Col(INT4, 0))]
    calls = [WindowCall(name, [Col(oid, c)], [], order, oid, frame,
                        AggCall(name, [Col(oid, c)], _no_accumulator, oid))
             for name, oid, c in (("count", INT8, 1), ("min", INT4, 1), ("max", INT4, 1),
                                  ("bool_and", BOOL, 2))]
    got = W.run(calls, rows, [(3, 2)] * len(calls))
    for k in (0, 150, 299):
        frame_rows = rows[max(0, k - 3):k + 3]
        assert got[k][0] == len(frame_rows)
        assert got[k][1] == min(r[1] for r in frame_rows)
        assert got[k][2] == max(r[1] for r in frame_rows)
        assert got[k][3] == all(r[2] for r in frame_rows)


def test_exact_numeric_sum_takes_the_frame_scale() -> None:
    values = [Decimal("1.5"), Decimal("2.25"), Decimal("3"), Decimal("4.0"), None, Decimal("-0.125")]
    rows = [(k, v) for k, v in enumerate(values)]
    agg = AggCall("sum", [Col(NUMERIC, 1)], _no_accumulator, NUMERIC)
    call = WindowCall("sum", agg.args, [], [SortKey(Col(INT4, 0))], NUMERIC,
                      Frame("rows", "preceding", "current"), agg)
    got = [str(e[0]) for e in W.run([call], rows, [(1, None)])]
    assert got == ["1.5", "3.75", "5.25", "7.0", "4.0", "-0.125"]
