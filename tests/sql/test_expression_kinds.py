"""Where an expression sits decides what it may hold (PostgreSQL's expression kinds,
`Binder.clause`): aggregates, window functions and set-returning functions are refused
in WHERE, JOIN conditions, GROUP BY, VALUES, UPDATE, RETURNING, LIMIT, FILTER, DEFAULT
expressions, check constraints and generated columns, each error naming the place as
PostgreSQL's does; a DEFAULT is checked when it is declared; 42804 names the column.
Compared with PostgreSQL 15 word for word (the case files compare SQLSTATEs only).
"""

from __future__ import annotations

import pytest

from tests.sql.conftest import differences, outcome, schema_pair

SETUP = [
    "CREATE TABLE t (a int PRIMARY KEY, b int)",
    "INSERT INTO t VALUES (1, 2), (2, 3)",
    "CREATE FUNCTION sf() RETURNS SETOF int LANGUAGE sql AS 'SELECT 1'",
]

STATEMENTS = [
    # aggregates
    "SELECT * FROM t WHERE count(*) > 0",
    "SELECT count(*) FROM t GROUP BY count(*)",
    "SELECT sum(a) AS z FROM t GROUP BY z",
    "SELECT 1 FROM t JOIN t u ON count(*) > 0",
    "SELECT * FROM generate_series(1, count(*))",
    "VALUES (count(*))",
    "INSERT INTO t VALUES (count(*), 1)",
    "UPDATE t SET b = count(*)",
    "SELECT 1 FROM t LIMIT count(*)",
    "SELECT 1 FROM t OFFSET sum(1)",
    "DELETE FROM t WHERE count(*) > 1",
    "UPDATE t SET b = 1 RETURNING count(*)",
    "SELECT sum(count(*)) FROM t",
    "SELECT 1 FROM t HAVING sum(count(*)) > 0",
    "SELECT count(*) FILTER (WHERE count(*) > 1) FROM t",
    "INSERT INTO t VALUES (1, 1) ON CONFLICT (a) DO UPDATE SET b = count(*)",
    "INSERT INTO t VALUES (1, 1) ON CONFLICT (a) DO UPDATE SET b = 1 WHERE count(*) > 0",
    # aggregates in ORDER BY make the query grouped
    "SELECT 1 FROM t ORDER BY count(*)",
    "SELECT b FROM t ORDER BY count(*)",
    "SELECT sum(a) FROM t ORDER BY sum(b)",
    # window functions
    "SELECT * FROM t WHERE row_number() OVER () > 0",
    "SELECT count(*) FROM t GROUP BY row_number() OVER ()",
    "SELECT 1 FROM t JOIN t u ON row_number() OVER () > 0",
    "VALUES (row_number() OVER ())",
    "UPDATE t SET b = row_number() OVER ()",
    "SELECT 1 FROM t LIMIT row_number() OVER ()",
    "UPDATE t SET b = 1 RETURNING row_number() OVER ()",
    "SELECT 1 FROM t HAVING row_number() OVER () > 0",
    "SELECT count(*) FILTER (WHERE row_number() OVER () > 1) FROM t",
    "SELECT sum(row_number() OVER ()) FROM t",
    "SELECT 1 FROM t GROUP BY a HAVING sum(row_number() OVER ()) > 0",
    "SELECT array_agg(a ORDER BY row_number() OVER ()) FROM t",
    # set-returning functions
    "SELECT * FROM t WHERE generate_series(1, 2) > 0",
    "SELECT 1 FROM t JOIN t u ON generate_series(1, 2) > 0",
    "UPDATE t SET b = generate_series(1, 2)",
    "SELECT 1 FROM t LIMIT generate_series(1, 2)",
    "VALUES (generate_series(1, 2))",
    "SELECT count(generate_series(1, 2)) FROM t",
    "SELECT * FROM generate_series(1, generate_series(1, 2))",
    "UPDATE t SET b = 1 RETURNING generate_series(1, 2)",
    "SELECT * FROM t WHERE sf() = 1",
    # a subquery there has its own level
    "SELECT * FROM t WHERE a IN (SELECT count(*) FROM t) ORDER BY a",
    "SELECT count(*) FILTER (WHERE a > (SELECT count(*) FROM t)) FROM t",
    # DEFAULT, CHECK and generated columns, at CREATE / ALTER TABLE
    "CREATE TABLE x1 (a int PRIMARY KEY, b int DEFAULT 'abc')",
    "CREATE TABLE x2 (a int PRIMARY KEY, b int DEFAULT a)",
    "CREATE TABLE x3 (a int PRIMARY KEY, b int DEFAULT (SELECT 1))",
    "CREATE TABLE x4 (a int PRIMARY KEY, b int DEFAULT nosuchfn())",
    "CREATE TABLE x5 (a int PRIMARY KEY, b int DEFAULT 'x'::text)",
    "CREATE TABLE x6 (a int PRIMARY KEY, b int DEFAULT now())",
    "CREATE TABLE x7 (a int PRIMARY KEY, b int CHECK (count(*) > 0))",
    "CREATE TABLE x8 (a int PRIMARY KEY, b int CHECK ((SELECT 1) > 0))",
    "CREATE TABLE x9 (a int PRIMARY KEY, b int GENERATED ALWAYS AS (count(*)) STORED)",
    "CREATE TABLE x10 (a int PRIMARY KEY, b int GENERATED ALWAYS AS (row_number() OVER ()) STORED)",
    "CREATE TABLE x11 (a int PRIMARY KEY, b int DEFAULT generate_series(1, 2))",
    "CREATE TABLE x12 (a int PRIMARY KEY, b int GENERATED ALWAYS AS ((SELECT 1)) STORED)",
    "CREATE TABLE x13 (a int PRIMARY KEY, b int GENERATED ALWAYS AS ('x'::text) STORED)",
    "ALTER TABLE t ALTER COLUMN b SET DEFAULT sum(1)",
    "ALTER TABLE t ALTER COLUMN b SET DEFAULT (SELECT 1)",
    "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'q'",
    # a default too long for its column fails at INSERT, not before
    "CREATE TABLE x14 (a int PRIMARY KEY, f varchar(2) DEFAULT 'abc', g numeric(3, 1) DEFAULT 1000)",
    "INSERT INTO x14 (a, g) VALUES (1, 1)",
    "INSERT INTO x14 (a, f) VALUES (2, 'a')",
    # 42804 names the column
    "INSERT INTO t (a, b) VALUES (9, 'x'::text)",
    "INSERT INTO t (a, b) SELECT 9, 'x'::text",
    "UPDATE t SET b = now()",
    "INSERT INTO t VALUES (1, 1) ON CONFLICT (a) DO UPDATE SET b = 'x'::text",
]


@pytest.fixture
def engines(postgres_dsn: str, borealis_dsn: str):
    with schema_pair(postgres_dsn, borealis_dsn, "expression_kinds") as conns:
        yield conns


def test_what_each_clause_refuses_matches_postgres(engines):
    for sql in SETUP:
        assert {outcome(c, sql)[0] for c in engines.values()} == {"ok"}, sql
    assert differences(engines, STATEMENTS) == ""
