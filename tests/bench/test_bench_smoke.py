"""The benchmark harness (bench/, `make bench`) works end to end: a tiny run against a
throw-away PostgreSQL 15 and a throw-away Borealis yields a figure for every workload on
both servers. No speed is asserted. Like tests/sql, the run installs postgresql-15 (and
sysbench) when they are missing; if that is impossible the rows say "not run: why" and
this test fails with that reason rather than skipping."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from bench.report import SERVERS, Row, markdown_table, text_table
from bench.run import GROUP_OF
from bench.workloads import Measurement, parse_pgbench, parse_sysbench

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT_S = 240
STOP_TIMEOUT_S = 90
TINY = ["--scale", "1", "--accounts", "2000", "--duration", "1", "--clients", "2",
        "--threads", "1", "--sysbench-rows", "2000", "--latency-ops", "20"]
EVERY_ROW = {"load", "rss_after_load", "disk_after_load", "rss_end", *GROUP_OF}


def test_tiny_run_has_every_workload_on_both_servers(tmp_path: Path) -> None:
    run = subprocess.Popen([sys.executable, "-m", "bench.run", *TINY, "--results-dir",
                            str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    try:
        out, err = run.communicate(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        run.terminate()  # SIGTERM: the harness stops its servers before exiting
        out, err = run.communicate(timeout=STOP_TIMEOUT_S)
    assert run.returncode == 0, out[-3000:] + err[-3000:]
    document = json.loads((tmp_path / "latest.json").read_text())
    rows = {row["key"]: row for row in document["rows"]}
    assert set(rows) == EVERY_ROW
    for key, row in rows.items():
        for server in SERVERS:
            m = row[server]
            assert m["error"] is None, f"{key} on {server}: {m['error']}"
            assert isinstance(m["value"], float) and math.isfinite(m["value"]), (key, server)
        assert isinstance(row["ratio_borealis_to_postgres"], float), key
    for key in ("select_simple", "select_prepared", "simple_update", "sysbench_read_write"):
        for server in SERVERS:
            assert isinstance(rows[key][server]["retried"], int), (key, server)
    assert rows["load"]["postgres"]["detail"]["rows"] == 2000 + 10 + 1
    assert rows["load"]["borealis"]["detail"]["rows"] == 2000 + 10 + 1
    markdown = (tmp_path / "latest.md").read_text()
    for row in rows.values():
        assert f"| {row['workload']} |" in markdown
    assert "Borealis/PG" in out  # the table was printed


def test_a_subset_run_keeps_its_stamp_and_leaves_latest_alone(tmp_path: Path) -> None:
    (tmp_path / "latest.json").write_text("{}")  # a whole run's table, from before
    run = subprocess.run([sys.executable, "-m", "bench.run", *TINY, "--results-dir",
                          str(tmp_path), "--servers", "borealis", "--only", "latency"],
                         cwd=ROOT, capture_output=True, text=True, timeout=RUN_TIMEOUT_S)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert (tmp_path / "latest.json").read_text() == "{}"
    assert not (tmp_path / "latest.md").exists()
    stamped = [p for p in tmp_path.glob("*.json") if p.name != "latest.json"]
    assert len(stamped) == 1
    rows = {row["key"]: row for row in json.loads(stamped[0].read_text())["rows"]}
    assert isinstance(rows["update_p50"]["borealis"]["value"], float)
    assert rows["select_simple"]["borealis"]["error"].startswith("not run")
    assert "latest.* left as they were" in run.stdout


PGBENCH_OUT = """\
transaction type: <builtin: simple update>
number of transactions actually processed: 129
number of failed transactions: 16 (11.034%)
number of serialization failures: 16 (11.034%)
number of deadlock failures: 0 (0.000%)
number of transactions retried: 61 (42.069%)
total number of retries: 301
latency average = 83.460 ms (including failures)
initial connection time = 1.331 ms
tps = 42.638511 (without initial connection time)
"""

SYSBENCH_OUT = """\
SQL statistics:
    transactions:                        19     (3.35 per sec.)
    queries:                             399    (70.34 per sec.)
    ignored errors:                      7      (0.18 per sec.)
    reconnects:                          0      (0.00 per sec.)
Latency (ms):
         avg:                                    3.99
         95th percentile:                        5.18
"""


def test_pgbench_output_gives_tps_failures_and_retries() -> None:
    m = parse_pgbench(0, PGBENCH_OUT, "")
    assert (m.value, m.failed, m.retried, m.error) == (42.638511, 16, 301, None)
    assert m.detail["transactions_retried"] == 61


def test_aborted_pgbench_run_is_an_error_not_a_figure() -> None:
    err = "pgbench: error: client 3 script 0 aborted in command 4 query 0: ERROR:  boom\n"
    m = parse_pgbench(2, PGBENCH_OUT + "Run was aborted; the above results are incomplete.\n",
                      err)
    assert m.value is None and m.detail["partial_value"] == 42.638511
    assert m.error is not None and "boom" in m.error


def test_sysbench_output_gives_tps_and_ignored_errors_as_retries() -> None:
    m = parse_sysbench(0, SYSBENCH_OUT, "")
    assert (m.value, m.retried, m.error) == (3.35, 7, None)
    failed = parse_sysbench(1, "", "FATAL: PQexec() failed: 7 relation exists\n")
    assert failed.value is None and "relation exists" in failed.error


def test_table_says_not_run_and_why() -> None:
    row = Row("sysbench_point_select", "sysbench oltp_point_select, 8 clients", "TPS", "higher")
    row.results = {"postgres": Measurement(123.0, 0, 4),
                   "borealis": Measurement(error="not run: sysbench unavailable: apt failed")}
    assert row.ratio is None
    markdown = markdown_table([row], "caption")
    assert ("| sysbench oltp_point_select, 8 clients | TPS ↑ | 123 | not run | – | 0/4 | – "
            "| Borealis: not run: sysbench unavailable: apt failed |") in markdown
    assert "not run: sysbench unavailable" in text_table([row])
    assert row.to_json()["borealis"]["error"] == "not run: sysbench unavailable: apt failed"
