"""Run `borealis start` as a real subprocess for end-to-end tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import psycopg
import pytest

START_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class BorealisProcess:
    """`borealis start` on a free port over `data_dir`; `dsn` connects to it.

    The default options (relaxed compat, trust authentication, optional TLS) suit the
    SQL tests; pass `args=()` for DSQL's defaults (IAM tokens, mandatory TLS), with the
    CA at `ca_cert` and the access keys at `credentials`.
    """

    def __init__(self, data_dir: Path, *, shards: int = 3, port: int | None = None,
                 args: Sequence[str] = ("--compat", "relaxed", "--auth", "trust")) -> None:
        self.data_dir = data_dir
        self.args = list(args)  # extra `borealis start` options
        self.shards = shards
        self.port = port or free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"borealis-{self.port}.log"

    @property
    def dsn(self) -> str:
        return f"host=127.0.0.1 port={self.port} user=admin dbname=postgres sslmode=disable"

    @property
    def ca_cert(self) -> Path:
        return self.data_dir / "tls" / "ca.crt"

    @property
    def credentials(self) -> Path:
        return self.data_dir / "iam" / "credentials.json"

    def start(self) -> BorealisProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "borealis.cli", "start", "--data-dir", str(self.data_dir),
             "--shards", str(self.shards), "--port", str(self.port), *self.args],
            stdout=subprocess.PIPE, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})
        log.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError(f"borealis exited early: {self.log_path.read_text()[-2000:]}")
            if re.search(r"listening on", line):
                return self
        raise TimeoutError("borealis did not start")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def __enter__(self) -> BorealisProcess:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def fails(conn: psycopg.Connection, sql: str, sqlstate: str, message: str | None = None, params=None) -> psycopg.Error:
    """Run `sql` on a psycopg connection, expecting an error with `sqlstate` (and, if
    given, exactly `message` as its primary text); the error, for more checks."""
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql, params)
    assert info.value.sqlstate == sqlstate, (sql, str(info.value))
    if message is not None:
        assert info.value.diag.message_primary == message, sql
    return info.value
