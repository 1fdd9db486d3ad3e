"""A statement's event stream ends where it runs: after an extended-protocol Execute,
no async generator of the session is left suspended for the event loop's finalizer
(which, on uvloop, closes each through a thread-safe wakeup and a task of its own)."""

from __future__ import annotations

import gc
import sys

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


def test_no_statement_generator_is_left_for_the_finalizer(tmp_path):
    finalized: list[str] = []

    async def body(s: Session) -> None:
        await sql(s, "create table t (id int primary key, v int)")
        await sql(s, "insert into t values (1, 0)")
        firstiter, finalizer = sys.get_asyncgen_hooks()

        def record(agen) -> None:
            finalized.append(agen.ag_code.co_qualname)
            finalizer(agen)

        sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=record)
        try:
            for _ in range(3):
                assert isinstance((await _extended(s, "BEGIN", []))[-1], wb.CommandComplete)
                done = await _extended(s, "UPDATE t SET v = v + 1 WHERE id = $1", [b"1"])
                assert done[-1] == wb.CommandComplete("UPDATE 1")
                selected = await _extended(s, "SELECT v FROM t WHERE id = $1", [b"1"])
                assert [e for e in selected if isinstance(e, wb.Rows)]
                assert isinstance((await _extended(s, "COMMIT", []))[-1], wb.CommandComplete)
            gc.collect()
        finally:
            sys.set_asyncgen_hooks(firstiter=firstiter, finalizer=finalizer)
        assert await sql(s, "select v from t") == [("3",)]

    run_session(tmp_path, Compat.RELAXED, body)
    assert [name for name in finalized if name.startswith("Session.")] == []
