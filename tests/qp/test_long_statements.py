"""A statement that storage answers without waiting (a join of generate_series, a
recursive CTE) still lets the event loop turn every `plan.YIELD_WORK` rows: the other
sessions of the process go on, and a cancel request reaches it."""

from __future__ import annotations

import asyncio

from borealis.catalog.virtual import VirtualCatalog
from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core import errors
from borealis.core.limits import Compat
from borealis.qp.session import QpBackend
from borealis.wire import backend as wb
from tests.qp.embedded import sql

JOIN = ("select count(*) from generate_series(1, 3000) a, generate_series(1, 3000) b "
        "where a + b < 0")
RECURSIVE = ("with recursive r(n) as (select 1 union all select n + 1 from r where n < 60000) "
             "select max(n) from r")


def _run(tmp_path, body) -> None:
    async def main() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=1)) as cluster:
            backend = QpBackend(cluster.txn_client, virtual=VirtualCatalog(), compat=Compat.RELAXED)
            a = await backend.open_session(wb.SessionInfo("admin", "postgres", "", 1))
            b = await backend.open_session(wb.SessionInfo("admin", "postgres", "", 2))
            await body(a, b)
    asyncio.run(main())


def test_other_sessions_run_while_a_long_statement_computes(tmp_path):
    async def body(a, b) -> None:
        await sql(b, "create table t (id int primary key)")
        await sql(b, "insert into t values (1), (2)")
        for long in (JOIN, RECURSIVE):
            finished: list[str] = []

            async def run(session, text, name, finished=finished):
                rows = await sql(session, text)
                finished.append(name)
                return rows

            job = asyncio.ensure_future(run(a, long, "long"))
            await asyncio.sleep(0)  # the long statement starts first
            assert await run(b, "select count(*) from t", "short") == [("2",)]
            assert finished == ["short"], long  # the short one did not wait for it
            assert await job == ([("0",)] if long is JOIN else [("60000",)])
            assert finished == ["short", "long"]

    _run(tmp_path, body)


def test_a_cancel_reaches_a_statement_that_never_waits(tmp_path):
    async def body(a, b) -> None:
        job = asyncio.ensure_future(sql(a, "select count(*) from generate_series(1, 100000) x, "
                                           "generate_series(1, 100000) y where x + y < 0"))
        await sql(b, "select 1")  # the join is under way by now
        assert not job.done()
        a.cancel()
        try:
            await job
        except errors.QueryCanceled:
            pass
        else:
            raise AssertionError("the join was not cancelled")
        assert await sql(a, "select 1") == [("1",)]

    _run(tmp_path, body)
