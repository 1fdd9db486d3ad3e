"""The psycopg side of the benchmarks, the same code against both servers: the pgbench
schema and data load, and the single-client latency probes.

Runs as a child process (`python -m bench.client COMMAND DSN [options]`, printing one
JSON object) so that the harness can bound it with a timeout even if a server stops
answering mid-query.

The schema is pgbench's, made DSQL-compatible: primary keys declared in CREATE TABLE,
no SERIAL, and pgbench_history keyed by a random UUID (DSQL's advice for insert-heavy
tables; pgbench names the columns it inserts, so the extra key column is invisible to
it). The data is what `pgbench -i` generates (branches and tellers with NULL filler,
accounts with an empty one, all balances 0), sent as COPY FROM STDIN in chunks of at
most 3,000 rows, each chunk its own transaction (DSQL's limit on rows per transaction).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Iterator

import psycopg

ROWS_PER_TXN_MAX = 3_000
BRANCH_TELLERS = 10  # pgbench's ratios
BRANCH_ACCOUNTS = 100_000
CONNECT_TIMEOUT_S = 10

SCHEMA = (
    "CREATE TABLE pgbench_branches (bid integer NOT NULL PRIMARY KEY, bbalance integer, "
    "filler char(88))",
    "CREATE TABLE pgbench_tellers (tid integer NOT NULL PRIMARY KEY, bid integer, "
    "tbalance integer, filler char(84))",
    "CREATE TABLE pgbench_accounts (aid integer NOT NULL PRIMARY KEY, bid integer, "
    "abalance integer, filler char(84))",
    "CREATE TABLE pgbench_history (id uuid NOT NULL DEFAULT gen_random_uuid() PRIMARY KEY, "
    "tid integer, bid integer, aid integer, delta integer, mtime timestamp, filler char(22))",
)
TABLES = ("pgbench_history", "pgbench_accounts", "pgbench_tellers", "pgbench_branches")

UPDATE_SQL = "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid = %s"
SELECT_SQL = "SELECT abalance FROM pgbench_accounts WHERE aid = %s"


def _chunks(rows: Iterator[str], size: int) -> Iterator[str]:
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def pgbench_data(scale: int, accounts: int) -> list[tuple[str, list[str]]]:
    """(table, COPY text chunks) for pgbench's data set at `scale`, `accounts` rows in
    pgbench_accounts (pgbench's own count is 100,000 × scale)."""
    branches = (f"{b}\t0\t\\N\n" for b in range(1, scale + 1))
    tellers = (f"{t}\t{(t - 1) // BRANCH_TELLERS + 1}\t0\t\\N\n"
               for t in range(1, scale * BRANCH_TELLERS + 1))
    per_branch = max(1, -(-accounts // scale))
    account_rows = (f"{a}\t{(a - 1) // per_branch + 1}\t0\t\n" for a in range(1, accounts + 1))
    return [(table, list(_chunks(rows, ROWS_PER_TXN_MAX))) for table, rows in
            (("pgbench_branches", branches), ("pgbench_tellers", tellers),
             ("pgbench_accounts", account_rows))]


def load(dsn: str, scale: int, accounts: int) -> dict:
    """Create the schema and load the data; the seconds the load took (not the schema,
    not generating the text), rows, and whether ANALYZE afterwards was accepted."""
    data = pgbench_data(scale, accounts)
    with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
        for table in TABLES:
            conn.execute(f"DROP TABLE IF EXISTS {table}")
        for statement in SCHEMA:
            conn.execute(statement)
        rows = 0
        started = time.perf_counter()
        with conn.cursor() as cur:
            for table, chunks in data:
                for chunk in chunks:  # autocommit: each COPY is one transaction
                    with cur.copy(f"COPY {table} FROM STDIN") as copy:
                        copy.write(chunk)
                    rows += cur.rowcount
        seconds = time.perf_counter() - started
        analyzed = _analyze(conn)
    return {"seconds": seconds, "rows": rows, "analyze": analyzed}


def _analyze(conn: psycopg.Connection) -> str:
    """Fresh planner statistics where the server has the command (pgbench -i does it
    too); Borealis may not, which is fine: it has no statistics-driven choice here."""
    try:
        conn.execute("ANALYZE")
        return "done"
    except psycopg.Error as exc:
        return f"not supported: {exc.diag.sqlstate} {str(exc).strip()}"


def _percentiles(samples_s: list[float]) -> dict:
    cuts = statistics.quantiles(samples_s, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000, "count": len(samples_s)}


def latency(dsns: list[str], accounts: int, ops: int, seed: int, rounds: int) -> list[dict]:
    """p50/p99 of `ops` single-row UPDATE + COMMIT transactions and of `ops` autocommit
    point SELECTs, one client per server, the same random account ids on every server.

    The servers take turns: `rounds` rounds, each running a slice of the updates and then
    of the selects on one server after the other (the order flipping every round), so
    that a shared machine's drift during the run falls on all of them alike rather than
    on whichever was measured later. A tenth as many operations first warm up caches and
    prepared statements on each, uncounted. One answer per DSN, in order."""
    rng = random.Random(seed)
    warm = [rng.randint(1, accounts) for _ in range(max(1, ops // 10))]
    aids = [rng.randint(1, accounts) for _ in range(ops)]
    per_round = -(-ops // max(1, rounds))
    conns = [psycopg.connect(dsn, autocommit=False, connect_timeout=CONNECT_TIMEOUT_S)
             for dsn in dsns]
    try:
        probes = [_Probe(conn) for conn in conns]
        for probe in probes:
            probe.run(warm, counted=False)
        for start in range(0, ops, per_round):
            turn = probes if (start // per_round) % 2 == 0 else probes[::-1]
            for probe in turn:
                probe.run(aids[start:start + per_round], counted=True)
    finally:
        for conn in conns:
            conn.close()
    return [{"update_commit": {**_percentiles(p.update), "retries": p.retries},
             "point_select": _percentiles(p.select)} for p in probes]


class _Probe:
    """One server's connection and the latencies measured on it so far."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self.conn = conn
        self.update: list[float] = []
        self.select: list[float] = []
        self.retries = 0

    def run(self, aids: list[int], counted: bool) -> None:
        """UPDATE + COMMIT of each account, then an autocommit SELECT of each."""
        conn = self.conn
        conn.autocommit = False
        for aid in aids:
            started = time.perf_counter()
            self.retries += _update_once(conn, aid)
            if counted:
                self.update.append(time.perf_counter() - started)
        conn.autocommit = True
        for aid in aids:
            started = time.perf_counter()
            conn.execute(SELECT_SQL, (aid,)).fetchone()
            if counted:
                self.select.append(time.perf_counter() - started)


def _update_once(conn: psycopg.Connection, aid: int, tries_max: int = 10) -> int:
    """UPDATE + COMMIT, retried on serialization failure as a client would; retries."""
    for attempt in range(tries_max):
        try:
            conn.execute(UPDATE_SQL, (aid,))
            conn.commit()
            return attempt
        except psycopg.errors.SerializationFailure:
            conn.rollback()
    raise RuntimeError(f"UPDATE of aid {aid} failed {tries_max} times with 40001")


def server_version(dsn: str) -> dict:
    with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
        row = conn.execute("SELECT version()").fetchone()
    return {"version": row[0] if row else None}


def checkpoint(dsn: str) -> dict:
    """PostgreSQL's CHECKPOINT: what the load left in its buffers goes to disk now,
    not while the other server is being measured."""
    with psycopg.connect(dsn, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S) as conn:
        conn.execute("CHECKPOINT")
    return {"checkpoint": "done"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.client")
    parser.add_argument("command", choices=["load", "latency", "version", "checkpoint"])
    parser.add_argument("dsn", nargs="+", help="one (latency: one or more, taking turns)")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--accounts", type=int, default=BRANCH_ACCOUNTS)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=20, help="latency: turns per server")
    args = parser.parse_args(argv)
    if args.command != "latency" and len(args.dsn) > 1:
        parser.error(f"{args.command} takes one DSN")
    result: dict | list
    if args.command == "load":
        result = load(args.dsn[0], args.scale, args.accounts)
    elif args.command == "checkpoint":
        result = checkpoint(args.dsn[0])
    elif args.command == "latency":
        result = latency(args.dsn, args.accounts, args.ops, args.seed, args.rounds)
    else:
        result = server_version(args.dsn[0])
    json.dump(result, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
