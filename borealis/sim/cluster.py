"""A whole Borealis core cluster inside the simulator, plus the nemesis that breaks it.

Nodes: ``adj<i>`` (an adjudicator and its journal), ``store<i>`` (a storage shard),
``xbar`` (the crossbar) and ``qp<i>`` (query processors running workload clients; they
are not crashed — a QP crash is just a client that vanished). The nemesis picks, from
the world's PRNG, crashes with restarts, network partitions that heal, and relies on
`NetworkFaults` for loss, duplication and reordering.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

from borealis.adjudicator.service import Adjudicator, AdjudicatorConfig
from borealis.control.shardmap import ShardMap
from borealis.crossbar.service import Crossbar, CrossbarConfig
from borealis.qp.txn import TxnClient, TxnConfig
from borealis.sim.world import MS, NetworkFaults, SimRuntime, World
from borealis.storage.service import Storage, StorageConfig


@dataclass
class Faults:
    """What the nemesis may do during a run."""

    network: NetworkFaults = field(default_factory=NetworkFaults)
    crashes: bool = False
    partitions: bool = False
    clock_skew_ns: int = 0
    interval_ns: tuple[int, int] = (100 * MS, 400 * MS)  # between nemesis actions
    downtime_ns: tuple[int, int] = (20 * MS, 300 * MS)

    @classmethod
    def none(cls) -> Faults:
        return cls()

    @classmethod
    def all(cls) -> Faults:
        return cls(
            network=NetworkFaults(loss=0.01, duplicate=0.01, slow=0.02),
            crashes=True, partitions=True, clock_skew_ns=2 * MS,
        )


@dataclass
class ClusterSpec:
    split_points: list[bytes]
    adjudicators: int = 2
    storages: int = 2
    clients: int = 4
    adjudicator: AdjudicatorConfig = field(default_factory=AdjudicatorConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    crossbar: CrossbarConfig = field(default_factory=CrossbarConfig)
    txn: TxnConfig = field(default_factory=TxnConfig)


class SimCluster:
    def __init__(self, seed: int, spec: ClusterSpec, faults: Faults) -> None:
        self.spec = spec
        self.faults = faults
        self.world = World(seed, faults=faults.network, clock_skew_ns=faults.clock_skew_ns)
        self.map = ShardMap(spec.split_points, spec.adjudicators, spec.storages)
        self.role_nodes: list[str] = []
        for i in range(self.map.adjudicator_count):
            self._add_role(f"adj{i}", self._boot_adjudicator(i))
        for i in range(self.map.storage_count):
            self._add_role(f"store{i}", self._boot_storage(i))
        self._add_role("xbar", self._boot_crossbar())
        self.clients: list[str] = []
        for i in range(spec.clients):
            name = f"qp{i}"
            self.world.add_node(name, _idle, crashable=False)
            self.clients.append(name)

    def _add_role(self, name: str, boot) -> None:
        self.world.add_node(name, boot)
        self.role_nodes.append(name)

    def _boot_adjudicator(self, i: int):
        async def boot(rt: SimRuntime) -> None:
            await Adjudicator(rt, i, self.map, self.spec.adjudicator).start()
        return boot

    def _boot_storage(self, i: int):
        async def boot(rt: SimRuntime) -> None:
            await Storage(rt, i, self.spec.storage).start()
        return boot

    def _boot_crossbar(self):
        async def boot(rt: SimRuntime) -> None:
            await Crossbar(rt, self.map, self.spec.crossbar).start()
        return boot

    def txn_client(self, client: int) -> TxnClient:
        runtime = self.world.nodes[self.clients[client]].runtime
        assert runtime is not None
        return TxnClient(runtime, self.map, self.spec.txn)

    def spawn_client(self, client: int, coro) -> asyncio.Task:
        runtime = self.world.nodes[self.clients[client]].runtime
        assert runtime is not None
        task = runtime.spawn(coro, name=f"client {client}")
        assert task is not None
        return task

    # -- the nemesis ----------------------------------------------------------------

    async def nemesis(self, stop: asyncio.Event) -> None:
        """Break things until `stop` is set, then heal and restart everything."""
        world, rng, f = self.world, self.world.random, self.faults
        down: dict[str, int] = {}  # node -> virtual time to restart it
        actions = (["crash"] if f.crashes else []) + (["partition"] if f.partitions else [])
        while actions and not stop.is_set():
            await _sleep_or_stop(stop, rng.randint(*f.interval_ns))
            restarted = []
            for name, when in list(down.items()):
                if world.now_ns >= when:
                    world.restart(name)
                    del down[name]
                    restarted.append(name)
            if stop.is_set():
                break
            action = rng.choice(actions)
            if action == "crash":
                # Not a node restarted this very step: crashing it again before it has
                # run at all tests nothing but unavailability (a seed whose nemesis kept
                # one adjudicator down the whole run committed nothing).
                up = [n for n in self.role_nodes if n not in down and n not in restarted]
                if up:
                    victim = rng.choice(up)
                    world.crash(victim)
                    down[victim] = world.now_ns + rng.randint(*f.downtime_ns)
            elif world.partitioned:
                world.heal()
            else:
                nodes = sorted(world.nodes)
                rng.shuffle(nodes)
                cut = rng.randint(1, len(nodes) - 1)
                world.partition(nodes[:cut], nodes[cut:])
        world.heal()
        for name in down:
            world.restart(name)


async def _idle(runtime: SimRuntime) -> None:
    return None


async def _sleep_or_stop(stop: asyncio.Event, delay_ns: int) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), delay_ns / 1e9)
