"""DSQL's SQL rules and limits end to end, against `borealis start --compat dsql`:
transaction rules (one DDL, no DDL with DML, REPEATABLE READ only, read-only blocks),
per-transaction limits (rows, bytes), key/row/column sizes, schema limits, statements
and settings DSQL refuses, what version(), pg_backend_pid() and sys.current_session_id()
say, and the OCC effect of FOR UPDATE and FOR KEY SHARE between two sessions.

The 300 s transaction age and the object-count limits that would need thousands of
objects are tested in-process (`test_dsql_rules_unit.py`)."""

from __future__ import annotations

import asyncio

import asyncpg
import psycopg
import pytest
from psycopg import errors as pgerr

from tests.qp.server import BorealisProcess, fails

DSQL_ARGS = ("--compat", "dsql", "--auth", "trust", "--tls", "optional")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("dsql-rules") / "data", args=DSQL_ARGS).start()
    yield proc
    proc.stop()


def connect(server: BorealisProcess, autocommit: bool = True, **kwargs) -> psycopg.Connection:
    return psycopg.connect(server.dsn, autocommit=autocommit, connect_timeout=10, **kwargs)


def notices(conn: psycopg.Connection) -> list[tuple[str, str]]:
    seen: list[tuple[str, str]] = []
    conn.add_notice_handler(lambda d: seen.append((d.sqlstate, d.message_primary)))
    return seen


# -- transaction rules -------------------------------------------------------------------

DDL_DML = "ddl and dml are not supported in the same transaction"


def test_one_ddl_statement_per_transaction(server):
    with connect(server) as conn:
        conn.execute("begin")
        conn.execute("create table one_a (id int primary key)")
        fails(conn, "create table one_b (id int primary key)", "0A000",
              "multiple ddl statements are not supported in a transaction")
        conn.execute("rollback")
        assert conn.execute("select count(*) from pg_class where relname in ('one_a', 'one_b')"
                            ).fetchone() == (0,)
        # A single DDL in an explicit block commits; reads may come first.
        conn.execute("begin")
        conn.execute("select count(*) from pg_class").fetchone()
        conn.execute("create table one_a (id int primary key)")
        conn.execute("commit")
        assert conn.execute("select count(*) from one_a").fetchone() == (0,)


def test_ddl_and_dml_are_never_in_one_transaction(server):
    with connect(server) as conn:
        conn.execute("create table mix (id int primary key)")
        conn.execute("begin")
        conn.execute("insert into mix values (1)")
        fails(conn, "create table mix2 (id int primary key)", "0A000", DDL_DML)
        conn.execute("rollback")
        conn.execute("begin")
        conn.execute("create table mix2 (id int primary key)")
        fails(conn, "insert into mix values (2)", "0A000", DDL_DML)
        conn.execute("rollback")
        # Two statements of one query string share the implicit transaction.
        fails(conn, "insert into mix values (3); create table mix3 (id int primary key)", "0A000",
              DDL_DML)
        assert conn.execute("select count(*) from mix").fetchone() == (0,)


@pytest.mark.parametrize("level", ["SERIALIZABLE", "READ COMMITTED", "READ UNCOMMITTED"])
def test_only_repeatable_read(server, level):
    message = f"isolation level {level} is not supported: only REPEATABLE READ"
    with connect(server) as conn:
        fails(conn, f"begin isolation level {level}", "0A000", message)
        fails(conn, f"start transaction isolation level {level}", "0A000", message)
        fails(conn, f"set session characteristics as transaction isolation level {level}", "0A000",
              message)
        fails(conn, f"set default_transaction_isolation = '{level.lower()}'", "0A000", message)
        fails(conn, f"select set_config('transaction_isolation', '{level.lower()}', false)", "0A000",
              message)
        conn.execute("begin")
        fails(conn, f"set transaction isolation level {level}", "0A000", message)
        conn.execute("rollback")
        for sql in ("begin isolation level repeatable read", "rollback",
                    "start transaction isolation level repeatable read read write", "commit",
                    "set session characteristics as transaction isolation level repeatable read",
                    "set default_transaction_isolation = 'repeatable read'"):
            conn.execute(sql)
        assert conn.execute("show transaction isolation level").fetchone() == ("repeatable read",)


def test_transaction_warnings(server):
    with connect(server) as conn:
        seen = notices(conn)
        conn.execute("begin")
        conn.execute("begin")
        conn.execute("commit")
        conn.execute("set transaction isolation level repeatable read")
        assert ("25001", "there is already a transaction in progress") in seen
        assert ("25P01", "SET TRANSACTION can only be used in transaction blocks") in seen


def test_read_only_transactions_refuse_writes(server):
    with connect(server) as conn:
        conn.execute("create table ro (id int primary key)")
        conn.execute("begin transaction read only")
        assert conn.execute("show transaction_read_only").fetchone() == ("on",)
        fails(conn, "insert into ro values (1)", "25006", "cannot execute INSERT in a read-only transaction")
        conn.execute("rollback")
        conn.execute("begin")
        conn.execute("set transaction read only")
        fails(conn, "select * from ro for update", "25006",
              "cannot execute SELECT FOR UPDATE in a read-only transaction")
        conn.execute("rollback")
        conn.execute("begin read only")
        fails(conn, "create table ro2 (id int primary key)", "25006",
              "cannot execute CREATE TABLE in a read-only transaction")
        conn.execute("rollback")
        conn.execute("begin read only")
        conn.execute("select count(*) from ro").fetchone()
        fails(conn, "set transaction read write", "25001",
              "transaction read-write mode must be set before any query")
        conn.execute("rollback")
        conn.execute("insert into ro values (1)")  # outside the block: writable again


# -- transaction limits ------------------------------------------------------------------

def test_row_limit_per_transaction(server):
    with connect(server) as conn:
        conn.execute("create table many (id int primary key, v int)")
        fails(conn, "insert into many select g, 0 from generate_series(1, 3001) g", "54000",
              "transaction row limit exceeded")
        assert conn.execute("select count(*) from many").fetchone() == (0,)
        assert conn.execute("insert into many select g, 0 from generate_series(1, 3000) g"
                            ).rowcount == 3000
        # Each row counts once, however often it is modified in the transaction.
        conn.execute("begin")
        conn.execute("update many set v = v + 1")
        conn.execute("update many set v = v + 1")
        conn.execute("commit")
        assert conn.execute("select min(v), max(v) from many").fetchone() == (2, 2)
        conn.execute("begin")
        conn.execute("delete from many where id <= 2000")
        fails(conn, "insert into many select g, 0 from generate_series(5001, 6001) g", "54000",
              "transaction row limit exceeded")
        conn.execute("rollback")
        assert conn.execute("select count(*) from many").fetchone() == (3000,)


def test_row_limit_applies_to_copy(server):
    with connect(server) as conn:
        conn.execute("create table copied (id int primary key, v text)")
        with pytest.raises(psycopg.Error) as info, conn.cursor() as cur, \
                cur.copy("COPY copied (id, v) FROM STDIN") as copy:
            for i in range(3001):
                copy.write_row((i, "x"))
        assert info.value.sqlstate == "54000"
        assert info.value.diag.message_primary == "transaction row limit exceeded"
        assert conn.execute("select count(*) from copied").fetchone() == (0,)
        fails(conn, "copy copied from '/tmp/borealis-copy'", "0A000",
              "COPY to or from a file not supported: use STDIN or STDOUT")


def test_size_limit_per_transaction(server):
    with connect(server) as conn:
        conn.execute("create table big (id int primary key, v text)")
        err = fails(conn, "insert into big select g, repeat('x', 900000) from generate_series(1, 12) g",
                    "54000", "transaction size limit 10mb exceeded")
        assert err.diag.message_detail == "Current transaction size 11mb 10mb"
        conn.execute("insert into big select g, repeat('x', 900000) from generate_series(1, 11) g")
        assert conn.execute("select count(*) from big").fetchone() == (11,)


def test_key_row_and_column_sizes(server):
    with connect(server) as conn:
        conn.execute("create table sized (k text primary key, a text, b text, c text)")
        fails(conn, "insert into sized (k) values (repeat('k', 1100))", "54000", "key size too large")
        conn.execute("create table idx_sized (id int primary key, u text unique)")
        fails(conn, "insert into idx_sized values (1, repeat('u', 1100))", "54000", "key size too large")
        fails(conn, "insert into sized values ('c', repeat('c', 1100000))", "54000",
              "maximum column size exceeded")
        fails(conn, "insert into sized values ('r', repeat('a', 800000), repeat('b', 800000), "
                    "repeat('c', 800000))", "54000", "maximum row size exceeded")
        conn.execute("insert into sized values ('ok', repeat('a', 700000), repeat('b', 700000), 'c')")
        fails(conn, "update sized set c = repeat('c', 750000) where k = 'ok'", "54000",
              "maximum row size exceeded")


def test_a_key_storage_cannot_hold_is_a_clean_error(server):
    """Keys between LMDB's ~480 bytes and DSQL's 1 KiB: 54000 with a DETAIL, nothing
    reaches storage, and the database keeps working."""
    with connect(server) as conn:
        conn.execute("create table longkey (k text primary key)")
        err = fails(conn, "insert into longkey values (repeat('k', 600))", "54000", "key size too large")
        assert "LMDB" in err.diag.message_detail
        conn.execute("insert into longkey values ('short')")
        assert conn.execute("select k from longkey").fetchall() == [("short",)]
        assert conn.execute("select count(*) from longkey where k = repeat('k', 600)").fetchone() == (0,)


# -- schema limits -----------------------------------------------------------------------

def test_column_and_key_column_limits(server):
    with connect(server) as conn:
        cols = ", ".join(f"c{i} int" for i in range(253))
        conn.execute(f"create table wide (id int primary key, {cols})")  # 254 columns
        conn.execute("alter table wide add column last int")  # 255
        fails(conn, "alter table wide add column one_more int", "54011",
              "tables can have at most 255 columns")
        fails(conn, f"create table wider (id int primary key, {cols}, x int, y int)", "54011",
              "tables can have at most 255 columns")
        nine = ", ".join(f"k{i}" for i in range(9))
        defs = ", ".join(f"k{i} int" for i in range(9))
        fails(conn, f"create table pk9 ({defs}, primary key ({nine}))", "54011",
              "more than 8 column keys in an index are not supported")
        fails(conn, f"create table uq9 (id int primary key, {defs}, unique ({nine}))", "54011",
              "more than 8 column keys in an index are not supported")
        conn.execute(f"create table pk8 ({defs}, primary key ({nine[:-4]}))")


def test_index_limit_per_table(server):
    with connect(server) as conn:
        uniques = ", ".join(f"u{i} int unique" for i in range(23))
        conn.execute(f"create table idx24 (id int primary key, {uniques})")  # 24 with the PK
        fails(conn, f"create table idx25 (id int primary key, {uniques}, extra int unique)", "54000",
              "more than 24 indexes per table are not allowed")
        fails(conn, "create index async idx24_more on idx24 (u0)", "54000",
              "more than 24 indexes per table are not allowed")
        conn.execute(f"create table keys9 (id int primary key, {', '.join(f'k{i} int' for i in range(9))})")
        fails(conn, f"create index async keys9_idx on keys9 ({', '.join(f'k{i}' for i in range(9))})",
              "54011", "more than 8 column keys in an index are not supported")


def test_schema_limit(server):
    with connect(server) as conn:
        for i in range(10):
            conn.execute(f"create schema s{i}")
        fails(conn, "create schema s10", "54000", "more than 10 schemas not allowed")


def test_view_definition_limit(server):
    with connect(server) as conn:
        fails(conn, f"create view huge as select '{'x' * (2 * 1024 * 1024)}' as s", "54000",
              "view definition too large")
        conn.execute("create view small as select 1 as one")


# -- unsupported statements --------------------------------------------------------------

UNSUPPORTED = [
    ("truncate mix", "unsupported statement: Truncate"),
    ("vacuum", "unsupported statement: Vacuum"),
    ("alter system set work_mem = '1MB'", "unsupported statement: AlterSystem"),
    ("create trigger tr after insert on mix for each row execute function f()",
     "unsupported statement: CreateTrig"),
    ("create extension pgcrypto", "unsupported statement: CreateExtension"),
    ("create type mood as enum ('sad', 'ok')", "unsupported statement: CreateEnum"),
    ("create policy p on mix using (true)", "unsupported statement: CreatePolicy"),
    ("listen chan", "unsupported statement: Listen"),
    ("notify chan", "unsupported statement: Notify"),
    ("unlisten *", "unsupported statement: Unlisten"),
    ("load 'plugin'", "unsupported statement: Load"),
    ("discard all", "unsupported statement: Discard"),
    ("declare c cursor for select 1", "unsupported statement: DeclareCursor"),
    ("fetch c", "unsupported statement: Fetch"),
    ("close c", "unsupported statement: ClosePortal"),
    ("lock table mix", "unsupported statement: Lock"),
    ("prepare p as select 1", "unsupported statement: Prepare"),
    ("execute p", "unsupported statement: Execute"),
    ("explain execute p", "unsupported statement: Execute"),
    ("create materialized view mv as select 1", "unsupported statement: CreateTableAs"),
    ("create table ctas as select 1 as one", "unsupported statement: CreateTableAs"),
    ("create database other", "unsupported statement"),
    ("create function f() returns int language plpgsql as $$begin return 1; end$$",
     'language "plpgsql" not supported'),
    ("create procedure p() language sql as $$select 1$$", "CREATE PROCEDURE not supported"),
    ("do $$begin end$$", "unsupported statement: Do"),
    ("create table part (id int, d date) partition by range (d)",
     "PARTITION BY clause not supported for CREATE TABLE"),
    ("create table part_of partition of mix for values from (1) to (2)",
     "PARTITION OF clause not supported for CREATE TABLE"),
    ("create table inh (extra int) inherits (mix)", "INHERITS clause not supported for CREATE TABLE"),
    ("create temp table tmp (id int)", "TEMPORARY clause not supported for CREATE TABLE"),
    ("create table ts (id int) tablespace pg_default", "TABLESPACE clause not supported for CREATE TABLE"),
    ("create table opts (id int) with (fillfactor = 50)", "WITH clause not supported for CREATE TABLE"),
    ('create table coll (t text collate "en_US")', "COLLATE clause not supported for CREATE TABLE"),
    ("create temp view tv as select 1", "TEMPORARY clause not supported for CREATE VIEW"),
    ("copy mix to '/tmp/borealis-out'", "COPY to or from a file not supported: use STDIN or STDOUT"),
    ("alter table mix alter column id set not null",
     "unsupported ALTER TABLE ALTER COLUMN SET NOT NULL statement"),
    ("alter table mix alter column id type bigint",
     "unsupported ALTER TABLE ALTER COLUMN SET DATA TYPE statement"),
    ("alter table mix enable row level security", "unsupported ALTER TABLE ENABLE ROW SECURITY statement"),
    ("alter table mix add primary key (id)", "unsupported ALTER TABLE ADD PRIMARY KEY statement"),
    ("alter table mix add unique (id)", "unsupported ALTER TABLE ADD UNIQUE statement"),
    ("alter table mix add constraint pos check (id > 0)",
     "unsupported ALTER TABLE ADD CHECK without NOT VALID statement"),
    ("alter table mix replica identity full", "unsupported ALTER TABLE REPLICA IDENTITY statement"),
]


@pytest.mark.parametrize(("sql", "message"), UNSUPPORTED, ids=[s for s, _ in UNSUPPORTED])
def test_unsupported_statements(server, sql, message):
    with connect(server) as conn:
        conn.execute("create table if not exists mix (id int primary key)")
        fails(conn, sql, "0A000", message)


def test_savepoints_are_unsupported_and_deallocate_is_fine(server):
    with connect(server) as conn:
        conn.execute("begin")
        fails(conn, "savepoint s", "0A000", "unsupported statement: Savepoint")
        conn.execute("rollback")
        conn.execute("begin")
        fails(conn, "release savepoint s", "0A000", "unsupported statement: ReleaseSavepoint")
        conn.execute("rollback")
        conn.execute("begin")
        fails(conn, "rollback to savepoint s", "0A000", "unsupported statement: RollbackToSavepoint")
        conn.execute("rollback")
        assert conn.execute("deallocate all").statusmessage == "DEALLOCATE ALL"


def test_c_collation_is_accepted(server):
    with connect(server) as conn:
        conn.execute('create table coll_c (a text collate "C" primary key, b text collate "POSIX")')
        conn.execute("insert into coll_c values ('b', 'x'), ('B', 'y')")
        assert conn.execute("select a from coll_c order by a").fetchall() == [("B",), ("b",)]


# -- settings ----------------------------------------------------------------------------

@pytest.mark.parametrize("parameter", ["default_transaction_read_only", "role"])
def test_startup_parameters_dsql_refuses(server, parameter):
    with pytest.raises(psycopg.OperationalError) as info:
        connect(server, options=f"-c {parameter}=on")
    assert f'setting configuration parameter "{parameter}" not supported' in str(info.value)


def test_set_accepts_what_drivers_send_and_refuses_the_rest(server):
    with connect(server) as conn:
        for sql in ("set search_path = public", "set application_name = 'rules'",
                    "set time zone 'UTC'", "set datestyle = 'ISO, MDY'", "set intervalstyle = 'postgres'",
                    "set client_encoding = 'UTF8'", "set extra_float_digits = 3", "set enable_hashjoin = off",
                    "set role admin", "reset role"):
            conn.execute(sql)
        assert conn.execute("select current_setting('application_name'), current_setting('extra_float_digits')"
                            ).fetchone() == ("rules", "3")
        conn.execute("reset all")
        conn.execute("reset statement_timeout")
        conn.execute("begin")
        conn.execute("set local enable_seqscan = off")
        conn.execute("commit")
        assert conn.execute("select set_config('TimeZone', 'UTC', false)").fetchone() == ("UTC",)
        for parameter in ("statement_timeout", "lock_timeout", "client_min_messages",
                          "standard_conforming_strings", "work_mem", "default_transaction_read_only"):
            message = f'setting configuration parameter "{parameter}" not supported'
            fails(conn, f"set {parameter} = 'on'", "0A000", message)
            fails(conn, f"select set_config('{parameter}', 'on', false)", "0A000", message)


def test_set_constraints_is_accepted(server):
    with connect(server) as conn:
        conn.execute("begin")
        assert conn.execute("set constraints all deferred").statusmessage == "SET CONSTRAINTS"
        conn.execute("set constraints all immediate")
        conn.execute("commit")


# -- what the server says about itself -----------------------------------------------------

def test_version_session_id_and_backend_pid(server):
    with connect(server) as a, connect(server) as b:
        assert a.execute("select version()").fetchone() == ("PostgreSQL 16",)
        assert a.execute("show server_version").fetchone() == ("16.15",)
        assert a.info.server_version == 160015
        ids = [a.execute("select sys.current_session_id()").fetchone()[0] for _ in range(2)]
        other = b.execute("select sys.current_session_id()").fetchone()[0]
        assert ids[0] == ids[1] and ids[0] != other and len(other) == 26
        fails(a, "select pg_backend_pid()", "0A000", "function pg_backend_pid not supported")
        assert a.info.backend_pid > 0 and a.info.backend_pid != b.info.backend_pid


def test_asyncpg_connects(server):
    async def main():
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="admin",
                                     database="postgres", ssl=False)
        try:
            assert conn.get_server_pid() > 0
            assert await conn.fetchval("select $1::int + 1", 41) == 42
            assert len(await conn.fetchval("select sys.current_session_id()")) == 26
            async with conn.transaction(isolation="repeatable_read"):
                assert await conn.fetchval("select 1") == 1
            await conn.execute("RESET ALL;")
        finally:
            await conn.close()

    asyncio.run(main())


# -- locking clauses under OCC -------------------------------------------------------------

def _accounts(server, table: str) -> None:
    with connect(server) as conn:
        conn.execute(f"create table {table} (id int primary key, v int not null)")
        conn.execute(f"insert into {table} values (1, 0), (2, 0)")


def test_without_for_update_write_skew_commits(server):
    _accounts(server, "skew")
    a, b = connect(server, autocommit=False), connect(server, autocommit=False)
    try:
        assert a.execute("select v from skew where id = 1").fetchone() == (0,)
        a.execute("update skew set v = 10 where id = 2")
        b.execute("update skew set v = 20 where id = 1")
        b.commit()
        a.commit()  # snapshot isolation: a read-only dependency is not a conflict
    finally:
        a.close()
        b.close()


def test_for_update_conflicts_with_a_write_to_the_locked_row(server):
    _accounts(server, "locked")
    a, b = connect(server, autocommit=False), connect(server, autocommit=False)
    try:
        assert a.execute("select v from locked where id = 1 for update").fetchone() == (0,)
        a.execute("update locked set v = 10 where id = 2")
        b.execute("update locked set v = 20 where id = 1")
        b.commit()
        with pytest.raises(pgerr.SerializationFailure) as info:
            a.commit()
        assert info.value.sqlstate == "40001" and "(OC000)" in str(info.value)
        assert a.execute("select v from locked order by id").fetchall() == [(20,), (0,)]
        a.rollback()
    finally:
        a.close()
        b.close()


def test_for_update_alone_is_adjudicated_like_a_write(server):
    _accounts(server, "lockonly")
    a, b = connect(server, autocommit=False), connect(server, autocommit=False)
    try:
        a.execute("select v from lockonly where id = 2 for update nowait").fetchone()
        b.execute("update lockonly set v = 5 where id = 2")
        b.commit()
        with pytest.raises(pgerr.SerializationFailure):
            a.commit()
        # The rows not returned are not locked: a write to them does not conflict.
        a.execute("select v from lockonly where id = 2 for update skip locked").fetchone()
        b.execute("update lockonly set v = 6 where id = 1")
        b.commit()
        a.commit()
    finally:
        a.close()
        b.close()


def test_for_update_of_one_table_in_a_join(server):
    with connect(server) as conn:
        conn.execute("create table cust (id int primary key, name text)")
        conn.execute("create table ord (id int primary key, cust int)")
        conn.execute("insert into cust values (1, 'a')")
        conn.execute("insert into ord values (10, 1)")
    a, b = connect(server, autocommit=False), connect(server, autocommit=False)
    query = "select o.id, c.name from ord o join cust c on c.id = o.cust where o.id = 10 for update of o"
    try:
        assert a.execute(query).fetchall() == [(10, "a")]
        b.execute("update cust set name = 'b' where id = 1")
        b.commit()
        a.commit()  # cust was read, not locked
        assert a.execute(query).fetchall() == [(10, "b")]
        b.execute("update ord set cust = 1 where id = 10")
        b.commit()
        with pytest.raises(pgerr.SerializationFailure):
            a.commit()
    finally:
        a.close()
        b.close()


def test_for_key_share_conflicts_with_a_delete_of_the_row(server):
    with connect(server) as conn:
        conn.execute("create table parent (id int primary key, label text)")
        conn.execute("create table child (id int primary key, parent int)")
        conn.execute("insert into parent values (1, 'one'), (2, 'two'), (3, 'three')")
    a, b = connect(server, autocommit=False), connect(server, autocommit=False)
    try:
        assert a.execute("select id from parent where id = 1 for key share").fetchall() == [(1,)]
        a.execute("insert into child values (1, 1)")
        b.execute("delete from parent where id = 1")
        b.commit()
        with pytest.raises(pgerr.SerializationFailure) as info:
            a.commit()
        assert "(OC000)" in str(info.value)
        # A KEY SHARE on another parent does not conflict with that delete.
        a.execute("select id from parent where id = 2 for key share").fetchall()
        a.execute("insert into child values (2, 2)")
        b.execute("delete from parent where id = 3")
        b.commit()
        a.commit()
        assert a.execute("select id from parent").fetchall() == [(2,)]
        a.rollback()
    finally:
        a.close()
        b.close()


def test_locking_clauses_dsql_refuses(server):
    with connect(server) as conn:
        conn.execute("create table if not exists mix (id int primary key)")
        fails(conn, "select * from mix for share", "0A000", "locking clause FOR SHARE not supported")
        fails(conn, "select * from mix for no key update", "0A000",
              "locking clause FOR NO KEY UPDATE not supported")
        fails(conn, "select count(*) from mix for update", "0A000",
              "FOR UPDATE is not allowed with aggregate functions")
        fails(conn, "select id from mix union select 1 for update", "0A000",
              "FOR UPDATE is not allowed with UNION/INTERSECT/EXCEPT")
        fails(conn, "select * from mix for update of nosuch", "42P01",
              'relation "nosuch" in FOR UPDATE clause not found in FROM clause')


# -- ANALYZE -----------------------------------------------------------------------------

NOT_A_TABLE = "skipping \"{}\" --- cannot analyze non-tables or special system tables"
NOT_OWNER = "skipping \"{}\" --- only table or database owner can analyze it"


def test_analyze_checks_and_is_neither_ddl_nor_dml(server):
    with connect(server) as conn:
        seen = notices(conn)
        conn.execute("create table an_t (id int primary key, a int)")
        conn.execute("create view an_v as select id from an_t")
        assert conn.execute("analyze an_t").statusmessage == "ANALYZE"
        assert conn.execute("analyze verbose an_t (id, a), an_t").statusmessage == "ANALYZE"
        assert conn.execute("analyze").statusmessage == "ANALYZE"
        assert seen == []
        assert conn.execute("analyze an_v").statusmessage == "ANALYZE"
        assert seen == [("01000", NOT_A_TABLE.format("an_v"))]
        fails(conn, "analyze an_nope", "42P01", 'relation "an_nope" does not exist')
        fails(conn, "analyze an_t (b)", "42703", 'column "b" of relation "an_t" does not exist')
        fails(conn, "analyze an_t (a, a)", "42701", 'column "a" of relation "an_t" appears more than once')
        fails(conn, "analyze (full) an_t", "42601", 'unrecognized ANALYZE option "full"')
        fails(conn, "vacuum an_t", "0A000", "unsupported statement: Vacuum")
        fails(conn, "vacuum analyze an_t", "0A000", "unsupported statement: Vacuum")
        # A utility statement: beside one DDL statement, and beside DML.
        conn.execute("begin")
        conn.execute("analyze an_t")
        conn.execute("create table an_w (id int primary key)")
        conn.execute("analyze an_w")
        conn.execute("commit")
        conn.execute("begin")
        conn.execute("insert into an_t values (1, 1)")
        conn.execute("analyze an_t")
        conn.execute("commit")
        conn.execute("begin read only")
        conn.execute("analyze an_t")
        conn.execute("commit")
        assert conn.execute("select count(*) from an_t").fetchone() == (1,)


def test_analyze_of_a_table_the_role_does_not_own_is_skipped(server):
    with connect(server) as conn:
        conn.execute("create table if not exists an_owned (id int primary key)")
        conn.execute("create role an_other with login")
        conn.execute("grant usage on schema public to an_other")
        conn.execute("grant select on an_owned to an_other")
    with connect(server, user="an_other") as other:
        seen = notices(other)
        assert other.execute("analyze an_owned (nope)").statusmessage == "ANALYZE"
        assert seen == [("01000", NOT_OWNER.format("an_owned"))]
        fails(other, "analyze an_nope", "42P01", 'relation "an_nope" does not exist')
