"""VALIDATE_CONSTRAINT jobs: `ALTER TABLE ASYNC t VALIDATE CONSTRAINT c` (DSQL §2.3).

```
 ALTER TABLE ASYNC ... VALIDATE CONSTRAINT ── one transaction: the job record (submitted)
 JobRunner (qp.jobs) ─▶ validate(runner, job):
   submitted ─▶ processing: fixes the end of the scan (the table's last row key now)
   chunks: each one transaction at a fresh τ_start — ≤ chunk_rows rows after the cursor,
           each checked against the constraint (its parent looked up, the parent's row
           key put in the share set; a CHECK evaluated, the row key checked), then the
           cursor saved: all or nothing, so a restart resumes from the cursor
   the last step: the constraint becomes validated (a quiet catalog change: the epoch
           moves, so no concurrent transaction gets OC001 for it; a mark beside the
           table's descriptor, so no DDL on the table conflicts with it),
           the job completed
   a row that violates the constraint ─▶ the job fails with the violation as its
           details, and the constraint stays NOT VALID (as PostgreSQL leaves it)
```

Why no row escapes: the constraint was added (NOT VALID) by a DDL that committed before
this job was submitted, and it is enforced on every write planned against a catalog
that has it; a transaction that started before that DDL and commits after it gets
OC001. So the rows that may violate it were committed before the DDL, at or below the
end key, and every chunk reads at a τ_start after the submission committed. A parent
deleted while the job runs is deleted by a writer that enforces the constraint (it finds
the children); a chunk's check-set entries make it retry if that happens between the
chunk's τ_start and its commit.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from borealis.catalog import store
from borealis.catalog.model import JOB_COMPLETED, JOB_FINISHED, JOB_PROCESSING, Job
from borealis.catalog.store import CatalogWriter
from borealis.core import errors, values
from borealis.core.keys import prefix_end
from borealis.qp.txn import Transaction
from borealis.sql import fk

log = logging.getLogger(__name__)

GONE_DETAIL = "constraint validation canceled: the constraint or its table was dropped"
CONFLICTS_DETAIL = "constraint validation gave up: too many conflicts with concurrent transactions"


class _Violation(Exception):
    def __init__(self, error: errors.BorealisError) -> None:
        super().__init__(error.message)
        self.error = error


async def validate(runner: Any, job: Job) -> None:
    """Run one VALIDATE_CONSTRAINT job to its end (`runner` is the `qp.jobs.JobRunner`)."""
    from borealis.qp import jobs as J
    job_id = job.job_id
    validators: dict[int, fk.RowValidator] = {}

    async def target(txn: Transaction):
        snapshot = await runner.catalog.snapshot(txn)  # a concurrent DDL aborts the chunk
        current = await store.get_job(txn, job_id)
        if current is None or current.status in JOB_FINISHED:
            return J.CANCELED
        found = fk.job_constraint(snapshot, current.relation_oid, current.constraint_name)
        if found is None:
            return J.GONE
        return snapshot, current, found[0], found[1]

    async def begin(txn: Transaction):
        got = await target(txn)
        if not isinstance(got, tuple):
            return got
        _, current, rel, _ = got
        if current.status != JOB_PROCESSING:
            await _fix_end(txn, job_id, rel)
            store.put_job(txn, dataclasses.replace(
                current, status=JOB_PROCESSING, update_time=runner.rt.clock.now()))
        return J.MORE

    async def chunk(txn: Transaction):
        got = await target(txn)
        if not isinstance(got, tuple):
            return got
        snapshot, _, rel, con = got
        if con.validated:
            return J.DONE
        progress = await store.get_progress(txn, job_id)
        if progress is None:
            progress = await _fix_end(txn, job_id, rel)
        last, end, done = progress
        if done or end is None:
            return J.DONE
        start = rel.prefix if last is None else last + b"\x00"
        rows = await txn.scan(start, end + b"\x00", limit=runner.config.chunk_rows)
        validator = validators.get(snapshot.ident)
        if validator is None or validator.rel is not rel:
            from borealis.sql.bind import BindContext, Binder
            validators.clear()
            validator = validators[snapshot.ident] = fk.RowValidator(
                Binder(BindContext(snapshot)), rel, con)
        width = len(rel.columns)
        decoded = [(k, _pad(values.loads(v), width)) for k, v in rows]
        try:
            await validator.check(txn, decoded)
        except (errors.ForeignKeyViolation, errors.CheckViolation) as exc:
            raise _Violation(exc) from None
        new_last = rows[-1][0] if rows else last
        done = len(rows) < runner.config.chunk_rows or new_last == end
        store.put_progress(txn, job_id, new_last, end, done)
        return J.DONE if done else J.MORE

    async def finish(txn: Transaction):
        got = await target(txn)
        if not isinstance(got, tuple):
            return got
        snapshot, current, rel, con = got
        if not con.validated:
            CatalogWriter(txn, snapshot, quiet=True).mark_valid(rel, constraint=con.name)
        store.put_job(txn, dataclasses.replace(
            current, status=JOB_COMPLETED, update_time=runner.rt.clock.now(), details=None))
        store.delete_progress(txn, job_id)
        return J.DONE

    try:
        outcome = J.MORE
        if job.status != JOB_PROCESSING:
            outcome = await runner._retrying(begin)
        while outcome is J.MORE:
            outcome = await runner._retrying(chunk)
            if outcome is J.MORE and runner.config.chunk_pause_ns:
                await runner.rt.sleep(runner.config.chunk_pause_ns)
        if outcome is J.DONE:
            outcome = await runner._retrying(finish)
    except _Violation as exc:
        detail = exc.error.message + (f": {exc.error.detail}" if exc.error.detail else "")
        log.info("job %s: constraint %s is violated: %s", job_id, job.constraint_name, detail)
        await runner._fail(job_id, detail)
        return
    if outcome is J.GONE:
        await runner._fail(job_id, GONE_DETAIL)
    elif outcome is None:
        await runner._fail(job_id, CONFLICTS_DETAIL)


async def _fix_end(txn: Transaction, job_id: str, rel) -> tuple[None, bytes | None, bool]:
    """Rows that may violate the constraint are all at or below the table's last key at
    this snapshot (taken after the job, hence the constraint, became visible)."""
    last = await txn.scan(rel.prefix, prefix_end(rel.prefix), limit=1, reverse=True)
    end = last[0][0] if last else None
    store.put_progress(txn, job_id, None, end, end is None)
    return None, end, end is None


def _pad(row: tuple, width: int) -> tuple:
    return row + (None,) * (width - len(row)) if len(row) < width else row
