"""A throw-away PostgreSQL 15 cluster in a temporary directory, on a free loopback port.

Shared by the benchmark harness (durable: fsync and synchronous commit on, as a user
would run it) and the differential SQL tests in tests/sql (`durable=False`: no fsync,
for speed). `ensure_installed` installs the Debian package when the binaries are
missing, through scripts/ensure_postgres.sh. PostgreSQL refuses to run as root, so
when we are root the cluster runs as an unprivileged user (`postgres`, else `nobody`).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
ENSURE_SCRIPT = ROOT / "scripts" / "ensure_postgres.sh"
START_TIMEOUT_S = 60.0
INSTALL_TIMEOUT_S = 900.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unprivileged_user() -> str | None:
    """The user to run PostgreSQL as, or None to run it as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) exists")


def ensure_installed() -> str | None:
    """Install postgresql-15 when its server binaries are missing (as root, or through
    `sudo -n` when we are not root). None when ready, else why it cannot be had."""
    if all((PG_BIN / name).exists() for name in ("postgres", "initdb", "pg_ctl", "pgbench")):
        return None
    cmd = ["bash", str(ENSURE_SCRIPT)]
    if os.geteuid() != 0:
        if shutil.which("sudo") is None:
            return "postgresql-15 is not installed, and we are neither root nor have sudo"
        cmd = ["sudo", "-n", *cmd]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return f"installing postgresql-15 took longer than {INSTALL_TIMEOUT_S:.0f} s"
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return "installing postgresql-15 failed: " + " / ".join(tail)
    missing = [name for name in ("postgres", "pgbench") if not (PG_BIN / name).exists()]
    return f"{', '.join(missing)} still missing under {PG_BIN}" if missing else None


class TempPostgres:
    """initdb + pg_ctl start in a fresh temporary directory; `stop` removes it all.

    `durable` keeps PostgreSQL's defaults (fsync, synchronous_commit, full_page_writes
    on); otherwise all three are off. `settings` adds or overrides `-c name=value`.
    """

    def __init__(self, *, durable: bool = True, settings: Mapping[str, str] | None = None,
                 prefix: str = "borealis-pg-") -> None:
        self.user = unprivileged_user()
        self.tmp = Path(tempfile.mkdtemp(prefix=prefix))
        self.data = self.tmp / "data"
        self.port = free_port()
        self.started = False
        base = {"listen_addresses": "127.0.0.1", "unix_socket_directories": str(self.tmp),
                "timezone": "UTC", "datestyle": "'ISO, MDY'"}
        if not durable:
            base.update(fsync="off", synchronous_commit="off", full_page_writes="off")
        self.settings = {**base, **(settings or {})}

    def _run(self, *argv: str) -> None:
        cmd = list(argv)
        if self.user is not None:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=START_TIMEOUT_S,
                              cwd=self.tmp)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)} failed ({done.returncode}):\n"
                               f"{done.stdout}\n{done.stderr}")

    def start(self) -> TempPostgres:
        if self.user is not None:
            info = pwd.getpwnam(self.user)
            os.chown(self.tmp, info.pw_uid, info.pw_gid)
        # --no-sync only skips initdb's own final flush; the server's fsync is a setting.
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--locale=C", "--encoding=UTF8", "--no-sync")
        options = " ".join([f"-p {self.port}",
                            *(f"-c {name}={value}" for name, value in self.settings.items())])
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.tmp / "log"),
                  "-o", options, "-w", "-t", str(int(START_TIMEOUT_S)), "start")
        self.started = True
        return self

    def stop(self) -> None:
        try:
            if self.started:
                self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate",
                          "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def dsn(self) -> str:
        return (f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres "
                "sslmode=disable connect_timeout=10")

    def postmaster_pid(self) -> int | None:
        """The server's main process (its backends are its children), if running."""
        try:
            return int((self.data / "postmaster.pid").read_text().split("\n", 1)[0])
        except (OSError, ValueError):
            return None
