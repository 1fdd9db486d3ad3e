"""Real-process crash test: SIGKILL the embedded core under a write load, restart, and
check that every acknowledged commit survived, atomically.

Each round starts `writer.py` (an `EmbeddedCluster` plus concurrent writers of 2–3-key
transactions spread over three shards) on the same data directory, lets it run for a
random 0.3–1.5 s after READY, and kills it with SIGKILL; about every other round is
preceded by an extra kill 0–0.3 s after start, usually in the middle of recovery. Then
`writer.py --verify` restarts the cluster on that directory and checks, at one
snapshot, that every key of every ACK line of every round so far is present with its
transaction's value, and that no transaction is only partly visible. A snapshot taken
after an acknowledgement must see it, so this also catches an ACK sent before
commit-wait is over; the writer checks that too, reading some of its acknowledged
transactions back in a new snapshot (``STALE`` lines). Set BOREALIS_SIGKILL_SEED to
replay a run's timings (the seed is in every assertion message).
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

WRITER = Path(__file__).with_name("writer.py")
ROUNDS = 5
SHARDS = 3
WAIT_S = 60  # any single subprocess step; a hang fails the test instead of blocking


class Writer:
    """One `writer.py` process, its stdout collected line by line on a thread."""

    def __init__(self, args: list[str], stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._stderr = open(stderr_path, "wb")  # noqa: SIM115 - a file, not a pipe: a full pipe could stall the writer
        self.proc = subprocess.Popen([sys.executable, str(WRITER), *args],
                                     stdout=subprocess.PIPE, stderr=self._stderr)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            # A line cut short by the kill has no newline: it was never acknowledged.
            if raw.endswith(b"\n"):
                self.lines.put(raw.decode().rstrip("\n"))
        self.lines.put(None)

    def wait_for_line(self, wanted: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return False
            if line == wanted:
                return True
        return False

    def finish(self, timeout: float) -> list[str]:
        """Wait for exit and end of output; every line printed after the ones consumed."""
        self.proc.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        assert not self._reader.is_alive(), "writer stdout did not reach EOF"
        out = []
        while (line := self.lines.get_nowait()) is not None:
            out.append(line)
        return out

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        try:
            self.proc.wait(timeout=WAIT_S)
        finally:
            self._stderr.close()
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def run_verify(data_dir: Path, ack_file: Path, stderr_path: Path) -> tuple[int, list[str], str]:
    with open(stderr_path, "wb") as err:
        done = subprocess.run(
            [sys.executable, str(WRITER), "--data-dir", str(data_dir), "--shards", str(SHARDS),
             "--verify", str(ack_file)],
            stdout=subprocess.PIPE, stderr=err, timeout=WAIT_S)
    return (done.returncode, done.stdout.decode().splitlines(),
            stderr_path.read_text(errors="replace")[-4000:])


def test_sigkill_loses_no_acknowledged_commit(tmp_path: Path) -> None:
    seed = int(os.environ.get("BOREALIS_SIGKILL_SEED") or random.randrange(1 << 32))
    rng = random.Random(seed)
    data_dir = tmp_path / "data"
    ack_file = tmp_path / "acks.txt"
    ack_file.touch()
    acked_keys = 0
    acked_txns = 0
    errors_seen = 0
    history: list[str] = []
    live: list[Writer] = []
    run_id = 0

    def run_and_kill(early: bool) -> None:
        """One writer process: start, (wait for READY,) sleep, SIGKILL, collect ACKs."""
        nonlocal run_id, acked_keys, acked_txns, errors_seen
        run_id += 1
        tag = f"seed={seed} run {run_id} ({'; '.join(history)})"
        writer = Writer(["--data-dir", str(data_dir), "--shards", str(SHARDS),
                         "--run-id", str(run_id)], tmp_path / f"writer{run_id}.err")
        live.append(writer)
        if early:
            run_s = rng.uniform(0.0, 0.3)  # from process start: often still recovering
        else:
            assert writer.wait_for_line("READY", WAIT_S), \
                f"{tag}: writer never became READY\n{writer.stderr()}"
            run_s = rng.uniform(0.3, 1.5)
        time.sleep(run_s)
        assert writer.proc.poll() is None, \
            f"{tag}: writer exited by itself (rc={writer.proc.returncode})\n{writer.stderr()}"
        writer.proc.send_signal(signal.SIGKILL)
        lines = writer.finish(WAIT_S)
        writer.kill()  # reaps and closes; the process is already gone
        live.remove(writer)
        assert writer.proc.returncode == -signal.SIGKILL, f"{tag}: rc={writer.proc.returncode}"
        assert "Traceback" not in writer.stderr(), f"{tag}: writer logged\n{writer.stderr()}"
        acks = [line for line in lines if line.startswith("ACK ")]
        stale = [line for line in lines if line.startswith("STALE ")]
        assert not stale, f"{tag}: acknowledged commits not visible to a later snapshot {stale[:10]}"
        unexpected = [line for line in lines
                      if not line.startswith(("ACK ", "ERR ")) and line != "READY"]
        assert not unexpected, f"{tag}: unexpected writer output {unexpected[:5]}"
        errors_seen += sum(line.startswith("ERR ") for line in lines)
        with open(ack_file, "a") as f:
            f.writelines(line + "\n" for line in acks)
        acked_txns += len(acks)
        acked_keys += sum(len(line.split()[2].split(",")) for line in acks)
        history.append(f"run{run_id}: {'early ' if early else ''}{run_s:.2f}s {len(acks)} acks")

    try:
        for round_no in range(1, ROUNDS + 1):
            if round_no > 1 and rng.random() < 0.5:
                run_and_kill(early=True)
            run_and_kill(early=False)

            rc, out, err = run_verify(data_dir, ack_file, tmp_path / f"verify{round_no}.err")
            tag = f"seed={seed} after round {round_no} ({'; '.join(history)})"
            assert rc == 0, f"{tag}: verify failed (rc={rc})\n{err}"
            assert "Traceback" not in err, f"{tag}: verify logged\n{err}"
            problems = [line for line in out
                        if line.startswith(("MISSING", "PARTIAL", "BADROW"))]
            assert not problems, f"{tag}: {len(problems)} problems, e.g. {problems[:10]}"
            verified = [line for line in out if line.startswith("VERIFIED ")]
            assert verified == [f"VERIFIED {acked_keys}"], \
                f"{tag}: expected VERIFIED {acked_keys}, got {out[-5:]}"
        assert acked_txns > 0, f"seed={seed}: no commit was ever acknowledged ({history})"
    finally:
        for writer in live:
            writer.kill()
    print(f"seed={seed}: {acked_txns} acked transactions, {acked_keys} keys, "
          f"{errors_seen} commit errors; {'; '.join(history)}")
