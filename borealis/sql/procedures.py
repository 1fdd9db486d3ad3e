"""Procedures: `CALL` and the one procedure DSQL has, `sys.wait_for_job` (DESIGN.md §6).

DSQL does not let users create procedures (no PL/pgSQL, no CREATE PROCEDURE), but it
ships `sys.wait_for_job(job_id)`: it blocks until an async job (`CREATE INDEX ASYNC`)
ends and returns one row with one boolean, true when the job completed and false when
it failed. Being a procedure, it is called with CALL; `SELECT sys.wait_for_job(...)`
fails with 42809 as in PostgreSQL ("... is a procedure", hint "use CALL").

A CALL binds to a `BoundQuery` whose plan is one `WaitForJob` node, so the session runs,
describes and encodes it like a SELECT. The wait itself belongs to the QP's job runner
(`qp.jobs.JobRunner.wait`, bounded by `JobConfig.wait_max_ns`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pglast import ast

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql.bind import Binder, BoundQuery, _func_name
from borealis.sql.expr import Expr
from borealis.sql.functions import SCALARS
from borealis.sql.plan import Node, OutCol

BOOL, TEXT = 16, 25
WAIT_FOR_JOB = "sys.wait_for_job"
SUCCEEDED_COLUMN = "succeeded"  # the procedure's OUT parameter, as DSQL's clients read it

ProcedureBinder = Callable[[Binder, str, list[Expr]], BoundQuery]
PROCEDURES: dict[str, ProcedureBinder] = {}


def procedure(name: str):
    def register(fn: ProcedureBinder) -> ProcedureBinder:
        PROCEDURES[name] = fn
        SCALARS[name] = _not_a_function(name)
        return fn
    return register


def _signature(name: str, args: list[Expr]) -> str:
    return f"{name}({', '.join(C.type_name(a.oid) for a in args)})"


def _not_a_function(name: str):
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        raise errors.WrongObjectType(what=f"{_signature(name, args)} is a procedure",
                                     hint="To call a procedure, use CALL.")
    return bind


def bind_call(binder: Binder, node: ast.CallStmt) -> BoundQuery:
    call = node.funccall
    name = _func_name(call)
    args = [binder.expr(a, None) for a in call.args or ()]
    proc = PROCEDURES.get(name)
    if proc is None:
        raise errors.UndefinedFunction(
            f"procedure {_signature(name, args)} does not exist",
            hint="No procedure matches the given name and argument types. "
                 "You might need to add explicit type casts.")
    return proc(binder, name, args)


@dataclass(eq=False)
class WaitForJob(Node):
    """Blocks until the job ends; one row: (completed?)."""

    job_id: Expr
    columns: list[OutCol]

    async def batches(self, ctx):
        job_id = self.job_id.compile()(())
        if job_id is None:
            raise errors.InvalidParameterValue(what="job id must not be null")
        session = ctx.session
        runner = getattr(getattr(session, "backend", None), "jobs", None)
        if runner is None:
            raise errors.FeatureNotSupported(what="async jobs are not available in this session")
        done = await runner.wait(job_id, canceled=lambda: getattr(session, "_canceled", False))
        stat = ctx.stat(self)
        stat.loops += 1
        stat.rows += 1
        yield [(done,)]


@procedure(WAIT_FOR_JOB)
def _wait_for_job(binder: Binder, name: str, args: list[Expr]) -> BoundQuery:
    if len(args) != 1 or args[0].oid not in (TEXT, 705, 1043, 1042, 19):
        raise errors.UndefinedFunction(
            f"procedure {_signature(name, args)} does not exist",
            hint="No procedure matches the given name and argument types. "
                 "You might need to add explicit type casts.")
    arg = binder.coerce(args[0], TEXT)
    columns = [OutCol(SUCCEEDED_COLUMN, BOOL)]
    return BoundQuery(WaitForJob(arg, columns), columns)
