"""A deterministic asyncio event loop over virtual time.

Role code is ordinary asyncio code. Under the simulator it runs on this loop: `time()`
is virtual, and when nothing is ready the loop does not block in `select` but jumps
virtual time to the next timer. Ready callbacks run in FIFO order and timers in
(when, insertion) order, so a run depends only on the code and the seeded PRNG that the
world uses for every choice (delays, faults, workload).

There is no real I/O on this loop: the selector only carries the loop's own self-pipe.
If nothing is ready and no timer is pending, every task is waiting on something that
can never happen: that is a simulation deadlock and raises `SimDeadlock`.
"""

from __future__ import annotations

import asyncio
import math
import selectors


class SimDeadlock(RuntimeError):
    pass


class _VirtualSelector(selectors.BaseSelector):
    def __init__(self, loop_ref: list) -> None:
        self._keys: dict[int, selectors.SelectorKey] = {}
        self._loop_ref = loop_ref

    def register(self, fileobj, events, data=None):
        fd = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        key = selectors.SelectorKey(fileobj, fd, events, data)
        self._keys[fd] = key
        return key

    def unregister(self, fileobj):
        fd = fileobj if isinstance(fileobj, int) else fileobj.fileno()
        return self._keys.pop(fd)

    def select(self, timeout=None):
        loop = self._loop_ref[0]
        if timeout is None:
            if loop.is_closing_down:
                return []
            raise SimDeadlock("every task is blocked and no timer is pending")
        if timeout > 0:
            loop.advance(math.ceil(timeout * 1e9))
        return []

    def get_map(self):
        return self._keys

    def close(self) -> None:
        self._keys.clear()


class SimLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock is `virtual_ns`, advanced only when idle."""

    def __init__(self) -> None:
        ref: list = [None]
        super().__init__(selector=_VirtualSelector(ref))
        ref[0] = self
        self.virtual_ns = 0
        self.is_closing_down = False
        self._clock_resolution = 1e-9

    def time(self) -> float:
        return self.virtual_ns / 1e9

    def advance(self, delta_ns: int) -> None:
        assert delta_ns >= 0
        self.virtual_ns += delta_ns
