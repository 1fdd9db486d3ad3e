"""ALTER TABLE ... DROP COLUMN and RENAME COLUMN under DSQL's rules, end to end against
`borealis start --compat dsql`: DSQL refuses a primary-key column with its own message,
drops the others (several in one statement, IF EXISTS) with what depends on them, keeps
its 255-column limit on live columns, and counts dropped columns towards the lifetime
limit of 1,600. PostgreSQL's behaviour in relaxed mode is compared with PostgreSQL itself
in tests/sql (cases/alter_table_columns.sql, test_alter_columns_messages.py)."""

from __future__ import annotations

import psycopg
import pytest

from tests.qp.server import BorealisProcess, fails

DSQL_ARGS = ("--compat", "dsql", "--auth", "trust", "--tls", "optional")
PK_REFUSED = "cannot drop primary key column"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("alter-columns") / "data", args=DSQL_ARGS).start()
    yield proc
    proc.stop()


@pytest.fixture
def conn(server):
    with psycopg.connect(server.dsn, autocommit=True, connect_timeout=10) as c:
        yield c


def rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def test_primary_key_column_is_refused(conn):
    conn.execute("CREATE TABLE pk_one (id int PRIMARY KEY, a int)")
    conn.execute("CREATE TABLE pk_two (x int, y int, z int, PRIMARY KEY (x, y))")
    conn.execute("INSERT INTO pk_one VALUES (1, 2)")
    fails(conn, "ALTER TABLE pk_one DROP COLUMN id", "0A000", PK_REFUSED)
    fails(conn, "ALTER TABLE pk_one DROP COLUMN id CASCADE", "0A000", PK_REFUSED)
    fails(conn, "ALTER TABLE pk_two DROP COLUMN IF EXISTS y", "0A000", PK_REFUSED)
    # One refused subcommand refuses the statement: z is still there.
    fails(conn, "ALTER TABLE pk_two DROP COLUMN z, DROP COLUMN x", "0A000", PK_REFUSED)
    assert [d.name for d in conn.execute("SELECT * FROM pk_two").description] == ["x", "y", "z"]
    assert rows(conn, "SELECT * FROM pk_one") == [(1, 2)]


def test_drop_columns_keeps_rows_and_frees_the_name(conn):
    conn.execute("CREATE TABLE people (id int PRIMARY KEY, name text, email text, age int, "
                 "CHECK (age >= 0))")
    conn.execute("INSERT INTO people VALUES (1, 'ann', 'a@x', 30), (2, 'bob', NULL, 40)")
    assert conn.execute("ALTER TABLE people DROP COLUMN IF EXISTS nope, DROP COLUMN email, "
                        "DROP COLUMN age").statusmessage == "ALTER TABLE"
    assert rows(conn, "SELECT * FROM people ORDER BY id") == [(1, "ann"), (2, "bob")]
    assert rows(conn, "SELECT attname, attisdropped FROM pg_attribute WHERE attrelid = "
                      "'people'::regclass AND attnum > 0 ORDER BY attnum") == [
        ("id", False), ("name", False), ("........pg.dropped.3........", True),
        ("........pg.dropped.4........", True)]
    assert rows(conn, "SELECT conname FROM pg_constraint WHERE conrelid = 'people'::regclass") == \
        [("people_pkey",)]
    conn.execute("INSERT INTO people VALUES (3, 'cy')")  # the CHECK went with age
    conn.execute("ALTER TABLE people ADD COLUMN email int")
    assert rows(conn, "SELECT * FROM people ORDER BY id") == [(1, "ann", None), (2, "bob", None),
                                                              (3, "cy", None)]
    fails(conn, "ALTER TABLE people DROP COLUMN age", "42703",
          'column "age" of relation "people" does not exist')


def test_dependents_need_cascade(conn):
    conn.execute("CREATE TABLE parent (id int PRIMARY KEY, code int UNIQUE)")
    conn.execute("CREATE TABLE child (id int PRIMARY KEY, pcode int)")
    conn.execute("ALTER TABLE child ADD CONSTRAINT child_pcode_fkey FOREIGN KEY (pcode) "
                 "REFERENCES parent (code) NOT VALID")
    conn.execute("CREATE VIEW codes AS SELECT code FROM parent")
    err = fails(conn, "ALTER TABLE parent DROP COLUMN code", "2BP01",
                "cannot drop column code of table parent because other objects depend on it")
    assert err.diag.message_detail == ("view codes depends on column code of table parent\n"
                                       "constraint child_pcode_fkey on table child depends on "
                                       "column code of table parent")
    assert err.diag.message_hint == "Use DROP ... CASCADE to drop the dependent objects too."
    conn.execute("ALTER TABLE parent DROP COLUMN code CASCADE")
    assert rows(conn, "SELECT count(*) FROM pg_views WHERE viewname = 'codes'") == [(0,)]
    assert rows(conn, "SELECT conname FROM pg_constraint WHERE conrelid = 'child'::regclass") == \
        [("child_pkey",)]
    assert rows(conn, "SELECT indexname FROM pg_indexes WHERE tablename = 'parent'") == \
        [("parent_pkey",)]
    conn.execute("INSERT INTO child VALUES (1, 99)")  # no foreign key any more


def test_async_index_goes_with_its_column(conn):
    conn.execute("CREATE TABLE tagged (id int PRIMARY KEY, tag text, n int)")
    conn.execute("INSERT INTO tagged VALUES (1, 'a', 1), (2, 'b', 2)")
    (job_id,) = conn.execute("CREATE INDEX ASYNC tagged_tag ON tagged (lower(tag)) WHERE n > 0").fetchone()
    assert rows(conn, f"CALL sys.wait_for_job('{job_id}')") == [(True,)]
    conn.execute("ALTER TABLE tagged DROP COLUMN n")
    assert rows(conn, "SELECT indexname FROM pg_indexes WHERE tablename = 'tagged'") == \
        [("tagged_pkey",)]
    assert rows(conn, "SELECT * FROM tagged WHERE lower(tag) = 'b'") == [(2, "b")]


def test_rename_column_rewrites_check_and_index_texts(conn):
    conn.execute("CREATE TABLE scores (id int PRIMARY KEY, points int CHECK (points > 0))")
    (job_id,) = conn.execute("CREATE INDEX ASYNC scores_half ON scores ((points / 2))").fetchone()
    assert rows(conn, f"CALL sys.wait_for_job('{job_id}')") == [(True,)]
    conn.execute("ALTER TABLE scores RENAME COLUMN points TO score")
    conn.execute("INSERT INTO scores VALUES (1, 10)")
    fails(conn, "INSERT INTO scores VALUES (2, 0)", "23514",
          'new row for relation "scores" violates check constraint "scores_points_check"')
    assert rows(conn, "SELECT id FROM scores WHERE score / 2 = 5") == [(1,)]
    assert rows(conn, "SELECT pg_get_indexdef('scores_half'::regclass)") == \
        [("CREATE INDEX scores_half ON public.scores USING btree_index (((score / 2)))",)]


def test_live_and_lifetime_column_limits(conn):
    """DSQL's 255 columns count live ones; the 1,600 attnums of a table's lifetime count
    dropped ones too."""
    def alter(verb: str, names) -> str:
        return "ALTER TABLE wide " + ", ".join(f"{verb} COLUMN {n}" + (" int" if verb == "ADD" else "")
                                               for n in names)

    conn.execute("CREATE TABLE wide (id int PRIMARY KEY)")
    batch = [f"c{i}" for i in range(254)]
    conn.execute(alter("ADD", batch))  # 255 live columns
    fails(conn, "ALTER TABLE wide ADD COLUMN extra int", "54011",
          "tables can have at most 255 columns")
    conn.execute(alter("DROP", batch))
    used = 255
    for round_ in range(5):  # attnums up to 1,525
        names = [f"r{round_}_{i}" for i in range(254)]
        conn.execute(alter("ADD", names))
        conn.execute(alter("DROP", names))
        used += 254
    conn.execute(alter("ADD", [f"last{i}" for i in range(1600 - used)]))  # attnum 1,600
    fails(conn, "ALTER TABLE wide ADD COLUMN extra int", "54011",
          "tables can have at most 1600 columns")
    assert rows(conn, "SELECT count(*) FROM information_schema.columns WHERE table_name = 'wide'") == \
        [(1 + 1600 - used,)]
