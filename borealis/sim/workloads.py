"""Simulation workloads and their invariants (DESIGN.md §8).

Each workload runs client coroutines on the cluster's QP nodes while the nemesis breaks
things, then heals the cluster and checks what it recorded:

- `bank`: transfers between accounts spread over every shard; every snapshot read of
  all accounts must sum to the initial total (money is conserved), and so must the
  final state.
- `append`: list-append transactions; the whole history goes to the strong snapshot
  isolation checker (`checkers.si`): G0, G1a–c, lost updates, non-repeatable reads and
  real-time violations are failures, write skew is allowed.
- `durability`: each transaction writes several keys on different shards; after every
  crash and restart, every acknowledged transaction must be fully there, and no
  transaction may ever be seen partly — not in snapshot reads during the run, not at
  the end.

Outcomes: a commit that returns is "ok"; a 40001/age/deadline error is "fail" (the
adjudicator said no, so it did not commit); anything else (a timeout, 08007) is
"info": it may or may not have committed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from borealis.core import errors, values
from borealis.qp.txn import TxnClient
from borealis.sim.checkers import si
from borealis.sim.checkers.history import FAIL, INFO, OK, Append, Read, Txn
from borealis.sim.cluster import ClusterSpec, Faults, SimCluster
from borealis.sim.loop import SimDeadlock
from borealis.sim.world import MS

S = 1_000_000_000
log = logging.getLogger(__name__)

DEFINITE_ABORTS = (errors.OccConflict, errors.SchemaConflict, errors.CommitDeadlineExceeded,
                   errors.TransactionAgeLimit)


@dataclass
class RunResult:
    workload: str
    seed: int
    ok: bool
    problems: list[str] = field(default_factory=list)
    committed: int = 0
    aborted: int = 0
    unknown: int = 0
    virtual_ns: int = 0
    trace_hash: str = ""
    messages: int = 0

    def summary(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        return (f"{self.workload} seed={self.seed} {verdict}: committed={self.committed} "
                f"aborted={self.aborted} unknown={self.unknown} "
                f"virtual={self.virtual_ns / 1e9:.2f}s messages={self.messages}")


@dataclass
class WorkloadConfig:
    duration_ns: int = 2 * S
    clients: int = 4
    shards: int = 3
    think_ns: tuple[int, int] = (0, 5 * MS)


def outcome_of(exc: BaseException) -> str:
    return FAIL if isinstance(exc, DEFINITE_ABORTS) else INFO


async def retry_until_committed(client: TxnClient, body, attempts_max: int = 200) -> Any:
    """Run `body(txn)` and commit, retrying aborts; for set-up and final reads."""
    for _ in range(attempts_max):
        txn = client.begin()
        try:
            result = await body(txn)
            await txn.commit()
            return result
        except errors.BorealisError as exc:
            txn.abort()
            log.debug("retrying after %r", exc)
            await client.rt.sleep(20 * MS)
    raise AssertionError("could not commit after many attempts")


def _split_points(keys: list[bytes], shards: int) -> list[bytes]:
    keys = sorted(keys)
    return [keys[(len(keys) * i) // shards] for i in range(1, shards)]


def _cluster(seed: int, keys: list[bytes], cfg: WorkloadConfig, faults: Faults,
             buggy: str | None) -> SimCluster:
    spec = ClusterSpec(_split_points(keys, cfg.shards), adjudicators=cfg.shards,
                       storages=cfg.shards, clients=cfg.clients)
    if buggy == "adjudicator":
        spec.adjudicator.buggy_skip_conflict_check = True
    elif buggy == "storage":
        spec.storage.buggy_serve_early = True
    elif buggy is not None:
        raise ValueError(f"unknown bug {buggy!r}")
    return SimCluster(seed, spec, faults)


async def _drive(cluster: SimCluster, cfg: WorkloadConfig, client_loop, finish,
                 setup=None) -> None:
    """`setup()` on a healthy cluster, then run the clients and the nemesis for the
    duration, heal, then `finish()`."""
    world = cluster.world
    if setup is not None:
        await setup()
    stop = asyncio.Event()
    nemesis = asyncio.ensure_future(cluster.nemesis(stop))
    end = world.now_ns + cfg.duration_ns
    tasks = [cluster.spawn_client(i, client_loop(i, end)) for i in range(cfg.clients)]
    await asyncio.gather(*tasks)
    stop.set()
    await nemesis
    await finish()


# -- bank ---------------------------------------------------------------------------

ACCOUNTS = 8
INITIAL = 100


def _account(i: int) -> bytes:
    return b"bank/%04d" % i


def run_bank(seed: int, faults: Faults, cfg: WorkloadConfig | None = None,
             buggy: str | None = None) -> RunResult:
    cfg = cfg or WorkloadConfig()
    keys = [_account(i) for i in range(ACCOUNTS)]
    cluster = _cluster(seed, keys, cfg, faults, buggy)
    world = cluster.world
    result = RunResult("bank", seed, True)
    total = ACCOUNTS * INITIAL

    async def audit(txn) -> int:
        rows = await txn.scan(b"bank/", b"bank0")
        return sum(values.loads(v) for _, v in rows), len(rows)

    def problem(text: str) -> None:
        result.ok = False
        if len(result.problems) < 20:
            result.problems.append(text)

    async def client_loop(c: int, end: int) -> None:
        client = cluster.txn_client(c)
        rng = world.random
        while world.now_ns < end:
            await client.rt.sleep(rng.randint(*cfg.think_ns))
            txn = client.begin()
            try:
                if rng.random() < 0.25:
                    seen, n = await audit(txn)
                    await txn.commit()
                    if n != ACCOUNTS or seen != total:
                        problem(f"snapshot at {txn.t_start} sums {seen} over {n} accounts, expected {total}")
                    continue
                a, b = rng.sample(range(ACCOUNTS), 2)
                va, vb = await txn.get_many([keys[a], keys[b]])
                if va is None or vb is None:  # set-up committed them before any client ran
                    problem(f"an account is missing at {txn.t_start}")
                    continue
                amount = rng.randint(1, 20)
                txn.put(keys[a], values.dumps(values.loads(va) - amount))
                txn.put(keys[b], values.dumps(values.loads(vb) + amount))
                await txn.commit()
                result.committed += 1
            except errors.BorealisError as exc:
                txn.abort()
                if outcome_of(exc) == FAIL:
                    result.aborted += 1
                else:
                    result.unknown += 1

    async def setup() -> None:
        # Before the nemesis: a transfer touches every adjudicator, and a seed whose
        # faults never leave all of them up at once would otherwise test nothing.
        async def init(txn) -> None:
            for key in keys:
                txn.put(key, values.dumps(INITIAL))
        await retry_until_committed(cluster.txn_client(0), init)

    async def finish() -> None:
        seen, n = await retry_until_committed(cluster.txn_client(0), audit)
        if n != ACCOUNTS or seen != total:
            problem(f"final state sums {seen} over {n} accounts, expected {total}")

    return _execute(cluster, cfg, client_loop, finish, result, setup=setup)


def _execute(cluster: SimCluster, cfg: WorkloadConfig, client_loop, finish,
             result: RunResult, limit_ns: int = 600 * S, setup=None) -> RunResult:
    """Run the workload on the cluster's own virtual-time loop, then close the world."""
    try:
        cluster.world.run(_drive(cluster, cfg, client_loop, finish, setup),
                          limit_ns=limit_ns)
    except (TimeoutError, SimDeadlock, AssertionError) as exc:
        result.ok = False
        result.problems.append(f"run did not finish: {exc!r}")
    return _close(result, cluster)


def _close(result: RunResult, cluster: SimCluster) -> RunResult:
    world = cluster.world
    result.virtual_ns = world.now_ns
    result.trace_hash = world.trace_hash
    result.messages = world.messages_sent
    if world.failures:
        result.ok = False
        result.problems.extend(world.failures[:10])
    return result


# -- list append ----------------------------------------------------------------------

APPEND_KEYS = 6


def _append_key(i: int) -> bytes:
    return b"list/%02d" % i


def run_append(seed: int, faults: Faults, cfg: WorkloadConfig | None = None,
               buggy: str | None = None) -> RunResult:
    cfg = cfg or WorkloadConfig()
    keys = [_append_key(i) for i in range(APPEND_KEYS)]
    cluster = _cluster(seed, keys, cfg, faults, buggy)
    world = cluster.world
    result = RunResult("append", seed, True)
    history: list[Txn] = []
    next_value = [1]
    next_id = [1]

    async def one_txn(client: TxnClient, c: int, ops_plan) -> None:
        txn = client.begin()
        invoke = world.now_ns
        ops: list = []
        status = OK
        try:
            for kind, k in ops_plan:
                key = keys[k]
                raw = await txn.get(key)
                current = values.loads(raw) if raw is not None else ()
                if kind == "r":
                    ops.append(Read(key.decode(), tuple(current) if raw is not None else None))
                else:
                    value = next_value[0]
                    next_value[0] += 1
                    txn.put(key, values.dumps((*current, value)))
                    ops.append(Append(key.decode(), value))
            await txn.commit()
            result.committed += 1
        except errors.BorealisError as exc:
            txn.abort()
            status = outcome_of(exc)
            if status == FAIL:
                result.aborted += 1
            else:
                result.unknown += 1
        history.append(Txn(next_id[0], c, invoke, world.now_ns, status, tuple(ops)))
        next_id[0] += 1

    async def client_loop(c: int, end: int) -> None:
        client = cluster.txn_client(c)
        rng = world.random
        while world.now_ns < end:
            await client.rt.sleep(rng.randint(*cfg.think_ns))
            plan = [("a" if rng.random() < 0.5 else "r", rng.randrange(APPEND_KEYS))
                    for _ in range(rng.randint(1, 4))]
            await one_txn(client, c, plan)

    async def finish() -> None:
        client = cluster.txn_client(0)
        await asyncio.sleep(0.5)  # let every promise and vote resolve
        for attempt in range(50):
            before = len(history)
            await one_txn(client, 0, [("r", k) for k in range(APPEND_KEYS)])
            if history[before].status == OK:
                break
            await client.rt.sleep(50 * MS)
            del history[before:]
            if attempt == 49:
                raise AssertionError("final read never committed")

    _execute(cluster, cfg, client_loop, finish, result)
    check = si.check(history)
    if not check.ok:
        result.ok = False
        for name, items in check.anomalies.items():
            result.problems.extend(f"{name}: {text}" for text in items[:3])
    return result


# -- durability and atomicity ----------------------------------------------------------

def run_durability(seed: int, faults: Faults, cfg: WorkloadConfig | None = None,
                   buggy: str | None = None) -> RunResult:
    cfg = cfg or WorkloadConfig()
    cfg_keys = [b"dur/%d/" % i for i in range(cfg.shards * 4)]
    cluster = _cluster(seed, cfg_keys, cfg, faults, buggy)
    world = cluster.world
    result = RunResult("durability", seed, True)
    acked: list[tuple[bytes, ...]] = []
    attempted: list[tuple[bytes, ...]] = []

    def problem(text: str) -> None:
        result.ok = False
        if len(result.problems) < 20:
            result.problems.append(text)

    def txn_keys(c: int, n: int, rng) -> tuple[bytes, ...]:
        buckets = rng.sample(range(len(cfg_keys)), 3)
        return tuple(cfg_keys[b] + b"%d-%d" % (c, n) for b in sorted(buckets))

    async def client_loop(c: int, end: int) -> None:
        client = cluster.txn_client(c)
        rng = world.random
        n = 0
        while world.now_ns < end:
            await client.rt.sleep(rng.randint(*cfg.think_ns))
            txn = client.begin()
            try:
                if attempted and rng.random() < 0.3:
                    probe = rng.choice(attempted)
                    got = await txn.get_many(list(probe))
                    await txn.commit()
                    present = [v is not None for v in got]
                    if any(present) and not all(present):
                        problem(f"partial transaction visible at {txn.t_start}: {probe}")
                    continue
                n += 1
                ks = txn_keys(c, n, rng)
                for k in ks:
                    txn.put(k, ks[0])
                attempted.append(ks)
                await txn.commit()
                acked.append(ks)
                result.committed += 1
            except errors.BorealisError as exc:
                txn.abort()
                if outcome_of(exc) == FAIL:
                    result.aborted += 1
                else:
                    result.unknown += 1

    async def finish() -> None:
        client = cluster.txn_client(0)

        async def read_all(txn):
            return dict(await txn.scan(b"dur/", b"dur0"))

        state = await retry_until_committed(client, read_all)
        for ks in acked:
            if any(state.get(k) != ks[0] for k in ks):
                problem(f"acknowledged transaction lost: {ks}")
        for ks in attempted:
            present = [k in state for k in ks]
            if any(present) and not all(present):
                problem(f"partial transaction in final state: {ks}")

    return _execute(cluster, cfg, client_loop, finish, result)


WORKLOADS = {
    "bank": run_bank,
    "append": run_append,
    "durability": run_durability,
}


def run_seed(workload: str, seed: int, faults: Faults, cfg: WorkloadConfig | None = None,
             buggy: str | None = None) -> RunResult:
    """Build the world for `seed`, run one workload to completion and check it."""
    return WORKLOADS[workload](seed, faults, cfg, buggy)
