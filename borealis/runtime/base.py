"""The `Runtime` protocol: everything a role may use to reach the outside world.

Role code (adjudicator, journal, crossbar, storage, control, the transaction client)
never imports `time`, `random`, `socket` or calls `asyncio.sleep` itself. It receives a
`Runtime` and uses only this interface, so the same code runs:

- under `runtime.aio.AioRuntime` (real clock, real files with fsync, an in-process or TCP
  transport), and
- under `sim.world.SimRuntime` (virtual time, one seeded PRNG, injected faults).

Units: every time and duration is an `int` of nanoseconds (`_ns` suffix).

Transport model (DESIGN.md §1): a role instance is reachable at an *address* (a string
such as ``"adj/0"``). Messages are frozen dataclasses registered in `core.messages`; the
transport may encode every message with the wire codec so no two roles ever share an
object. `call` is request/reply with a deadline; `send` is one-way. Both may lose,
delay, duplicate or reorder messages in the simulator, so every protocol built on them
is idempotent or deduplicates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from borealis.core.clock import Clock

# A handler gets (sender address, request) and returns the reply (or None for a
# one-way message). An `async def` handler runs as its own task and may await; a plain
# function returns its reply at once and runs in the delivery callback, with no task
# made for it: for the small hot messages that never wait (a watermark request, a Bump).
# A plain handler may also return an awaitable for the requests that must wait.
Handler = Callable[[str, Any], Any]


class TimerHandle(Protocol):
    def cancel(self) -> None: ...


class DurableFile(Protocol):
    """A file whose writes become durable only after `sync` returns.

    In the simulator a crash keeps the synced bytes and only a random prefix of the
    unsynced ones (a torn tail), which is what the journal's checksums must survive. A
    real file may also have zeros written ahead of its end (`OsFile` preallocates), and
    after a crash they read as part of it.
    """

    path: str

    def size(self) -> int: ...

    def read(self, offset: int, length: int) -> bytes: ...

    def append(self, data: bytes) -> int:
        """Write at the end; returns the offset the data starts at."""
        ...

    def truncate(self, size: int) -> None:
        """Cut the file at `size`; `truncate(size())` gives back space written ahead.
        Durable with the next `sync`."""
        ...

    async def sync(self) -> None:
        """fsync: when this returns, every byte written so far survives a crash."""
        ...

    def close(self) -> None: ...


class Disk(Protocol):
    """A node's private directory tree. Paths are relative to the node's root."""

    def open(self, path: str) -> DurableFile:
        """Open (creating if missing) a file for reading and appending."""
        ...

    def listdir(self, path: str) -> list[str]: ...

    def exists(self, path: str) -> bool: ...

    def remove(self, path: str) -> None: ...

    def makedirs(self, path: str) -> None: ...

    async def sync_dir(self, path: str) -> None:
        """Make file creations and removals in `path` durable."""
        ...

    def real_path(self, path: str) -> str:
        """An OS path, for libraries that manage their own files (LMDB)."""
        ...

    async def flush_external(self, flush: Callable[[], None]) -> None:
        """Run such a library's blocking flush (LMDB's env.sync) without stalling the
        node: on a worker thread for real, inline (after a simulated fsync) in the sim."""
        ...


class Runtime(Protocol):
    """What a role instance gets injected. One Runtime per simulated/real process."""

    node: str
    clock: Clock
    random: random.Random
    disk: Disk

    def now_ns(self) -> int:
        """Monotonic time of this node (the HLC's physical source); for timers and
        timeouts, not for ordering transactions (use `clock`)."""
        ...

    async def sleep(self, delay_ns: int) -> None: ...

    def call_later(self, delay_ns: int, fn: Callable[[], None]) -> TimerHandle: ...

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> Any:
        """Start a task owned by this node: it dies with the node in a crash."""
        ...

    def listen(self, address: str, handler: Handler, *, inline: bool = False) -> None:
        """Serve requests to `address`. `inline=True` lets a runtime run the handler
        in the caller's own task when both live in one process, instead of a message
        each way and a task: only for handlers that bound their own waits (the caller's
        timeout does not apply), are safe to cancel at any await, and do not care in
        which order calls and one-way messages from one sender reach them."""
        ...

    async def call(self, address: str, request: Any, timeout_ns: int) -> Any:
        """Send `request` and await the reply; raises `core.errors.Unavailable`
        when no reply arrives within `timeout_ns`."""
        ...

    def send(self, address: str, message: Any) -> None: ...

    def on_close(self, fn: Callable[[], None]) -> None:
        """Run `fn` when this process stops or (in the simulator) crashes: release
        resources that outlive tasks, such as an open LMDB environment."""
        ...
