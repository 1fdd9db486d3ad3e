"""Every `cases/*.sql` file, run statement by statement on PostgreSQL 15 and on Borealis.

One test per file and protocol (simple query; prepared statements over the extended
protocol). Each run uses a fresh schema (first on the search path), in one
session per engine, autocommit unless the file itself says BEGIN/COMMIT; see
`sql_diff.py` for the file format and how outcomes are compared.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sql_diff import PROTOCOLS, format_mismatches, parse_case, run_case, text_connection

CASES = Path(__file__).parent / "cases"
CASE_FILES = sorted(CASES.glob("*.sql"))


def _open(dsn: str, schema: str, *, drop_first: bool):
    conn = text_connection(dsn)
    if drop_first:
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE".encode())
    conn.execute(f"CREATE SCHEMA {schema}".encode())
    conn.execute(f"SET search_path = {schema}".encode())
    return conn


@pytest.mark.parametrize("protocol", PROTOCOLS)
@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path: Path, protocol: str, postgres_dsn: str, borealis_dsn: str) -> None:
    statements = parse_case(path.read_text())
    assert statements, f"{path.name} has no statements"
    schema = f"case_{path.stem.replace('-', '_')}_{protocol}"
    conns = {"postgres": _open(postgres_dsn, schema, drop_first=True),
             "borealis": _open(borealis_dsn, schema, drop_first=False)}
    try:
        mismatches = run_case(statements, conns, protocol)
    finally:
        for conn in conns.values():
            conn.close()
    if mismatches:
        pytest.fail(format_mismatches(f"{path.name} ({protocol} protocol)", mismatches,
                                      len(statements)), pytrace=False)
