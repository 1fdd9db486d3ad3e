"""Servers for the differential SQL cases: a throw-away PostgreSQL 15 (the reference) and a
throw-away Borealis (embedded cluster + wire server), both reached with psycopg.

PostgreSQL: `scripts/ensure_postgres.sh` installs the server binaries when they are
missing (once per machine); then a cluster is initialised in a temporary directory
(`initdb -A trust`, C locale, UTC, fsync off) and started on a free port on 127.0.0.1 —
as an unprivileged user when the tests run as root, since PostgreSQL refuses root. Set
`BOREALIS_REFERENCE_DSN` to use an already running PostgreSQL instead.

Borealis: an `EmbeddedCluster` and its frontend run on their own event loop in a
background thread, listening on port 0.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from bench.postgres import TempPostgres

ROOT = Path(__file__).resolve().parents[2]
CALL_TIMEOUT_S = 60.0
BOREALIS_SHARDS = 3


class ReferencePostgres(TempPostgres):
    """The shared throw-away PostgreSQL (bench/postgres.py), tuned for the tests: no
    fsync, little memory."""

    def __init__(self) -> None:
        super().__init__(durable=False, settings={"shared_buffers": "32MB",
                                                  "max_connections": "20"})


class BorealisThread:
    """An embedded Borealis cluster and its wire server on a background event loop."""

    def __init__(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="borealis-sql-")
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="borealis",
                                       daemon=True)
        self.cluster = None
        self.server = None

    def call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(CALL_TIMEOUT_S)

    async def _start(self) -> None:
        from borealis.cli import _start_frontend
        from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig

        self.cluster = EmbeddedCluster(EmbeddedConfig(self.tmp, shards=BOREALIS_SHARDS,
                                                      codec_roundtrip=False))
        await self.cluster.start()
        self.server = await _start_frontend(self.cluster,
                                            argparse.Namespace(host="127.0.0.1", port=0,
                                                               compat="relaxed"))

    async def _stop(self) -> None:
        if self.server is not None:
            await self.server.close()
        if self.cluster is not None:
            await self.cluster.stop()

    def start(self) -> None:
        self.thread.start()
        self.call(self._start())

    def stop(self) -> None:
        try:
            if self.thread.is_alive():
                self.call(self._stop())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(CALL_TIMEOUT_S)
            if not self.thread.is_alive():
                self.loop.close()
            shutil.rmtree(self.tmp, ignore_errors=True)

    def dsn(self) -> str:
        return (f"host=127.0.0.1 port={self.server.port} user=admin dbname=postgres "
                "sslmode=disable connect_timeout=10")


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    given = os.environ.get("BOREALIS_REFERENCE_DSN")
    if given:
        yield given
        return
    script = ROOT / "scripts" / "ensure_postgres.sh"
    done = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.fail(f"{script} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    server = ReferencePostgres()
    try:
        server.start()
        yield server.dsn()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def borealis_dsn() -> Iterator[str]:
    server = BorealisThread()
    try:
        server.start()
        yield server.dsn()
    finally:
        server.stop()


@contextlib.contextmanager
def schema_pair(postgres_dsn: str, borealis_dsn: str, schema: str) -> Iterator[dict]:
    """Autocommit connections to both engines, each in a fresh `schema` on its
    search_path, dropped afterwards (the servers are shared: leave no tables behind)."""
    conns = {}
    try:
        for name, dsn in (("postgres", postgres_dsn), ("borealis", borealis_dsn)):
            conn = conns[name] = psycopg.connect(dsn, autocommit=True)
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.execute(f"CREATE SCHEMA {schema}")
            conn.execute(f"SET search_path = {schema}")
        yield conns
    finally:
        for conn in conns.values():
            conn.rollback()
            conn.autocommit = True
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            conn.close()


def outcome(conn: psycopg.Connection, sql: str) -> tuple:
    """What a statement gives: ("ok", its rows or status), or its error word for word
    (SQLSTATE, message, DETAIL, HINT)."""
    try:
        cur = conn.execute(sql)
    except psycopg.Error as exc:
        d = exc.diag
        return (exc.sqlstate, d.message_primary, d.message_detail, d.message_hint)
    return ("ok", cur.fetchall() if cur.description else cur.statusmessage)


def differences(engines: dict, statements: list[str]) -> str:
    """The statements whose outcome (`outcome`) differs between the engines, each with
    both outcomes; "" when none does."""
    differ = []
    for sql in statements:
        got = {name: outcome(conn, sql) for name, conn in engines.items()}
        if got["borealis"] != got["postgres"]:
            differ.append(f"{sql}\n  {got}")
    return "\n".join(differ)
