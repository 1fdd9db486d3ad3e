"""Calls of built-in functions with arguments they do not take, and the aggregates' own
errors: 42883 names the function and every argument type as PostgreSQL's does, word for
word (the case files compare SQLSTATEs only).
"""

from __future__ import annotations

import pytest

from tests.sql.conftest import differences, schema_pair

SETUP = ["CREATE TABLE st (g int, i int, f float8)"]

STATEMENTS = [
    "SELECT date_trunc('day', 1)",
    "SELECT date_trunc('day', 'x'::text)",
    "SELECT timezone('UTC', 1)",
    "SELECT date_part('day', 1)",
    "SELECT isfinite(1)",
    "SELECT stddev('1'::text) FROM st",
    "SELECT bit_or(f) FROM st",
    "SELECT percentile_cont(0.5) FROM st",
    "SELECT sum(i) WITHIN GROUP (ORDER BY i) FROM st",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY 'x'::text) FROM st",
    "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY i, g) FROM st",
    "SELECT mode(1) WITHIN GROUP (ORDER BY i) FROM st",
    "SELECT percentile_cont(i) WITHIN GROUP (ORDER BY i) FROM st",
    "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY i) OVER () FROM st",
    "SELECT percentile_cont(1.5) WITHIN GROUP (ORDER BY f) FROM (VALUES (1.0::float8)) v(f)",
    "SELECT array_agg(DISTINCT i ORDER BY g) FROM st",
]


@pytest.fixture
def engines(postgres_dsn: str, borealis_dsn: str):
    with schema_pair(postgres_dsn, borealis_dsn, "function_messages") as conns:
        yield conns


def test_function_errors_match_postgres(engines):
    for sql in SETUP:
        for conn in engines.values():
            conn.execute(sql)
    assert differences(engines, STATEMENTS) == ""
