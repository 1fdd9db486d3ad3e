"""`make bench` — Borealis side by side with PostgreSQL 15 on this machine.

    python -m bench.run [--quick] [--scale N] [--duration S] [--clients N] [--only LIST]
                        [--servers postgres,borealis] [--borealis-args "--shards 8"] ...

Installs PostgreSQL 15 and sysbench when missing, then starts a throw-away PostgreSQL
and a throw-away Borealis and loads the pgbench data set into each, measuring the load,
memory and disk; each then settles (PostgreSQL checkpoints, the page cache is flushed),
so that one server's load does not cost the next one's measurements. The single-client
latency probes run next on both at once, the servers taking turns in short rounds, so
that the machine's drift over the run falls on both alike. Then each server in turn runs
the multi-client workloads with the same client settings and is stopped: PostgreSQL
first (Borealis idle beside it), then Borealis alone.
Prints one table and writes it under bench/results/ (JSON and markdown). A workload
that cannot run says "not run: <why>" in the table; one that fails shows its error.
Ratios are what matter: the machine is shared, absolute figures drift.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench import report, workloads
from bench.borealis_server import BASE_ARGS, TempBorealis
from bench.install import ensure_postgres, ensure_sysbench
from bench.postgres import PG_BIN, TempPostgres
from bench.procs import disk_bytes, peak_rss_bytes, tree_pids
from bench.report import Row
from bench.workloads import Measurement, Settings, Target

RESULTS_DIR = Path(__file__).resolve().parent / "results"
GROUPS = ("select", "update", "latency", "sysbench")
HEALTH_TIMEOUT_S = 30.0
MIB = 1024 * 1024
QUICK = {"scale": 1, "duration": 5, "sysbench_rows": 10_000, "latency_ops": 300}
FULL = {"scale": 10, "duration": 30, "sysbench_rows": 100_000, "latency_ops": 2_000}


def _rows(s: Settings) -> list[Row]:
    c = f"{s.clients} clients"
    return [
        Row("load", f"bulk load: pgbench data set, scale {s.scale} ({s.accounts:,} accounts)",
            "s", "lower"),
        Row("rss_after_load", "peak RSS after the load", "MiB", "lower"),
        Row("disk_after_load", "data on disk after the load", "MiB", "lower"),
        Row("select_simple", f"pgbench select-only -M simple, {c}", "TPS", "higher"),
        Row("select_prepared", f"pgbench select-only -M prepared, {c}", "TPS", "higher"),
        Row("simple_update", f"pgbench simple-update -M simple, {c}, "
            f"--max-tries={s.max_tries}", "TPS", "higher"),
        *(Row(f"{what}_{p}", f"latency: {title}, {p} of {s.latency_ops:,}, 1 client", "ms",
              "lower")
          for what, title in (("update", "UPDATE 1 row + COMMIT"), ("select", "point SELECT"))
          for p in ("p50", "p99")),
        Row("sysbench_prepare", f"sysbench prepare ({s.sysbench_rows:,} rows, own schema)",
            "s", "lower"),
        Row("sysbench_point_select", f"sysbench oltp_point_select, {c}", "TPS", "higher"),
        Row("sysbench_read_write", f"sysbench oltp_read_write, {c}", "TPS", "higher"),
        Row("rss_end", "peak RSS at the end", "MiB", "lower"),
    ]


GROUP_OF = {"select_simple": "select", "select_prepared": "select",
            "simple_update": "update", "update_p50": "latency", "update_p99": "latency",
            "select_p50": "latency", "select_p99": "latency", "sysbench_prepare": "sysbench",
            "sysbench_point_select": "sysbench", "sysbench_read_write": "sysbench"}


class Server:
    """A server under test as the steps need it; subclasses start the real thing."""

    name = ""
    user = ""

    def start(self) -> int:
        """Start it; its port."""
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def main_pid(self) -> int | None:
        raise NotImplementedError

    def describe(self) -> dict:
        """How it was configured, for the JSON."""
        return {}

    data_dir: Path
    log_path: Path

    def pids(self) -> list[int]:
        pid = self.main_pid()
        return tree_pids(pid) if pid else []

    def settle(self, target: Target) -> None:
        """After the load: its writes reach the disk now, so that they do not compete
        with the measurements that follow, on this server or the other."""
        os.sync()

    def healthy(self, target: Target) -> str | None:
        """None if it still answers a query, else why not."""
        if self.main_pid() is None:
            return f"{self.name} process exited"
        answer, error = workloads.client("version", target, timeout_s=HEALTH_TIMEOUT_S)
        return None if answer else f"{self.name} stopped answering: {error}"


class PostgresServer(Server):
    name, user = "postgres", "postgres"

    def start(self) -> int:
        self.pg = TempPostgres(durable=True)  # fsync and synchronous_commit on
        self.data_dir, self.log_path = self.pg.data, self.pg.tmp / "log"
        try:
            self.pg.start()
        except Exception:
            self.pg.stop()
            raise
        return self.pg.port

    def stop(self) -> None:
        self.pg.stop()

    def settle(self, target: Target) -> None:
        workloads.client("checkpoint", target, timeout_s=HEALTH_TIMEOUT_S)
        super().settle(target)

    def main_pid(self) -> int | None:
        return self.pg.postmaster_pid()

    def describe(self) -> dict:
        return {"settings": self.pg.settings}


class BorealisServer(Server):
    name, user = "borealis", "admin"

    def __init__(self, extra_args: list[str]) -> None:
        self.extra_args = extra_args

    def start(self) -> int:
        self.bo = TempBorealis(self.extra_args)
        self.data_dir, self.log_path = self.bo.data, self.bo.log_path
        try:
            self.bo.start()  # its error names the log's last lines
        except Exception:
            self.bo.stop()
            raise
        return self.bo.port

    def stop(self) -> None:
        self.bo.stop()

    def main_pid(self) -> int | None:
        return self.bo.main_pid()

    def describe(self) -> dict:
        return {"args": [*BASE_ARGS, *self.extra_args]}


class Bench:
    """One run: the rows being filled, and per server the steps that fill them."""

    def __init__(self, args: argparse.Namespace, settings: Settings, stamp: str) -> None:
        self.args = args
        self.settings = settings
        self.stamp = stamp
        self.rows = {row.key: row for row in _rows(settings)}
        self.only = set(args.only)
        self.sysbench_missing: str | None = None
        self.servers: dict[str, dict] = {}
        self.started: dict[str, float] = {}
        self.stopped: set[str] = set()
        self.up: list[tuple[Server, Target]] = []  # started, in order

    def put(self, key: str, server: str, m: Measurement) -> None:
        m.detail.setdefault("loadavg_1m_after", round(os.getloadavg()[0], 2))
        self.rows[key].results[server] = m

    def skip(self, server: str, why: str, group: str | None = None) -> None:
        """Mark the rows still empty for `server` (of `group`, or all) as not run."""
        for key, row in self.rows.items():
            if group is None or GROUP_OF.get(key) == group:
                row.results.setdefault(server, Measurement(error=f"not run: {why}"))

    # -- the steps -----------------------------------------------------------------------

    def bring_up(self, server: Server) -> None:
        """Start `server` (it joins `up`) and load the data set into it; when it does not
        start or the load fails, its rows say why."""
        self.started[server.name] = time.time()
        info = self.servers.setdefault(server.name, {})
        try:
            port = server.start()
        except Exception as exc:  # any start failure: the table says why
            self.skip(server.name, f"{server.name} did not start: {exc}"[:400])
            return
        target = Target(server.name, "127.0.0.1", port, server.user)
        self.up.append((server, target))  # stopped at the end, whatever happens next
        info.update(server.describe())
        answer, _ = workloads.client("version", target, timeout_s=HEALTH_TIMEOUT_S)
        info["version"] = (answer or {}).get("version")
        print(f"--- {server.name}: up on port {port}", flush=True)
        name = server.name
        self._step(name, "load", lambda: workloads.load(target, self.settings))
        if self.rows["load"].results[name].value is None:
            self.skip(name, "the data load failed")
            return
        self.put("rss_after_load", name, Measurement(peak_rss_bytes(server.pids()) / MIB))
        self.put("disk_after_load", name, Measurement(disk_bytes(server.data_dir) / MIB))
        server.settle(target)

    def latency(self) -> None:
        """The latency probes, on every loaded server at once, taking turns."""
        ready = [target for server, target in self.up
                 if self._go(server, target, "update_p50")]
        if not ready:
            return
        print(f"--- latency probes, taking turns: {', '.join(t.name for t in ready)}",
              flush=True)
        for name, figures in workloads.latency(ready, self.settings).items():
            for key, m in figures.items():
                self.put(key, name, m)

    def throughput(self, server: Server, target: Target) -> None:
        """The multi-client workloads on `server`, then its memory at the end; stops it."""
        s, name = self.settings, server.name
        print(f"--- {name}: throughput", flush=True)
        try:
            steps: list[tuple[str, Callable[[], Measurement]]] = [
                ("select_simple",
                 lambda: workloads.pgbench(target, "select-only", "simple", s)),
                ("select_prepared",
                 lambda: workloads.pgbench(target, "select-only", "prepared", s)),
                ("simple_update",
                 lambda: workloads.pgbench(target, "simple-update", "simple", s)),
            ]
            for key, step in steps:
                if self._go(server, target, key):
                    self._step(name, key, step)
            if self._go(server, target, "sysbench_prepare"):
                self._step(name, "sysbench_prepare",
                           lambda: workloads.sysbench_prepare(target, s))
                if self.rows["sysbench_prepare"].results[name].value is None:
                    self.skip(name, "sysbench prepare failed", "sysbench")
            for key, test in (("sysbench_point_select", "oltp_point_select"),
                              ("sysbench_read_write", "oltp_read_write")):
                if self._go(server, target, key):
                    self._step(name, key,
                               lambda test=test: workloads.sysbench(target, test, s))
            self.put("rss_end", name, Measurement(peak_rss_bytes(server.pids()) / MIB))
        finally:
            self.stop(server)

    def stop(self, server: Server) -> None:
        if server.name in self.stopped:
            return
        self.stopped.add(server.name)
        try:
            self._keep_log(server)
        finally:
            server.stop()
            self.servers[server.name]["seconds"] = round(
                time.time() - self.started[server.name], 1)

    def _go(self, server: Server, target: Target, key: str) -> bool:
        """Whether to run `key` now; else records why not: not selected, tool missing, or
        the server unhealthy (then every later step on it is skipped too)."""
        name, group = server.name, GROUP_OF[key]
        if name in self.rows[key].results:  # already decided
            return False
        if self.only and group not in self.only:
            self.skip(name, "not selected (--only)", group)
            return False
        if group == "sysbench" and self.sysbench_missing:
            self.skip(name, self.sysbench_missing, group)
            return False
        problem = server.healthy(target)
        if problem:
            print(f"      ! {problem}", flush=True)
            for k in self.rows:  # the end-of-run memory figure is still worth having
                if k != "rss_end":
                    self.rows[k].results.setdefault(name, Measurement(error=f"not run: {problem}"))
            return False
        return True

    def _step(self, server: str, key: str, step: Callable[[], Measurement]) -> None:
        print(f"    {server}: {self.rows[key].workload}", flush=True)
        started = time.perf_counter()
        m = step()
        m.detail["wall_s"] = round(time.perf_counter() - started, 2)
        self.put(key, server, m)
        if m.error:
            print(f"      ! {m.error}", flush=True)

    def _keep_log(self, server: Server) -> None:
        """After a failure, keep the server's log beside the results (the rest goes)."""
        failed = any((m := row.results.get(server.name)) is not None and m.error
                     and not m.error.startswith("not run: not selected")
                     for row in self.rows.values())
        if not failed or not server.log_path.exists():
            return
        self.args.results_dir.mkdir(parents=True, exist_ok=True)
        kept = self.args.results_dir / f"{self.stamp}-{server.name}.log"
        shutil.copyfile(server.log_path, kept)
        self.servers[server.name]["log"] = str(kept)
        print(f"    {server.name}: errors; its log is kept in {kept}", flush=True)


# --- the run ------------------------------------------------------------------------

def _machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kib = 0
    return {"hostname": socket.gethostname(), "cpu": model, "cpus": os.cpu_count(),
            "memory_gib": round(mem_kib / 1024 / 1024, 1), "os": platform.platform(),
            "python": platform.python_version()}


def _tool_version(argv: list[str]) -> str | None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return done.stdout.strip().splitlines()[0] if done.stdout.strip() else None
    except (OSError, subprocess.TimeoutExpired):
        return None


def _parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="small and short: scale 1, 5 s per run (under 3 minutes)")
    p.add_argument("--scale", type=int, help="pgbench scale (default 10, quick 1)")
    p.add_argument("--accounts", type=int,
                   help="rows in pgbench_accounts (default 100,000 × scale, as pgbench); "
                        "fewer only for smoke tests — most pgbench lookups then miss")
    p.add_argument("--duration", type=int, help="seconds per pgbench/sysbench run "
                                                "(default 30, quick 5)")
    p.add_argument("--clients", type=int, default=8)
    p.add_argument("--threads", type=int, default=2, help="pgbench -j")
    p.add_argument("--max-tries", type=int, default=10, help="pgbench --max-tries")
    p.add_argument("--sysbench-rows", type=int, help="sysbench --table-size "
                                                     "(default 100000, quick 10000)")
    p.add_argument("--latency-ops", type=int, help="operations per latency probe "
                                                   "(default 2000, quick 300)")
    p.add_argument("--only", default="", help=f"comma list of {', '.join(GROUPS)} "
                                              "(the load always runs)")
    p.add_argument("--servers", default="postgres,borealis")
    p.add_argument("--borealis-args", default="",
                   help="extra `borealis start` options, e.g. \"--shards 8\"")
    p.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    args = p.parse_args(argv)
    args.only = [g for g in args.only.split(",") if g]
    args.servers = [s for s in args.servers.split(",") if s]
    for group in args.only:
        if group not in GROUPS:
            p.error(f"--only: unknown group {group!r} (known: {', '.join(GROUPS)})")
    for server in args.servers:
        if server not in report.SERVERS:
            p.error(f"--servers: unknown server {server!r}")
    return args


def _settings(args: argparse.Namespace) -> Settings:
    base = QUICK if args.quick else FULL
    scale = args.scale or base["scale"]
    return Settings(duration_s=args.duration or base["duration"], clients=args.clients,
                    threads=args.threads, max_tries=args.max_tries,
                    sysbench_rows=args.sysbench_rows or base["sysbench_rows"],
                    latency_ops=args.latency_ops or base["latency_ops"], scale=scale,
                    accounts=args.accounts or 100_000 * scale)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")  # so that the servers are stopped


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    signal.signal(signal.SIGTERM, _interrupt)
    settings = _settings(args)
    began, t0 = datetime.now(UTC), time.perf_counter()
    bench = Bench(args, settings, began.strftime("%Y%m%dT%H%M%SZ"))
    print(f"bench: {'quick' if args.quick else 'full'} run, {settings}", flush=True)
    pg_missing = ensure_postgres()
    bench.sysbench_missing = ensure_sysbench()
    try:
        for name in args.servers:
            if pg_missing:  # no PostgreSQL means no pgbench either
                bench.skip(name, pg_missing)
                continue
            bench.bring_up(PostgresServer() if name == "postgres" else
                           BorealisServer(shlex.split(args.borealis_args or "")))
        bench.latency()
        for server, target in bench.up:
            bench.throughput(server, target)
    finally:
        for server, _ in bench.up:
            bench.stop(server)
    for name in report.SERVERS:
        if name not in args.servers:
            bench.skip(name, "not selected (--servers)")
    _memory_note(bench)
    rows = list(bench.rows.values())
    elapsed = time.perf_counter() - t0
    document = {
        "format": 1, "started_at": began.isoformat(timespec="seconds"),
        "elapsed_s": round(elapsed, 1), "quick": args.quick,
        "settings": vars(settings), "machine": _machine(),
        "tools": {"pgbench": _tool_version([str(PG_BIN / "pgbench"), "--version"]),
                  "sysbench": _tool_version(["sysbench", "--version"])},
        "servers": bench.servers, "rows": [row.to_json() for row in rows],
    }
    machine = document["machine"]
    caption = (f"`make bench{' QUICK=1' if args.quick else ''}` on "
               f"{began:%Y-%m-%d %H:%M} UTC, {machine['cpus']} × {machine['cpu'] or 'CPU'}, "
               f"{machine['memory_gib']} GiB RAM (shared machine: compare ratios, not "
               f"absolute figures); scale {settings.scale}, {settings.duration_s} s per run, "
               f"{settings.clients} clients; latency probes on both servers taking turns "
               f"({workloads.LATENCY_ROUNDS} rounds). failed/retried = transactions that failed after "
               f"all tries / retries (pgbench --max-tries; sysbench's ignored errors).")
    # Only a whole run (every workload, both servers) becomes latest.*, the table the
    # README quotes; a subset (--only, --servers) is kept under its stamp alone.
    whole = not args.only and set(args.servers) == set(report.SERVERS)
    paths = report.write(args.results_dir, bench.stamp, document,
                         report.markdown_table(rows, caption), latest=whole)
    print()
    print(report.text_table(rows))
    print(f"\nbench: done in {elapsed:.0f} s; results in {', '.join(map(str, paths))}"
          + ("" if whole else " (a subset: latest.* left as they were)"))
    return 0


def _memory_note(bench: Bench) -> None:
    """The memory target: Borealis' RSS against its own data on disk."""
    rss = bench.rows["rss_after_load"].value("borealis")
    disk = bench.rows["disk_after_load"].value("borealis")
    if rss is not None and disk:
        bench.rows["rss_after_load"].note = f"Borealis RSS = {rss / disk:.1f}× its data on disk"
    bench.rows["rss_after_load"].note += ("; PostgreSQL: sum over its processes"
                                          if bench.rows["rss_after_load"].note else
                                          "PostgreSQL: sum over its processes")


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:
        print(f"bench: interrupted ({exc or 'Ctrl-C'}); servers stopped", file=sys.stderr)
        sys.exit(130)
