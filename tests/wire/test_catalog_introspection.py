"""Catalog introspection by real clients against an embedded cluster (DESIGN.md §6).

One embedded cluster and wire server (trust authentication, a free port, its own event
loop in a background thread) serve the whole module. A schema with tables, indexes,
constraints, a view and comments is created once; then:

- the psql binary's backslash commands (\\d, \\dt, \\d table, \\di, \\dn, \\du, \\l), which
  read pg_catalog with joins, correlated subqueries, regclass casts, ARRAY(subquery),
  OPERATOR(pg_catalog.~), COLLATE and the pg_get_* functions;
- SQLAlchemy's PostgreSQL inspector over psycopg (set-returning functions in select
  lists, `= ANY(ARRAY[...])` on "char" columns, aggregate ORDER BY, json_build_object);
- asyncpg's type introspection (a recursive CTE over pg_type) and psycopg's TypeInfo;
- information_schema and the pg_catalog convenience views.
"""

from __future__ import annotations

import asyncio
import datetime
import decimal
import os
import shutil
import subprocess
import uuid

import asyncpg
import psycopg
import pytest
from wire_support import ServerThread

from borealis.catalog.virtual import VirtualCatalog
from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core.limits import Compat
from borealis.qp.session import QpBackend
from borealis.wire.auth import AuthMethod, StaticAuthenticator

pytestmark = pytest.mark.timeout(120)

CLIENT_TIMEOUT_S = 30
PSQL = shutil.which("psql")

SCHEMA = [
    "CREATE SCHEMA app",
    "CREATE TABLE public.customers (id int PRIMARY KEY, email varchar(120) NOT NULL UNIQUE, "
    "name text NOT NULL DEFAULT 'anonymous', balance numeric(12,2) CHECK (balance >= 0), "
    "created timestamptz)",
    "CREATE INDEX customers_name_idx ON customers (name DESC)",
    "COMMENT ON TABLE customers IS 'people who buy things'",
    "COMMENT ON COLUMN customers.email IS 'login address'",
    "CREATE TABLE app.orders (order_id uuid, customer int NOT NULL, total numeric(10,2), "
    "note text, PRIMARY KEY (order_id))",
    "CREATE UNIQUE INDEX orders_customer_note ON app.orders (customer, note)",
    "CREATE VIEW big_spenders AS SELECT id, name FROM customers WHERE balance > 1000",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = str(tmp_path_factory.mktemp("catalog-cluster"))
    cluster = EmbeddedCluster(EmbeddedConfig(data_dir, shards=2))
    backend = QpBackend(cluster.txn_client, virtual=VirtualCatalog(), compat=Compat.RELAXED)
    with ServerThread(backend, StaticAuthenticator(method=AuthMethod.TRUST)) as srv:
        srv.call(cluster.start())
        try:
            with psycopg.connect(srv.dsn(user="admin"), autocommit=True) as conn:
                for ddl in SCHEMA:
                    conn.execute(ddl)
            yield srv
        finally:
            srv.call(cluster.stop())


def connect(srv: ServerThread, **kwargs) -> psycopg.Connection:
    return psycopg.connect(srv.dsn(user="admin"), autocommit=True, **kwargs)


# --- psql ----------------------------------------------------------------------------------


def psql(srv: ServerThread, command: str) -> str:
    if PSQL is None:
        pytest.skip("psql is not installed")
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(srv.port), PGUSER="admin",
               PGDATABASE="postgres", PGSSLMODE="disable", PGCONNECT_TIMEOUT="10")
    env.pop("PGPASSWORD", None)
    done = subprocess.run([PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-c", command], env=env,
                          capture_output=True, text=True, timeout=CLIENT_TIMEOUT_S)
    assert done.returncode == 0 and "ERROR" not in done.stderr, done.stderr
    return done.stdout


def table_rows(output: str) -> list[list[str]]:
    """The data rows of psql's aligned output, as lists of stripped cells."""
    rows = []
    for line in output.splitlines():
        if "|" in line and not line.startswith("-"):
            rows.append([cell.strip() for cell in line.split("|")])
    return rows[1:]  # without the header


def test_psql_list_relations(server):
    out = psql(server, r"\d")
    rows = table_rows(out)
    assert ["public", "customers", "table", "admin"] in rows
    assert ["public", "big_spenders", "view", "admin"] in rows
    # app is not on the search path; system catalogs are never listed
    assert not any(r[1] in ("orders", "pg_class", "tables") for r in rows)


def test_psql_list_tables(server):
    rows = table_rows(psql(server, r"\dt"))
    assert rows == [["public", "customers", "table", "admin"]]
    rows = table_rows(psql(server, r"\dt app.*"))
    assert rows == [["app", "orders", "table", "admin"]]


def test_psql_describe_table(server):
    out = psql(server, r"\d customers")
    assert 'Table "public.customers"' in out
    columns = {r[0]: r for r in table_rows(out)}
    assert columns["id"][1:] == ["integer", "", "not null", ""]
    assert columns["email"][1:4] == ["character varying(120)", "", "not null"]
    assert columns["name"][1] == "text" and columns["name"][3] == "not null"
    assert "anonymous" in columns["name"][4]
    assert columns["balance"][1:4] == ["numeric(12,2)", "", ""]
    assert columns["created"][1] == "timestamp with time zone"
    indexes = out.split("Indexes:")[1]
    assert '"customers_pkey" PRIMARY KEY, btree (id)' in indexes
    assert '"customers_email_key" UNIQUE CONSTRAINT, btree (email)' in indexes
    assert '"customers_name_idx" btree (name DESC)' in indexes
    assert "Check constraints:" in out and "CHECK ((balance >= 0))" in out


def test_psql_describe_table_verbose_shows_comments(server):
    out = psql(server, r"\d+ customers")
    assert "login address" in out
    out = psql(server, r"\dt+ customers")
    assert "people who buy things" in out


def test_psql_describe_view_and_index(server):
    out = psql(server, r"\d big_spenders")
    assert 'View "public.big_spenders"' in out
    assert {r[0] for r in table_rows(out)} == {"id", "name"}
    out = psql(server, r"\d app.orders_customer_note")
    assert 'Index "app.orders_customer_note"' in out
    assert "unique, btree, for table \"app.orders\"" in out
    assert [r[0] for r in table_rows(out)] == ["customer", "note"]


def test_psql_list_indexes(server):
    rows = table_rows(psql(server, r"\di"))
    assert ["public", "customers_pkey", "index", "admin", "customers"] in rows
    assert ["public", "customers_email_key", "index", "admin", "customers"] in rows
    assert ["public", "customers_name_idx", "index", "admin", "customers"] in rows
    assert not any(r[1] == "orders_customer_note" for r in rows)  # not on the search path


def test_psql_list_schemas(server):
    rows = table_rows(psql(server, r"\dn"))
    assert ["app", "admin"] in rows and ["public", "admin"] in rows
    assert not any(r[0] in ("pg_catalog", "information_schema") for r in rows)


def test_psql_list_roles(server):
    rows = table_rows(psql(server, r"\du"))
    (admin,) = [r for r in rows if r[0] == "admin"]
    assert "Superuser" in admin[1]


def test_psql_list_databases(server):
    rows = table_rows(psql(server, r"\l"))
    (postgres,) = [r for r in rows if r[0] == "postgres"]
    assert postgres[1:5] == ["admin", "UTF8", "C", "C"]


def test_psql_describe_system_catalog(server):
    out = psql(server, r"\d pg_catalog.pg_class")
    assert 'Table "pg_catalog.pg_class"' in out
    assert ["relname", "name", "", "", ""] in table_rows(out)


# --- SQLAlchemy --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine(server):
    sqlalchemy = pytest.importorskip("sqlalchemy")
    # use_native_hstore=False: the hstore probe runs in a SAVEPOINT, which DSQL refuses
    # (aurora-dsql-sqlalchemy sets the same).
    eng = sqlalchemy.create_engine(
        f"postgresql+psycopg://admin@127.0.0.1:{server.port}/postgres",
        use_native_hstore=False, connect_args={"sslmode": "disable", "connect_timeout": 10})
    yield eng
    eng.dispose()


def test_sqlalchemy_table_names_and_has_table(engine):
    from sqlalchemy import inspect
    insp = inspect(engine)
    assert insp.get_table_names() == ["customers"]
    assert insp.get_table_names(schema="app") == ["orders"]
    assert insp.get_view_names() == ["big_spenders"]
    assert insp.has_table("customers")
    assert insp.has_table("orders", schema="app")
    assert not insp.has_table("orders")
    assert not insp.has_table("nope")
    assert "app" in insp.get_schema_names()


def test_sqlalchemy_columns(engine):
    from sqlalchemy import inspect, types
    cols = {c["name"]: c for c in inspect(engine).get_columns("customers")}
    assert list(cols) == ["id", "email", "name", "balance", "created"]
    assert isinstance(cols["id"]["type"], types.INTEGER) and not cols["id"]["nullable"]
    assert isinstance(cols["email"]["type"], types.VARCHAR) and cols["email"]["type"].length == 120
    assert cols["email"]["comment"] == "login address"
    assert "anonymous" in cols["name"]["default"]
    numeric = cols["balance"]["type"]
    assert isinstance(numeric, types.NUMERIC) and (numeric.precision, numeric.scale) == (12, 2)
    assert cols["balance"]["nullable"]
    assert isinstance(cols["created"]["type"], types.TIMESTAMP) and cols["created"]["type"].timezone


def test_sqlalchemy_constraints_and_indexes(engine):
    from sqlalchemy import inspect
    insp = inspect(engine)
    pk = insp.get_pk_constraint("customers")
    assert pk["constrained_columns"] == ["id"] and pk["name"] == "customers_pkey"
    assert insp.get_pk_constraint("orders", schema="app")["constrained_columns"] == ["order_id"]
    uniques = insp.get_unique_constraints("customers")
    assert [(u["name"], u["column_names"]) for u in uniques] == [
        ("customers_email_key", ["email"])]
    indexes = {i["name"]: i for i in insp.get_indexes("customers")}
    assert set(indexes) == {"customers_email_key", "customers_name_idx"}
    assert indexes["customers_name_idx"]["column_names"] == ["name"]
    assert not indexes["customers_name_idx"]["unique"]
    assert indexes["customers_name_idx"]["column_sorting"] == {"name": ("desc",)}
    assert indexes["customers_email_key"]["unique"]
    (orders_index,) = insp.get_indexes("orders", schema="app")
    assert orders_index["column_names"] == ["customer", "note"] and orders_index["unique"]
    checks = insp.get_check_constraints("customers")
    assert [c["name"] for c in checks] == ["customers_balance_check"]
    assert insp.get_table_comment("customers")["text"] == "people who buy things"


def test_sqlalchemy_reflects_a_table(engine):
    from sqlalchemy import MetaData, Table, select
    table = Table("customers", MetaData(), autoload_with=engine)
    assert [c.name for c in table.primary_key] == ["id"]
    with engine.connect() as conn:
        assert conn.execute(select(table.c.id)).all() == []


# --- drivers: type introspection and what they run on connect -------------------------------


def test_asyncpg_type_introspection(server):
    async def main():
        conn = await asyncpg.connect(host="127.0.0.1", port=server.port, user="admin",
                                     database="postgres", ssl=False, timeout=CLIENT_TIMEOUT_S)
        try:
            # timestamptz[] and uuid[] are not among asyncpg's built-in codecs: their first
            # use runs asyncpg's introspection query (a recursive CTE over pg_type).
            stamps = await conn.fetchval("SELECT ARRAY[$1::timestamptz]",
                                         datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC))
            assert stamps == [datetime.datetime(2024, 1, 2, tzinfo=datetime.UTC)]
            ident = uuid.UUID(int=7)
            assert await conn.fetchval("SELECT ARRAY[$1::uuid]", ident) == [ident]
            assert await conn.fetchval("SELECT $1::uuid", ident) == ident
            assert await conn.fetchval("SELECT '{\"a\": [1, 2]}'::json") == '{"a": [1, 2]}'
            assert await conn.fetchval("SELECT 12.50::numeric(10,2)") == decimal.Decimal("12.50")
            assert await conn.fetchval("SELECT ARRAY[1, 2, 3]") == [1, 2, 3]
            # The introspection query itself, as asyncpg sends it.
            rows = await conn.fetch(asyncpg.introspection.INTRO_LOOKUP_TYPES, [1185, 2951])
            by_name = {r["name"]: r for r in rows}
            assert by_name["_timestamptz"]["elemtype"] == 1184
            assert by_name["_timestamptz"]["elemtype_name"] == "timestamp with time zone"
            assert by_name["_uuid"]["elemdelim"] == b","  # "char" arrives as bytes
            assert by_name["timestamptz"]["kind"] == b"b" and by_name["timestamptz"]["ns"] == "pg_catalog"
            # set_type_codec looks the type up by name in pg_type.
            import json
            await conn.set_type_codec("jsonb", encoder=json.dumps, decoder=json.loads,
                                      schema="pg_catalog")
            assert await conn.fetchval("SELECT '{\"b\": true}'::jsonb") == {"b": True}
        finally:
            await conn.close()
    asyncio.run(asyncio.wait_for(main(), CLIENT_TIMEOUT_S * 2))


def test_psycopg_type_info(server):
    from psycopg.types import TypeInfo
    with connect(server) as conn:
        info = TypeInfo.fetch(conn, "uuid")
        assert (info.oid, info.array_oid) == (2950, 2951)
        assert TypeInfo.fetch(conn, "numeric").array_oid == 1231
        assert TypeInfo.fetch(conn, "hstore") is None
    with psycopg.connect(server.dsn(user="admin")) as conn:  # inside a transaction block
        assert TypeInfo.fetch(conn, "text").oid == 25


def test_regclass_and_catalog_functions(server):
    with connect(server) as conn:
        row = conn.execute(
            "SELECT 'customers'::regclass::text, 'app.orders'::regclass::oid > 16384, "
            "to_regclass('nope'), 'int4'::regtype::text, format_type(1043, 124), "
            "pg_get_userbyid(10), pg_table_is_visible('customers'::regclass), "
            "pg_table_is_visible('app.orders'::regclass), current_schemas(true)").fetchone()
        assert row == ("customers", True, None, "integer", "character varying(120)", "admin",
                       True, False, ["pg_catalog", "public"])
        (oid,) = conn.execute("SELECT 'customers'::regclass::oid").fetchone()
        defs = conn.execute(
            "SELECT pg_get_indexdef(indexrelid), pg_get_constraintdef(c.oid) "
            "FROM pg_index i JOIN pg_constraint c ON c.conindid = i.indexrelid "
            "WHERE i.indrelid = %s ORDER BY 1", [oid]).fetchall()
        assert defs == [
            ("CREATE UNIQUE INDEX customers_email_key ON public.customers USING btree (email)",
             "UNIQUE (email)"),
            ("CREATE UNIQUE INDEX customers_pkey ON public.customers USING btree (id)",
             "PRIMARY KEY (id)")]
        assert conn.execute("SELECT obj_description(%s, 'pg_class'), col_description(%s, 2)",
                            [oid, oid]).fetchone() == ("people who buy things", "login address")
        (indkey,) = conn.execute(
            "SELECT indkey FROM pg_index WHERE indexrelid = 'app.orders_customer_note'::regclass"
        ).fetchone()
        assert indkey == "2 4"  # int2vector's text form


def test_information_schema(server):
    with connect(server) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name, table_type FROM information_schema.tables "
            "WHERE table_schema NOT IN ('pg_catalog', 'information_schema', 'sys') ORDER BY 1, 2"
        ).fetchall()
        assert tables == [("app", "orders", "BASE TABLE"),
                          ("public", "big_spenders", "VIEW"),
                          ("public", "customers", "BASE TABLE")]
        columns = conn.execute(
            "SELECT column_name, data_type, is_nullable, character_maximum_length, "
            "numeric_precision, numeric_scale FROM information_schema.columns "
            "WHERE table_name = 'customers' ORDER BY ordinal_position").fetchall()
        assert columns[1] == ("email", "character varying", "NO", 120, None, None)
        assert columns[3] == ("balance", "numeric", "YES", None, 12, 2)
        keys = (
            "SELECT tc.constraint_type, kcu.column_name, kcu.ordinal_position "
            "FROM information_schema.table_constraints tc "
            "JOIN information_schema.key_column_usage kcu "
            "  ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema "
            "WHERE tc.table_name = %s ORDER BY 1, 3")
        assert conn.execute(keys, ["customers"]).fetchall() == [
            ("PRIMARY KEY", "id", 1), ("UNIQUE", "email", 1)]
        # A unique index is not a constraint (as in PostgreSQL).
        assert conn.execute(keys, ["orders"]).fetchall() == [("PRIMARY KEY", "order_id", 1)]
        schemata = [r[0] for r in conn.execute(
            "SELECT schema_name FROM information_schema.schemata ORDER BY 1")]
        assert schemata == ["app", "information_schema", "pg_catalog", "public", "sys"]
        (view,) = conn.execute(
            "SELECT view_definition FROM information_schema.views "
            "WHERE table_name = 'big_spenders'").fetchone()
        assert "balance > 1000" in view


def test_pg_catalog_views_and_settings(server):
    with connect(server) as conn:
        assert conn.execute(
            "SELECT tablename, hasindexes FROM pg_tables WHERE schemaname = 'app'"
        ).fetchall() == [("orders", True)]
        assert conn.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'customers' ORDER BY 1"
        ).fetchall() == [("customers_email_key",), ("customers_name_idx",), ("customers_pkey",)]
        assert conn.execute("SELECT viewname FROM pg_views WHERE schemaname = 'public'"
                            ).fetchall() == [("big_spenders",)]
        conn.execute("SET application_name = 'introspector'")
        assert conn.execute("SELECT setting FROM pg_settings WHERE name = 'application_name'"
                            ).fetchone() == ("introspector",)
        assert conn.execute("SELECT datname, pg_encoding_to_char(encoding) FROM pg_database"
                            ).fetchall() == [("postgres", "UTF8")]
        assert conn.execute("SELECT rolname, rolsuper FROM pg_roles WHERE rolname = 'admin'"
                            ).fetchall() == [("admin", True)]
        assert conn.execute("SELECT count(*) FROM pg_proc").fetchone() == (0,)
        assert conn.execute("SELECT usename, application_name FROM pg_stat_activity"
                            ).fetchall() == [("admin", "introspector")]


def test_sql_features_the_catalog_queries_need(server):
    """Binder and planner features added for the queries above, checked on their own."""
    with connect(server) as conn:
        # set-returning functions in a select list run in lockstep, padded with NULL
        assert conn.execute(
            "SELECT unnest(ARRAY[10, 20, 30]) AS v, generate_subscripts(ARRAY['a', 'b'], 1) AS i"
        ).fetchall() == [(10, 1), (20, 2), (30, None)]
        assert conn.execute("SELECT unnest(ARRAY[]::int[])").fetchall() == []
        # ARRAY(subquery), array concatenation
        assert conn.execute(
            "SELECT ARRAY(SELECT nspname FROM pg_namespace WHERE nspname LIKE 'p%%' ORDER BY 1)"
        ).fetchone() == (["pg_catalog", "public"],)
        assert conn.execute("SELECT ARRAY[1, 2] || ARRAY[3], ARRAY['a'] || 'b'::text, "
                            "0 || ARRAY[1]").fetchone() == ([1, 2, 3], ["a", "b"], [0, 1])
        # "char" compared with varchar resolves to text = text
        assert conn.execute(
            "SELECT count(*) FROM pg_class WHERE relkind = ANY(ARRAY['i'::varchar]) "
            "AND relname = 'customers_pkey'").fetchone() == (1,)
        # a join after a comma in FROM: its ON condition sees its own columns
        assert conn.execute(
            "SELECT n.nspname, c.relname, i.indisunique "
            "FROM pg_namespace n, pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE n.oid = c.relnamespace AND c.relname = 'customers_email_key'"
        ).fetchall() == [("public", "customers_email_key", True)]
        # LIKE ... ESCAPE
        assert conn.execute("SELECT 'a_c' LIKE 'a!_c' ESCAPE '!', 'abc' LIKE 'a!_c' ESCAPE '!'"
                            ).fetchone() == (True, False)


def test_system_catalogs_are_read_only(server):
    with connect(server) as conn:
        for sql in ("INSERT INTO pg_am VALUES (1, 'x', 'y', 'i')", "DELETE FROM pg_class",
                    "UPDATE information_schema.tables SET table_name = 'x'",
                    "COMMENT ON TABLE pg_class IS 'x'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM pg_am").fetchone() == (2,)
