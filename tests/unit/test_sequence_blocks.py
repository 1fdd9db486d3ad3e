"""Reserving blocks of sequence values (`qp.sequences.reserve`): the pure part of nextval."""

from __future__ import annotations

import pytest

from borealis.catalog.model import SequenceOptions
from borealis.core import errors
from borealis.qp.sequences import Block, decode_state, encode_state, reserve


def state(last: int, called: bool) -> tuple[int, int, bool]:
    return decode_state(encode_state(last, called))


def test_a_fresh_sequence_starts_at_start_and_reserves_cache_values():
    opts = SequenceOptions(start=10, increment=5, cache=4)
    first, count, new = reserve(opts, state(10, False), 4, "s")
    assert (first, count) == (10, 4)
    assert decode_state(new) == (25, 0, True)  # the last value reserved
    first, count, _ = reserve(opts, decode_state(new), 4, "s")
    assert (first, count) == (30, 4)  # the next block follows, no overlap


def test_a_block_stops_at_maxvalue_and_the_next_one_fails_without_cycle():
    opts = SequenceOptions(max_value=6, cache=65536)
    first, count, new = reserve(opts, state(4, True), 65536, "s")
    assert (first, count) == (5, 2)
    with pytest.raises(errors.SequenceLimitReached) as info:
        reserve(opts, decode_state(new), 65536, "s")
    assert info.value.sqlstate == "2200H"
    assert str(info.value) == 'nextval: reached maximum value of sequence "s" (6)'


def test_cycle_restarts_at_the_other_bound_in_both_directions():
    up = SequenceOptions(min_value=1, max_value=3, cycle=True)
    assert reserve(up, state(3, True), 1, "s")[:2] == (1, 1)
    down = SequenceOptions(increment=-2, min_value=-5, max_value=0, start=-1, cycle=True)
    assert reserve(down, state(-5, True), 10, "s")[:2] == (0, 3)  # 0, -2, -4
    with pytest.raises(errors.SequenceLimitReached, match="minimum value"):
        reserve(SequenceOptions(increment=-1, min_value=-2, max_value=-1), state(-2, True), 1, "d")


def test_setval_is_called_false_hands_out_the_value_itself():
    opts = SequenceOptions()
    assert reserve(opts, state(7, False), 1, "s")[:2] == (7, 1)
    assert reserve(opts, state(7, True), 1, "s")[:2] == (8, 1)


def test_a_block_hands_out_its_values_in_order():
    block = Block(100, 3, -10)
    assert [block.take() for _ in range(3)] == [100, 90, 80]
    assert block.remaining == 0
