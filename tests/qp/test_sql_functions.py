"""SQL functions against `borealis start --compat dsql`: CREATE FUNCTION is DDL (one per
transaction, never with DML, a catalog change other transactions see as OC001), DSQL's
refusal of other languages and procedures, and what the differential cases
(`tests/sql/cases/sql_functions.sql`) cannot say: BEGIN ATOMIC bodies (semicolons the
case splitter would cut), the recursion bound, EXECUTE privileges, prepared statements
re-planned after CREATE OR REPLACE, psql's `\\df` / `\\sf`, and functions kept across a
restart."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg
import pytest

from tests.qp.server import BorealisProcess, fails

DSQL_ARGS = ("--compat", "dsql", "--auth", "trust", "--tls", "optional")
DDL_DML = "ddl and dml are not supported in the same transaction"
PSQL = Path("/usr/lib/postgresql/15/bin/psql")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("sql-functions") / "data", args=DSQL_ARGS).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def admin(server):
    with psycopg.connect(server.dsn, autocommit=True, connect_timeout=10) as conn:
        conn.execute("create table items (id bigint primary key, name text)")
        conn.execute("insert into items values (1, 'one'), (2, 'two')")
        yield conn


def connect(server: BorealisProcess) -> psycopg.Connection:
    return psycopg.connect(server.dsn, autocommit=True, connect_timeout=10)


# -- DSQL's DDL rules ------------------------------------------------------------------------

def test_create_function_is_one_ddl_statement(server, admin):
    with connect(server) as conn:
        conn.execute("begin")
        conn.execute("insert into items values (10, 'ten')")
        fails(conn, "create function mixed() returns int language sql as 'select 1'", "0A000", DDL_DML)
        conn.execute("rollback")
        conn.execute("begin")
        conn.execute("create function first_ddl() returns int language sql as 'select 1'")
        fails(conn, "create function second_ddl() returns int language sql as 'select 2'", "0A000",
              "multiple ddl statements are not supported in a transaction")
        conn.execute("rollback")
        conn.execute("begin")
        conn.execute("create function in_block() returns int language sql as 'select 41 + 1'")
        # the transaction's own catalog: the function is callable before COMMIT
        assert conn.execute("select in_block()").fetchone() == (42,)
        fails(conn, "insert into items values (11, 'eleven')", "0A000", DDL_DML)
        conn.execute("rollback")
        fails(conn, "select in_block()", "42883")
        for ddl in ("drop function if exists nothing_here(int)",
                    "alter function in_block() rename to x"):
            conn.execute("begin")
            conn.execute("insert into items values (12, 'twelve')")
            fails(conn, ddl, "0A000", DDL_DML)
            conn.execute("rollback")


def test_a_function_that_writes_counts_as_dml(server, admin):
    admin.execute("create function add_item(k bigint, v text) returns bigint language sql as "
                  "$$ insert into items values (k, v) returning id $$")
    with connect(server) as conn:
        assert conn.execute("select add_item(20, 'twenty')").fetchone() == (20,)
        conn.execute("begin")
        conn.execute("select add_item(21, 'twenty-one')")
        fails(conn, "create function after_dml() returns int language sql as 'select 1'", "0A000",
              DDL_DML)
        conn.execute("rollback")
        conn.execute("begin")
        conn.execute("create function before_dml() returns int language sql as 'select 1'")
        fails(conn, "select add_item(22, 'twenty-two')", "0A000", DDL_DML)
        conn.execute("rollback")
        conn.execute("begin read only")
        fails(conn, "select add_item(23, 'twenty-three')", "25006")
        conn.execute("rollback")
        assert conn.execute("select count(*) from items where id >= 20").fetchone() == (1,)


def test_create_function_conflicts_with_concurrent_transactions(server, admin):
    with connect(server) as writer, connect(server) as ddl:
        writer.execute("begin")
        writer.execute("insert into items values (30, 'thirty')")
        ddl.execute("create function concurrent_fn() returns int language sql as 'select 1'")
        with pytest.raises(psycopg.Error) as info:
            writer.execute("commit")
        assert info.value.sqlstate == "40001"
        assert "(OC001)" in str(info.value)
        assert writer.execute("select count(*) from items where id = 30").fetchone() == (0,)


def test_dsql_refuses_other_languages_and_procedures(server, admin):
    fails(admin, "create function p() returns int language plpgsql as 'begin return 1; end'",
          "0A000", 'language "plpgsql" not supported')
    fails(admin, "create function c() returns int language c as 'lib', 'sym'", "0A000",
          'language "c" not supported')
    fails(admin, "create procedure pr() language sql as 'select 1'", "0A000",
          "CREATE PROCEDURE not supported")
    fails(admin, "do $$ begin end $$", "0A000", "unsupported statement: Do")
    fails(admin, "select p()", "42883")


# -- bodies, recursion, plans ------------------------------------------------------------------

def test_begin_atomic_bodies(server, admin):
    admin.execute("create function atomic_fn(x int) returns int language sql "
                  "begin atomic select x * 2; select x * 3; end")
    assert admin.execute("select atomic_fn(5), atomic_fn(null)").fetchone() == (15, None)
    admin.execute("create function atomic_set(n int) returns setof int language sql "
                  "begin atomic select g from generate_series(1, n) g order by g desc; end")
    assert admin.execute("select * from atomic_set(3)").fetchall() == [(3,), (2,), (1,)]
    definition = admin.execute("select pg_get_functiondef('atomic_fn'::regproc)").fetchone()[0]
    assert definition.startswith("CREATE OR REPLACE FUNCTION public.atomic_fn(x integer)\n")
    assert "BEGIN ATOMIC\n" in definition and definition.endswith("END\n")
    src, body = admin.execute("select prosrc, prosqlbody is not null from pg_proc "
                              "where proname = 'atomic_fn'").fetchone()
    assert (src, body) == ("", True)
    # a RETURN / BEGIN ATOMIC body is checked before the function exists: no self-call
    fails(admin, "create function atomic_self(n int) returns int language sql "
                 "begin atomic select atomic_self(n); end", "42883")


def test_recursion_is_bounded(server, admin):
    admin.execute("create function fact(n int) returns numeric language sql as "
                  "$$ select case when n <= 1 then 1::numeric else n * fact(n - 1) end $$")
    assert admin.execute("select fact(20)").fetchone() == (2432902008176640000,)
    error = fails(admin, "select fact(100000)", "54001", "stack depth limit exceeded")
    assert "max_stack_depth" in (error.diag.message_hint or "")
    admin.execute("create function count_down(n int) returns bigint language sql as $$ "
                  "select case when n <= 0 then 0 else "
                  "(select count(*) from items where id = 1) + count_down(n - 1) end $$")
    assert admin.execute("select count_down(10)").fetchone() == (10,)
    fails(admin, "select count_down(100000)", "54001")
    # the session is usable afterwards
    assert admin.execute("select fact(3), count_down(2)").fetchone() == (6, 2)


def test_prepared_statements_see_the_replaced_body(server, admin):
    admin.execute("create function version_fn() returns text language sql as $$ select 'v1' $$")
    admin.execute("create function version_of(k bigint) returns text language sql as "
                  "$$ select name || '-v1' from items where id = k $$")
    with connect(server) as conn:
        query = "select version_fn(), version_of(%s)"
        assert conn.execute(query, (1,), prepare=True).fetchone() == ("v1", "one-v1")
        admin.execute("create or replace function version_fn() returns text language sql "
                      "as $$ select 'v2' $$")
        admin.execute("create or replace function version_of(k bigint) returns text language sql "
                      "as $$ select name || '-v2' from items where id = k $$")
        assert conn.execute(query, (2,), prepare=True).fetchone() == ("v2", "two-v2")
        admin.execute("drop function version_of(bigint)")
        fails(conn, "select version_of(1)", "42883")


# -- privileges --------------------------------------------------------------------------------

def test_execute_privilege(server, admin):
    admin.execute("create function secret_fn() returns int language sql as 'select 7'")
    admin.execute("create role fn_user")
    admin.execute("grant fn_user to admin")
    try:
        admin.execute("set role fn_user")
        assert admin.execute("select secret_fn()").fetchone() == (7,)  # PUBLIC may EXECUTE
        admin.execute("reset role")
        admin.execute("revoke execute on function secret_fn() from public")
        acl = admin.execute("select proacl::text from pg_proc where proname = 'secret_fn'").fetchone()
        assert acl == ("{admin=X/admin}",)
        admin.execute("set role fn_user")
        fails(admin, "select secret_fn()", "42501", "permission denied for function secret_fn")
        fails(admin, "select * from secret_fn()", "42501")
        fails(admin, "drop function secret_fn()", "42501", "must be owner of function secret_fn")
        admin.execute("reset role")
        admin.execute("grant execute on function secret_fn() to fn_user")
        admin.execute("set role fn_user")
        assert admin.execute("select secret_fn()").fetchone() == (7,)
        admin.execute("reset role")
        admin.execute("alter routine secret_fn owner to fn_user")
        assert admin.execute("select pg_get_userbyid(proowner) from pg_proc "
                             "where proname = 'secret_fn'").fetchone() == ("fn_user",)
        fails(admin, "drop role fn_user", "2BP01")
        admin.execute("drop routine secret_fn")
    finally:
        admin.execute("reset role")
    admin.execute("revoke fn_user from admin")
    admin.execute("drop role fn_user")


def test_default_privileges_apply_to_new_functions(server, admin):
    admin.execute("alter default privileges revoke execute on functions from public")
    try:
        admin.execute("create function private_fn() returns int language sql as 'select 8'")
        assert admin.execute("select proacl::text from pg_proc where proname = 'private_fn'"
                             ).fetchone() == ("{admin=X/admin}",)
    finally:
        admin.execute("alter default privileges grant execute on functions to public")
    admin.execute("create function public_fn() returns int language sql as 'select 9'")
    assert admin.execute("select proacl from pg_proc where proname = 'public_fn'").fetchone() == (None,)


def test_procedures_do_not_exist(server, admin):
    admin.execute("create function not_a_proc() returns int language sql as 'select 1'")
    fails(admin, "drop procedure not_a_proc()", "42809", "not_a_proc() is not a procedure")
    fails(admin, "drop procedure no_proc", "42883", 'could not find a procedure named "no_proc"')
    admin.execute("drop procedure if exists no_proc")
    fails(admin, "call not_a_proc()", "42883")


def test_command_tags(server, admin):
    with connect(server) as conn:
        tags = []
        for sql in ("create function tag_fn(int) returns int language sql as 'select $1'",
                    "create or replace function tag_fn(int) returns int language sql as 'select 2'",
                    "alter function tag_fn(int) immutable",
                    "alter routine tag_fn(int) rename to tag_fn2",
                    "comment on function tag_fn2(int) is 'x'",
                    "drop routine tag_fn2(int)"):
            cur = conn.execute(sql)
            tags.append(cur.statusmessage)
        assert tags == ["CREATE FUNCTION", "CREATE FUNCTION", "ALTER FUNCTION", "ALTER ROUTINE",
                        "COMMENT", "DROP ROUTINE"]


# -- psql ---------------------------------------------------------------------------------------

def _psql(server: BorealisProcess, command: str) -> str:
    done = subprocess.run([str(PSQL), server.dsn, "-X", "-c", command], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_psql_lists_and_shows_functions(server, admin):
    admin.execute("create function psql_fn(a int, b text default 'x') returns text "
                  "language sql stable as $$ select concat(b, a) $$")
    listing = _psql(server, r"\df psql_fn")
    row = next(line for line in listing.splitlines() if "psql_fn" in line)
    assert [cell.strip() for cell in row.split("|")] == [
        "public", "psql_fn", "text", "a integer, b text DEFAULT 'x'::text", "func"]
    verbose = _psql(server, r"\df+ psql_fn")
    row = next(line for line in verbose.splitlines() if "psql_fn" in line)
    cells = [cell.strip() for cell in row.split("|")]
    assert cells[5:9] == ["stable", "unsafe", "admin", "invoker"]
    assert cells[10:12] == ["sql", "select concat(b, a)"]
    shown = _psql(server, r"\sf psql_fn")
    assert "CREATE OR REPLACE FUNCTION public.psql_fn(a integer, b text DEFAULT 'x'::text)" in shown
    assert " STABLE" in shown and "$function$ select concat(b, a) $function$" in shown


# -- the catalog record ----------------------------------------------------------------------

def test_function_descriptor_survives_encoding():
    from borealis.catalog import store
    from borealis.catalog.model import Function, FunctionArg
    fn = Function(16500, 2200, "f", (FunctionArg("a", 23, "i", "2"), FunctionArg("b", 25, "t")),
                  2249, True, 0, "SELECT a, 'x'", "string", "s", True, cost=5.0, rows=1000.0,
                  owner="app", comment="c")
    again = store._decode(store._encode(fn))
    assert again == fn and again.input_types == (23,) and again.output_args[0].name == "b"


def test_functions_survive_a_restart(tmp_path):
    proc = BorealisProcess(tmp_path / "data", args=("--compat", "relaxed", "--auth", "trust")).start()
    try:
        with connect(proc) as conn:
            conn.execute("create function kept(a int default 1) returns int language sql "
                         "immutable return a + 1")
        proc.stop()
        proc.start()
        with connect(proc) as conn:
            assert conn.execute("select kept(), kept(41)").fetchone() == (2, 42)
            assert conn.execute("select provolatile, pronargdefaults from pg_proc "
                                "where proname = 'kept'").fetchone() == ("i", 1)
    finally:
        proc.stop()
