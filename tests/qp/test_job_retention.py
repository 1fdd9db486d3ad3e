"""Finished async jobs leave sys.jobs after `limits.JOB_RETENTION_S` (30 min in DSQL).

In process, over an embedded cluster: job records are written with old timestamps
instead of waiting half an hour; sys.jobs (the `JobsScan` plan node) must hide the
expired one at once, and one supervisor sweep of the job runner must delete it, while a
recent finished job and an unfinished one stay.
"""

from __future__ import annotations

import asyncio

from borealis.catalog import store
from borealis.catalog.model import JOB_COMPLETED, JOB_FAILED, JOB_INDEX_BUILD, Job
from borealis.catalog.store import CatalogCache
from borealis.catalog.virtual import JobsScan, virtual_relation
from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.core.limits import JOB_RETENTION_S
from borealis.qp.jobs import JobRunner
from borealis.sql.plan import ExecContext, OutCol

S = 1_000_000_000


def test_finished_jobs_expire_from_sys_jobs(tmp_path):
    async def main() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=2)) as cluster:
            client = cluster.txn_client()
            now = client.rt.clock.now()
            expired = Job("a" * 26, JOB_INDEX_BUILD, JOB_COMPLETED, 20_000, "public.old", 19_999,
                          now - (JOB_RETENTION_S + 120) * S, now - (JOB_RETENTION_S + 1) * S)
            recent = Job("b" * 26, JOB_INDEX_BUILD, JOB_FAILED, 20_002, "public.new", 20_001,
                         now - (JOB_RETENTION_S + 60) * S, now - 60 * S, "it failed")
            txn = client.begin()
            store.put_job(txn, expired)
            store.put_job(txn, recent)
            await txn.commit()

            rel = virtual_relation("sys", "jobs")
            cols = [OutCol(c.name, c.type_oid) for c in rel.columns]
            txn = client.begin()
            shown = [row async for batch in JobsScan(rel, cols).batches(ExecContext(txn))
                     for row in batch]
            txn.abort()
            assert [(r[0], r[1], r[2]) for r in shown] == [("b" * 26, "failed", "it failed")]

            runner = JobRunner(cluster.txn_client, CatalogCache())
            runner.start()
            await runner.sweep()
            txn = client.begin()
            kept = [j.job_id for j in await store.list_jobs(txn)]
            txn.abort()
            assert kept == ["b" * 26]

    asyncio.run(main())
