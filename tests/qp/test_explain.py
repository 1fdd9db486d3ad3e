"""EXPLAIN in Aurora DSQL's style, end to end against `borealis start`.

The plan of each access path (full scan, primary-key lookup and range, secondary
index with row lookups) with its storage nodes; the three filter levels and their
counts under ANALYZE (Index Cond, storage Filters / Rows Filtered, QP Filter / Rows
Removed by Filter); joins, sorts and limits; EXPLAIN ANALYZE of DML really running in
the current transaction; the summary lines and DSQL's DPU estimate, checked against
the documented formulas; and the options EXPLAIN accepts or refuses.

Times vary from run to run, so `plan()` replaces every measured time with T.
"""

from __future__ import annotations

import re

import psycopg
import pytest
from psycopg.types.numeric import Int8

from tests.qp.server import BorealisProcess

WRITE_DPU_PER_BYTE = 0.00004883
READ_DPU_PER_BYTE = 0.00000183105
Z_BASE32 = re.compile(r"^[ybndrfg8ejkmcpqxot1uwisza345h769]{13}$")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("explain") / "data").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True, connect_timeout=10) as c:
        c.execute("CREATE TABLE t (id int PRIMARY KEY, amount int, name text)")
        c.execute("CREATE INDEX t_name ON t (name)")
        c.execute("INSERT INTO t SELECT g, g * 2, 'n' || (g % 10) FROM generate_series(1, 100) g")
        yield c


def raw_plan(conn: psycopg.Connection, sql: str, params=None) -> list[str]:
    return [r[0] for r in conn.execute(sql, params).fetchall()]


def plan(conn: psycopg.Connection, sql: str, params=None) -> list[str]:
    lines = raw_plan(conn, sql, params)
    lines = [re.sub(r"actual time=\d+\.\d{3}\.\.\d+\.\d{3} ", "actual time=T..T ", line) for line in lines]
    return [re.sub(r"(Planning|Execution) Time: \d+\.\d{3} ms", r"\1 Time: T ms", line) for line in lines]


def summary(lines: list[str]) -> dict[str, str]:
    """`Name: value` lines after the plan (Query Identifier, times, DPU components)."""
    out = {}
    for line in lines:
        m = re.match(r"^\s*(Query Identifier|Planning Time|Execution Time|Compute|Read|Write|Total): (.*)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def dpu(value: str) -> float:
    return float(value.split(" DPU")[0])


# -- access paths ---------------------------------------------------------------------------

def test_full_scan_with_a_storage_filter(conn):
    assert plan(conn, "EXPLAIN ANALYZE SELECT * FROM t WHERE amount > 10") == [
        "Full Scan (btree-table) on t (actual time=T..T rows=95 loops=1)",
        "  -> Storage Scan on t (actual rows=95 loops=1)",
        "      Projections: id, amount, name",
        "      Filters: (amount > 10)",
        "      Rows Filtered: 5",
        "      -> B-Tree Scan on t (actual rows=100 loops=1)",
        "Planning Time: T ms",
        "Execution Time: T ms",
    ]


def test_plain_explain_has_no_actuals_and_projects_only_needed_columns(conn):
    assert plan(conn, "EXPLAIN SELECT name FROM t WHERE amount < 7") == [
        "Full Scan (btree-table) on t",
        "  -> Storage Scan on t",
        "      Projections: name",
        "      Filters: (amount < 7)",
        "      -> B-Tree Scan on t",
    ]
    assert plan(conn, "EXPLAIN SELECT count(*) FROM t") == [
        "Aggregate",
        "  ->  Full Scan (btree-table) on t",
        "        -> Storage Scan on t",
        "            -> B-Tree Scan on t",
    ]


def test_primary_key_lookup_is_an_index_only_scan(conn):
    assert plan(conn, "EXPLAIN ANALYZE SELECT id FROM t WHERE id = 1") == [
        "Index Only Scan using t_pkey on t (actual time=T..T rows=1 loops=1)",
        "  Index Cond: (id = 1)",
        "  -> Storage Scan on t_pkey (actual rows=1 loops=1)",
        "      Projections: id",
        "      -> B-Tree Scan on t_pkey (actual rows=1 loops=1)",
        "Planning Time: T ms",
        "Execution Time: T ms",
    ]
    assert plan(conn, "EXPLAIN SELECT * FROM t WHERE id IN (1, 2, 3)")[:2] == [
        "Index Only Scan using t_pkey on t",
        "  Index Cond: (id = ANY ('{1,2,3}'::integer[]))",
    ]


def test_primary_key_range_with_a_query_processor_filter(conn):
    # LIKE '%7' cannot run in storage: the QP applies it after the key range is read.
    assert plan(conn, "EXPLAIN ANALYZE SELECT * FROM t WHERE id BETWEEN 5 AND 10 AND name LIKE '%7'") == [
        "Index Only Scan using t_pkey on t (actual time=T..T rows=1 loops=1)",
        "  Index Cond: ((id >= 5) AND (id <= 10))",
        "  Filter: (name ~~ '%7'::text)",
        "  Rows Removed by Filter: 5",
        "  -> Storage Scan on t_pkey (actual rows=6 loops=1)",
        "      Projections: id, amount, name",
        "      -> B-Tree Scan on t_pkey (actual rows=6 loops=1)",
        "Planning Time: T ms",
        "Execution Time: T ms",
    ]


def test_secondary_index_scan_with_row_lookups(conn):
    # name = 'n1': ids 1, 11, ..., 91 (amount 2 .. 182); amount > 50 keeps 31 .. 91.
    assert plan(conn, "EXPLAIN ANALYZE SELECT amount FROM t WHERE name = 'n1' AND amount > 50") == [
        "Index Scan using t_name on t (actual time=T..T rows=7 loops=1)",
        "  Index Cond: (name = 'n1'::text)",
        "  -> Storage Scan on t_name (actual rows=10 loops=1)",
        "      -> B-Tree Scan on t_name (actual rows=10 loops=1)",
        "  -> Storage Lookup on t (actual rows=7 loops=1)",
        "      Projections: amount",
        "      Filters: (amount > 50)",
        "      Rows Filtered: 3",
        "      -> B-Tree Lookup on t (actual rows=10 loops=1)",
        "Planning Time: T ms",
        "Execution Time: T ms",
    ]


def test_join_sort_and_limit_keep_postgres_names(conn):
    assert plan(conn, "EXPLAIN SELECT a.name, b.id FROM t a JOIN t b ON a.id = b.amount "
                      "WHERE a.amount < 30 ORDER BY a.name DESC LIMIT 3") == [
        "Limit",
        "  ->  Sort",
        "        Sort Key: a.name DESC",
        "        ->  Hash Join",
        "              Hash Cond: (a.id = b.amount)",
        "              ->  Full Scan (btree-table) on t a",
        "                    -> Storage Scan on t",
        "                        Projections: id, name",
        "                        Filters: (a.amount < 30)",
        "                        -> B-Tree Scan on t",
        "              ->  Hash",
        "                    ->  Full Scan (btree-table) on t b",
        "                          -> Storage Scan on t",
        "                              Projections: id, amount",
        "                              -> B-Tree Scan on t",
    ]


def test_group_by_having_and_a_correlated_subquery(conn):
    lines = plan(conn, "EXPLAIN SELECT name, count(*) FROM t GROUP BY name HAVING count(*) > 1")
    assert lines[:3] == ["HashAggregate", "  Group Key: name", "  Filter: (count(*) > '1'::bigint)"]
    lines = plan(conn, "EXPLAIN ANALYZE SELECT * FROM t a WHERE a.id < 5 AND "
                       "EXISTS (SELECT 1 FROM t b WHERE b.id = a.amount)")
    assert lines[:4] == [  # amount = 2 * id: ids 1 .. 4 look up rows 2, 4, 6 and 8, which all exist
        "Index Only Scan using t_pkey on t a (actual time=T..T rows=4 loops=1)",
        "  Index Cond: (a.id < 5)",
        "  Filter: EXISTS(SubPlan 1)",
        "  Rows Removed by Filter: 0",
    ]
    assert "  SubPlan 1" in lines
    sub = lines.index("  SubPlan 1")
    assert lines[sub + 1] == "    ->  Index Only Scan using t_pkey on t b (actual time=T..T rows=1 loops=4)"
    assert lines[sub + 2] == "          Index Cond: (b.id = a.amount)"


def test_verbose_adds_output_schema_and_query_identifier(conn):
    lines = plan(conn, "EXPLAIN VERBOSE SELECT id, amount + 1 FROM t WHERE id = 2")
    assert lines[:3] == [
        "Index Only Scan using t_pkey on public.t",
        "  Output: id, (amount + 1)",
        "  Index Cond: (id = 2)",
    ]
    facts = summary(lines)
    assert Z_BASE32.match(facts["Query Identifier"])
    assert "Planning Time" not in facts and "Compute" not in facts  # no ANALYZE
    # The identifier ignores constants (a fingerprint), and tells statements apart.
    again = summary(plan(conn, "EXPLAIN VERBOSE SELECT id, amount + 1 FROM t WHERE id = 3"))
    other = summary(plan(conn, "EXPLAIN VERBOSE SELECT name FROM t WHERE id = 3"))
    assert again["Query Identifier"] == facts["Query Identifier"]
    assert other["Query Identifier"] != facts["Query Identifier"]


def test_parameters_of_the_extended_protocol_are_shown_and_used(conn):
    lines = plan(conn, "EXPLAIN ANALYZE SELECT * FROM t WHERE id = %s AND name = %s", (5, "n5"))
    assert lines[0] == "Index Only Scan using t_pkey on t (actual time=T..T rows=1 loops=1)"
    assert lines[1] == "  Index Cond: (id = 5)"
    assert "      Filters: (name = 'n5'::text)" in lines


# -- ANALYZE of DML ---------------------------------------------------------------------------

def test_explain_analyze_update_really_updates(server, conn):
    conn.execute("CREATE TABLE acct (id int PRIMARY KEY, balance int)")
    conn.execute("INSERT INTO acct VALUES (1, 100), (2, 200)")
    lines = plan(conn, "EXPLAIN ANALYZE UPDATE acct SET balance = balance + 5 WHERE id = 1")
    assert lines[:3] == [
        "Update on acct (actual time=T..T rows=0 loops=1)",
        "  ->  Index Only Scan using acct_pkey on acct (actual time=T..T rows=1 loops=1)",
        "        Index Cond: (id = 1)",
    ]
    assert conn.execute("SELECT balance FROM acct WHERE id = 1").fetchone() == (105,)
    # Inside a transaction block it runs in that transaction: a rollback undoes it.
    with psycopg.connect(server.dsn, connect_timeout=10) as tx:
        raw_plan(tx, "EXPLAIN ANALYZE DELETE FROM acct WHERE id = 2")
        assert tx.execute("SELECT count(*) FROM acct").fetchone() == (1,)
        tx.rollback()
    assert conn.execute("SELECT count(*) FROM acct").fetchone() == (2,)
    # Plain EXPLAIN does not run it.
    raw_plan(conn, "EXPLAIN UPDATE acct SET balance = 0")
    assert conn.execute("SELECT sum(balance) FROM acct").fetchone() == (305,)


def test_with_queries_are_named_and_a_writing_one_shows_its_plan(conn):
    conn.execute("CREATE TABLE moved (id int PRIMARY KEY, amount int)")
    lines = plan(conn, "EXPLAIN WITH d AS (DELETE FROM moved WHERE id = 1 RETURNING *) "
                       "SELECT * FROM d x")
    assert lines[:5] == [
        "CTE Scan on d x",
        "  CTE d",
        "    ->  Delete on moved",
        "          ->  Index Only Scan using moved_pkey on moved",
        "                Index Cond: (moved.id = 1)",  # (PostgreSQL: not qualified)
    ]
    # ANALYZE runs it, as PostgreSQL does.
    conn.execute("INSERT INTO moved VALUES (1, 10), (2, 20)")
    lines = plan(conn, "EXPLAIN ANALYZE WITH d AS (DELETE FROM moved WHERE id = 1 RETURNING *) "
                       "INSERT INTO moved SELECT id + 10, amount FROM d")
    assert lines[0] == "Insert on moved (actual time=T..T rows=0 loops=1)"
    assert "        CTE d" in lines and "          ->  Delete on moved (actual time=T..T rows=1 loops=1)" in lines
    assert conn.execute("SELECT id FROM moved ORDER BY id").fetchall() == [(2,), (11,)]


def test_rows_filtered_counts_the_transactions_own_rows(server, conn):
    with psycopg.connect(server.dsn, connect_timeout=10) as tx:
        tx.execute("INSERT INTO t VALUES (1000, -7, 'own')")
        lines = plan(tx, "EXPLAIN ANALYZE SELECT * FROM t WHERE amount = -7")
        tx.rollback()
    assert lines[1:6] == [
        "  -> Storage Scan on t (actual rows=1 loops=1)",
        "      Projections: id, amount, name",
        "      Filters: (amount = '-7'::integer)",
        "      Rows Filtered: 100",
        "      -> B-Tree Scan on t (actual rows=101 loops=1)",
    ]


# -- the DPU estimate ----------------------------------------------------------------------------

def test_single_row_insert_costs_the_transaction_minimums(conn):
    conn.execute("CREATE TABLE small (id int PRIMARY KEY, body text)")
    lines = plan(conn, "EXPLAIN ANALYZE VERBOSE INSERT INTO small VALUES (1, repeat('x', 90))")
    assert lines[0] == "Insert on public.small (actual time=T..T rows=0 loops=1)"
    tail = lines[lines.index("Statement DPU Estimate:"):]
    assert tail[2:4] == ["  Read: 0.00375 DPU (Transaction minimum: 0.00375)",
                         "  Write: 0.05000 DPU (Transaction minimum: 0.05000)"]
    assert conn.execute("SELECT length(body) FROM small WHERE id = 1").fetchone() == (90,)
    facts = summary(raw_plan(conn, "EXPLAIN ANALYZE VERBOSE INSERT INTO small VALUES (2, 'y')"))
    compute, read, write, total = (dpu(facts[k]) for k in ("Compute", "Read", "Write", "Total"))
    # ComputeDPU is the statement's planning + execution time in seconds.
    ms = float(facts["Planning Time"].split()[0]) + float(facts["Execution Time"].split()[0])
    assert abs(compute - ms / 1000) <= 0.00001
    assert abs(total - (compute + read + write)) <= 0.00002
    assert Z_BASE32.match(facts["Query Identifier"])


def test_write_dpu_follows_bytes_written(conn):
    conn.execute("CREATE TABLE big (id int PRIMARY KEY, body text)")
    facts = summary(raw_plan(conn, "EXPLAIN ANALYZE VERBOSE INSERT INTO big "
                                   "SELECT g, repeat('x', 1000) FROM generate_series(1, 50) g"))
    write = dpu(facts["Write"])
    assert "Transaction minimum" not in facts["Write"]
    # 50 rows of a 1000-byte text plus a small key and header each.
    assert 50 * 1000 * WRITE_DPU_PER_BYTE < write < 50 * 1100 * WRITE_DPU_PER_BYTE
    # An index doubles the rows written, each index entry at least 128 bytes.
    conn.execute("CREATE TABLE big2 (id int PRIMARY KEY, body text, tag int)")
    conn.execute("CREATE INDEX big2_tag ON big2 (tag)")
    facts2 = summary(raw_plan(conn, "EXPLAIN ANALYZE VERBOSE INSERT INTO big2 "
                                    "SELECT g, repeat('x', 1000), g FROM generate_series(1, 50) g"))
    assert dpu(facts2["Write"]) >= write + 50 * 128 * WRITE_DPU_PER_BYTE


def test_read_dpu_counts_rows_storage_filtered_out(conn):
    conn.execute("CREATE TABLE wide (id int PRIMARY KEY, body text)")
    conn.execute("INSERT INTO wide SELECT g, repeat('y', 200) FROM generate_series(1, 300) g")
    every = summary(raw_plan(conn, "EXPLAIN ANALYZE VERBOSE SELECT * FROM wide"))
    none = summary(raw_plan(conn, "EXPLAIN ANALYZE VERBOSE SELECT * FROM wide WHERE body = 'z'"))
    # 300 rows of ~200 bytes were read either way: same bytes, same Read DPU.
    assert dpu(every["Read"]) == dpu(none["Read"])
    assert 300 * 200 * READ_DPU_PER_BYTE < dpu(every["Read"]) < 300 * 260 * READ_DPU_PER_BYTE
    assert dpu(every["Write"]) == 0.0 and "Transaction minimum" not in every["Read"]


# -- options ------------------------------------------------------------------------------------

def fails(conn: psycopg.Connection, sql: str, sqlstate: str, message: str) -> None:
    with pytest.raises(psycopg.Error) as info:
        conn.execute(sql)
    assert info.value.sqlstate == sqlstate, str(info.value)
    assert message in str(info.value)


def test_option_list_syntax(conn):
    lines = plan(conn, "EXPLAIN (ANALYZE, VERBOSE) SELECT id FROM t WHERE id = 9")
    assert lines[0] == "Index Only Scan using t_pkey on public.t (actual time=T..T rows=1 loops=1)"
    assert "Statement DPU Estimate:" in lines
    lines = plan(conn, "EXPLAIN (ANALYZE true, TIMING off, SUMMARY off, COSTS off) SELECT id FROM t WHERE id = 9")
    assert lines == [
        "Index Only Scan using t_pkey on t (actual rows=1 loops=1)",
        "  Index Cond: (id = 9)",
        "  -> Storage Scan on t_pkey (actual rows=1 loops=1)",
        "      Projections: id",
        "      -> B-Tree Scan on t_pkey (actual rows=1 loops=1)",
    ]
    assert plan(conn, "EXPLAIN (ANALYZE off, FORMAT TEXT) SELECT 1") == ["Result"]


def test_refused_options_and_statements(conn):
    fails(conn, "EXPLAIN (FORMAT JSON) SELECT 1", "0A000", "FORMAT JSON")
    fails(conn, "EXPLAIN (FORMAT YAML, ANALYZE) SELECT 1", "0A000", "FORMAT YAML")
    fails(conn, "EXPLAIN (FORMAT CSV) SELECT 1", "22023", 'unrecognized value for EXPLAIN option "format"')
    fails(conn, "EXPLAIN (GENERIC_PLAN) SELECT 1", "0A000", "GENERIC_PLAN")
    fails(conn, "EXPLAIN (FOO) SELECT 1", "42601", 'unrecognized EXPLAIN option "foo"')
    fails(conn, "EXPLAIN (ANALYZE maybe) SELECT 1", "42601", "analyze requires a Boolean value")
    fails(conn, "EXPLAIN (TIMING) SELECT 1", "22023", "EXPLAIN option TIMING requires ANALYZE")
    fails(conn, "EXPLAIN EXECUTE p", "0A000", "unsupported statement: Execute")


# -- keys compared across one type family -------------------------------------------------------

@pytest.fixture(scope="module")
def keyed(conn):
    """An integer key and secondary indexes, read with bigint parameters as sysbench
    and pgbench send them: the binder widens the column, `(id)::bigint = $1`."""
    conn.execute("CREATE TABLE kt (id int PRIMARY KEY, k int, s varchar(10), f real)")
    conn.execute("CREATE INDEX kt_k ON kt (k)")
    conn.execute("CREATE INDEX kt_s ON kt (s)")
    conn.execute("INSERT INTO kt SELECT g, g % 5, 's' || g, g / 4.0 FROM generate_series(1, 50) g")
    conn.execute("CREATE TABLE kt2 (id smallint PRIMARY KEY, v text)")
    conn.execute("INSERT INTO kt2 VALUES (1, 'a'), (2, 'b'), (32767, 'max')")
    return conn


def test_bigint_parameters_look_up_an_integer_key(keyed):
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT f FROM kt WHERE id = %s", (Int8(5),))
    assert lines[:5] == [
        "Index Only Scan using kt_pkey on kt (actual time=T..T rows=1 loops=1)",
        "  Index Cond: (id = '5'::bigint)",
        "  -> Storage Scan on kt_pkey (actual rows=1 loops=1)",
        "      Projections: f",
        "      -> B-Tree Scan on kt_pkey (actual rows=1 loops=1)",
    ]
    # Past the integer range: still the key path, no row, no error.
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT f FROM kt WHERE id = %s", (Int8(1 << 40),))
    assert lines[:2] == ["Index Only Scan using kt_pkey on kt (actual time=T..T rows=0 loops=1)",
                         "  Index Cond: (id = '1099511627776'::bigint)"]
    # One prepared plan, values converted per execution.
    cur = keyed.cursor()
    sql = "SELECT f FROM kt WHERE id = %s"
    got = [cur.execute(sql, (Int8(v),), prepare=True).fetchall() for v in (6, 1 << 40, -(1 << 40), 8)]
    assert got == [[(1.5,)], [], [], [(2.0,)]]
    assert cur.execute("SELECT f FROM kt WHERE id = %s::int8", (None,), prepare=True).fetchall() == []
    lines = plan(keyed, "EXPLAIN ANALYZE UPDATE kt SET k = k WHERE id = %s", (Int8(7),))
    assert lines[1:3] == ["  ->  Index Only Scan using kt_pkey on kt (actual time=T..T rows=1 loops=1)",
                          "        Index Cond: (id = '7'::bigint)"]


def test_bigint_bounds_clamp_to_the_integer_range(keyed):
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT id FROM kt WHERE id BETWEEN %s AND %s",
                 (Int8(45), Int8(1 << 40)))
    assert lines[:2] == [
        "Index Only Scan using kt_pkey on kt (actual time=T..T rows=6 loops=1)",
        "  Index Cond: ((id >= '45'::bigint) AND (id <= '1099511627776'::bigint))",
    ]
    assert "      -> B-Tree Scan on kt_pkey (actual rows=6 loops=1)" in lines
    cur = keyed.cursor()
    counts = [cur.execute("SELECT count(*) FROM kt WHERE id < %s", (Int8(v),), prepare=True).fetchone()[0]
              for v in (1 << 40, 11, -(1 << 40), 1 << 31)]
    assert counts == [50, 10, 0, 50]
    counts = [cur.execute("SELECT count(*) FROM kt WHERE id > %s", (Int8(v),), prepare=True).fetchone()[0]
              for v in (1 << 40, 40, -(1 << 40), (1 << 31) - 1)]
    assert counts == [0, 10, 50, 0]


def test_lists_of_bigint_values(keyed):
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT id FROM kt WHERE id = ANY(%s)",
                 ([Int8(3), Int8(1 << 40), Int8(4)],))
    assert lines[:2] == [
        "Index Only Scan using kt_pkey on kt (actual time=T..T rows=2 loops=1)",
        "  Index Cond: (id = ANY ('{3,1099511627776,4}'::bigint[]))",
    ]
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT id FROM kt WHERE id IN (%s, %s)", (Int8(9), Int8(-(1 << 40))))
    assert lines[0] == "Index Only Scan using kt_pkey on kt (actual time=T..T rows=1 loops=1)"
    assert plan(keyed, "EXPLAIN SELECT id FROM kt WHERE id IN (1::int8, 2::int8)")[:2] == [
        "Index Only Scan using kt_pkey on kt",
        "  Index Cond: (id = ANY ('{1,2}'::bigint[]))",
    ]


def test_secondary_indexes_and_other_families(keyed):
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT id FROM kt WHERE k = %s", (Int8(3),))
    assert lines[:2] == ["Index Scan using kt_k on kt (actual time=T..T rows=10 loops=1)",
                         "  Index Cond: (k = '3'::bigint)"]
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT id FROM kt WHERE s = 's7'::text")
    assert lines[:2] == ["Index Scan using kt_s on kt (actual time=T..T rows=1 loops=1)",
                         "  Index Cond: (s = 's7'::text)"]
    # A smallint key against integer literals, with no cast written at all.
    lines = plan(keyed, "EXPLAIN ANALYZE SELECT v FROM kt2 WHERE id = 32767")
    assert lines[:2] == ["Index Only Scan using kt2_pkey on kt2 (actual time=T..T rows=1 loops=1)",
                         "  Index Cond: (id = 32767)"]
    assert keyed.execute("SELECT v FROM kt2 WHERE id = 32768").fetchall() == []
    # A widening that changes equality is not unwrapped: numeric against an integer key.
    assert plan(keyed, "EXPLAIN SELECT id FROM kt WHERE id = 5.0")[0] == "Full Scan (btree-table) on kt"
