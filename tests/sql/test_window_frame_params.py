"""Window frame offsets given as bind parameters ($1), on PostgreSQL 15 and Borealis.

The case files cannot bind parameters, so these statements run here as prepared
statements with values, twice with different values (a cached plan must not keep the
first execution's offsets), and both engines must agree: rows, or the SQLSTATE.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import psycopg
import pytest
from sql_diff import text_connection

SCHEMA = "window_frame_params"
SETUP = (
    "CREATE TABLE p (id int PRIMARY KEY, x int, n numeric, d date)",
    "INSERT INTO p VALUES (1, 1, 0.5, '2024-01-01'), (2, 2, 1.25, '2024-01-02'), "
    "(3, 2, 1.5, '2024-01-04'), (4, 5, NULL, '2024-01-05'), (5, NULL, 3, NULL), "
    "(6, 7, 3.5, '2024-02-01')",
)

# (statement, first parameters, second parameters)
STATEMENTS = [
    ("SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN %s PRECEDING AND %s FOLLOWING) "
     "FROM p ORDER BY id", (1, 0), (0, 2)),
    ("SELECT id, count(*) OVER (ORDER BY x GROUPS BETWEEN %s PRECEDING AND CURRENT ROW "
     "EXCLUDE CURRENT ROW) FROM p ORDER BY id", (1,), (3,)),
    ("SELECT id, sum(id) OVER (ORDER BY x RANGE BETWEEN %s PRECEDING AND %s FOLLOWING) "
     "FROM p ORDER BY id", (1, 0), (3, 1)),
    ("SELECT id, sum(n) OVER (ORDER BY n DESC RANGE BETWEEN %s PRECEDING AND CURRENT ROW) "
     "FROM p ORDER BY id", (Decimal("0.5"), ), (Decimal("2"),)),
    ("SELECT id, count(*) OVER (ORDER BY d RANGE BETWEEN %s PRECEDING AND CURRENT ROW) "
     "FROM p ORDER BY id", ("1 day",), (datetime.timedelta(days=3),)),
    ("SELECT id, first_value(id) OVER (ORDER BY id ROWS BETWEEN %s FOLLOWING AND "
     "UNBOUNDED FOLLOWING) FROM p ORDER BY id", ("2",), (5,)),
    ("SELECT id, sum(x) OVER (ORDER BY id ROWS BETWEEN %s PRECEDING AND CURRENT ROW) "
     "FROM p ORDER BY id", (None,), (-1,)),
    ("SELECT id, sum(x) OVER (ORDER BY x RANGE BETWEEN %s PRECEDING AND CURRENT ROW) "
     "FROM p ORDER BY id", (-1,), (None,)),
]


def _run(conn: psycopg.Connection, sql: str, params: tuple) -> tuple:
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params, prepare=True)
            return ("ok", tuple(tuple(r) for r in cur.fetchall()))
    except psycopg.Error as exc:
        return ("error", exc.sqlstate)


@pytest.fixture(scope="module")
def conns(postgres_dsn: str, borealis_dsn: str):
    opened = {}
    try:
        for engine, dsn in (("postgres", postgres_dsn), ("borealis", borealis_dsn)):
            conn = opened[engine] = text_connection(dsn)
            conn.execute(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE")
            conn.execute(f"CREATE SCHEMA {SCHEMA}")
            conn.execute(f"SET search_path = {SCHEMA}")
            for sql in SETUP:
                conn.execute(sql)
        yield opened
    finally:
        for conn in opened.values():
            conn.close()


@pytest.mark.parametrize(("sql", "first", "second"), STATEMENTS)
def test_offset_parameters_match_postgres(conns, sql: str, first: tuple, second: tuple) -> None:
    for params in (first, second):
        expected = _run(conns["postgres"], sql, params)
        got = _run(conns["borealis"], sql, params)
        assert got == expected, f"{sql} with {params}"


def test_parameters_change_between_executions(conns) -> None:
    sql = STATEMENTS[0][0]
    narrow = _run(conns["borealis"], sql, (0, 0))
    wide = _run(conns["borealis"], sql, (5, 5))
    assert narrow[0] == wide[0] == "ok"
    assert [r[1] for r in narrow[1]] == ["1", "2", "2", "5", None, "7"]
    assert [r[1] for r in wide[1]] == ["17"] * 6
