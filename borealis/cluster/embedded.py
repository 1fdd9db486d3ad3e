"""Deployment shape 1: every role in one OS process (DESIGN.md §1).

`EmbeddedCluster` starts, on the running asyncio loop, one `AioRuntime` per role
instance — adjudicator `i` (with its journal) under ``<data>/adj<i>``, storage shard
`i` under ``<data>/store<i>``, the crossbar — all joined by one `LocalNetwork`, and
hands out `TxnClient`s for query processors. Roles still talk only in messages; in tests
every message is encoded and decoded on the way (`codec_roundtrip`).

The shard map is part of the data directory's identity: it is written to
``<data>/cluster.json`` on first start and read back afterwards, so restarting with a
different `--shards` cannot silently re-route keys away from the data that holds them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from borealis.adjudicator.service import Adjudicator, AdjudicatorConfig
from borealis.control.shardmap import ShardMap
from borealis.crossbar.service import Crossbar, CrossbarConfig
from borealis.qp.txn import TxnClient, TxnConfig
from borealis.runtime.aio import AioRuntime, LocalNetwork
from borealis.storage.service import Storage, StorageConfig

CLUSTER_FILE = "cluster.json"


@dataclass
class EmbeddedConfig:
    data_dir: str
    shards: int = 4
    codec_roundtrip: bool = True
    adjudicator: AdjudicatorConfig = field(default_factory=AdjudicatorConfig)
    storage: StorageConfig = field(default_factory=StorageConfig)
    crossbar: CrossbarConfig = field(default_factory=CrossbarConfig)
    txn: TxnConfig = field(default_factory=TxnConfig)


def load_shard_map(data_dir: str, shards: int) -> ShardMap:
    """The data directory's shard map, created from `shards` on first start."""
    path = os.path.join(data_dir, CLUSTER_FILE)
    if os.path.exists(path):
        with open(path) as f:
            saved = json.load(f)
    else:
        fresh = ShardMap.uniform(shards)
        saved = {
            "split_points": [p.hex() for p in (r.start for r in fresh.ranges[1:])],
            "adjudicators": fresh.adjudicator_count,
            "storages": fresh.storage_count,
        }
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(saved, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    return ShardMap([bytes.fromhex(p) for p in saved["split_points"]],
                    saved["adjudicators"], saved["storages"])


class EmbeddedCluster:
    def __init__(self, config: EmbeddedConfig) -> None:
        self.config = config
        os.makedirs(config.data_dir, exist_ok=True)
        self.map = load_shard_map(config.data_dir, config.shards)
        self.network = LocalNetwork(codec_roundtrip=config.codec_roundtrip)
        self.runtimes: list[AioRuntime] = []
        self.adjudicators: list[Adjudicator] = []
        self.storages: list[Storage] = []
        self.crossbar: Crossbar | None = None
        self._qp_count = 0

    def _runtime(self, name: str, directory: str | None = None) -> AioRuntime:
        root = os.path.join(self.config.data_dir, directory or name)
        os.makedirs(root, exist_ok=True)
        runtime = AioRuntime(name, self.network, root)
        self.runtimes.append(runtime)
        return runtime

    async def start(self) -> None:
        cfg = self.config
        for i in range(self.map.storage_count):
            storage = Storage(self._runtime(f"store{i}"), i, cfg.storage)
            await storage.start()
            self.storages.append(storage)
        for i in range(self.map.adjudicator_count):
            adjudicator = Adjudicator(self._runtime(f"adj{i}"), i, self.map, cfg.adjudicator)
            await adjudicator.start()
            self.adjudicators.append(adjudicator)
        self.crossbar = Crossbar(self._runtime("xbar"), self.map, cfg.crossbar)
        await self.crossbar.start()

    def txn_client(self) -> TxnClient:
        """A transaction client on its own QP runtime (one per session or pool)."""
        self._qp_count += 1
        runtime = self._runtime(f"qp{self._qp_count}", "qp")
        return TxnClient(runtime, self.map, self.config.txn)

    async def stop(self) -> None:
        for runtime in reversed(self.runtimes):
            await runtime.close()
        self.runtimes.clear()

    async def __aenter__(self) -> EmbeddedCluster:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()
