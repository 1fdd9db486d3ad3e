"""The real runtime: asyncio (uvloop where installed), the wall clock, files with fsync.

`AioRuntime` is one OS process's view (its node name, clock, disk root). Roles in the
same process reach each other through a `LocalNetwork`, an in-process transport that
hands messages to the destination's `RpcEndpoint` on the next loop iteration (or, for a
handler listening with `inline=True`, runs it in the caller's task: no message, no task,
no timer for the commonest call, a storage read); with
`codec_roundtrip=True` (always in tests) every message is encoded and decoded on the
way, so no two roles can share an object by accident. The TCP transport for one
process per role plugs in at the same `transmit` seam.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import random
import time
from collections.abc import Callable, Coroutine
from typing import Any

from borealis.core import errors, messages
from borealis.core.clock import Clock
from borealis.core.messages import Envelope
from borealis.runtime.base import Handler
from borealis.runtime.disk import OsDisk
from borealis.runtime.rpc import RpcEndpoint, error_reply

log = logging.getLogger(__name__)


def install_uvloop() -> None:
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a pinned dependency on POSIX
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


class LocalNetwork:
    """Address → endpoint map shared by the runtimes of one OS process."""

    def __init__(self, *, codec_roundtrip: bool = True) -> None:
        self.codec_roundtrip = codec_roundtrip
        self._by_address: dict[str, RpcEndpoint] = {}
        self._inline: dict[str, Handler] = {}

    def bind(self, address: str, endpoint: RpcEndpoint, inline: Handler | None = None) -> None:
        self._by_address[address] = endpoint
        if inline is None:
            self._inline.pop(address, None)
        else:
            self._inline[address] = inline

    def unbind(self, endpoint: RpcEndpoint) -> None:
        for address in [a for a, e in self._by_address.items() if e is endpoint]:
            del self._by_address[address]
            self._inline.pop(address, None)

    def inline_handler(self, address: str) -> Handler | None:
        return self._inline.get(address)

    async def call_inline(self, handler: Handler, sender: str, request: Any) -> Any:
        """A call to a handler listening with `inline=True`, run in the caller's task.
        With `codec_roundtrip` the request, the reply and an error cross the codec
        exactly as they would over `transmit`."""
        if self.codec_roundtrip:
            request = messages.decode(messages.encode(request))
        try:
            reply = handler(sender, request)
            if inspect.isawaitable(reply):
                reply = await reply
        except errors.BorealisError as exc:
            if self.codec_roundtrip:
                raise errors.error_class(type(exc).__name__)(exc.message) from None
            raise
        except Exception as exc:  # as over a message: a handler's bug is an error reply
            error = error_reply(exc, request)
            raise errors.error_class(error.name)(error.message) from None
        if self.codec_roundtrip:
            reply = messages.decode(messages.encode(reply))
        return reply

    def transmit(self, address: str, envelope: Envelope) -> None:
        endpoint = self._by_address.get(address)
        if endpoint is None:
            return
        if self.codec_roundtrip:
            envelope = messages.decode(messages.encode(envelope))
        asyncio.get_running_loop().call_soon(endpoint.receive, envelope, address)


class AioTimer:
    def __init__(self, handle: asyncio.TimerHandle) -> None:
        self._handle = handle

    def cancel(self) -> None:
        self._handle.cancel()


class AioRuntime:
    """A `Runtime` over asyncio for one named role host in this OS process."""

    def __init__(self, node: str, network: LocalNetwork, disk_root: str, *,
                 seed: int | None = None, clock_uncertainty_ns: int = 0) -> None:
        self.node = node
        self.network = network
        self.clock = Clock(time.time_ns, clock_uncertainty_ns)
        self.random = random.Random(seed)
        self.disk = OsDisk(disk_root)
        self.rpc = RpcEndpoint("@" + node, network.transmit, self.spawn)
        network.bind(self.rpc.name, self.rpc)
        self._tasks: set[asyncio.Task] = set()
        self._close_hooks: list[Callable[[], None]] = []

    def now_ns(self) -> int:
        return time.monotonic_ns()

    async def sleep(self, delay_ns: int) -> None:
        await asyncio.sleep(max(0, delay_ns) / 1e9)

    def call_later(self, delay_ns: int, fn: Callable[[], None]) -> AioTimer:
        return AioTimer(asyncio.get_running_loop().call_later(max(0, delay_ns) / 1e9, fn))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coro, name=name or None)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("task %s of %s died", task.get_name(), self.node,
                      exc_info=task.exception())

    def listen(self, address: str, handler: Handler, *, inline: bool = False) -> None:
        self.rpc.listen(address, handler)
        self.network.bind(address, self.rpc, handler if inline else None)

    async def call(self, address: str, request: Any, timeout_ns: int) -> Any:
        handler = self.network.inline_handler(address)
        if handler is not None:
            return await self.network.call_inline(handler, self.rpc.name, request)
        return await self.rpc.call(address, request, timeout_ns)

    def send(self, address: str, message: Any) -> None:
        self.rpc.send(address, message)

    def on_close(self, fn: Callable[[], None]) -> None:
        self._close_hooks.append(fn)

    async def close(self) -> None:
        self.network.unbind(self.rpc)  # like a closed port: callers time out
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.rpc.fail_pending()
        for hook in reversed(self._close_hooks):
            hook()
        self._close_hooks.clear()
