"""Installing what the benchmarks need when it is missing: PostgreSQL 15 (with pgbench)
through scripts/ensure_postgres.sh, sysbench with apt-get. As root directly, otherwise
through `sudo -n` (never prompting). Each function returns None when the tool is ready,
else a one-line reason that the report prints as "not run: <reason>"."""

from __future__ import annotations

import os
import shutil
import subprocess

from bench.postgres import ensure_installed as ensure_postgres

INSTALL_TIMEOUT_S = 900.0

__all__ = ["ensure_postgres", "ensure_sysbench"]


def _as_root(argv: list[str]) -> list[str] | None:
    if os.geteuid() == 0:
        return argv
    return ["sudo", "-n", *argv] if shutil.which("sudo") else None


def _apt_install(package: str) -> str | None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-q"],
                 ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]):
        cmd = _as_root(argv)
        if cmd is None:
            return f"{package} is not installed, and we are neither root nor have sudo"
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, env=env,
                                  timeout=INSTALL_TIMEOUT_S)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`{' '.join(argv)}` failed: {exc}"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-2:]
            return f"`{' '.join(argv)}` failed: " + " / ".join(tail)
    return None


def ensure_sysbench() -> str | None:
    if shutil.which("sysbench"):
        return None
    reason = _apt_install("sysbench")
    if reason is None and not shutil.which("sysbench"):
        reason = "sysbench was installed but is not on PATH"
    return reason
