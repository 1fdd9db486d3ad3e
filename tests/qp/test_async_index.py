"""CREATE INDEX ASYNC end to end (dsql-behaviour.md §2.3): jobs in sys.jobs,
CALL sys.wait_for_job, the planner ignoring an index until its build completed, builds
racing writes from other sessions, unique builds failing on duplicates, DROP INDEX
canceling a build, a build resumed after SIGKILL, and DSQL mode's refusals.

Every server runs `borealis start --compat dsql` with small backfill chunks, so a build
of a few hundred rows spans many chunk transactions. A build that must stay in progress
(to be observed, dropped, or killed) runs on a server whose pause between chunks is an
hour: it does its first chunk and then waits, so nothing depends on timing. Waiting is
always on the job itself (sys.jobs, CALL sys.wait_for_job).
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
import threading
import time

import psycopg
import pytest
from psycopg import errors as pgerr

from borealis.catalog.virtual import VirtualCatalog
from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core import errors
from borealis.core.limits import Compat
from borealis.qp.session import QpBackend, Session
from borealis.sql.explain import explain_lines, explain_options
from borealis.wire import backend as wb
from tests.qp.server import BorealisProcess

pytestmark = pytest.mark.timeout(300)

DSQL = ("--compat", "dsql", "--auth", "trust", "--tls", "optional")
SMALL_CHUNKS = ("--index-build-chunk-rows", "4")
STUCK = ("--index-build-chunk-rows", "5", "--index-build-pause-ms", "3600000")  # 1 chunk, then an hour
JOB_ID_CHARS = set("abcdefghijklmnopqrstuvwxyz234567")
POLL_S = 0.02
POLLS_MAX = 3000  # a minute of polling sys.jobs for a state change
RETRIES_MAX = 40  # of a statement that got 40001: about 15 s
WRITERS = 3
WRITER_OPS_MAX = 2_000  # per writer; they stop as soon as the builds are done
PSQL = shutil.which("psql")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("async-index") / "data",
                           args=(*DSQL, *SMALL_CHUNKS)).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def stuck_server(tmp_path_factory):
    proc = BorealisProcess(tmp_path_factory.mktemp("async-index-stuck") / "data",
                           args=(*DSQL, *STUCK)).start()
    yield proc
    proc.stop()


def connect(proc: BorealisProcess) -> psycopg.Connection:
    return psycopg.connect(proc.dsn, autocommit=True, connect_timeout=10)


def create_async(conn: psycopg.Connection, sql: str) -> str:
    cur = conn.execute(sql)
    assert [d.name for d in cur.description] == ["job_id"]
    (job_id,), = cur.fetchall()
    assert len(job_id) == 26 and set(job_id) <= JOB_ID_CHARS
    return job_id


def wait_for_job(conn: psycopg.Connection, job_id: str) -> bool:
    cur = conn.execute("CALL sys.wait_for_job(%s)", (job_id,))
    (done,), = cur.fetchall()
    assert isinstance(done, bool)
    return done


def job(conn: psycopg.Connection, job_id: str) -> dict:
    cur = conn.execute("SELECT * FROM sys.jobs WHERE job_id = %s", (job_id,))
    rows = cur.fetchall()
    assert len(rows) == 1, rows
    return dict(zip([d.name for d in cur.description], rows[0]))


def wait_for_status(conn: psycopg.Connection, job_id: str, status: str) -> dict:
    for _ in range(POLLS_MAX):
        found = job(conn, job_id)
        if found["status"] == status:
            return found
        time.sleep(POLL_S)
    raise AssertionError(f"job {job_id} never reached {status}: {found}")


def execute_retrying(conn: psycopg.Connection, sql: str, params=None) -> None:
    """What a DSQL client does with 40001 (OC000/OC001): retry, with backoff."""
    for attempt in range(RETRIES_MAX):
        try:
            conn.execute(sql, params)
            return
        except pgerr.SerializationFailure:
            if attempt == RETRIES_MAX - 1:
                raise
            time.sleep(min(0.01 * 2 ** attempt, 0.5))


def plan(conn: psycopg.Connection, query: str, *params) -> str:
    return "\n".join(r[0] for r in conn.execute("EXPLAIN " + query, params).fetchall())


def index_valid(conn: psycopg.Connection, name: str) -> bool:
    (valid,), = conn.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c "
                             "ON c.oid = i.indexrelid WHERE c.relname = %s", (name,)).fetchall()
    return valid


def ids(conn: psycopg.Connection, query: str, *params) -> list[int]:
    return sorted(r[0] for r in conn.execute(query, params).fetchall())


def assert_index_exact(conn, table: str, column: str, index: str, values) -> None:
    """For every value: the rows the index finds are exactly the rows a full scan finds.

    A missing entry loses a row; a stale entry (a value the row no longer has) adds one,
    since the index path trusts its entries; a stale entry of a deleted row shows up once
    the row's key is reused (the callers re-insert every deleted key first)."""
    indexed = f"SELECT id FROM {table} WHERE {column} = %s"
    scanned = f"SELECT id FROM {table} WHERE {column} + 0 = %s"
    assert f"Index Scan using {index}" in plan(conn, indexed, 0)
    assert "Full Scan" in plan(conn, scanned, 0)
    for value in sorted(values):
        assert ids(conn, indexed, value) == ids(conn, scanned, value), (column, value)


# -- the job lifecycle --------------------------------------------------------------------

def test_job_lifecycle_and_planner(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE life (id int PRIMARY KEY, v int, w text)")
        conn.execute("INSERT INTO life SELECT g, g % 17, 'w' || g FROM generate_series(1, 150) g")
        queries = [("SELECT id, w FROM life WHERE v = %s ORDER BY id", 3),
                   ("SELECT count(*) FROM life WHERE v = %s", 16),
                   ("SELECT id FROM life WHERE v = %s AND id > 100 ORDER BY id", 5)]
        before = [conn.execute(q, (p,)).fetchall() for q, p in queries]
        assert "Full Scan" in plan(conn, "SELECT * FROM life WHERE v = %s", 3)

        job_id = create_async(conn, "CREATE INDEX ASYNC life_v ON life (v) INCLUDE (w)")
        submitted = job(conn, job_id)
        assert submitted["job_type"] == "INDEX_BUILD"
        assert submitted["object_name"] == "public.life_v"
        assert submitted["class_id"] == 1259
        assert submitted["status"] in ("submitted", "processing", "completed")
        assert submitted["start_time"] is not None
        (oid,), = conn.execute("SELECT 'life_v'::regclass::oid").fetchall()
        assert submitted["object_id"] == oid

        assert wait_for_job(conn, job_id) is True
        done = job(conn, job_id)
        assert done["status"] == "completed" and done["details"] is None
        assert done["update_time"] >= done["start_time"]
        assert index_valid(conn, "life_v")
        assert "Index Scan using life_v" in plan(conn, "SELECT * FROM life WHERE v = %s", 3)
        assert [conn.execute(q, (p,)).fetchall() for q, p in queries] == before
        assert wait_for_job(conn, job_id) is True  # a finished job answers at once


def test_index_is_ignored_until_the_build_completes(stuck_server):
    """One snapshot shows the job and the catalog together: while the job is not
    completed the index is invalid and no plan uses it, but writes maintain it."""
    with connect(stuck_server) as conn:
        conn.execute("CREATE TABLE pending (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO pending SELECT g, g % 7 FROM generate_series(1, 60) g")
        job_id = create_async(conn, "CREATE INDEX ASYNC pending_v ON pending (v)")
        wait_for_status(conn, job_id, "processing")
        with conn.transaction():
            assert job(conn, job_id)["status"] == "processing"
            assert not index_valid(conn, "pending_v")
            assert "Full Scan" in plan(conn, "SELECT * FROM pending WHERE v = %s", 3)
        rows = conn.execute("SELECT indisready FROM pg_index WHERE indexrelid = "
                            "'pending_v'::regclass").fetchall()
        assert rows == [(True,)]
        conn.execute("INSERT INTO pending VALUES (1000, 3)")  # maintained, not read
        assert ids(conn, "SELECT id FROM pending WHERE v = 3") == [3, 10, 17, 24, 31, 38, 45,
                                                                    52, 59, 1000]


def test_drop_index_cancels_the_build(stuck_server):
    with connect(stuck_server) as conn:
        conn.execute("CREATE TABLE dropped (id int PRIMARY KEY, v int)")
        conn.execute("INSERT INTO dropped SELECT g, g FROM generate_series(1, 40) g")
        job_id = create_async(conn, "CREATE INDEX ASYNC dropped_v ON dropped (v)")
        wait_for_status(conn, job_id, "processing")
        execute_retrying(conn, "DROP INDEX dropped_v")  # may race the job's own writes
        failed = job(conn, job_id)
        assert failed["status"] == "failed" and "dropped" in failed["details"]
        assert wait_for_job(conn, job_id) is False
        assert conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'dropped_v'"
                            ).fetchone() == (0,)
        # The name is free again, and a table with a canceled build drops cleanly.
        second = create_async(conn, "CREATE INDEX ASYNC dropped_v ON dropped (v)")
        execute_retrying(conn, "DROP TABLE dropped")
        assert job(conn, second)["status"] == "failed"


# -- correctness under concurrent writes --------------------------------------------------

class Writers:
    """Sessions inserting, updating and deleting rows of `table` (id, v, u) until stopped."""

    def __init__(self, proc: BorealisProcess, first_new_id: int, table: str = "race") -> None:
        self.proc = proc
        self.table = table
        self.lock = threading.Lock()
        self.next_id = first_new_id
        self.ever_ids: set[int] = set(range(1, first_new_id))
        self.v_values: set[int] = set()
        self.u_values: set[int] = set()
        self.stop = threading.Event()
        self.errors: list[BaseException] = []
        self.committed = 0
        self.threads = [threading.Thread(target=self._run, args=(seed,)) for seed in range(WRITERS)]

    def __enter__(self) -> Writers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(120)

    def _run(self, seed: int) -> None:
        rng = random.Random(seed)
        try:
            with connect(self.proc) as conn:
                for _ in range(WRITER_OPS_MAX):
                    if self.stop.is_set():
                        return
                    self._one(conn, rng)
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)

    def _one(self, conn: psycopg.Connection, rng: random.Random) -> None:
        op = rng.random()
        with self.lock:
            row = rng.choice(sorted(self.ever_ids))
            v = rng.randrange(40)
            u = row + 100_000 * rng.randrange(1, 3)  # unique per row
            self.v_values.add(v)
            self.u_values.add(u)
            if op < 0.3:
                row = self.next_id
                self.next_id += 1
                self.ever_ids.add(row)
        if op < 0.3:
            sql, params = f"INSERT INTO {self.table} VALUES (%s, %s, %s)", (row, v, row)
        elif op < 0.8:
            sql, params = f"UPDATE {self.table} SET v = %s, u = %s WHERE id = %s", (v, u, row)
        else:
            sql, params = f"DELETE FROM {self.table} WHERE id = %s", (row,)
        try:
            conn.execute(sql, params)
            self.committed += 1
        except pgerr.SerializationFailure:
            pass  # OC000 from a backfill chunk or another writer, OC001 from the DDL


def test_builds_racing_writers_leave_exact_indexes(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE race (id int PRIMARY KEY, v int, u int)")
        conn.execute("INSERT INTO race SELECT g, g % 40, g FROM generate_series(1, 300) g")
        writers = Writers(server, 301)
        writers.v_values.update(range(40))
        writers.u_values.update(range(1, 301))
        with writers:
            plain = create_async(conn, "CREATE INDEX ASYNC race_v ON race (v)")
            unique = create_async(conn, "CREATE UNIQUE INDEX ASYNC race_u ON race (u)")
            assert wait_for_job(conn, plain) is True
            assert wait_for_job(conn, unique) is True, job(conn, unique)
        assert not writers.errors, writers.errors
        assert writers.committed > 0
        # Reuse every deleted key, so a stale entry of a deleted row would be found.
        present = set(ids(conn, "SELECT id FROM race"))
        fresh = 1_000
        for row in sorted(writers.ever_ids - present):
            execute_retrying(conn, "INSERT INTO race VALUES (%s, %s, %s)", (row, fresh, -row))
            writers.v_values.add(fresh)
            writers.u_values.add(-row)
            fresh += 1
        assert_index_exact(conn, "race", "v", "race_v", writers.v_values)
        assert_index_exact(conn, "race", "u", "race_u", writers.u_values)
        (taken,), = conn.execute("SELECT u FROM race WHERE id = 1").fetchall()
        with pytest.raises(pgerr.UniqueViolation):
            execute_retrying(conn, "UPDATE race SET u = %s WHERE id = 2", (taken,))


def test_unique_build_fails_on_duplicates_and_stays_enforced(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE dup (id int PRIMARY KEY, email text)")
        conn.execute("INSERT INTO dup SELECT g, 'u' || g FROM generate_series(1, 50) g")
        conn.execute("INSERT INTO dup VALUES (51, 'u7')")
        job_id = create_async(conn, "CREATE UNIQUE INDEX ASYNC dup_email ON dup (email)")
        assert wait_for_job(conn, job_id) is False
        failed = job(conn, job_id)
        assert failed["status"] == "failed"
        assert failed["details"] == "Found duplicate key while validating index for UCVs"
        assert not index_valid(conn, "dup_email")
        assert "Full Scan" in plan(conn, "SELECT * FROM dup WHERE email = %s", "u1")
        # A failed unique index still rejects new duplicates of the keys it holds.
        with pytest.raises(pgerr.UniqueViolation):
            conn.execute("INSERT INTO dup VALUES (52, 'u1')")
        conn.execute("INSERT INTO dup VALUES (52, 'new')")
        conn.execute("DROP INDEX dup_email")
        conn.execute("INSERT INTO dup VALUES (53, 'u1')")


def test_nulls_are_distinct_unless_declared_not(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE nulls (id int PRIMARY KEY, k int)")
        conn.execute("INSERT INTO nulls VALUES (1, NULL), (2, NULL), (3, 3)")
        distinct = create_async(conn, "CREATE UNIQUE INDEX ASYNC nulls_k ON nulls (k)")
        assert wait_for_job(conn, distinct) is True
        not_distinct = create_async(
            conn, "CREATE UNIQUE INDEX ASYNC nulls_k2 ON nulls (k) NULLS NOT DISTINCT")
        assert wait_for_job(conn, not_distinct) is False


def test_build_resumes_after_sigkill(tmp_path):
    """SIGKILL during a build (after its first chunk); writes while it was stuck and
    after the restart are all in the index the resumed job completes."""
    data = tmp_path / "data"
    proc = BorealisProcess(data, args=(*DSQL, *STUCK)).start()
    try:
        with connect(proc) as conn:
            conn.execute("CREATE TABLE kept (id int PRIMARY KEY, v int)")
            conn.execute("INSERT INTO kept SELECT g, g % 9 FROM generate_series(1, 120) g")
            job_id = create_async(conn, "CREATE INDEX ASYNC kept_v ON kept (v)")
            wait_for_status(conn, job_id, "processing")
            execute_retrying(conn, "UPDATE kept SET v = 100 + id WHERE id % 10 = 0")
            execute_retrying(conn, "DELETE FROM kept WHERE id % 7 = 0")
            execute_retrying(conn, "INSERT INTO kept SELECT g, g % 9 FROM generate_series(500, 520) g")
    finally:
        proc.kill()
    proc = BorealisProcess(data, args=(*DSQL, *SMALL_CHUNKS)).start()
    try:
        with connect(proc) as conn:
            assert job(conn, job_id)["status"] in ("processing", "completed")  # resumed
            assert wait_for_job(conn, job_id) is True
            deleted = [i for i in range(1, 121) if i % 7 == 0]
            for row in deleted:
                execute_retrying(conn, "INSERT INTO kept VALUES (%s, %s)", (row, 1_000 + row))
            values = set(range(9)) | {100 + i for i in range(10, 121, 10)} | {1_000 + r for r in deleted}
            assert_index_exact(conn, "kept", "v", "kept_v", values)
    finally:
        proc.stop()


# -- DSQL mode's rules, and relaxed mode ---------------------------------------------------

@pytest.mark.parametrize(("sql", "sqlstate", "message"), [
    ("CREATE INDEX rules_v ON rules (v)", "0A000",
     "unsupported mode. please use CREATE INDEX ASYNC."),
    ("CREATE UNIQUE INDEX rules_v ON rules (v)", "0A000",
     "unsupported mode. please use CREATE INDEX ASYNC."),
    ("CREATE INDEX ASYNC rules_v ON rules USING btree (v)", "0A000",
     "USING not supported for CREATE INDEX"),
    ("CREATE INDEX rules_v ON rules USING hash (v)", "0A000",
     "USING not supported for CREATE INDEX"),
    ("CREATE INDEX ASYNC rules_v ON rules (v DESC)", "0A000",
     "specifying sort order not supported for index keys"),
    ("CREATE INDEX ASYNC rules_v ON rules (v ASC)", "0A000",
     "specifying sort order not supported for index keys"),
    ("CREATE INDEX CONCURRENTLY rules_v ON rules (v)", "0A000",
     "CONCURRENTLY not supported for CREATE INDEX"),
    ("CREATE INDEX ASYNC public.rules_v ON rules (v)", "42601", 'syntax error at or near "."'),
    ("SELECT sys.wait_for_job('aaaaaaaaaaaaaaaaaaaaaaaaaa')", "42809",
     "sys.wait_for_job(unknown) is a procedure"),
])
def test_dsql_refusals(server, sql, sqlstate, message):
    with connect(server) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS rules (id int PRIMARY KEY, v int)")
        with pytest.raises(psycopg.Error) as info:
            conn.execute(sql)
        assert info.value.sqlstate == sqlstate
        assert info.value.diag.message_primary == message


def test_dsql_accepts_its_own_forms(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE forms (id int PRIMARY KEY, a int, b text)")
        first = create_async(conn, "CREATE INDEX ASYNC ON forms USING btree_index (a NULLS FIRST)")
        assert wait_for_job(conn, first) is True
        assert conn.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'forms' "
                            "ORDER BY 1").fetchall() == [("forms_a_idx",), ("forms_pkey",)]
        # IF NOT EXISTS on a taken name: no job, no row.
        cur = conn.execute("CREATE INDEX ASYNC IF NOT EXISTS forms_a_idx ON forms (b)")
        assert [d.name for d in cur.description] == ["job_id"] and cur.fetchall() == []
        # The extended protocol describes the job id column before executing.
        cur = conn.cursor()
        cur.execute("CREATE INDEX ASYNC forms_b ON forms (b)", prepare=True)
        (job_id,), = cur.fetchall()
        assert wait_for_job(conn, job_id) is True
        with pytest.raises(pgerr.UndefinedObject):
            wait_for_job(conn, "zzzzzzzzzzzzzzzzzzzzzzzzzz")
        # A table named "async" is still a table: the word is a keyword only after INDEX.
        conn.execute('CREATE TABLE "async" (id int PRIMARY KEY)')
        conn.execute("ALTER TABLE async ADD COLUMN c int")


def test_catalog_reports_btree_index_to_psql_and_sqlalchemy(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE described (id int PRIMARY KEY, v int)")
        job_id = create_async(conn, "CREATE INDEX ASYNC described_v ON described (v)")
        assert wait_for_job(conn, job_id) is True
        assert conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'described_v'"
                            ).fetchall() == [
            ("CREATE INDEX described_v ON public.described USING btree_index (v)",)]
        assert ("btree_index",) in conn.execute("SELECT amname FROM pg_am").fetchall()
    import sqlalchemy
    engine = sqlalchemy.create_engine(  # no hstore probe: it needs a SAVEPOINT
        f"postgresql+psycopg://admin@127.0.0.1:{server.port}/postgres",
        use_native_hstore=False, connect_args={"sslmode": "disable", "connect_timeout": 10})
    try:
        indexes = sqlalchemy.inspect(engine).get_indexes("described")
    finally:
        engine.dispose()
    assert [(i["name"], i["column_names"]) for i in indexes] == [("described_v", ["v"])]
    if PSQL is None:
        return
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(server.port), PGUSER="admin",
               PGDATABASE="postgres", PGSSLMODE="disable", PGCONNECT_TIMEOUT="10")
    env.pop("PGPASSWORD", None)
    done = subprocess.run([PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-c", r"\d described"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"described_v" btree_index (v)' in done.stdout
    done = subprocess.run([PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-c", r"\d described_v"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert 'btree_index, for table "public.described"' in done.stdout


def test_relaxed_mode_builds_at_once_and_takes_async_too(tmp_path):
    proc = BorealisProcess(tmp_path / "data", args=("--compat", "relaxed", "--auth", "trust",
                                                    *SMALL_CHUNKS)).start()
    try:
        with connect(proc) as conn:
            conn.execute("CREATE TABLE rel (id int PRIMARY KEY, v int)")
            conn.execute("INSERT INTO rel SELECT g, g % 5 FROM generate_series(1, 30) g")
            conn.execute("CREATE INDEX rel_v ON rel (v DESC)")
            assert index_valid(conn, "rel_v")
            assert "Index Scan using rel_v" in plan(conn, "SELECT * FROM rel WHERE v = %s", 2)
            job_id = create_async(conn, "CREATE UNIQUE INDEX ASYNC rel_id_v ON rel (id, v)")
            assert wait_for_job(conn, job_id) is True
            assert conn.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'rel_v'"
                                ).fetchall() == [("CREATE INDEX rel_v ON public.rel USING btree (v DESC)",)]
    finally:
        proc.stop()


# -- expression keys and partial indexes ------------------------------------------------

def same_rows(conn, indexed: str, index: str, scanned: str, values) -> None:
    """For every value, the index path finds exactly the rows a full scan finds."""
    assert f"Index Scan using {index}" in plan(conn, indexed, *next(iter(values)))
    assert "Full Scan" in plan(conn, scanned, *next(iter(values)))
    for params in values:
        assert ids(conn, indexed, *params) == ids(conn, scanned, *params), params


def test_expression_and_partial_unique_indexes_in_dsql_mode(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE accts (id int PRIMARY KEY, email text, kind text, active bool)")
        # Kinds repeat among inactive rows only; emails differ in more than case.
        conn.execute("INSERT INTO accts SELECT g, 'User' || g || '@X.org', "
                     "CASE WHEN g % 3 = 0 THEN 'k' || g ELSE 'dup' END, g % 3 = 0 "
                     "FROM generate_series(1, 60) g")
        lower = create_async(conn, "CREATE UNIQUE INDEX ASYNC accts_lower ON accts (lower(email))")
        kind = create_async(conn, "CREATE UNIQUE INDEX ASYNC accts_kind ON accts (kind) WHERE active")
        assert wait_for_job(conn, lower) is True, job(conn, lower)
        assert wait_for_job(conn, kind) is True, job(conn, kind)
        assert conn.execute("SELECT indexdef FROM pg_indexes WHERE tablename = 'accts' "
                            "ORDER BY indexname").fetchall() == [
            ("CREATE UNIQUE INDEX accts_kind ON public.accts USING btree_index (kind) WHERE active",),
            ("CREATE UNIQUE INDEX accts_lower ON public.accts USING btree_index (lower(email))",),
            ("CREATE UNIQUE INDEX accts_pkey ON public.accts USING btree_index (id)",)]
        same_rows(conn, "SELECT id FROM accts WHERE lower(email) = %s", "accts_lower",
                  "SELECT id FROM accts WHERE lower(email) || '' = %s",
                  [(f"user{g}@x.org",) for g in range(0, 62)])
        same_rows(conn, "SELECT id FROM accts WHERE kind = %s AND active", "accts_kind",
                  "SELECT id FROM accts WHERE kind || '' = %s AND active",
                  [(k,) for k in ["dup", "k3", "k4", "k60"]])
        # Without the predicate among its conditions, a query cannot use the partial index.
        assert "Full Scan" in plan(conn, "SELECT id FROM accts WHERE kind = %s", "dup")
        assert len(ids(conn, "SELECT id FROM accts WHERE kind = %s", "dup")) == 40

        with pytest.raises(pgerr.UniqueViolation) as info:
            conn.execute("INSERT INTO accts VALUES (100, 'USER5@x.org', 'x', false)")
        assert info.value.diag.message_detail == "Key (lower(email))=(user5@x.org) already exists."
        with pytest.raises(pgerr.UniqueViolation) as info:
            conn.execute("INSERT INTO accts VALUES (100, 'new@x.org', 'k3', true)")
        assert info.value.diag.message_detail == "Key (kind)=(k3) already exists."
        conn.execute("INSERT INTO accts VALUES (100, 'new@x.org', 'k3', false)")  # outside WHERE
        # ON CONFLICT infers the partial index only with a WHERE that implies its predicate.
        with pytest.raises(pgerr.InvalidColumnReference):
            conn.execute("INSERT INTO accts VALUES (101, 'y@x.org', 'k6', true) "
                         "ON CONFLICT (kind) DO NOTHING")
        rows = conn.execute("INSERT INTO accts VALUES (101, 'y@x.org', 'k6', true) "
                            "ON CONFLICT (kind) WHERE active DO UPDATE SET email = excluded.email "
                            "RETURNING id, email").fetchall()
        assert rows == [(6, "y@x.org")]
        rows = conn.execute("INSERT INTO accts VALUES (101, 'USER7@X.ORG', 'z', true) "
                            "ON CONFLICT (lower(email)) DO UPDATE SET kind = 'k7' "
                            "RETURNING id, kind").fetchall()
        assert rows == [(7, "k7")]


def test_unique_expression_build_fails_on_duplicates_and_is_no_arbiter(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE mails (id int PRIMARY KEY, email text)")
        conn.execute("INSERT INTO mails SELECT g, 'm' || g FROM generate_series(1, 30) g")
        conn.execute("INSERT INTO mails VALUES (31, 'M7')")  # a duplicate only in lower case
        job_id = create_async(conn, "CREATE UNIQUE INDEX ASYNC mails_lower ON mails (lower(email))")
        assert wait_for_job(conn, job_id) is False
        failed = job(conn, job_id)
        assert failed["status"] == "failed"
        assert failed["details"] == "Found duplicate key while validating index for UCVs"
        assert not index_valid(conn, "mails_lower")
        assert "Full Scan" in plan(conn, "SELECT id FROM mails WHERE lower(email) = %s", "m1")
        # Still enforced on new writes (DSQL), but no ON CONFLICT arbiter: PostgreSQL
        # infers valid indexes only.
        with pytest.raises(pgerr.UniqueViolation):
            conn.execute("INSERT INTO mails VALUES (32, 'M1')")
        with pytest.raises(pgerr.InvalidColumnReference):
            conn.execute("INSERT INTO mails VALUES (32, 'M1') ON CONFLICT (lower(email)) DO NOTHING")
        # A partial unique index over the same keys, leaving the duplicate out, builds.
        partial = create_async(conn, "CREATE UNIQUE INDEX ASYNC mails_lower_some ON mails "
                                     "(lower(email)) WHERE id <> 31")
        assert wait_for_job(conn, partial) is True, job(conn, partial)
        assert conn.execute("INSERT INTO mails VALUES (32, 'M2') ON CONFLICT (lower(email)) "
                            "WHERE id <> 31 DO NOTHING").rowcount == 0


def test_expression_that_fails_on_a_row_fails_the_build(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE ratios (id int PRIMARY KEY, d int)")
        conn.execute("INSERT INTO ratios SELECT g, g - 20 FROM generate_series(1, 40) g")
        job_id = create_async(conn, "CREATE INDEX ASYNC ratios_inv ON ratios ((100 / d))")
        assert wait_for_job(conn, job_id) is False
        assert job(conn, job_id)["details"] == "index build failed: division by zero"
        partial = create_async(conn, "CREATE INDEX ASYNC ratios_inv_nz ON ratios ((100 / d)) "
                                     "WHERE d <> 0")  # the predicate keeps the bad row out
        assert wait_for_job(conn, partial) is True, job(conn, partial)
        same_rows(conn, "SELECT id FROM ratios WHERE 100 / d = %s AND d <> 0", "ratios_inv_nz",
                  "SELECT id FROM ratios WHERE 100 / d + 0 = %s AND d <> 0",
                  [(v,) for v in (-100, -5, 0, 5, 100)])


def test_expression_limits_and_refusals_in_dsql_mode(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE wide (id int PRIMARY KEY, a int, b int, t timestamptz)")
        # An expression key counts among the 8 key columns.
        with pytest.raises(psycopg.Error) as info:
            conn.execute("CREATE INDEX ASYNC wide_k ON wide (a, b, id, (a + 1), (a + 2), (a + 3), "
                         "(a + 4), (a + 5), (a + 6))")
        assert info.value.sqlstate == "54011"
        for sql in ("CREATE INDEX ASYNC wide_t ON wide ((t::date))",
                    "CREATE INDEX ASYNC wide_r ON wide (a) WHERE random() < 0.5"):
            with pytest.raises(psycopg.Error) as info:
                conn.execute(sql)
            assert info.value.sqlstate == "42P17"
        with pytest.raises(psycopg.Error) as info:
            conn.execute("CREATE INDEX ASYNC wide_s ON wide ((a + (SELECT 1)))")
        assert info.value.sqlstate == "0A000"
        assert info.value.diag.message_primary == "cannot use subquery in index expression"
        with pytest.raises(psycopg.Error) as info:
            conn.execute("CREATE INDEX ASYNC wide_d ON wide ((a + b) DESC)")
        assert info.value.diag.message_primary == "specifying sort order not supported for index keys"


def test_expression_build_racing_writers_leaves_exact_indexes(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE race_expr (id int PRIMARY KEY, v int, u int)")
        conn.execute("INSERT INTO race_expr SELECT g, g % 40, g FROM generate_series(1, 300) g")
        writers = Writers(server, 301, table="race_expr")
        writers.v_values.update(range(40))
        writers.u_values.update(range(1, 301))
        with writers:
            plain = create_async(conn, "CREATE INDEX ASYNC race_expr_v ON race_expr ((v * 2 + 1))")
            unique = create_async(conn, "CREATE UNIQUE INDEX ASYNC race_expr_u ON race_expr "
                                        "((u * 2)) WHERE v < 20")
            assert wait_for_job(conn, plain) is True, job(conn, plain)
            assert wait_for_job(conn, unique) is True, job(conn, unique)
        assert not writers.errors, writers.errors
        assert writers.committed > 0
        present = set(ids(conn, "SELECT id FROM race_expr"))
        fresh = 1_000
        for row in sorted(writers.ever_ids - present):  # a stale entry would find the new row
            execute_retrying(conn, "INSERT INTO race_expr VALUES (%s, %s, %s)", (row, fresh % 40, -row))
            writers.v_values.add(fresh % 40)
            writers.u_values.add(-row)
            fresh += 1
        same_rows(conn, "SELECT id FROM race_expr WHERE v * 2 + 1 = %s", "race_expr_v",
                  "SELECT id FROM race_expr WHERE v * 2 + 1 + 0 = %s",
                  [(2 * v + 1,) for v in sorted(writers.v_values)])
        same_rows(conn, "SELECT id FROM race_expr WHERE u * 2 = %s AND v < 20", "race_expr_u",
                  "SELECT id FROM race_expr WHERE u * 2 + 0 = %s AND v < 20",
                  [(2 * u,) for u in sorted(writers.u_values)])


def run_psql(proc: BorealisProcess, command: str) -> str:
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=str(proc.port), PGUSER="admin",
               PGDATABASE="postgres", PGSSLMODE="disable", PGCONNECT_TIMEOUT="10")
    env.pop("PGPASSWORD", None)
    done = subprocess.run([PSQL, "-X", "-v", "ON_ERROR_STOP=1", "-c", command],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_psql_and_sqlalchemy_describe_expression_indexes(server):
    with connect(server) as conn:
        conn.execute("CREATE TABLE shown (id int PRIMARY KEY, email text, a int, b int, active bool)")
        for sql in ("CREATE INDEX ASYNC shown_lower ON shown (lower(email))",
                    "CREATE UNIQUE INDEX ASYNC shown_ab ON shown (a, (a + b)) WHERE active AND b > 0"):
            assert wait_for_job(conn, create_async(conn, sql)) is True
    import sqlalchemy
    engine = sqlalchemy.create_engine(
        f"postgresql+psycopg://admin@127.0.0.1:{server.port}/postgres",
        use_native_hstore=False, connect_args={"sslmode": "disable", "connect_timeout": 10})
    try:
        indexes = sqlalchemy.inspect(engine).get_indexes("shown")
    finally:
        engine.dispose()
    assert [(i["name"], i["unique"], i["column_names"], i.get("expressions"),
             i["dialect_options"].get("postgresql_where")) for i in indexes] == [
        ("shown_ab", True, ["a", None], ["a", "(a + b)"], "(active AND (b > 0))"),
        ("shown_lower", False, [None], ["lower(email)"], None)]
    if PSQL is None:
        return
    table = run_psql(server, r"\d shown")
    assert '"shown_ab" UNIQUE, btree_index (a, (a + b)) WHERE active AND b > 0' in table
    assert '"shown_lower" btree_index (lower(email))' in table
    index = run_psql(server, r"\d shown_ab")
    assert "predicate (active AND b > 0)" in index
    assert [line.split("|")[-1].strip() for line in index.splitlines() if "| yes" in line] == [
        "a", "(a + b)"]


# -- quiet completions: what runs across a build's completion commits (in process) ----------
#
# A build's completion (the index becomes valid, a constraint validated) is a quiet catalog
# change: it moves the catalog epoch, not the conflict-checked version, and writes a mark
# beside the table's descriptor rather than the descriptor (catalog.store). These tests
# run sessions over an embedded cluster whose job runner holds every job until the test
# releases it, so a transaction is provably open across the completion: no timing.


class HeldJobs:
    """A DSQL-mode backend over an embedded cluster, and sessions on it; its job runner
    launches a job only once `complete` released it (then CALL sys.wait_for_job runs it)."""

    def __init__(self, backend: QpBackend, sessions: list[Session]) -> None:
        self.backend = backend
        self.sessions = sessions
        self.released: set[str] = set()
        launch = backend.jobs._launch
        backend.jobs._launch = lambda job_id: launch(job_id) if job_id in self.released else None

    async def complete(self, job_id: str) -> None:
        (status,), = await sql(self.sessions[0], f"select status from sys.jobs where job_id = '{job_id}'")
        assert status == "submitted"  # held until now: whatever ran before, ran across it
        self.released.add(job_id)
        assert await sql(self.sessions[0], f"call sys.wait_for_job('{job_id}')") == [("t",)]


def with_held_jobs(tmp_path, body) -> None:
    async def main() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=2)) as cluster:
            backend = QpBackend(cluster.txn_client, virtual=VirtualCatalog(), compat=Compat.DSQL)
            sessions = [await backend.open_session(wb.SessionInfo("admin", "postgres", "", pid))
                        for pid in (1, 2, 3)]
            try:
                await body(HeldJobs(backend, sessions), *sessions)
            finally:
                for session in sessions:
                    await session.terminate()

    asyncio.run(main())


async def sql(session: Session, text: str) -> list[tuple]:
    rows: list[tuple] = []
    async for event in session.simple_query(text):
        if isinstance(event, wb.Rows):
            rows.extend(tuple(None if v is None else v.decode() for v in r) for r in event.rows)
    return rows


async def job_id_of(session: Session, text: str) -> str:
    (job_id,), = await sql(session, text)
    assert len(job_id) == 26 and set(job_id) <= JOB_ID_CHARS
    return job_id


async def explained(session: Session, query: str) -> str:
    return "\n".join(r[0] for r in await sql(session, "explain " + query))


def test_ddl_on_the_table_across_an_index_build_completion_commits(tmp_path):
    """Django's migrate: CREATE INDEX ASYNC, then at once ALTER TABLE ADD COLUMN on the
    same table while the index is being built. The ALTER commits after the build
    completed under it (no OC001, no OC000 on the table's descriptor), and neither
    change is lost: the column is there and the index is valid and used; the next DDL
    on the table folds the mark into the descriptor."""
    async def body(jobs: HeldJobs, s1: Session, s2: Session, _s3: Session) -> None:
        await sql(s1, "create table mig (id int primary key, v int)")
        await sql(s1, "insert into mig select g, g % 5 from generate_series(1, 40) g")
        job_id = await job_id_of(s1, "create index async mig_v on mig (v)")
        await sql(s2, "begin")
        await sql(s2, "alter table mig add column w text")  # τ_start before the completion
        await jobs.complete(job_id)
        await sql(s2, "commit")
        assert await sql(s1, "select indisvalid from pg_index where indexrelid = 'mig_v'::regclass") \
            == [("t",)]
        assert "Index Scan using mig_v" in await explained(s1, "select * from mig where v = 3")
        assert await sql(s1, "select count(w) from mig where v = 3") == [("0",)]
        await sql(s1, "alter table mig add column x int")  # rewrites the descriptor
        assert await sql(s1, "select indisvalid from pg_index where indexrelid = 'mig_v'::regclass") \
            == [("t",)]
        assert [len(r) for r in await sql(s1, "select * from mig where v = 3")] == [4] * 8

        # Two builds on one table completing across a DROP of one of them: the DROP
        # commits, the other build's mark stands.
        first = await job_id_of(s1, "create index async mig_w on mig (w)")
        second = await job_id_of(s1, "create index async mig_x on mig (x)")
        await sql(s2, "begin")
        await sql(s2, "drop index mig_w")
        await jobs.complete(second)
        await sql(s2, "commit")
        assert (await sql(s1, f"select status from sys.jobs where job_id = '{first}'")) == [("failed",)]
        assert await sql(s1, "select c.relname::text, i.indisvalid from pg_index i join pg_class c "
                             "on c.oid = i.indexrelid where i.indrelid = 'mig'::regclass "
                             "order by 1") == [("mig_pkey", "t"), ("mig_v", "t"), ("mig_x", "t")]

    with_held_jobs(tmp_path, body)


def test_ddl_across_a_constraint_validation_commits(tmp_path):
    """ALTER TABLE ASYNC ... VALIDATE CONSTRAINT completing under a DDL on the same table:
    the DDL commits and the constraint is validated. A DDL that drops the NOT VALID
    constraint itself while its validation lands does conflict (40001, OC000): else the
    validation's mark would outlive the constraint and validate one re-added by name."""
    async def body(jobs: HeldJobs, s1: Session, s2: Session, _s3: Session) -> None:
        await sql(s1, "create table chk (id int primary key, v int)")
        await sql(s1, "insert into chk select g, g from generate_series(1, 20) g")
        await sql(s1, "alter table chk add constraint chk_v check (v > 0) not valid")
        job_id = await job_id_of(s1, "alter table async chk validate constraint chk_v")
        await sql(s2, "begin")
        await sql(s2, "alter table chk add column w int")
        await jobs.complete(job_id)
        await sql(s2, "commit")
        assert await sql(s1, "select convalidated from pg_constraint where conname = 'chk_v'") \
            == [("t",)]

        await sql(s1, "alter table chk add constraint chk_w check (w is null) not valid")
        job_id = await job_id_of(s1, "alter table async chk validate constraint chk_w")
        await sql(s2, "begin")
        await sql(s2, "alter table chk drop constraint chk_w")
        await jobs.complete(job_id)
        with pytest.raises(errors.OccConflict):
            await sql(s2, "commit")
        await sql(s2, "alter table chk drop constraint chk_w")  # the retry
        await sql(s1, "alter table chk add constraint chk_w check (w is null) not valid")
        assert await sql(s1, "select convalidated from pg_constraint where conname = 'chk_w'") \
            == [("f",)]

    with_held_jobs(tmp_path, body)


def test_dml_and_prepared_plans_across_an_index_build_completion(tmp_path):
    """A transaction that wrote before a build completed commits after it (no OC001: the
    completion moved no conflict-checked key), and its row is in the index; a statement
    prepared (and run) before the completion is planned again after it, on the index.

    (The write is a new row. Updating or deleting a row that a backfill chunk indexed
    after the writer's τ_start is a write-write conflict on that index entry, OC000,
    which is the backfill's doing, not the completion's: see the module `qp.jobs`.)"""
    async def body(jobs: HeldJobs, s1: Session, s2: Session, s3: Session) -> None:
        await sql(s1, "create table dml (id int primary key, v int)")
        await sql(s1, "insert into dml select g, g % 7 from generate_series(1, 70) g")
        job_id = await job_id_of(s1, "create index async dml_v on dml (v)")

        await s3.parse("by_v", "select id from dml where v = $1 order by id", [23])
        await s3.bind("", "by_v", [0], [b"3"], [0])
        before = [r async for r in s3.execute("", 0) if isinstance(r, wb.Rows)]
        await s3.sync()
        assert sum(len(r.rows) for r in before) == 10
        prepared = s3.prepared["by_v"]
        planned_at = prepared.version
        assert "Full Scan" in "\n".join(explain_lines(prepared.bound, explain_options(None)))
        assert "Full Scan" in await explained(s3, "select id from dml where v = 3")

        await sql(s2, "begin")
        await sql(s2, "insert into dml values (1000, 3), (1001, 4)")
        await jobs.complete(job_id)
        await sql(s2, "commit")  # no OC001

        await s3.bind("", "by_v", [0], [b"3"], [0])
        after = [r async for r in s3.execute("", 0) if isinstance(r, wb.Rows)]
        await s3.sync()
        assert [int(row[0]) for r in after for row in r.rows] == \
            [3, 10, 17, 24, 31, 38, 45, 52, 59, 66, 1000]
        assert prepared.version != planned_at and prepared.version[0] == planned_at[0]
        assert "Index Scan using dml_v" in "\n".join(explain_lines(prepared.bound, explain_options(None)))
        assert "Index Scan using dml_v" in await explained(s3, "select id from dml where v = 3")

    with_held_jobs(tmp_path, body)
