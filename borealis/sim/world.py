"""The simulated world: nodes, a faulty network, crashing disks, skewed clocks.

One `World` owns a `SimLoop` (virtual time) and one `random.Random(seed)` from which
every choice is drawn: message delays, loss, duplication, partitions, crashes, clock
skews and the workload's own choices. The same seed therefore replays the same run;
`trace_hash` digests every transmission and fault so tests can prove it.

A `SimNode` is one simulated OS process. Its `boot(runtime)` coroutine starts its
roles; `crash()` kills every task of the node, drops unsynced disk writes (torn tails
included) and forgets its addresses; `restart()` boots a fresh incarnation from what
its disk kept. Messages between two nodes go through the wire codec, so roles never
share Python objects.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from borealis.core import messages
from borealis.core.clock import Clock
from borealis.core.messages import Envelope
from borealis.runtime.rpc import RpcEndpoint
from borealis.sim.disk import SimDiskStore
from borealis.sim.loop import SimLoop

log = logging.getLogger(__name__)

MS = 1_000_000
SIM_EPOCH_NS = 1_700_000_000 * 1_000_000_000  # virtual 0 is this wall-clock instant


@dataclass
class NetworkFaults:
    """Probabilities and bounds of network misbehaviour between distinct nodes."""

    latency_min_ns: int = 100_000
    latency_max_ns: int = 2 * MS
    loss: float = 0.0
    duplicate: float = 0.0
    slow: float = 0.0  # chance a message takes up to `slow_max_ns` (reordering)
    slow_max_ns: int = 50 * MS


class SimTimer:
    def __init__(self, handle: asyncio.TimerHandle) -> None:
        self._handle = handle

    def cancel(self) -> None:
        self._handle.cancel()


class SimRuntime:
    """The `Runtime` of one incarnation of a simulated node."""

    def __init__(self, world: World, node: SimNode) -> None:
        self.world = world
        self._node = node
        self.node = node.name
        self.incarnation = node.incarnation
        self.random = world.random
        self.clock = Clock(self._physical_ns, world.clock_uncertainty_ns)
        self.disk = node.disk_store.disk(
            self.sleep, world.fsync_latency_ns, node.real_root)
        self.rpc = RpcEndpoint("@" + node.name, self._transmit, self.spawn)
        self._tasks: set[asyncio.Task] = set()
        self._close_hooks: list[Callable[[], None]] = []
        self.alive = True

    def _physical_ns(self) -> int:
        return SIM_EPOCH_NS + self.world.loop.virtual_ns + self._node.skew_ns

    def now_ns(self) -> int:
        return self.world.loop.virtual_ns

    async def sleep(self, delay_ns: int) -> None:
        await asyncio.sleep(max(0, delay_ns) / 1e9)

    def call_later(self, delay_ns: int, fn: Callable[[], None]) -> SimTimer:
        return SimTimer(self.world.loop.call_later(max(0, delay_ns) / 1e9, fn))

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str = "") -> asyncio.Task | None:
        if not self.alive:
            coro.close()
            return None
        task = self.world.loop.create_task(coro, name=name or None)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None and self.alive:
            self.world.task_failed(self.node, task)

    def listen(self, address: str, handler, *, inline: bool = False) -> None:
        # `inline` is ignored: in the simulator every call is a message, which the
        # world may delay, drop or duplicate.
        self.rpc.listen(address, handler)
        self.world.addresses[address] = self._node

    async def call(self, address: str, request: Any, timeout_ns: int) -> Any:
        return await self.rpc.call(address, request, timeout_ns)

    def send(self, address: str, message: Any) -> None:
        self.rpc.send(address, message)

    def on_close(self, fn: Callable[[], None]) -> None:
        self._close_hooks.append(fn)

    def _transmit(self, address: str, envelope: Envelope) -> None:
        if self.alive:
            self.world.transmit(self._node, address, envelope)

    def kill(self) -> None:
        self.alive = False
        for task in list(self._tasks):
            task.cancel()
        self.rpc.fail_pending()
        for hook in reversed(self._close_hooks):
            try:
                hook()
            except Exception:
                log.exception("close hook of %s failed", self.node)


class SimNode:
    def __init__(self, world: World, name: str, boot: Callable[[SimRuntime], Awaitable[Any]],
                 crashable: bool) -> None:
        self.world = world
        self.name = name
        self.boot = boot
        self.crashable = crashable
        self.incarnation = 0
        self.skew_ns = world.random.randint(-world.clock_skew_ns, world.clock_skew_ns)
        self.real_root = os.path.join(world.tmpdir, name)
        os.makedirs(self.real_root, exist_ok=True)
        self.disk_store = SimDiskStore()
        self.runtime: SimRuntime | None = None

    @property
    def alive(self) -> bool:
        return self.runtime is not None and self.runtime.alive

    def start(self) -> None:
        self.incarnation += 1
        self.runtime = SimRuntime(self.world, self)
        self.runtime.spawn(self.boot(self.runtime), name=f"boot {self.name}")

    def crash(self) -> None:
        if self.runtime is not None:
            self.runtime.kill()
        self.disk_store.crash(self.world.random)
        for address, node in list(self.world.addresses.items()):
            if node is self:
                del self.world.addresses[address]


class World:
    def __init__(
        self,
        seed: int,
        *,
        faults: NetworkFaults | None = None,
        clock_skew_ns: int = 0,
        fsync_latency_ns: tuple[int, int] = (200_000, 2 * MS),
    ) -> None:
        self.seed = seed
        self.random = random.Random(seed)
        self.loop = SimLoop()
        self.faults = faults or NetworkFaults()
        self.clock_skew_ns = clock_skew_ns
        # ClockBound-style error bound: every node's true-time interval covers its skew.
        self.clock_uncertainty_ns = clock_skew_ns
        self._fsync_latency = fsync_latency_ns
        self.nodes: dict[str, SimNode] = {}
        self.addresses: dict[str, SimNode] = {}
        self.partitioned: set[tuple[str, str]] = set()
        self._trace = hashlib.sha256()
        self.failures: list[str] = []
        self.tmpdir = tempfile.mkdtemp(prefix=f"borealis-sim-{seed}-")
        self.messages_sent = 0

    # -- set-up ---------------------------------------------------------------------

    def add_node(self, name: str, boot: Callable[[SimRuntime], Awaitable[Any]], *,
                 crashable: bool = True) -> SimNode:
        node = SimNode(self, name, boot, crashable)
        self.nodes[name] = node
        return node

    def fsync_latency_ns(self) -> int:
        return self.random.randint(*self._fsync_latency)

    def record(self, *items: Any) -> None:
        self._trace.update(repr(items).encode())

    @property
    def trace_hash(self) -> str:
        return self._trace.hexdigest()

    @property
    def now_ns(self) -> int:
        return self.loop.virtual_ns

    # -- the network ----------------------------------------------------------------

    def transmit(self, src: SimNode, address: str, envelope: Envelope) -> None:
        data = messages.encode(envelope)
        self.messages_sent += 1
        dst = self.nodes.get(address[1:]) if address.startswith("@") else self.addresses.get(address)
        self.record("tx", self.loop.virtual_ns, src.name, address, len(data))
        if dst is None:
            return
        if dst is src:
            self.loop.call_soon(self._deliver, dst, dst.incarnation, address, data)
            return
        if (src.name, dst.name) in self.partitioned:
            return
        f = self.faults
        rng = self.random
        if f.loss and rng.random() < f.loss:
            return
        copies = 2 if f.duplicate and rng.random() < f.duplicate else 1
        for _ in range(copies):
            if f.slow and rng.random() < f.slow:
                delay = rng.randint(f.latency_min_ns, f.slow_max_ns)
            else:
                delay = rng.randint(f.latency_min_ns, f.latency_max_ns)
            self.loop.call_later(delay / 1e9, self._deliver, dst, dst.incarnation, address, data)

    def _deliver(self, dst: SimNode, incarnation: int, address: str, data: bytes) -> None:
        runtime = dst.runtime
        if runtime is None or not runtime.alive:
            return
        envelope = messages.decode(data)
        if envelope.call_id < 0 and incarnation != dst.incarnation:
            return  # a reply to a call made by a previous incarnation
        runtime.rpc.receive(envelope, address)

    def partition(self, side_a: list[str], side_b: list[str]) -> None:
        for a in side_a:
            for b in side_b:
                self.partitioned.add((a, b))
                self.partitioned.add((b, a))
        self.record("partition", self.loop.virtual_ns, sorted(side_a), sorted(side_b))

    def heal(self) -> None:
        self.partitioned.clear()
        self.record("heal", self.loop.virtual_ns)

    # -- processes ------------------------------------------------------------------

    def crash(self, name: str) -> None:
        self.record("crash", self.loop.virtual_ns, name)
        self.nodes[name].crash()

    def restart(self, name: str) -> None:
        self.record("restart", self.loop.virtual_ns, name)
        self.nodes[name].start()

    def task_failed(self, node: str, task: asyncio.Task) -> None:
        exc = task.exception()
        self.failures.append(f"{node}: task {task.get_name()} died: {exc!r}")
        log.error("sim node %s task %s died", node, task.get_name(), exc_info=exc)

    def run(self, main: Coroutine[Any, Any, Any], *, limit_ns: int | None = None) -> Any:
        """Start every node, then run `main` to completion on virtual time."""
        for node in self.nodes.values():
            if node.runtime is None:
                node.start()

        async def bounded() -> Any:
            if limit_ns is None:
                return await main
            return await asyncio.wait_for(main, limit_ns / 1e9)

        try:
            return self.loop.run_until_complete(bounded())
        finally:
            self.close()

    def close(self) -> None:
        for node in self.nodes.values():
            if node.runtime is not None and node.runtime.alive:
                node.runtime.kill()
        self.loop.is_closing_down = True
        try:
            pending = [t for t in asyncio.all_tasks(self.loop) if not t.done()]
            for t in pending:
                t.cancel()
            if pending:
                self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        finally:
            self.loop.close()
            shutil.rmtree(self.tmpdir, ignore_errors=True)
