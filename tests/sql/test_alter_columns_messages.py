"""ALTER TABLE ... DROP COLUMN, and DROP TABLE / VIEW of what views read, against
PostgreSQL 15, word for word: the errors' message, DETAIL and HINT (the case files
compare SQLSTATEs only), and the lifetime limit of 1,600 columns, which dropped columns
count towards (statements too long for a case file).

Both engines run the same statements, each in a fresh schema (relaxed mode for Borealis).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest

from tests.sql.conftest import schema_pair

SETUP = [
    "CREATE TABLE mix (id int PRIMARY KEY, a int, b int, g int GENERATED ALWAYS AS (a + 1) STORED)",
    "CREATE TABLE mixc (id int PRIMARY KEY, ma int REFERENCES mix (id))",
    "CREATE VIEW mv AS SELECT a, g FROM mix",
    "CREATE VIEW mv2 AS SELECT g FROM mv",
    "CREATE UNIQUE INDEX mix_ab ON mix (a, b)",
    "CREATE TABLE mixd (id int PRIMARY KEY, x int, y int, FOREIGN KEY (x, y) REFERENCES mix (a, b))",
    "CREATE TABLE incl (id int PRIMARY KEY, a int, b int)",
    "CREATE UNIQUE INDEX incl_a ON incl (a) INCLUDE (b)",
    "CREATE TABLE inclc (id int PRIMARY KEY, x int REFERENCES incl (a))",
    "CREATE TABLE s (id int PRIMARY KEY, r int REFERENCES s)",
    "CREATE TABLE vt (id int PRIMARY KEY, a int, b int)",
    "CREATE VIEW v1 AS SELECT * FROM vt",
    "CREATE SEQUENCE sq",
]

FAILING = [
    "ALTER TABLE mix DROP COLUMN a",  # a generated column, views (and a view over one), a FK
    "ALTER TABLE mix DROP COLUMN b",
    "ALTER TABLE mix DROP COLUMN id",  # another table's foreign key
    "ALTER TABLE incl DROP COLUMN b",  # a foreign key through an index dropped with b
    "ALTER TABLE s DROP COLUMN id",  # the table's own foreign key references it
    "ALTER TABLE vt DROP COLUMN b",  # SELECT * expanded at CREATE VIEW
    "ALTER TABLE vt DROP COLUMN nope",
    "ALTER TABLE vt DROP COLUMN xmin",
    "ALTER TABLE v1 DROP COLUMN a",
    "ALTER TABLE sq DROP COLUMN last_value",
]


@pytest.fixture
def engines(postgres_dsn: str, borealis_dsn: str, request):
    with schema_pair(postgres_dsn, borealis_dsn, f"msg_{request.node.name.lower()}"[:60]) as conns:
        yield conns


def _outcome(conn: psycopg.Connection, sql: str) -> tuple:
    try:
        conn.execute(sql)
    except psycopg.Error as exc:
        d = exc.diag
        return (exc.sqlstate, d.message_primary, d.message_detail, d.message_hint)
    return ("ok",)


@contextmanager
def _other_schema(engines, name: str, setup: list[str]) -> Iterator[None]:
    """A schema besides the test's own, made afresh with `setup` (each statement must
    succeed on both engines) and dropped afterwards."""
    for conn in engines.values():
        conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    try:
        for sql in setup:
            assert _both(engines, sql) == ("ok",), sql
        yield
    finally:
        for conn in engines.values():
            conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _both(engines, sql: str) -> tuple:
    got = {name: _outcome(conn, sql) for name, conn in engines.items()}
    assert got["borealis"] == got["postgres"], sql
    return got["postgres"]


def test_drop_column_errors_match_postgres(engines):
    for sql in SETUP:
        assert _both(engines, sql) == ("ok",)
    for sql in FAILING:
        assert _both(engines, sql)[0] != "ok", sql
    # CASCADE drops what depended on the column, then nothing is in the way.
    assert _both(engines, "ALTER TABLE mix DROP COLUMN a CASCADE") == ("ok",)
    assert _both(engines, "ALTER TABLE mix DROP COLUMN id CASCADE") == ("ok",)  # relaxed mode
    assert _both(engines, "INSERT INTO mixc VALUES (1, 42)") == ("ok",)  # its foreign key went
    for rel in ("mv", "mv2"):
        assert _both(engines, f"SELECT * FROM {rel}")[0] == "42P01"


def test_drop_of_what_views_read_matches_postgres(engines):
    """DROP TABLE / DROP VIEW of a relation a view reads (and a view over that view):
    refused with PostgreSQL's message, DETAIL and HINT; with CASCADE the views go too.
    A view's names are resolved with the search path it was created with."""
    setup = [
        "CREATE TABLE dt (a int PRIMARY KEY)",
        "CREATE TABLE du (a int PRIMARY KEY)",
        "CREATE VIEW dv AS SELECT a FROM dt",
        "CREATE VIEW dw AS SELECT dv.a FROM dv, du",
        "CREATE VIEW dx AS SELECT a FROM dw",
        "CREATE VIEW dy AS SELECT a FROM dt",
    ]
    for sql in setup:
        assert _both(engines, sql) == ("ok",)
    for sql in ("DROP TABLE dt", "DROP VIEW dv", "DROP TABLE du", "DROP TABLE dt, du",
                "DROP VIEW dv, dw", "DROP VIEW dw"):
        assert _both(engines, sql)[0] == "2BP01", sql
    assert _both(engines, "DROP VIEW dx, dw") == ("ok",)  # nothing else reads them
    assert _both(engines, "DROP TABLE dt CASCADE") == ("ok",)
    for rel in ("dv", "dy"):
        assert _both(engines, f"SELECT * FROM {rel}")[0] == "42P01"
    assert _both(engines, "DROP TABLE du") == ("ok",)


def test_dependents_in_another_schema_match_postgres(engines):
    """DROP SCHEMA without CASCADE lists what depends on the schema, and a relation the
    search path would not find is named with its schema (`table msg_other.t1`), in
    DROP TABLE, DROP SEQUENCE and DROP COLUMN too; a DROP of several objects lists the
    dependents of all of them."""
    other = "msg_other_schema"
    setup = [
        f"CREATE SCHEMA {other}",
        f"CREATE TABLE {other}.t1 (a int PRIMARY KEY, b int GENERATED ALWAYS AS IDENTITY)",
        f"CREATE TABLE {other}.t2 (a int PRIMARY KEY)",
        f"CREATE SEQUENCE {other}.s",
        f"CREATE FUNCTION {other}.f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'",
        f"CREATE VIEW {other}.v AS SELECT * FROM {other}.t2",
        f"CREATE VIEW outside_v AS SELECT a FROM {other}.t1",
        f"CREATE VIEW ow AS SELECT * FROM {other}.v",
        f"CREATE VIEW both_v AS SELECT t1.a, x.a AS xa FROM {other}.t1, {other}.t2 x",
        f"CREATE TABLE {other}.t3 (a int REFERENCES {other}.t1)",
        f"CREATE TABLE oc (a int REFERENCES {other}.t1 (a))",
        f'CREATE TABLE "Mixed" (a int PRIMARY KEY, b int DEFAULT nextval(\'{other}.s\'))',
        'CREATE VIEW "V2" AS SELECT * FROM "Mixed"',
        'CREATE TABLE "order" (a int PRIMARY KEY)',  # keywords are quoted
        'CREATE VIEW "int" AS SELECT * FROM "order"',
    ]
    with _other_schema(engines, other, setup):
        for sql in (f"DROP SCHEMA {other}", f"DROP TABLE {other}.t1",
                    f"DROP TABLE {other}.t1, {other}.t2", f"DROP TABLE {other}.t2, {other}.t1",
                    f"DROP TABLE {other}.t1, {other}.t3, oc", f"DROP TABLE {other}.t1, nosuch",
                    f"DROP TABLE IF EXISTS nosuch, {other}.t2", f"ALTER TABLE {other}.t1 DROP COLUMN a",
                    f"DROP SEQUENCE {other}.s", 'DROP TABLE "Mixed"', f"DROP SEQUENCE {other}.t1_b_seq",
                    'DROP TABLE "order"'):
            assert _both(engines, sql)[0] in ("2BP01", "42P01"), sql
        for conn in engines.values():  # the other schema first on the path: bare names
            home = conn.execute("SELECT current_schema()").fetchone()[0]
            conn.execute(f"SET search_path = {other}, {home}")
        assert _both(engines, "DROP TABLE t1")[0] == "2BP01"
        assert _both(engines, f"DROP SCHEMA {other}")[0] == "2BP01"


def _rows(engines, sql: str) -> list:
    got = {name: conn.execute(sql).fetchall() for name, conn in engines.items()}
    assert got["borealis"] == got["postgres"], sql
    return got["postgres"]


def test_sequence_dependents_match_postgres(engines):
    """What uses a sequence (a column default, a view) keeps it from being dropped, also
    when it goes with its table, column or schema; CASCADE drops the default and the
    view. A view names the sequence as a default does, by OID: renaming it keeps the
    view working."""
    setup = [
        "CREATE TABLE sw (a serial, x int)",
        "CREATE TABLE st (b int DEFAULT nextval('sw_a_seq'))",
        "CREATE VIEW sv AS SELECT nextval('sw_a_seq') AS n, x FROM sw",  # reads sw too
        "CREATE VIEW sv0 AS SELECT currval('sw_a_seq') AS c",
        "CREATE VIEW sv1 AS SELECT c FROM sv0",
        "CREATE TABLE st2 (b int DEFAULT nextval('sw_a_seq'))",
        "CREATE SEQUENCE sq2",
        "CREATE VIEW sv2 AS SELECT nextval('sq2') AS n",
        "CREATE TABLE sz (a serial, y int)",
        "CREATE TABLE sy (b int DEFAULT nextval('sz_a_seq'), c int DEFAULT nextval('sz_a_seq'))",
        "ALTER TABLE sz ALTER COLUMN y SET DEFAULT nextval('sz_a_seq')",
        "CREATE TABLE si (a int GENERATED ALWAYS AS IDENTITY)",
        "CREATE VIEW siv AS SELECT nextval('si_a_seq'::regclass) + nextval('sq2') AS n",
        # looked up when called: no dependency
        "CREATE TABLE sx (b int DEFAULT nextval('si_a_seq'::text))",
    ]
    for sql in setup:
        assert _both(engines, sql) == ("ok",), sql
    for sql in ("DROP TABLE sw", "DROP SEQUENCE sw_a_seq", "DROP SEQUENCE sq2",
                "ALTER TABLE sz DROP COLUMN a", "ALTER TABLE si ALTER COLUMN a DROP IDENTITY",
                "DROP TABLE si", "DROP SEQUENCE sq2, sz_a_seq", "DROP SEQUENCE sz_a_seq, sq2"):
        assert _both(engines, sql)[0] == "2BP01", sql
    assert _both(engines, "DROP VIEW siv") == ("ok",)
    assert _both(engines, "ALTER TABLE si ALTER COLUMN a DROP IDENTITY") == ("ok",)
    assert _both(engines, "ALTER SEQUENCE sq2 RENAME TO sq3") == ("ok",)
    assert _rows(engines, "SELECT n FROM sv2") == [(1,)]
    assert _rows(engines, "SELECT pg_get_viewdef('sv2'), definition FROM pg_views "
                          "WHERE viewname = 'sv2'")[0][0] == " SELECT nextval('sq3'::regclass) AS n;"
    assert _both(engines, "DROP SEQUENCE sq3")[0] == "2BP01"
    for sql in ("DROP TABLE sw CASCADE", "DROP SEQUENCE sq3 CASCADE",
                "ALTER TABLE sz DROP COLUMN a CASCADE"):
        assert _both(engines, sql) == ("ok",), sql
    for rel in ("sv", "sv0", "sv1", "sv2"):
        assert _both(engines, f"SELECT * FROM {rel}")[0] == "42P01", rel
    for table in ("st", "st2", "sy", "sz"):  # their defaults went with the sequences
        assert _both(engines, f"INSERT INTO {table} DEFAULT VALUES") == ("ok",), table
    assert _rows(engines, "SELECT table_name, column_name, column_default FROM "
                          "information_schema.columns WHERE table_schema = current_schema() "
                          "AND table_name IN ('st', 'st2', 'sy', 'sz') ORDER BY 1, 2") == [
        ("st", "b", None), ("st2", "b", None), ("sy", "b", None), ("sy", "c", None),
        ("sz", "y", None)]


def test_sequence_dependents_as_earlier_subcommands_left_them(engines):
    """In one ALTER TABLE, a DROP COLUMN or DROP IDENTITY sees the defaults as the
    subcommands before it left them: one removed there does not refuse the drop."""
    for sql in ("CREATE TABLE sa (id serial, b int)",
                "ALTER TABLE sa ALTER b SET DEFAULT nextval('sa_id_seq')",
                "ALTER TABLE sa ALTER COLUMN b DROP DEFAULT, DROP COLUMN id",
                "CREATE TABLE sb (a serial, b serial, c int)",
                "ALTER TABLE sb ALTER b SET DEFAULT nextval('sb_a_seq')",
                "ALTER TABLE sb DROP COLUMN b, DROP COLUMN a",
                "CREATE TABLE sc (a int GENERATED ALWAYS AS IDENTITY, b int)",
                "ALTER TABLE sc ALTER b SET DEFAULT nextval('sc_a_seq')",
                "ALTER TABLE sc ALTER b DROP DEFAULT, ALTER a DROP IDENTITY",
                "INSERT INTO sc (a, b) VALUES (1, 2)"):
        assert _both(engines, sql) == ("ok",), sql


def test_schema_sequence_dependents_match_postgres(engines):
    """DROP SCHEMA of a schema whose sequences (its own, or a serial column's) are used
    outside it: refused with PostgreSQL's DETAIL; CASCADE drops the defaults, which
    left an INSERT failing on a sequence that was gone."""
    other = "msg_seq_schema"
    setup = [
        f"CREATE SCHEMA {other}",
        f"CREATE SEQUENCE {other}.q",
        f"CREATE TABLE su (c int DEFAULT nextval('{other}.q'))",
        f"CREATE VIEW suv AS SELECT nextval('{other}.q') AS n",
        f"CREATE TABLE {other}.k (a serial)",
        f"CREATE TABLE su2 (c int DEFAULT nextval('{other}.k_a_seq'))",
    ]
    with _other_schema(engines, other, setup):
        assert _both(engines, f"DROP SCHEMA {other}")[0] == "2BP01"
        assert _both(engines, f"DROP SCHEMA {other} CASCADE") == ("ok",)
        assert _both(engines, "SELECT * FROM suv")[0] == "42P01"
        for table in ("su", "su2"):
            assert _both(engines, f"INSERT INTO {table} DEFAULT VALUES") == ("ok",), table
            assert _rows(engines, f"SELECT * FROM {table}") == [(None,)]


def test_create_or_replace_view_keeps_columns(engines):
    """CREATE OR REPLACE VIEW may only add columns at the end (42P16 for dropping,
    renaming or retyping one); CREATE VIEW refuses duplicate and surplus column names."""
    assert _both(engines, "CREATE TABLE rv (a int PRIMARY KEY, b int, c varchar(10))") == ("ok",)
    assert _both(engines, "CREATE VIEW rv1 AS SELECT a, b, c FROM rv") == ("ok",)
    for sql in ("CREATE OR REPLACE VIEW rv1 AS SELECT a FROM rv",
                "CREATE OR REPLACE VIEW rv1 AS SELECT b, a, c FROM rv",
                "CREATE OR REPLACE VIEW rv1 AS SELECT a, b::text, c FROM rv",
                "CREATE OR REPLACE VIEW rv1 AS SELECT a, b, c::varchar(20) FROM rv",
                "CREATE VIEW rv2 AS SELECT a, a FROM rv",
                "CREATE VIEW rv2 (x, x) AS SELECT a, b FROM rv",
                "CREATE VIEW rv2 (x, y, z, w) AS SELECT * FROM rv"):
        assert _both(engines, sql)[0] in ("42P16", "42701", "42601"), sql
    assert _both(engines, "CREATE OR REPLACE VIEW rv1 AS SELECT a, b, c, 1 AS d FROM rv") == ("ok",)
    assert _both(engines, "CREATE OR REPLACE VIEW rv1 (a, b, c, d, e) AS SELECT a, b, c, 1, 2 FROM rv") \
        == ("ok",)
    assert _both(engines, "SELECT * FROM rv1") == ("ok",)
    # A typmod lost to an expression here (a UNION's column, coalesce) is no change of
    # type, and the view keeps the one it had.
    assert _both(engines, "CREATE OR REPLACE VIEW rv1 AS SELECT a, b, c, 1 AS d, 2 AS e FROM rv "
                          "UNION ALL SELECT a, b, coalesce(c, c), 1, 2 FROM rv") == ("ok",)
    assert _both(engines, "CREATE OR REPLACE VIEW rv1 AS SELECT a, b, c::varchar(20) AS c, 1 AS d, "
                          "2 AS e FROM rv")[0] == "42P16"


def test_lifetime_column_limit(engines):
    """A table's attnums are never reused: after dropping columns, ADD COLUMN stops at
    attnum 1,600 with 54011, though the table has few live columns."""
    def add(names):
        return "ALTER TABLE wide " + ", ".join(f"ADD COLUMN {n} int" for n in names)

    def drop(names):
        return "ALTER TABLE wide " + ", ".join(f"DROP COLUMN {n}" for n in names)

    assert _both(engines, "CREATE TABLE wide (id int PRIMARY KEY)") == ("ok",)
    for batch, count in enumerate((799, 798)):  # attnums 2..800, then 801..1598
        names = [f"c{batch}_{i}" for i in range(count)]
        assert _both(engines, add(names)) == ("ok",)
        assert _both(engines, drop(names)) == ("ok",)
    assert _both(engines, add(["last1", "last2"])) == ("ok",)  # attnums 1599, 1600
    assert _both(engines, "ALTER TABLE wide ADD COLUMN one_more int") == \
        ("54011", "tables can have at most 1600 columns", None, None)
    assert _both(engines, "ALTER TABLE wide DROP COLUMN last2") == ("ok",)
    assert _both(engines, "ALTER TABLE wide ADD COLUMN one_more int")[0] == "54011"
    assert _both(engines, "SELECT * FROM wide") == ("ok",)


def test_too_many_column_aliases_match_postgres(engines):
    """An alias list longer than the columns left (a dropped column is not available)
    names what it aliases: the table, subquery or function by its alias, or the WITH query."""
    for sql in ("CREATE TABLE al (a int PRIMARY KEY, b int, c int)", "ALTER TABLE al DROP COLUMN b"):
        assert _both(engines, sql) == ("ok",)
    for sql in ("SELECT * FROM al x(p, q, r)", "SELECT * FROM (SELECT 1, 2) s(a, b, c)",
                "SELECT * FROM generate_series(1, 2) g(a, b)",
                "WITH w(a, b) AS (SELECT 1) SELECT * FROM w",
                "WITH w AS (SELECT 1) SELECT * FROM w z(a, b)"):
        assert _both(engines, sql)[0] == "42P10", sql
