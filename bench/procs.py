"""What a server costs: peak resident memory of its process tree and its data on disk,
read from /proc and the file system (no psutil in the venv)."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
MAX_PROCESSES = 100_000  # bound on the /proc scan


def tree_pids(root: int) -> list[int]:
    """`root` and all its descendants (PostgreSQL's backends, Borealis' workers)."""
    parents: dict[int, int] = {}
    for count, entry in enumerate(PROC.iterdir()):
        if count >= MAX_PROCESSES:
            break
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # exited meanwhile
        # The command name (2nd field) may hold spaces and parentheses: split after it.
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        found.extend(children)
        frontier.extend(children)
    return found


def peak_rss_bytes(pids: list[int]) -> int:
    """Sum over `pids` of each process's peak resident set (VmHWM). For PostgreSQL this
    counts shared buffers once per process that touched them, so it overstates."""
    total = 0
    for pid in pids:
        try:
            status = (PROC / str(pid) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                total += int(line.split()[1]) * 1024
                break
    return total


def disk_bytes(path: Path) -> int:
    """Bytes allocated under `path` (like `du`: sparse files count what they use)."""
    total = 0
    for directory, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(directory, name)).st_blocks * 512
            except OSError:
                continue
    return total
