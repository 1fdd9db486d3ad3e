"""Row values and multidimensional arrays through real drivers against `borealis start`:
psycopg 3 in text and binary result format, and asyncpg (binary, with its own parsing of
anonymous records and of array dimensions)."""

from __future__ import annotations

import asyncio

import asyncpg
import psycopg
import pytest

from tests.qp.server import BorealisProcess

CLIENT_TIMEOUT_S = 30
ROW_QUERY = "SELECT t FROM rv AS t ORDER BY id"
MIXED_QUERY = ("SELECT ROW(1, 'a b', NULL::int, ARRAY[[1, 2], [3, 4]], 2.5::numeric), "
               "ARRAY[[1, 2], [3, NULL]], ARRAY[['x', 'y z']], (ARRAY[10, 20, 30])[2:]")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("rowvalues") / "data").start()
    try:
        with psycopg.connect(proc.dsn, autocommit=True) as conn:
            conn.execute("CREATE TABLE rv (id int PRIMARY KEY, name text)")
            conn.execute("INSERT INTO rv VALUES (1, 'abc'), (2, NULL), (3, 'x, \"y\"')")
        yield proc
    finally:
        proc.stop()


def test_psycopg_text_format(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        cur = conn.execute(ROW_QUERY)
        assert [d.type_code for d in cur.description] == [2249]
        assert [d.name for d in cur.description] == ["t"]
        # psycopg parses record text into a tuple of field texts
        assert cur.fetchall() == [(("1", "abc"),), (("2", None),), (("3", 'x, "y"'),)]
        row = conn.execute(MIXED_QUERY).fetchone()
        assert row[0] == ("1", "a b", None, "{{1,2},{3,4}}", "2.5")
        assert row[1:] == ([[1, 2], [3, None]], [["x", "y z"]], [20, 30])


def test_psycopg_binary_format(server):
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        cur = conn.cursor(binary=True)
        cur.execute(ROW_QUERY)
        assert cur.pgresult.fformat(0) == 1
        assert cur.fetchall() == [((1, "abc"),), ((2, None),), ((3, 'x, "y"'),)]
        cur.execute(MIXED_QUERY)
        row = cur.fetchone()
        record = row[0]
        # the untyped literal stays `unknown` in the record, which psycopg reads as
        # bytes (as it does from PostgreSQL)
        assert record[:4] == (1, b"a b", None, [[1, 2], [3, 4]])
        assert str(record[4]) == "2.5"
        assert row[1:] == ([[1, 2], [3, None]], [["x", "y z"]], [20, 30])
        cur.execute("SELECT ARRAY[[[1], [2]], [[3], [4]]], '{}'::int[]")
        assert cur.fetchone() == ([[[1], [2]], [[3], [4]]], [])
        # 2-D array parameters, sent in binary (%b) and in text (%t)
        cur.execute("SELECT %b::int[], (%t::int[])[2][1], array_dims(%b::int[])",
                    [[[1, 2], [3, None]], [[5, 6], [7, 8]], [[1], [2], [3]]])
        assert cur.fetchone() == ([[1, 2], [3, None]], 7, "[1:3][1:1]")


def test_asyncpg(server):
    async def run():
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="admin",
                                     database="postgres", ssl=False, timeout=CLIENT_TIMEOUT_S)
        try:
            rows = await conn.fetch(ROW_QUERY)
            assert [tuple(r["t"]) for r in rows] == [(1, "abc"), (2, None), (3, 'x, "y"')]
            row = await conn.fetchrow(MIXED_QUERY)
            record = row[0]
            assert tuple(record)[:4] == (1, "a b", None, [[1, 2], [3, 4]])
            assert str(record[4]) == "2.5"
            assert list(row)[1:] == [[[1, 2], [3, None]], [["x", "y z"]], [20, 30]]
            # a prepared statement reads the same values again
            stmt = await conn.prepare("SELECT t, ARRAY[[id, id * 2]] FROM rv AS t WHERE id = $1")
            again = await stmt.fetchrow(2)
            assert tuple(again[0]) == (2, None) and again[1] == [[2, 4]]
        finally:
            await conn.close()

    asyncio.run(asyncio.wait_for(run(), CLIENT_TIMEOUT_S * 2))
