"""Run simulation seeds from the command line: ``python -m borealis.sim.run``.

    make sim SEEDS=500                      # every workload, seeds 0..499
    make sim SEEDS=1 FIRST=1234 WORKLOAD=bank   # replay one seed

Each seed picks a fault profile (`profile_for`) and runs one workload; a failing seed
prints what broke and the command that replays it. Same seed, same run: the trace hash
printed with `--verbose` is identical across runs.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from borealis.sim.cluster import Faults
from borealis.sim.workloads import WORKLOADS, RunResult, WorkloadConfig, run_seed
from borealis.sim.world import MS, NetworkFaults

S = 1_000_000_000
PROFILES = ("calm", "network", "crash", "partition", "all")


def profile_for(seed: int) -> str:
    return PROFILES[seed % len(PROFILES)]


def faults_for(profile: str) -> Faults:
    noisy = NetworkFaults(loss=0.02, duplicate=0.02, slow=0.05)
    if profile == "calm":
        return Faults.none()
    if profile == "network":
        return Faults(network=noisy, clock_skew_ns=2 * MS)
    if profile == "crash":
        return Faults(crashes=True, interval_ns=(200 * MS, 800 * MS))
    if profile == "partition":
        return Faults(partitions=True, interval_ns=(200 * MS, 800 * MS), clock_skew_ns=1 * MS)
    if profile == "all":
        return Faults(network=noisy, crashes=True, partitions=True, clock_skew_ns=2 * MS,
                      interval_ns=(150 * MS, 600 * MS))
    raise ValueError(f"unknown fault profile {profile!r}")


def run_one(workload: str, seed: int, *, duration_ns: int = 2 * S,
            buggy: str | None = None, profile: str | None = None) -> RunResult:
    profile = profile or profile_for(seed)
    cfg = WorkloadConfig(duration_ns=duration_ns)
    return run_seed(workload, seed, faults_for(profile), cfg, buggy)


def replay_command(workload: str, seed: int) -> str:
    return f"make sim SEEDS=1 FIRST={seed} WORKLOAD={workload}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--workload", choices=sorted(WORKLOADS), action="append")
    parser.add_argument("--duration-ms", type=int, default=2000)
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--bug", choices=("adjudicator", "storage"),
                        help="switch on a deliberate bug, to see the checkers catch it")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    workloads = args.workload or sorted(WORKLOADS)
    failed = 0
    txns = 0
    started = time.monotonic()
    for seed in range(args.first, args.first + args.seeds):
        for workload in workloads:
            result = run_one(workload, seed, duration_ns=args.duration_ms * MS, buggy=args.bug)
            txns += result.committed + result.aborted + result.unknown
            if args.verbose or not result.ok:
                print(f"[{profile_for(seed)}] {result.summary()} trace={result.trace_hash[:16]}")
            if not result.ok:
                failed += 1
                for problem in result.problems:
                    print(f"    {problem}")
                print(f"    replay: {replay_command(workload, seed)}"
                      + (f" (with --bug {args.bug})" if args.bug else ""))
    elapsed = time.monotonic() - started
    runs = args.seeds * len(workloads)
    print(f"{runs - failed} passed, {failed} failed; {txns} transactions in {elapsed:.1f}s "
          f"({txns / max(elapsed, 1e-9):.0f} simulated transactions/s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
