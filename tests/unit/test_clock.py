"""The hybrid logical clock (`borealis.core.clock.Clock`): it follows the physical
source when that moves forward, never goes backwards when the source stalls or steps
back, is pulled forward by `observe`, and reports an uncertainty interval."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from borealis.core.clock import Clock


class FakeSource:
    """A settable physical clock."""

    def __init__(self, ns: int = 1_000) -> None:
        self.ns = ns

    def __call__(self) -> int:
        return self.ns


def test_follows_the_physical_source_when_it_moves_forward():
    src = FakeSource(1_000)
    clock = Clock(src)
    assert clock.now() == 1_000
    src.ns = 5_000
    assert clock.now() == 5_000


def test_stalled_source_still_gives_increasing_timestamps():
    clock = Clock(FakeSource(1_000))
    assert [clock.now() for _ in range(4)] == [1_000, 1_001, 1_002, 1_003]


def test_source_stepping_back_never_moves_the_clock_back():
    src = FakeSource(10_000)
    clock = Clock(src)
    assert clock.now() == 10_000
    src.ns = 2_000
    assert clock.now() == 10_001
    src.ns = 10_001  # catches up to, but not past, the clock
    assert clock.now() == 10_002
    src.ns = 20_000
    assert clock.now() == 20_000


def test_observe_pulls_the_clock_forward():
    clock = Clock(FakeSource(1_000))
    clock.now()
    clock.observe(50_000)
    assert clock.now() == 50_001
    # Observing the past changes nothing.
    clock.observe(10)
    assert clock.now() == 50_002


def test_observe_before_first_reading():
    clock = Clock(FakeSource(1_000))
    clock.observe(7_000)
    assert clock.now() == 7_001


def test_interval_is_a_point_without_uncertainty():
    clock = Clock(FakeSource(1_000))
    earliest, latest = clock.interval()
    assert earliest == latest == 1_000


def test_interval_bounds_with_uncertainty():
    src = FakeSource(1_000_000)
    clock = Clock(src, uncertainty_ns=500)
    assert clock.interval() == (999_500, 1_000_500)
    src.ns = 2_000_000
    assert clock.interval() == (1_999_500, 2_000_500)
    assert clock.uncertainty_ns == 500


def test_latest_and_earliest_tick_the_clock():
    clock = Clock(FakeSource(1_000_000), uncertainty_ns=100)
    assert clock.latest == 1_000_100
    assert clock.latest == 1_000_101
    assert clock.earliest == 999_902
    # Any timestamp handed out earlier is below the next interval's latest.
    t = clock.now()
    assert clock.latest > t


@given(st.lists(st.tuples(st.sampled_from(["tick", "observe"]),
                          st.integers(0, 10**12)), max_size=60),
       st.integers(0, 10**6))
def test_never_goes_backwards(steps, uncertainty):
    src = FakeSource(0)
    clock = Clock(src, uncertainty)
    last = 0
    seen = 0
    for kind, value in steps:
        if kind == "tick":
            src.ns = value
            t = clock.now()
            assert t > last and t > seen and t >= value
            last = t
        else:
            clock.observe(value)
            seen = max(seen, value)
        earliest, latest = clock.interval()
        assert latest - earliest == 2 * uncertainty
        assert earliest + uncertainty > max(last, seen)
        last = earliest + uncertainty
