"""Timestamps: a hybrid logical clock behind an uncertainty interval (DESIGN.md §2).

A timestamp is an `int` of nanoseconds since the Unix epoch, 64 bits. The clock reads a
physical source (injected: the runtime's wall clock, or virtual time in the simulator)
and never goes backwards: if the physical source stalls or steps back, the clock
advances by one nanosecond per reading, and `observe` pulls it forward past any
timestamp seen in a message (the HLC receive rule). Folding the logical counter into
the low nanoseconds keeps timestamps plain integers, orderable and encodable as 8 bytes.

`interval()` returns `(earliest, latest)`: true time lies within it. In one process the
uncertainty is zero and the interval is a point; across machines it is the ClockBound
error bound. τ_start is `latest`; commit-wait waits until `earliest > τ_commit`.
"""

from __future__ import annotations

from collections.abc import Callable

TIMESTAMP_MAX = (1 << 64) - 1


class Clock:
    """A hybrid logical clock over `physical_ns` with error bound `uncertainty_ns`."""

    __slots__ = ("_last", "_physical_ns", "uncertainty_ns")

    def __init__(self, physical_ns: Callable[[], int], uncertainty_ns: int = 0) -> None:
        assert uncertainty_ns >= 0
        self._physical_ns = physical_ns
        self.uncertainty_ns = uncertainty_ns
        self._last = 0

    def now(self) -> int:
        """A timestamp greater than every one this clock returned or observed before."""
        physical = self._physical_ns()
        last = self._last + 1
        self._last = physical if physical > last else last
        assert self._last <= TIMESTAMP_MAX
        return self._last

    def interval(self) -> tuple[int, int]:
        """(earliest, latest) bounds on true time; `latest` also ticks the HLC."""
        now = self.now()
        return now - self.uncertainty_ns, now + self.uncertainty_ns

    @property
    def latest(self) -> int:
        return self.interval()[1]

    @property
    def earliest(self) -> int:
        return self.interval()[0]

    def observe(self, timestamp: int) -> None:
        """HLC receive rule: never hand out a timestamp ≤ one already seen."""
        if timestamp > self._last:
            self._last = timestamp
