"""Sequence values: allocation in blocks, the session cache, and nextval & co. in SQL.

A sequence is a catalog descriptor (`catalog.model.SequenceOptions`) plus one state key,
`sequence_state_key(oid)`, holding PostgreSQL's row `(last_value, log_cnt, is_called)`.
Handing out values never touches the catalog version.

Allocation (DSQL §2.3, PostgreSQL's non-transactional nextval):

```
 nextval(s) ─▶ session block for s has a value? ── yes ─▶ take it (no I/O)
                      │ no
                      ▼
   autonomous transaction (not the caller's): read state, reserve CACHE values,
   write state, commit ── OC000 / lost reply ─▶ retry with a new τ_start (bounded)
                      │
                      ▼
             the block [first, first + (n-1)·increment] now belongs to this session
```

The block is committed before any of its values is used, so values are unique across
sessions and across restarts (a restarted server reads the committed state and never
hands out a value that was reserved before); a ROLLBACK of the caller does not return
them, exactly like PostgreSQL. With CACHE 65536 a session touches the cluster once per
65536 values (values are unique but not ordered across sessions, and a session that
ends leaves a gap); with CACHE 1 each nextval is one small autonomous commit. A
sequence created (or restarted) by the caller's own still-open transaction is not
visible to an autonomous transaction, so it is then advanced inside the caller's
transaction instead.

Expressions are compiled to synchronous callables, and allocation needs I/O. The
executor already has the bridge for that, built for subqueries (`sql.plan.arm` and
`sql.plan.evaluate`): a node evaluates a row's expressions synchronously; when the
evaluation reaches a subquery whose rows are not fetched yet for this row, it raises
`NeedRows`, and `evaluate` awaits the fetch and evaluates the row again, now with the
rows cached for that row. `SequenceCall` is such a subquery: its "plan" is a one-row
step that performs the sequence function (awaiting an allocation when the session's
block is empty). So each sequence call runs once per row, lazily and in evaluation
order (`SELECT currval('s'), nextval('s')` sees the old value first, as in
PostgreSQL; a call in a CASE branch that is not taken never runs), and repeating the
evaluation of a row never consumes a second value. A sequence call in an argument of
another (setval('s', nextval('t'))) is fetched by the outer call's step the same way.
INSERT evaluates column defaults and identity values through the same path, one
fetch per inserted row. Where an executor node does not arm subqueries (aggregate
arguments, sort keys) `nextval` and `setval` fail with 0A000 instead of guessing;
`currval` and `lastval` need no I/O and are then computed on the spot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from borealis.catalog.model import (
    CatalogSnapshot,
    Relation,
    SequenceOptions,
    sequence_state_key,
)
from borealis.core import errors, values
from borealis.sql.expr import Col, Const, Expr, Param, Subquery, is_volatile, walk
from borealis.sql.plan import (
    ExecContext,
    Node,
    OutCol,
    OuterRow,
    SubPlan,
    evaluate,
    subqueries_of,
)

log = logging.getLogger(__name__)

INT8, BOOL, REGCLASS = 20, 16, 2205

ALLOCATE_ATTEMPTS_MAX = 32  # autonomous commits tried before giving up with OC000
RETRY_FIRST_NS = 2_000_000
RETRY_MAX_NS = 200_000_000
SESSION_BLOCKS_MAX = 10_000  # cached blocks per session; beyond, the oldest is dropped (a gap)


# -- state --------------------------------------------------------------------------------

def encode_state(last_value: int, is_called: bool) -> bytes:
    return values.dumps((last_value, 0, is_called))


def decode_state(raw: bytes) -> tuple[int, int, bool]:
    last_value, log_cnt, is_called = values.loads(raw)
    return last_value, log_cnt, is_called


def initial_state(options: SequenceOptions) -> bytes:
    """A new (or restarted) sequence: its next value is `start`."""
    return encode_state(options.start, False)


def reserve(options: SequenceOptions, state: tuple[int, int, bool], want: int,
            name: str) -> tuple[int, int, bytes]:
    """(first value, how many, new state) for a block of up to `want` values.

    A block never wraps around: at the end of a CYCLE sequence the next block starts
    again at the other bound."""
    last, _, called = state
    step, lo, hi = options.increment, options.min_value, options.max_value
    first = last + step if called else last
    if step > 0 and first > hi:
        if not options.cycle:
            raise errors.SequenceLimitReached(which="maximum", name=name, value=hi)
        first = lo
    elif step < 0 and first < lo:
        if not options.cycle:
            raise errors.SequenceLimitReached(which="minimum", name=name, value=lo)
        first = hi
    room = (hi - first) // step + 1 if step > 0 else (first - lo) // -step + 1
    count = max(1, min(want, room))
    return first, count, encode_state(first + (count - 1) * step, True)


@dataclass
class Block:
    """Values reserved for one session: `next`, then `remaining - 1` more by `step`."""

    next: int
    remaining: int
    step: int

    def take(self) -> int:
        assert self.remaining > 0
        value = self.next
        self.next += self.step
        self.remaining -= 1
        return value


class SessionSequences:
    """One session's sequence state: reserved blocks, currval per sequence, lastval."""

    def __init__(self) -> None:
        self.blocks: dict[int, Block] = {}
        self.current: dict[int, int] = {}  # currval
        self.last_used: int | None = None  # lastval's sequence

    def forget(self, oid: int) -> None:
        """Drop this session's reserved values (ALTER SEQUENCE, setval): the next
        nextval reads the sequence's state again."""
        self.blocks.pop(oid, None)

    async def nextval(self, client: Any, txn: Any, rel: Relation) -> int:
        value = self.nextval_cached(rel)
        if value is not None:
            return value
        block = await self._allocate(client, txn, rel)
        if rel.oid not in self.blocks and len(self.blocks) >= SESSION_BLOCKS_MAX:
            del self.blocks[next(iter(self.blocks))]
        self.blocks[rel.oid] = block
        return self._taken(rel, block)

    def nextval_cached(self, rel: Relation) -> int | None:
        """nextval from this session's block, when it has a value left (no I/O);
        None when it needs an allocation."""
        block = self.blocks.get(rel.oid)
        if block is None or block.remaining == 0:
            return None
        return self._taken(rel, block)

    def _taken(self, rel: Relation, block: Block) -> int:
        value = block.take()
        self.current[rel.oid] = value
        self.last_used = rel.oid
        return value

    def currval(self, rel: Relation) -> int:
        value = self.current.get(rel.oid)
        if value is None:
            raise errors.ObjectNotInPrerequisiteState(
                what=f'currval of sequence "{rel.name}" is not yet defined in this session')
        return value

    def lastval(self, catalog: CatalogSnapshot | None) -> int:
        oid = self.last_used
        if oid is None or (catalog is not None and catalog.relation_by_oid(oid) is None):
            raise errors.ObjectNotInPrerequisiteState(what="lastval is not yet defined in this session")
        return self.current[oid]

    async def setval(self, client: Any, txn: Any, rel: Relation, value: int,
                     is_called: bool) -> int:
        opts = rel.sequence
        assert opts is not None
        if value < opts.min_value or value > opts.max_value:
            raise errors.SequenceValueOutOfBounds(value=value, name=rel.name,
                                                  low=opts.min_value, high=opts.max_value)
        state = encode_state(value, is_called)
        await _write_autonomously(client, txn, rel, lambda raw: state)
        self.forget(rel.oid)
        if is_called:
            self.current[rel.oid] = value
        return value

    async def _allocate(self, client: Any, txn: Any, rel: Relation) -> Block:
        opts = rel.sequence
        assert opts is not None
        reserved: list[tuple[int, int]] = []
        # Inside the caller's transaction (see _write_autonomously) only the value asked
        # for is taken: the transaction may still roll back, and a cached rest would
        # outlive it.
        want = 1 if _in_callers_transaction(txn, rel) else max(1, opts.cache)

        def advance(raw: bytes) -> bytes:
            first, count, new_state = reserve(opts, decode_state(raw), want, rel.name)
            reserved[:] = [(first, count)]
            return new_state
        await _write_autonomously(client, txn, rel, advance)
        first, count = reserved[0]
        return Block(first, count, opts.increment)


async def _write_autonomously(client: Any, txn: Any, rel: Relation, update) -> None:
    """Replace the sequence's state with `update(current state)` in a transaction of
    its own, committed now, retried (bounded, with backoff) on conflicts and on
    unknown outcomes: a retry reads the state again, so a block reserved by an attempt
    whose outcome was unknown is never handed out twice, only skipped."""
    key = sequence_state_key(rel.oid)
    if _in_callers_transaction(txn, rel):
        # Created or restarted by the caller's own open transaction: invisible to
        # others until it commits, so it moves with that transaction.
        raw = txn.writes[key]
        if raw is None:
            raise errors.UndefinedTable(name=rel.name)
        txn.put(key, update(raw))
        return
    delay_ns = RETRY_FIRST_NS
    for _ in range(ALLOCATE_ATTEMPTS_MAX):
        own = client.begin()
        raw = await own.get(key)
        if raw is None:  # dropped since the statement was bound
            raise errors.UndefinedTable(name=rel.name)
        own.put(key, update(raw))
        try:
            await own.commit()
            return
        except errors.BorealisError as exc:
            if not (exc.retryable or isinstance(exc, errors.TransactionResolutionUnknown)):
                raise
            log.debug("sequence %s: state update retried after %s", rel.name, exc)
        jitter = client.rt.random.randrange(delay_ns // 2 + 1)
        await client.rt.sleep(delay_ns // 2 + jitter)
        delay_ns = min(delay_ns * 2, RETRY_MAX_NS)
    raise errors.OccConflict()


def _in_callers_transaction(txn: Any, rel: Relation) -> bool:
    return txn is not None and txn.state == "open" and sequence_state_key(rel.oid) in txn.writes


def session_sequences(session: Any) -> SessionSequences:
    found = getattr(session, "sequences", None)
    if found is None:
        raise errors.InternalError(what="sequence functions need a session")
    return found


# -- nextval, currval, setval, lastval as expressions -----------------------------------------

@dataclass(eq=False)
class SequenceCall(Subquery):
    """A sequence function, evaluated as a one-row correlated subquery (see the module
    docstring): the executor's runner fetches its value once per row."""

    function: str = "nextval"  # nextval, currval, setval, lastval
    args: tuple[Expr, ...] = ()  # (regclass, [value, [is_called]]); () for lastval
    relation: Relation | None = None  # the sequence, when known at bind time
    catalog: CatalogSnapshot | None = None  # the statement's snapshot (regclass → sequence)
    session: Any = None  # for currval/lastval evaluated where nothing fetches
    compiled_args: Any = field(default=None, repr=False, compare=False)  # (fn, subqueries)
    _checked: Any = field(default=None, repr=False, compare=False)  # runner checked for

    @property
    def reads_data(self) -> bool:  # (see Subquery)
        """nextval reads no table. currval, lastval and setval are volatile for COPY as
        in PostgreSQL (a table with such a default is loaded row by row there)."""
        return self.function != "nextval"

    @property
    def children(self) -> tuple[Expr, ...]:
        return self.args

    def compile(self):
        call = self
        arg_fns = [a.compile() for a in self.args]
        cached = self.function == "nextval" and self.relation is not None \
            and isinstance(self.args[0], Const)

        def evaluate_call(row):
            runner = call.runner
            if runner is not None:
                if cached:
                    value = call.nextval_cached(runner, row)
                    if value is not None:
                        return value
                return runner(row)[0][0]  # may raise NeedRows: the executor fetches
            if call.function in ("currval", "lastval"):
                return call.apply_sync([f(row) for f in arg_fns])
            raise errors.FeatureNotSupported(
                what=f"{call.function}() is not supported in this part of a statement")
        return evaluate_call

    def nextval_cached(self, runner: Any, row: tuple) -> int | None:
        """nextval of a sequence known at bind time for `row`, without the fetch the
        executor would make, when the session's block has a value left: a bulk load
        into an identity column takes its values at the cost of a function call. The
        value is kept as the fetch keeps its rows, so evaluating `row` again (another
        subquery of it fetched) gives the same one. None: fetch (an allocation)."""
        if runner.rows is not None and runner.holds(row):
            return runner.rows[0][0]
        session = runner.ctx.session
        rel = self.relation
        if self._checked is not runner:  # once per execution, as `run` would each time
            self._check(session, rel)
            self._checked = runner
        value = session_sequences(session).nextval_cached(rel)
        if value is not None:
            runner.keep([(value,)], row)
        return value

    def _check(self, session: Any, rel: Relation) -> None:
        from borealis.sql.privileges import check_sequence_call
        check_sequence_call(session, self.catalog, rel, self.function)  # 42501
        if getattr(session, "transaction_read_only", False):
            raise errors.ReadOnlyTransaction(what=f"{self.function}()")

    async def run(self, ctx: ExecContext, row: tuple) -> Any:
        """Perform the function for `row` (the step's one row)."""
        if self.compiled_args is None:
            arg_fns = [a.compile() for a in self.args]
            self.compiled_args = (lambda r: [f(r) for f in arg_fns],
                                  len(subqueries_of(list(self.args))))
        fn, nested = self.compiled_args
        args = await evaluate(fn, row, nested) if nested else fn(row)
        if self.function in ("currval", "lastval"):
            return self.apply_sync(args)
        if any(a is None for a in args):
            return None  # strict
        session = ctx.session
        seqs = session_sequences(session)
        rel = self.sequence(args[0])
        self._check(session, rel)
        if self.function == "nextval":
            return await seqs.nextval(session.client, ctx.txn, rel)
        is_called = args[2] if len(args) > 2 else True
        return await seqs.setval(session.client, ctx.txn, rel, args[1], is_called)

    def apply_sync(self, args: list) -> Any:
        seqs = session_sequences(self.session)
        if self.function == "lastval":
            return seqs.lastval(self.catalog)
        if args[0] is None:
            return None
        return seqs.currval(self.sequence(args[0]))

    def sequence(self, oid: int) -> Relation:
        rel = self.relation if self.relation is not None and self.relation.oid == oid else None
        if rel is None and self.catalog is not None:
            rel = self.catalog.relation_by_oid(oid)
        if rel is None:
            raise errors.UndefinedTable(f"could not open relation with OID {oid}")
        if rel.kind != "S" or rel.sequence is None:
            raise errors.WrongObjectType(what=f'"{rel.name}" is not a sequence')
        return rel


class _CallRef:
    """Holds a step's call. Plan walkers look for subqueries in a node's attributes;
    a plain holder keeps them from following the step back into its own call."""

    __slots__ = ("call",)

    def __init__(self, call: SequenceCall) -> None:
        self.call = call


@dataclass(eq=False)
class _SequenceStep(Node):
    """The "subquery" of a `SequenceCall`: one row, the function's value."""

    ref: _CallRef
    outer: OuterRow
    columns: list[OutCol] = field(default_factory=lambda: [OutCol("nextval", INT8)])

    async def batches(self, ctx):
        yield [(await self.ref.call.run(ctx, self.outer.row),)]


def sequence_call(binder: Any, function: str, args: tuple[Expr, ...],
                  relation: Relation | None = None) -> SequenceCall:
    call = SequenceCall(INT8, kind="scalar", function=function, args=args, relation=relation,
                        catalog=binder.ctx.catalog, session=binder.ctx.settings)
    outer = OuterRow()
    call.plan = SubPlan(_SequenceStep(_CallRef(call), outer), outer, True)
    return call


def bind_sequence_function(binder: Any, name: str, args: list[Expr]) -> Expr:
    """nextval(regclass), currval(regclass), setval(regclass, bigint [, boolean]),
    lastval(): typed and resolved like PostgreSQL's (the regclass of a literal is
    looked up when the statement is bound: 42P01 for an unknown name)."""
    arities = {"nextval": (1,), "currval": (1,), "lastval": (0,), "setval": (2, 3)}
    if len(args) not in arities[name]:
        from borealis.sql.functions import no_function
        raise no_function(name, args)
    types = (REGCLASS, INT8, BOOL)
    coerced = tuple(binder.coerce(a, t) for a, t in zip(args, types))
    relation = None
    if coerced:
        first = coerced[0]
        if _bind_time_constant(first):
            oid = first.compile()(())
            relation = binder.ctx.catalog.relation_by_oid(oid) if oid is not None else None
    return sequence_call(binder, name, coerced, relation)


def _bind_time_constant(expr: Expr) -> bool:
    return not is_volatile(expr) and not any(isinstance(n, (Col, Param)) for n in walk(expr))


# -- identity columns -------------------------------------------------------------------------

def identity_default(binder: Any, col: Any) -> Expr:
    """The value an identity column gets: nextval of its sequence, as the column's type."""
    rel = binder.ctx.catalog.relation_by_oid(col.identity_sequence)
    if rel is None or rel.kind != "S":
        raise errors.InternalError(what=f'identity sequence of column "{col.name}" is missing')
    call = sequence_call(binder, "nextval", (Const(REGCLASS, rel.oid),), rel)
    return binder.coerce(call, col.type_oid, col.typmod, "assignment")


def identity_overrides(binder: Any, stmt: Any, cols: list, positions: list[int]) -> list[tuple[int, Expr]]:
    """INSERT into identity columns (PostgreSQL's rules): a GENERATED ALWAYS column
    takes only DEFAULT unless OVERRIDING SYSTEM VALUE (428C9); OVERRIDING USER VALUE
    replaces the values given for identity columns with generated ones. Returns the
    (position, generated value) pairs that replace supplied values."""
    from pglast import ast
    from pglast.enums import OverridingKind

    override = stmt.override
    out = []
    for i, col in enumerate(cols):
        if not col.identity:
            continue
        if override == OverridingKind.OVERRIDING_USER_VALUE:
            out.append((positions[i], identity_default(binder, col)))
            continue
        if col.identity != "a" or override == OverridingKind.OVERRIDING_SYSTEM_VALUE:
            continue
        select = stmt.selectStmt
        rows = select.valuesLists if isinstance(select, ast.SelectStmt) else None
        if rows and all(isinstance(r[i], ast.SetToDefault) for r in rows if i < len(r)):
            continue
        raise errors.GeneratedAlways(
            f'cannot insert a non-DEFAULT value into column "{col.name}"',
            detail=f'Column "{col.name}" is an identity column defined as GENERATED ALWAYS.',
            hint="Use OVERRIDING SYSTEM VALUE to override.")
    return out


def check_identity_update(col: Any, value_node: Any) -> None:
    """UPDATE may set a GENERATED ALWAYS identity column only to DEFAULT (428C9)."""
    from pglast import ast
    if col.identity == "a" and not isinstance(value_node, ast.SetToDefault):
        raise errors.GeneratedAlways(
            f'column "{col.name}" can only be updated to DEFAULT',
            detail=f'Column "{col.name}" is an identity column defined as GENERATED ALWAYS.')
