"""A statement's event stream ends where it runs: after an extended-protocol Execute,
no async generator of the session is left suspended for the event loop's finalizer
(which, on uvloop, closes each through a thread-safe wakeup and a task of its own)."""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

from borealis.core import errors
from borealis.core.limits import Compat
from borealis.qp.session import Session
from borealis.wire import backend as wb
from tests.qp.embedded import run_session, sql


async def _extended(s: Session, text: str, params: list[bytes]) -> list:
    await s.parse("", text, [0] * len(params))
    await s.bind("", "", [0] * len(params), params, [0])
    events = [e async for e in s.execute("", 0)]
    await s.sync()
    return events


@contextmanager
def _finalized_recorded(finalized: list[str]):
    """Within: the qualified name of each async generator the event loop's finalizer
    is handed (one left suspended and collected) goes to `finalized`."""
    firstiter, finalizer = sys.get_asyncgen_hooks()

    def record(agen) -> None:
        finalized.append(agen.ag_code.co_qualname)
        finalizer(agen)

    sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=record)
    try:
        yield
    finally:
        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)


def test_no_statement_generator_is_left_for_the_finalizer(tmp_path):
    finalized: list[str] = []

    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 0)")
        with _finalized_recorded(finalized):
            for _ in range(3):
                assert isinstance((await _extended(s, "BEGIN", []))[-1], wb.CommandComplete)
                done = await _extended(s, "UPDATE t SET v = v + 1 WHERE id = $1", [b"1"])
                assert done[-1] == wb.CommandComplete("UPDATE 1")
                selected = await _extended(s, "SELECT v FROM t WHERE id = $1", [b"1"])
                assert [e for e in selected if isinstance(e, wb.Rows)]
                assert isinstance((await _extended(s, "COMMIT", []))[-1], wb.CommandComplete)
            gc.collect()
        assert await sql(s, "select v from t") == [("3",)]

    run_session(tmp_path, Compat.RELAXED, body)
    assert [name for name in finalized if name.startswith("Session.")] == []


def test_portals_suspended_by_max_rows_are_closed_where_they_end(tmp_path):
    """An Execute with max_rows leaves the portal's stream suspended; Sync (the unnamed
    portal), Close, binding the unnamed portal again, and the session's end close it, so
    the finalizer has nothing of the session's to close either."""
    finalized: list[str] = []

    async def suspended(s: Session, portal: str) -> None:
        await s.bind(portal, "q", [], [], [0])
        events = [e async for e in s.execute(portal, 2)]
        assert isinstance(events[-1], wb.PortalSuspended)

    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key)")
        await sql(s, "insert into t select g from generate_series(1, 10) g")
        await s.parse("q", "SELECT id FROM t ORDER BY id", [])
        with _finalized_recorded(finalized):
            await suspended(s, "")
            await s.sync()  # ends the unnamed portal
            await suspended(s, "")
            await suspended(s, "")  # binds the unnamed portal again
            await s.sync()
            await sql(s, "begin")
            await suspended(s, "named")
            await s.close_portal("named")
            await suspended(s, "kept")
            await s.sync()  # a named portal outlives Sync inside a block ...
            rows = [e async for e in s.execute("kept", 0)]
            assert [r for e in rows if isinstance(e, wb.Rows) for r in e.rows] == \
                [[str(i).encode()] for i in range(3, 11)]
            await suspended(s, "left")
            await s.terminate()  # ... and ends with the session
            gc.collect()

    run_session(tmp_path, Compat.RELAXED, body)
    assert [name for name in finalized if name.startswith("Session.")] == []


def test_a_suspended_portal_reads_as_of_its_statement_and_writes_before_its_first_row(tmp_path):
    """A portal suspended by max_rows keeps reading the transaction as it stood when its
    statement began, whatever later statements write; a query whose WITH queries write
    has done all of them, and its foreign-key checks, before its first row goes out
    (PostgreSQL runs it to completion on the first Execute)."""
    async def fetch(s: Session, portal: str, n: int) -> list[int]:
        events = [e async for e in s.execute(portal, n)]
        return [int(r[0]) for e in events if isinstance(e, wb.Rows) for r in e.rows]

    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "create table other (id int primary key)")
        await sql(s, "create table p (id int primary key)")
        await sql(s, "create table c (id int primary key, pid int references p (id))")
        await sql(s, "insert into t select g, 0 from generate_series(1, 2000) g")
        await sql(s, "begin")
        await sql(s, "insert into other values (1)")  # the transaction has written before
        await s.parse("scan", "SELECT v FROM t", [])  # (in key order, page by page)
        await s.bind("cur", "scan", [], [], [0])
        assert await fetch(s, "cur", 5) == [0] * 5
        await sql(s, "update t set v = 7")
        await sql(s, "delete from t where id > 1000")
        await sql(s, "insert into t values (5000, 9)")
        rest = await fetch(s, "cur", 0)
        assert rest == [0] * 1995  # not the updated, deleted or inserted rows
        await s.parse("moved", "WITH d AS (DELETE FROM t WHERE id <= 10) "
                               "SELECT g FROM generate_series(1, 3000) g", [])
        await s.bind("cur2", "moved", [], [], [0])
        assert await fetch(s, "cur2", 5) == [1, 2, 3, 4, 5]
        await s.close_portal("cur2")
        assert await sql(s, "select count(*) from t where id <= 10") == [("0",)]
        await s.parse("orphan", "WITH i AS (INSERT INTO c VALUES (1, 999) RETURNING id) "
                                "SELECT g FROM i, generate_series(1, 3000) g", [])
        await s.bind("cur3", "orphan", [], [], [0])
        try:
            await fetch(s, "cur3", 5)
        except errors.BorealisError as exc:
            assert exc.sqlstate == "23503"
        else:
            raise AssertionError("the foreign-key check did not run before the first row")
        await sql(s, "rollback")

    run_session(tmp_path, Compat.RELAXED, body)
