"""The workloads, each a child process with a time limit, and what we read from their
output: pgbench (select-only, simple-update), sysbench (oltp_point_select,
oltp_read_write, with its own prepare), and the psycopg client of bench/client.py
(data load, latency probes).

Every function takes a `Target` and returns `Measurement`s; a failure becomes an error
text in the measurement, never an exception, so one broken workload leaves the others'
figures standing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.postgres import PG_BIN

GRACE_S = 120.0  # beyond a run's own duration, before we kill it
CLIENT_TIMEOUT_S = 1800.0  # the psycopg client (load, latency)
TAIL_CHARS = 600
LATENCY_ROUNDS = 20  # turns each server takes in the latency probe


@dataclass(frozen=True)
class Target:
    """One server to measure, as every client tool needs it."""

    name: str  # "postgres" | "borealis"
    host: str
    port: int
    user: str
    dbname: str = "postgres"

    @property
    def dsn(self) -> str:
        return (f"host={self.host} port={self.port} user={self.user} dbname={self.dbname} "
                "sslmode=disable connect_timeout=10")

    def libpq_env(self) -> dict[str, str]:
        """Environment for libpq tools (pgbench, sysbench): never TLS, as for PostgreSQL."""
        return {**os.environ, "PGHOST": self.host, "PGPORT": str(self.port),
                "PGUSER": self.user, "PGDATABASE": self.dbname, "PGSSLMODE": "disable",
                "PGCONNECT_TIMEOUT": "10"}


@dataclass
class Measurement:
    """One figure on one server: value (None when there is none), failed transactions
    and retries where the tool counts them, and an error text when it went wrong."""

    value: float | None = None
    failed: int | None = None
    retried: int | None = None
    error: str | None = None
    detail: dict = field(default_factory=dict)


@dataclass
class Settings:
    """Client settings, the same for both servers."""

    duration_s: int
    clients: int
    threads: int
    max_tries: int
    sysbench_rows: int
    latency_ops: int
    scale: int
    accounts: int


def _run(argv: list[str], env: dict[str, str] | None, timeout_s: float) -> tuple[int, str, str]:
    """(exit code, stdout, stderr); exit code -1 with a message when killed for time."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, env=env,
                              timeout=timeout_s, errors="replace")
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
        return -1, out, f"killed after {timeout_s:.0f} s without finishing (hung?)"
    except OSError as exc:
        return -1, "", f"could not run {argv[0]}: {exc}"
    return done.returncode, done.stdout, done.stderr


def _tail(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return " / ".join(lines[-4:])[-TAIL_CHARS:]


def _number(pattern: str, text: str) -> float | None:
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else None


# --- pgbench --------------------------------------------------------------------------

def pgbench(target: Target, builtin: str, mode: str, settings: Settings) -> Measurement:
    """`pgbench -n -b builtin -M mode` for the configured duration: TPS, failed
    transactions and retries (--max-tries retries serialization failures, like a
    client would)."""
    argv = [str(PG_BIN / "pgbench"), "-n", "-b", builtin, "-M", mode,
            "-c", str(settings.clients), "-j", str(settings.threads),
            "-T", str(settings.duration_s), f"--max-tries={settings.max_tries}",
            "--failures-detailed"]
    code, out, err = _run(argv, target.libpq_env(), settings.duration_s + GRACE_S)
    return parse_pgbench(code, out, err)


def parse_pgbench(code: int, out: str, err: str) -> Measurement:
    tps = _number(r"^tps = ([\d.]+)", out)
    failed = _number(r"^number of failed transactions: (\d+)", out)
    retried = _number(r"^total number of retries: (\d+)", out)
    detail = {key: int(value) for key, pattern in (
        ("transactions", r"^number of transactions actually processed: (\d+)"),
        ("serialization_failures", r"^number of serialization failures: (\d+)"),
        ("transactions_retried", r"^number of transactions retried: (\d+)"),
    ) if (value := _number(pattern, out)) is not None}
    latency = _number(r"^latency average = ([\d.]+) ms", out)
    if latency is not None:
        detail["latency_avg_ms"] = latency
    m = Measurement(tps, _int(failed), _int(retried), detail=detail)
    if code != 0 or tps is None or "Run was aborted" in out + err:
        m.error = f"pgbench exit {code}: {_tail(err) or _tail(out)}"
        m.detail["partial_value"], m.value = m.value, None
    return m


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


# --- sysbench -------------------------------------------------------------------------

def _sysbench_argv(test: str, target: Target, settings: Settings) -> list[str]:
    return [shutil.which("sysbench") or "sysbench", test, "--db-driver=pgsql",
            f"--pgsql-host={target.host}", f"--pgsql-port={target.port}",
            f"--pgsql-user={target.user}", f"--pgsql-db={target.dbname}",
            "--tables=1", f"--table-size={settings.sysbench_rows}", "--auto_inc=off"]


def sysbench_prepare(target: Target, settings: Settings) -> Measurement:
    """sysbench's own prepare (table sbtest1, its rows, index k_1): seconds."""
    cleanup = _sysbench_argv("oltp_read_write", target, settings) + ["cleanup"]
    _run(cleanup, target.libpq_env(), GRACE_S)
    argv = _sysbench_argv("oltp_read_write", target, settings) + ["prepare"]
    started = time.perf_counter()
    code, out, err = _run(argv, target.libpq_env(), CLIENT_TIMEOUT_S)
    seconds = time.perf_counter() - started
    if code != 0:
        return Measurement(error=f"sysbench prepare exit {code}: {_tail(err) or _tail(out)}")
    return Measurement(seconds, detail={"rows": settings.sysbench_rows})


def sysbench(target: Target, test: str, settings: Settings) -> Measurement:
    """A sysbench OLTP test: transactions per second; its pgsql driver retries
    serialization failures (40001) and deadlocks, counted as "ignored errors"."""
    argv = _sysbench_argv(test, target, settings) + [
        f"--threads={settings.clients}", f"--time={settings.duration_s}", "run"]
    code, out, err = _run(argv, target.libpq_env(), settings.duration_s + GRACE_S)
    return parse_sysbench(code, out, err)


def parse_sysbench(code: int, out: str, err: str) -> Measurement:
    tps = _number(r"^\s*transactions:\s+\d+\s+\(([\d.]+) per sec", out)
    retried = _number(r"^\s*ignored errors:\s+(\d+)", out)
    detail = {key: value for key, pattern in (
        ("transactions", r"^\s*transactions:\s+(\d+)"),
        ("queries_per_s", r"^\s*queries:\s+\d+\s+\(([\d.]+) per sec"),
        ("latency_avg_ms", r"^\s*avg:\s+([\d.]+)"),
        ("latency_p95_ms", r"^\s*95th percentile:\s+([\d.]+)"),
        ("reconnects", r"^\s*reconnects:\s+(\d+)"),
    ) if (value := _number(pattern, out)) is not None}
    m = Measurement(tps, failed=0 if tps is not None else None, retried=_int(retried),
                    detail=detail)
    if code != 0 or tps is None:
        m.error = f"sysbench exit {code}: {_tail(err) or _tail(out)}"
        m.detail["partial_value"], m.value = m.value, None
    return m


# --- the psycopg client ---------------------------------------------------------------

def client(command: str, target: Target | list[Target], *options: str,
           timeout_s: float = CLIENT_TIMEOUT_S) -> tuple[Any, str | None]:
    """Run bench/client.py in a child process: (its JSON answer, None) or (None, error)."""
    targets = target if isinstance(target, list) else [target]
    argv = [sys.executable, "-m", "bench.client", command, *(t.dsn for t in targets),
            *options]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    code, out, err = _run(argv, env, timeout_s)
    if code != 0:
        return None, f"bench.client {command} exit {code}: {_tail(err) or _tail(out)}"
    try:
        return json.loads(out), None
    except ValueError:
        return None, f"bench.client {command} printed no JSON: {_tail(out)}"


def load(target: Target, settings: Settings) -> Measurement:
    """The pgbench data set, loaded through COPY in ≤ 3,000-row transactions: seconds."""
    answer, error = client("load", target, "--scale", str(settings.scale),
                           "--accounts", str(settings.accounts))
    if answer is None:
        return Measurement(error=error)
    return Measurement(answer["seconds"], detail={"rows": answer["rows"],
                                                  "analyze": answer["analyze"]})


def latency(targets: list[Target], settings: Settings) -> dict[str, dict[str, Measurement]]:
    """Per server: p50/p99 (ms) of single-row UPDATE + COMMIT and of a point SELECT, one
    client each, the servers taking turns (bench/client.py `latency`)."""
    keys = ("update_p50", "update_p99", "select_p50", "select_p99")
    answer, error = client("latency", targets, "--accounts", str(settings.accounts),
                           "--ops", str(settings.latency_ops),
                           "--rounds", str(LATENCY_ROUNDS))
    if answer is None:
        return {t.name: {key: Measurement(error=error) for key in keys} for t in targets}
    figures = {}
    for target, one in zip(targets, answer, strict=True):
        update, select = one["update_commit"], one["point_select"]
        retries = update["retries"]
        figures[target.name] = {
            "update_p50": Measurement(update["p50_ms"], 0, retries),
            "update_p99": Measurement(update["p99_ms"], 0, retries),
            "select_p50": Measurement(select["p50_ms"]),
            "select_p99": Measurement(select["p99_ms"])}
    return figures
