"""A statement's event stream ends where it runs: after an extended-protocol Execute,
no async generator of the session is left suspended for the event loop's finalizer
(which, on uvloop, closes each through a thread-safe wakeup and a task of its own)."""

from __future__ import annotations

import gc
import sys
from contextlib import contextmanager

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
