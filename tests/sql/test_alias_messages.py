"""A table alias hides the table's name, in SELECT, UPDATE, DELETE and INSERT (whose
alias ON CONFLICT DO UPDATE and RETURNING see): the hidden name is 42P01 with
PostgreSQL's hint naming the alias. Compared with PostgreSQL 15 word for word, rows
included (the case files compare SQLSTATEs only).
"""

from __future__ import annotations

import pytest

from tests.sql.conftest import differences, outcome, schema_pair

SETUP = [
    "CREATE TABLE k (id int PRIMARY KEY, v int)",
    "INSERT INTO k VALUES (1, 10)",
]

STATEMENTS = [
    "INSERT INTO k AS z VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET v = z.v + excluded.v RETURNING z.v",
    "INSERT INTO k AS z VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET v = 1 WHERE z.v > 0 RETURNING *",
    "INSERT INTO k AS z VALUES (3, 5) RETURNING z.*",
    "INSERT INTO k AS excluded VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET v = 7 RETURNING *",
    # the name the alias hides
    "INSERT INTO k AS z VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET v = k.v",
    "INSERT INTO k AS z VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET v = 1 WHERE k.v > 0",
    "INSERT INTO k AS z VALUES (2, 5) RETURNING k.v",
    "SELECT k.v FROM k AS z",
    "SELECT k.* FROM k AS z",
    "SELECT row_to_json(k) FROM k AS z",
    "SELECT (SELECT k.v) FROM k z",
    "UPDATE k AS z SET v = 2 RETURNING k.v",
    "DELETE FROM k AS z WHERE k.v = 1",
    "SELECT x.v FROM k AS z",
    "SELECT k.v FROM k AS z, k ORDER BY 1",
]


@pytest.fixture
def engines(postgres_dsn: str, borealis_dsn: str):
    with schema_pair(postgres_dsn, borealis_dsn, "alias_messages") as conns:
        yield conns


def test_aliases_match_postgres(engines):
    for sql in SETUP:
        assert {outcome(c, sql)[0] for c in engines.values()} == {"ok"}, sql
    assert differences(engines, STATEMENTS) == ""
