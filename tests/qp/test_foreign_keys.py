"""Foreign keys against `borealis start --compat dsql`: optimistic concurrency between a
child insert and a parent delete, DSQL's ALTER TABLE forms (NOT VALID, ASYNC VALIDATE
as a job), deferred checks at COMMIT, COPY, and what SQLAlchemy's and Django's
introspection read back. The SQL surface itself is compared with PostgreSQL in
tests/sql/cases/foreign_keys.sql."""

from __future__ import annotations

import os
import shutil
import subprocess

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import errors as pgerr

from tests.qp.server import BorealisProcess


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("borealis") / "data",
                           args=("--compat", "dsql", "--auth", "trust", "--tls", "optional")).start()
    yield proc
    proc.stop()


def connect(server: BorealisProcess, autocommit: bool = False) -> psycopg.Connection:
    return psycopg.connect(server.dsn, autocommit=autocommit, connect_timeout=10)


def run(server: BorealisProcess, *statements: str) -> None:
    """Each statement in its own transaction (DSQL: one DDL per transaction)."""
    with connect(server, autocommit=True) as conn:
        for sql in statements:
            conn.execute(sql)


def scalar(server: BorealisProcess, sql: str, params=None):
    with connect(server, autocommit=True) as conn:
        return conn.execute(sql, params).fetchone()[0]


def test_parent_deleted_before_the_child_insert_commits_gives_oc000(server):
    run(server, "create table authors (id int primary key, name text)",
        "create table books (id int primary key, author_id int references authors)",
        "insert into authors values (1, 'ada'), (2, 'grace')")
    a = connect(server)
    try:
        a.execute("insert into books values (10, 1)")  # parent 1 found: its key is checked
        run(server, "delete from authors where id = 1")  # sees no child yet: commits
        with pytest.raises(pgerr.SerializationFailure) as info:
            a.commit()
        assert info.value.sqlstate == "40001"
        assert "(OC000)" in str(info.value)
    finally:
        a.close()
    assert scalar(server, "select count(*) from books") == 0
    # The retry sees the delete and is refused as PostgreSQL would refuse it.
    with connect(server, autocommit=True) as retry, pytest.raises(pgerr.ForeignKeyViolation) as info:
        retry.execute("insert into books values (10, 1)")
    assert info.value.sqlstate == "23503"
    assert str(info.value.diag.message_primary) == \
        'insert or update on table "books" violates foreign key constraint "books_author_id_fkey"'
    assert info.value.diag.message_detail == 'Key (author_id)=(1) is not present in table "authors".'


def test_a_parent_delete_that_missed_a_committed_child_gives_oc000(server):
    """The child commits first; the delete read before that commit, so it saw no child
    and must not commit after it (the parent key was shared at the child's τ_commit)."""
    run(server, "create table shelves (id int primary key)",
        "create table items (id int primary key, shelf int references shelves)",
        "insert into shelves values (1), (2)")
    deleter = connect(server)
    try:
        assert deleter.execute("select count(*) from items where shelf = 1").fetchone() == (0,)
        deleter.execute("delete from shelves where id = 1")  # no child at τ_start: allowed
        run(server, "insert into items values (10, 1)")  # commits first
        with pytest.raises(pgerr.SerializationFailure) as info:
            deleter.commit()
        assert "(OC000)" in str(info.value)
        # A delete of another parent is not affected by that child.
        deleter.execute("delete from shelves where id = 2")
        run(server, "insert into items values (11, 1)")
        deleter.commit()
    finally:
        deleter.close()
    assert scalar(server, "select array_agg(id order by id) from shelves") == [1]
    assert scalar(server, "select count(*) from items i join shelves s on s.id = i.shelf") == 2


def test_children_of_one_parent_added_concurrently_both_commit(server):
    run(server, "create table teams (id int primary key, name text)",
        "create table players (id int primary key, team int references teams)",
        "insert into teams values (1, 'red')")
    a, b = connect(server), connect(server)
    try:
        a.execute("insert into players values (1, 1)")
        b.execute("insert into players values (2, 1)")
        reader = connect(server)
        assert reader.execute("select name from teams where id = 1").fetchone() == ("red",)
        a.commit()
        b.commit()
        reader.commit()  # a reader of the parent conflicts with nobody
        reader.close()
    finally:
        a.close()
        b.close()
    assert scalar(server, "select count(*) from players where team = 1") == 2


def test_a_parent_delete_that_sees_children_is_refused_or_cascades(server):
    run(server, "create table folders (id int primary key)",
        "create table files (id int primary key, folder int references folders on delete cascade)",
        "create table pins (id int primary key, folder int references folders)",
        "insert into folders values (1), (2)",
        "insert into files values (1, 1), (2, 1), (3, 2)",
        "insert into pins values (1, 2)")
    run(server, "delete from folders where id = 1")
    assert scalar(server, "select count(*) from files") == 1
    with connect(server, autocommit=True) as conn, pytest.raises(pgerr.ForeignKeyViolation) as info:
        conn.execute("delete from folders where id = 2")
    assert info.value.diag.message_detail == 'Key (id)=(2) is still referenced from table "pins".'
    assert str(info.value.diag.message_primary) == \
        'update or delete on table "folders" violates foreign key constraint "pins_folder_fkey" on table "pins"'
    # A cascade deletes rows another transaction is updating: a write-write conflict.
    a = connect(server)
    try:
        a.execute("update files set id = 30 where id = 3")
        with connect(server, autocommit=True) as conn:
            conn.execute("delete from pins")
            conn.execute("delete from folders where id = 2")
        with pytest.raises(pgerr.SerializationFailure):
            a.commit()
    finally:
        a.close()
    assert scalar(server, "select count(*) from files") == 0


def test_dsql_alter_table_forms_and_async_validation(server):
    run(server, "create table depts (id int primary key)",
        "create table staff (id int primary key, dept int)",
        "insert into depts values (1), (2)",
        "insert into staff values (1, 1), (2, 2), (3, null)")
    with connect(server, autocommit=True) as conn:
        with pytest.raises(pgerr.FeatureNotSupported) as info:
            conn.execute("alter table staff add constraint staff_dept_fk foreign key (dept) references depts")
        assert str(info.value) == "unsupported ALTER TABLE ADD FOREIGN KEY without NOT VALID statement"
        conn.execute("alter table staff add constraint staff_dept_fk foreign key (dept) "
                     "references depts not valid")
        with pytest.raises(pgerr.ForeignKeyViolation):  # enforced on new writes at once
            conn.execute("insert into staff values (4, 9)")
        with pytest.raises(pgerr.FeatureNotSupported):
            conn.execute("alter table staff validate constraint staff_dept_fk")
        rows = conn.execute("alter table async staff validate constraint staff_dept_fk").fetchall()
        assert len(rows) == 1 and len(rows[0][0]) == 26
        job_id = rows[0][0]
        assert conn.execute("call sys.wait_for_job(%s)", (job_id,)).fetchone() == (True,)
        assert conn.execute("select status, job_type from sys.jobs where job_id = %s",
                            (job_id,)).fetchone() == ("completed", "VALIDATE_CONSTRAINT")
        assert conn.execute("select convalidated from pg_constraint where conname = 'staff_dept_fk'"
                            ).fetchone() == (True,)


def test_async_validation_that_finds_an_orphan_fails_the_job(server):
    run(server, "create table regions (id int primary key)",
        "create table shops (id int primary key, region int)",
        "insert into regions values (1)",
        "insert into shops values (1, 1), (2, 7)",
        "alter table shops add constraint shops_region_fk foreign key (region) references regions not valid")
    with connect(server, autocommit=True) as conn:
        (job_id,) = conn.execute("alter table async shops validate constraint shops_region_fk").fetchone()
        assert conn.execute("call sys.wait_for_job(%s)", (job_id,)).fetchone() == (False,)
        status, details = conn.execute("select status, details from sys.jobs where job_id = %s",
                                       (job_id,)).fetchone()
        assert status == "failed"
        assert 'violates foreign key constraint "shops_region_fk"' in details
        assert 'Key (region)=(7) is not present in table "regions".' in details
        assert conn.execute("select convalidated from pg_constraint where conname = 'shops_region_fk'"
                            ).fetchone() == (False,)
        assert conn.execute("select pg_get_constraintdef(oid) from pg_constraint "
                            "where conname = 'shops_region_fk'").fetchone() == (
            "FOREIGN KEY (region) REFERENCES regions(id) NOT VALID",)


def test_deferred_constraint_is_checked_at_commit(server):
    # Django's DSQL backend creates its foreign keys this way.
    run(server, "create table owners (id int primary key)",
        "create table pets (id int primary key, owner int references owners (id) "
        "deferrable initially deferred)")
    with connect(server) as conn:
        conn.execute("insert into pets values (1, 1)")  # the owner comes later
        conn.execute("insert into owners values (1)")
        conn.commit()
        conn.execute("insert into pets values (2, 2)")
        with pytest.raises(pgerr.ForeignKeyViolation):
            conn.commit()
        conn.execute("insert into pets values (3, 3)")
        with pytest.raises(pgerr.ForeignKeyViolation):
            conn.execute("set constraints all immediate")
        conn.rollback()
    assert scalar(server, "select count(*) from pets") == 1


def test_copy_checks_every_row_at_the_end(server):
    run(server, "create table cats (id int primary key)",
        "create table kittens (id int primary key, cat int references cats)",
        "insert into cats values (1), (2)")
    with connect(server, autocommit=True) as conn:
        with conn.cursor().copy("copy kittens from stdin") as copy:
            copy.write("1\t1\n2\t2\n3\t\\N\n")
        with pytest.raises(pgerr.ForeignKeyViolation), \
                conn.cursor().copy("copy kittens from stdin") as copy:
            copy.write("4\t1\n5\t3\n")
    assert scalar(server, "select count(*) from kittens") == 3


def test_sqlalchemy_reflects_foreign_keys(server):
    run(server, "create table sa_parent (id int primary key, code text unique)",
        "create table sa_child (id int primary key, parent_id int, parent_code text, "
        "constraint sa_child_parent foreign key (parent_id) references sa_parent on delete cascade "
        "deferrable initially deferred, "
        "foreign key (parent_code) references sa_parent (code) match full on update set null)")
    engine = sa.create_engine(f"postgresql+psycopg://admin@127.0.0.1:{server.port}/postgres",
                              use_native_hstore=False,
                              connect_args={"sslmode": "disable", "connect_timeout": 10})
    try:
        fks = sorted(sa.inspect(engine).get_foreign_keys("sa_child"), key=lambda f: f["name"])
    finally:
        engine.dispose()
    assert fks == [
        {"name": "sa_child_parent", "constrained_columns": ["parent_id"], "referred_schema": None,
         "referred_table": "sa_parent", "referred_columns": ["id"],
         "options": {"ondelete": "CASCADE", "deferrable": True, "initially": "DEFERRED"},
         "comment": None},
        {"name": "sa_child_parent_code_fkey", "constrained_columns": ["parent_code"],
         "referred_schema": None, "referred_table": "sa_parent", "referred_columns": ["code"],
         "options": {"onupdate": "SET NULL", "match": "FULL"}, "comment": None},
    ]


# The queries Django's PostgreSQL introspection sends (get_relations, get_constraints).
DJANGO_RELATIONS = """
    SELECT a1.attname, c2.relname, a2.attname
    FROM pg_constraint con
    LEFT JOIN pg_class c1 ON con.conrelid = c1.oid
    LEFT JOIN pg_class c2 ON con.confrelid = c2.oid
    LEFT JOIN
        pg_attribute a1 ON c1.oid = a1.attrelid AND a1.attnum = con.conkey[1]
    LEFT JOIN
        pg_attribute a2 ON c2.oid = a2.attrelid AND a2.attnum = con.confkey[1]
    WHERE
        c1.relname = %s AND
        con.contype = 'f' AND
        c1.relnamespace = c2.relnamespace AND
        pg_catalog.pg_table_is_visible(c1.oid)
"""
DJANGO_CONSTRAINTS = """
    SELECT
        c.conname,
        array(
            SELECT attname
            FROM unnest(c.conkey) WITH ORDINALITY cols(colid, arridx)
            JOIN pg_attribute AS ca ON cols.colid = ca.attnum
            WHERE ca.attrelid = c.conrelid
            ORDER BY cols.arridx
        ),
        c.contype,
        (SELECT fkc.relname || '.' || fka.attname
        FROM pg_attribute AS fka
        JOIN pg_class AS fkc ON fka.attrelid = fkc.oid
        WHERE fka.attrelid = c.confrelid AND fka.attnum = c.confkey[1]),
        cl.reloptions
    FROM pg_constraint AS c
    JOIN pg_class AS cl ON c.conrelid = cl.oid
    WHERE cl.relname = %s AND pg_catalog.pg_table_is_visible(cl.oid)
"""


def test_django_introspection_sees_foreign_keys(server):
    run(server, "create table dj_author (id uuid primary key default gen_random_uuid())",
        "create table dj_book (id uuid primary key default gen_random_uuid(), "
        "author_id uuid not null references dj_author (id) deferrable initially deferred)")
    with connect(server, autocommit=True) as conn:
        relations = conn.execute(DJANGO_RELATIONS, ("dj_book",)).fetchall()
        assert relations == [("author_id", "dj_author", "id")]
        rows = {r[0]: r[1:] for r in conn.execute(DJANGO_CONSTRAINTS, ("dj_book",)).fetchall()}
    assert rows["dj_book_author_id_fkey"] == (["author_id"], "f", "dj_author.id", None)
    assert rows["dj_book_pkey"] == (["id"], "p", None, None)


def test_drop_of_a_referenced_table(server):
    run(server, "create table colors (id int primary key)",
        "create table paints (id int primary key, color int references colors)")
    with connect(server, autocommit=True) as conn:
        with pytest.raises(pgerr.DependentObjectsStillExist) as info:
            conn.execute("drop table colors")
        assert info.value.diag.message_detail == \
            "constraint paints_color_fkey on table paints depends on table colors"
        conn.execute("drop table colors cascade")
        assert conn.execute("select count(*) from pg_constraint where conrelid = 'paints'::regclass "
                            "and contype = 'f'").fetchone() == (0,)
        conn.execute("insert into paints values (1, 42)")


def test_psql_describe_shows_both_sides(server):
    run(server, "create table psql_parent (id int primary key)",
        "create table psql_child (id int primary key, parent int references psql_parent "
        "on delete set null deferrable)")
    psql = shutil.which("psql")
    assert psql is not None, "psql (PostgreSQL's client) is needed"

    def describe(table: str) -> str:
        done = subprocess.run([psql, server.dsn, "-X", "-c", rf"\d {table}"], capture_output=True,
                              text=True, timeout=60, env={**os.environ, "PGCONNECT_TIMEOUT": "10"})
        assert done.returncode == 0, done.stderr
        return done.stdout
    child = describe("psql_child")
    assert "Foreign-key constraints:\n" \
        '    "psql_child_parent_fkey" FOREIGN KEY (parent) REFERENCES psql_parent(id) ' \
        "ON DELETE SET NULL DEFERRABLE\n" in child
    parent = describe("psql_parent")
    assert "Referenced by:\n" \
        '    TABLE "psql_child" CONSTRAINT "psql_child_parent_fkey" FOREIGN KEY (parent) ' \
        "REFERENCES psql_parent(id) ON DELETE SET NULL DEFERRABLE\n" in parent


def test_check_constraint_added_not_valid_and_validated_by_a_job(server):
    run(server, "create table prices (id int primary key, amount int)",
        "insert into prices values (1, 5), (2, -1)",
        "alter table prices add constraint prices_positive check (amount > 0) not valid")
    with connect(server, autocommit=True) as conn:
        with pytest.raises(pgerr.CheckViolation):  # enforced on new writes at once
            conn.execute("insert into prices values (3, -2)")
        (job_id,) = conn.execute("alter table async prices validate constraint prices_positive").fetchone()
        assert conn.execute("call sys.wait_for_job(%s)", (job_id,)).fetchone() == (False,)
        conn.execute("update prices set amount = 1 where id = 2")
        (job_id,) = conn.execute("alter table async prices validate constraint prices_positive").fetchone()
        assert conn.execute("call sys.wait_for_job(%s)", (job_id,)).fetchone() == (True,)
        assert conn.execute("select convalidated, pg_get_constraintdef(oid) from pg_constraint "
                            "where conname = 'prices_positive'").fetchone() == (True, "CHECK ((amount > 0))")
