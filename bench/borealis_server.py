"""A throw-away Borealis: `python -m borealis.cli start` over a temporary data directory,
on a free loopback port, with trust authentication and optional TLS so that pgbench,
sysbench and psycopg connect exactly as they do to PostgreSQL (sslmode=disable).
The journal fsyncs every commit, as always (there is no switch to turn that off)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bench.postgres import free_port

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 30.0
POLL_S = 0.1
PORT_ATTEMPTS = 3
BASE_ARGS = ("--compat", "relaxed", "--auth", "trust", "--tls", "optional",
             "--host", "127.0.0.1")


class PortTaken(RuntimeError):
    """The server could not listen: its port was taken meanwhile."""


class TempBorealis:
    """`borealis start` in a subprocess; `extra_args` go after ours (e.g. --shards 8)."""

    def __init__(self, extra_args: Sequence[str] = ()) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="borealis-bench-"))
        self.data = self.tmp / "data"
        self.log_path = self.tmp / "borealis.log"
        self.port = free_port()
        self.extra_args = list(extra_args)
        self.proc: subprocess.Popen | None = None

    def start(self) -> TempBorealis:
        # The free port was free when asked for; until the server binds it, a client's
        # connection elsewhere may take it as its own (ephemeral) port. Then: another.
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                return self._start_once()
            except PortTaken:
                if attempt == PORT_ATTEMPTS:
                    raise
                self.port = free_port()
        raise AssertionError("not reached")

    def _start_once(self) -> TempBorealis:
        argv = [sys.executable, "-m", "borealis.cli", "start", "--data-dir", str(self.data),
                "--port", str(self.port), *BASE_ARGS, *self.extra_args]
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                         env={**os.environ, "PYTHONUNBUFFERED": "1"})
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                tail = self.log_tail()
                if "Address already in use" in tail:
                    raise PortTaken(f"port {self.port}: {tail}")
                raise RuntimeError(f"borealis exited with {self.proc.returncode}: {tail}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(POLL_S)
        self.stop()
        raise TimeoutError(f"borealis did not listen within {START_TIMEOUT_S:.0f} s: "
                           f"{self.log_tail()}")

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, remove: bool = True) -> None:
        try:
            if self.alive():
                assert self.proc is not None
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=STOP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=STOP_TIMEOUT_S)
        finally:
            if remove:
                shutil.rmtree(self.tmp, ignore_errors=True)

    def dsn(self) -> str:
        return (f"host=127.0.0.1 port={self.port} user=admin dbname=postgres "
                "sslmode=disable connect_timeout=10")

    def main_pid(self) -> int | None:
        return self.proc.pid if self.alive() else None  # type: ignore[union-attr]
