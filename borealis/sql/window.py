"""Window functions: partitions, frames, and the values the `Window` node appends.

`Window` (in `sql.plan`) materialises its input and calls `run`. For each window call the
rows are split by PARTITION BY and sorted by ORDER BY; a partition's rows are numbered
0..n-1 ("positions") and cut into peer groups (rows with equal ORDER BY keys; without
ORDER BY the whole partition is one group).

```
 frame of the row at position p:  [start(p), end(p))    ROWS: counted in rows
                                                        GROUPS: counted in peer groups
                                                        RANGE: by the ORDER BY value
 less EXCLUDE CURRENT ROW / GROUP / TIES            →   at most three segments, in order
```

start(p) and end(p) never decrease as p grows, and the aggregates use that: count, exact
sum/avg and bool_and/bool_or read prefix sums, min/max keep monotone deques, so a
partition costs O(n) whatever the frame. Every other aggregate (string_agg, array_agg,
float sums, ...) is accumulated in frame order as PostgreSQL does it: extended while the
frame start stays put, restarted when it moves. Ranking functions, lag/lead and ntile
ignore the frame; first_value/last_value/nth_value read it.

Frame offsets are evaluated once per execution (`frame_offsets`), with PostgreSQL's
22004 / 22013 errors. RANGE offsets are compared by an `in_range(value, base, offset,
sub, less)` function chosen for the ORDER BY column's type (`range_offset`): is `value`
at or after (`less` false) / at or before (`less` true) `base - offset` (`sub`) or
`base + offset`. NULL order values form a peer group at their end of the order, in range
of each other only; NaN sorts above every number.
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from borealis.core import errors
from borealis.sql import functions as F
from borealis.sql.datetime_ops import add_interval
from borealis.sql.expr import Expr
from borealis.sql.plan import (
    Frame,
    WindowCall,
    arm,
    evaluate,
    hash_key,
    sort_key_fn,
    subqueries_of,
)

INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8 = 21, 23, 20, 1700, 700, 701
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL = 1082, 1083, 1114, 1184, 1186

# Exact numeric sums keep one prefix count per distinct scale in the partition (to give
# the frame's sum the largest scale in it, as PostgreSQL does); past this many scales
# the aggregate is accumulated frame by frame instead.
DISTINCT_SCALES_MAX = 16

_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


# -- RANGE offsets ------------------------------------------------------------------------

def _bad_size() -> errors.BorealisError:
    return errors.InvalidPrecedingOrFollowingSize(
        what="invalid preceding or following size in window function")


def _compare(value: Any, bound: Any, less: bool) -> bool:
    return value <= bound if less else value >= bound


def _in_range_int(value: int, base: int, offset: int, sub: bool, less: bool) -> bool:
    if offset < 0:
        raise _bad_size()
    return _compare(value, base - offset if sub else base + offset, less)


def _in_range_real(value: Any, base: Any, offset: Any, sub: bool, less: bool) -> bool:
    """float8 and numeric: NaN is above every number and equal to itself; an infinite
    offset from an infinite base in its own direction keeps every value in range."""
    if offset != offset or offset < 0:
        raise _bad_size()
    if value != value:
        return True if base != base else not less
    if base != base:
        return less
    if _infinite(offset) and _infinite(base) and (base > 0 if sub else base < 0):
        return True
    if isinstance(base, Decimal):
        bound = _EXACT.subtract(base, offset) if sub else _EXACT.add(base, offset)
    else:
        bound = base - offset if sub else base + offset
    return _compare(value, bound, less)


def _infinite(x: Any) -> bool:
    return x.is_infinite() if isinstance(x, Decimal) else math.isinf(x)


def _in_range_timestamp(value: Any, base: Any, offset: Any, sub: bool, less: bool) -> bool:
    if offset.span < 0:
        raise _bad_size()
    return _compare(value, add_interval(base, -offset if sub else offset), less)


def _in_range_date(value: Any, base: Any, offset: Any, sub: bool, less: bool) -> bool:
    """Dates are compared as the timestamps of their midnights."""
    midnight = datetime.time()
    return _in_range_timestamp(datetime.datetime.combine(value, midnight),
                               datetime.datetime.combine(base, midnight), offset, sub, less)


def _time_us(t: datetime.time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond


def _in_range_time(value: Any, base: Any, offset: Any, sub: bool, less: bool) -> bool:
    """Only the offset's time part counts (as in time ± interval), and the bound does
    not wrap around midnight."""
    if offset.microseconds < 0:
        raise _bad_size()
    step = -offset.microseconds if sub else offset.microseconds
    return _compare(_time_us(value), _time_us(base) + step, less)


def _in_range_interval(value: Any, base: Any, offset: Any, sub: bool, less: bool) -> bool:
    if offset.span < 0:
        raise _bad_size()
    return _compare(value, base - offset if sub else base + offset, less)


# ORDER BY column type → (offset types, first preferred, and the comparison).
_RANGE_OFFSETS: dict[int, tuple[tuple[int, ...], Callable[..., bool]]] = {
    INT2: ((INT2, INT4, INT8), _in_range_int),
    INT4: ((INT4, INT8, INT2), _in_range_int),
    INT8: ((INT8,), _in_range_int),
    FLOAT4: ((FLOAT8,), _in_range_real),
    FLOAT8: ((FLOAT8,), _in_range_real),
    NUMERIC: ((NUMERIC,), _in_range_real),
    DATE: ((INTERVAL,), _in_range_date),
    TIME: ((INTERVAL,), _in_range_time),
    TIMESTAMP: ((INTERVAL,), _in_range_timestamp),
    TIMESTAMPTZ: ((INTERVAL,), _in_range_timestamp),
    INTERVAL: ((INTERVAL,), _in_range_interval),
}


def range_offset(column_oid: int) -> tuple[tuple[int, ...], Callable[..., bool]] | None:
    """(the offset types RANGE accepts for an ORDER BY column of this type, in_range),
    or None when RANGE offsets are not supported for it."""
    return _RANGE_OFFSETS.get(column_oid)


# -- frame offsets ------------------------------------------------------------------------

async def frame_offsets(frame: Frame, evaluate: Callable[[Any], Awaitable[Any]]) -> tuple[Any, Any]:
    """The frame's start and end offsets, evaluated (by the executor's `evaluate`, which
    runs subqueries) once for an execution, even one without rows."""
    return (await _offset(frame, frame.start_offset, "starting", evaluate),
            await _offset(frame, frame.end_offset, "ending", evaluate))


async def _offset(frame: Frame, expr: Any, which: str,
                  evaluate: Callable[[Any], Awaitable[Any]]) -> Any:
    if expr is None:
        return None
    value = await evaluate(expr)
    if value is None:
        raise errors.NullValueNotAllowed(what=f"frame {which} offset must not be null")
    if frame.mode != "range" and value < 0:
        raise errors.InvalidPrecedingOrFollowingSize(
            what=f"frame {which} offset must not be negative")
    return value


# -- subqueries in arguments and keys -----------------------------------------------------

@dataclass(eq=False)
class _Computed(Expr):
    """The value of an expression computed beforehand, at `index` of the widened row."""

    index: int = 0

    def compile(self):
        index = self.index
        return lambda row: row[index]


async def settle_subqueries(calls: list[WindowCall], rows: list[tuple], width: int,
                            ctx: Any) -> tuple[list[WindowCall], list[tuple]]:
    """Window functions are computed synchronously, but subqueries are fetched
    asynchronously (`plan.evaluate`): so each argument, FILTER, PARTITION BY or ORDER BY
    expression holding a subquery is evaluated here for every row, its value appended
    to the row (after its `width` columns), and the calls read it from there."""
    exprs: list[Expr] = []
    done: dict[int, Any] = {}  # id(expression) -> its column: an aggregate's arguments
    # are its call's too, and are evaluated once per row

    def settle(e: Any) -> Any:
        if e is None or not subqueries_of([e]):
            return e
        if id(e) not in done:
            exprs.append(e)
            done[id(e)] = _Computed(e.oid, index=width + len(exprs) - 1, typmod=e.typmod)
        return done[id(e)]

    settled = []
    for c in calls:
        agg = c.agg
        if agg is not None:
            agg = replace(agg, args=[settle(a) for a in agg.args], filter=settle(agg.filter))
        settled.append(replace(c, args=[settle(a) for a in c.args],
                               partition=[settle(p) for p in c.partition],
                               order=[replace(k, expr=settle(k.expr)) for k in c.order], agg=agg))
    if not exprs:
        return calls, rows
    subs = subqueries_of(exprs)
    arm(subs, ctx)
    fns = [e.compile() for e in exprs]
    widened = []
    for row in rows:
        widened.append(row + tuple([await evaluate(f, row, len(subs)) for f in fns]))
    return settled, widened


# -- execution ----------------------------------------------------------------------------

def run(calls: list[WindowCall], rows: list[tuple], offsets: list[tuple[Any, Any]]) -> list[list]:
    """The window calls' values for every row: one list per row, one value per call;
    `offsets` are each call's `frame_offsets`."""
    extra: list[list] = [[None] * len(calls) for _ in rows]
    for k, call in enumerate(calls):
        for idx in _partitions(rows, call):
            part = _Partition(call, [rows[i] for i in idx], offsets[k])
            for i, value in zip(idx, part.values()):
                extra[i][k] = value
    return extra


def _partitions(rows: list[tuple], call: WindowCall) -> list[list[int]]:
    pfns = [p.compile() for p in call.partition]
    groups: dict[Any, list[int]] = {}
    hashed = hash_key([p.oid for p in call.partition])
    for i, row in enumerate(rows):
        groups.setdefault(hashed(tuple(f(row) for f in pfns)), []).append(i)
    if call.order:
        keyf = sort_key_fn(call.order)
        for idx in groups.values():
            idx.sort(key=lambda i: keyf(rows[i]))
    return list(groups.values())


class _Partition:
    """One partition's rows in window order, its peer groups and its frames."""

    def __init__(self, call: WindowCall, rows: list[tuple], offsets: tuple[Any, Any]) -> None:
        self.call, self.rows, self.offsets = call, rows, offsets
        self.n = n = len(rows)
        self.group: list[int] = [0] * n  # peer group of each position
        self.group_start: list[int] = []  # first position of each group
        self.group_end: list[int] = []  # one past its last position
        keyf = sort_key_fn(call.order) if call.order else None
        previous: Any = None
        for pos, row in enumerate(rows):
            key = keyf(row) if keyf is not None else ()
            if pos == 0 or key != previous:
                if pos:
                    self.group_end.append(pos)
                self.group_start.append(pos)
            self.group[pos] = len(self.group_start) - 1
            previous = key
        if n:
            self.group_end.append(n)
        self.starts: list[int] = []
        self.ends: list[int] = []

    # -- per function ---------------------------------------------------------------------

    def values(self) -> list[Any]:
        name = self.call.name
        if self.call.agg is not None:
            self._frame()
            return self._aggregate()
        ranking = _RANKING.get(name)
        if ranking is not None:
            return ranking(self)
        if name == "ntile":
            return self._ntile()
        if name in ("lag", "lead"):
            return self._lag_lead(-1 if name == "lag" else 1)
        self._frame()
        return self._in_frame(name)

    def _ntile(self) -> list[Any]:
        n = self.n
        if not n:
            return []
        buckets = self.call.args[0].compile()(self.rows[0])
        if buckets is None:
            return [None] * n
        if buckets <= 0:
            raise errors.InvalidArgumentForNtile(what="argument of ntile must be greater than zero")
        per, big = divmod(n, buckets)  # the first `big` buckets hold one row more
        edge = big * (per + 1)
        return [pos // (per + 1) + 1 if pos < edge else big + (pos - edge) // per + 1
                for pos in range(n)]

    def _lag_lead(self, sign: int) -> list[Any]:
        args = self.call.args
        value = args[0].compile()
        offset = args[1].compile() if len(args) > 1 else (lambda row: 1)
        default = args[2].compile() if len(args) > 2 else (lambda row: None)
        rows, n, out = self.rows, self.n, []
        for pos, row in enumerate(rows):
            off = offset(row)
            if off is None:
                out.append(None)
                continue
            target = pos + sign * off
            out.append(value(rows[target]) if 0 <= target < n else default(row))
        return out

    def _in_frame(self, name: str) -> list[Any]:
        """first_value, last_value, nth_value: a row of the frame, less exclusions."""
        value = self.call.args[0].compile()
        nth = self.call.args[1].compile() if name == "nth_value" else None
        out = []
        for pos in range(self.n):
            segments = self.segments(pos)
            if name == "first_value":
                out.append(value(self.rows[segments[0][0]]) if segments else None)
            elif name == "last_value":
                out.append(value(self.rows[segments[-1][1] - 1]) if segments else None)
            else:
                out.append(self._nth(value, nth(self.rows[pos]), segments))  # type: ignore[misc]
        return out

    def _nth(self, value: Callable, nth: Any, segments: tuple) -> Any:
        if nth is None:
            return None
        if nth <= 0:
            raise errors.InvalidArgumentForNthValue(
                what="argument of nth_value must be greater than zero")
        for a, b in segments:
            if nth <= b - a:
                return value(self.rows[a + nth - 1])
            nth -= b - a
        return None

    # -- frames ---------------------------------------------------------------------------

    def _frame(self) -> None:
        frame = self.call.frame
        self.starts = self._side(frame.start, self.offsets[0], True)
        self.ends = self._side(frame.end, self.offsets[1], False)

    def _side(self, kind: str, offset: Any, is_start: bool) -> list[int]:
        """Frame starts (or ends, one past the last row) of every position."""
        n, mode = self.n, self.call.frame.mode
        if kind == "unbounded":
            return [0 if is_start else n] * n
        if kind == "current":
            if mode == "rows":
                return list(range(n)) if is_start else list(range(1, n + 1))
            bound = self.group_start if is_start else self.group_end
            return [bound[g] for g in self.group]
        sign = -1 if kind == "preceding" else 1
        if mode == "rows":
            shift = sign * offset + (0 if is_start else 1)
            return [min(max(pos + shift, 0), n) for pos in range(n)]
        if mode == "groups":
            count = len(self.group_start)
            bound = self.group_start if is_start else self.group_end
            out = []
            for g in self.group:
                target = g + sign * offset
                out.append(0 if target < 0 else n if target >= count else bound[target])
            return out
        return self._range_side(kind, offset, is_start)

    def _range_side(self, kind: str, offset: Any, is_start: bool) -> list[int]:
        """RANGE with an offset: the first row at or after (start) / the first row past
        (end) `value ∓ offset`, searched forwards from the previous row's bound."""
        key = self.call.order[0]
        in_range = self.call.frame.in_range
        assert in_range is not None
        nulls_first = key.nulls_first if key.nulls_first is not None else key.descending
        sub, less = kind == "preceding", not is_start
        if key.descending:
            sub, less = not sub, not less
        value = key.expr.compile()
        values = [value(row) for row in self.rows]
        out, at, n = [], 0, self.n

        def inside(v: Any, base: Any) -> bool:
            if v is None or base is None:
                if v is None and base is None:
                    return True
                # NULLs sit at one end of the order: before every value or after it.
                after = (v is None) != nulls_first
                return after if is_start else not after
            return in_range(v, base, offset, sub, less)

        for base in values:
            if is_start:
                while at < n and not inside(values[at], base):
                    at += 1
            else:
                while at < n and inside(values[at], base):
                    at += 1
            out.append(at)
        return out

    def segments(self, pos: int) -> tuple[tuple[int, int], ...]:
        """The frame of `pos` as ordered [a, b) position ranges, exclusions removed."""
        start, end = self.starts[pos], self.ends[pos]
        exclude = self.call.frame.exclude
        if exclude == "none":
            return ((start, end),) if start < end else ()
        if exclude == "current":
            skip_from, skip_to = pos, pos + 1
        else:
            g = self.group[pos]
            skip_from, skip_to = self.group_start[g], self.group_end[g]
        out = []
        if start < min(end, skip_from):
            out.append((start, min(end, skip_from)))
        if exclude == "ties" and start <= pos < end:
            out.append((pos, pos + 1))
        if max(start, skip_to) < end:
            out.append((max(start, skip_to), end))
        return tuple(out)

    # -- aggregates -----------------------------------------------------------------------

    def _aggregate(self) -> list[Any]:
        agg = self.call.agg
        assert agg is not None
        arg_fns = [a.compile() for a in agg.args]
        filt = agg.filter.compile() if agg.filter is not None else None

        def args_at(pos: int) -> tuple | None:
            """The aggregate's arguments at `pos`, None when FILTER drops the row."""
            row = self.rows[pos]
            if filt is not None and filt(row) is not True:
                return None
            return tuple(f(row) for f in arg_fns)

        kind = F.window_aggregate_kind(agg)
        if kind is not None:
            try:
                args = [args_at(pos) for pos in range(self.n)]
            except errors.BorealisError:
                # PostgreSQL evaluates arguments only for rows that enter a frame;
                # accumulating frame by frame raises only if such a row fails.
                args = None
            if args is not None:
                fast = _FAST[kind](self, agg, args)
                if fast is not None:
                    return fast
        return self._accumulate(agg, args_at)

    def _accumulate(self, agg: Any, args_at: Callable[[int], tuple | None]) -> list[Any]:
        """Feed each frame's rows, in order, to a fresh accumulator, or extend the
        previous one while the frame keeps its start and has no exclusion."""
        cache: dict[int, tuple | None] = {}

        def feed(acc: Any, a: int, b: int) -> None:
            for pos in range(a, b):
                if pos not in cache:
                    cache[pos] = args_at(pos)
                args = cache[pos]
                if args is not None:
                    acc.add(args)

        plain = self.call.frame.exclude == "none"
        out: list[Any] = []
        acc: Any = None
        acc_start = acc_end = 0
        previous: tuple | None = None
        result: Any = None
        for pos in range(self.n):
            segments = self.segments(pos)
            if segments == previous and out:
                out.append(result)
                continue
            previous = segments
            if plain:
                start, end = self.starts[pos], max(self.ends[pos], self.starts[pos])
                if acc is None or start != acc_start or end < acc_end:
                    acc, acc_start, acc_end = agg.make(), start, start
                feed(acc, acc_end, end)
                acc_end = end
                result = acc.result()
            else:
                fresh = agg.make()
                for a, b in segments:
                    feed(fresh, a, b)
                result = fresh.result()
            out.append(result)
        return out

    def _totals(self, weights: list[int]) -> list[int]:
        """Sum of `weights` over each position's frame, via prefix sums."""
        prefix = [0]
        for w in weights:
            prefix.append(prefix[-1] + w)
        return [sum(prefix[b] - prefix[a] for a, b in self.segments(pos))
                for pos in range(self.n)]

    def _count(self, agg: Any, args: list) -> list[Any]:
        star = agg.star
        return self._totals([1 if a is not None and (star or a[0] is not None) else 0
                             for a in args])

    def _bool(self, agg: Any, args: list) -> list[Any]:
        trues = self._totals([1 if a is not None and a[0] is True else 0 for a in args])
        falses = self._totals([1 if a is not None and a[0] is False else 0 for a in args])
        every = agg.name != "bool_or"
        return [None if not t and not f else (not f if every else t > 0)
                for t, f in zip(trues, falses)]

    def _sum(self, agg: Any, args: list) -> list[Any] | None:
        """sum/avg of integers and finite numerics, exactly: integers scaled to the
        partition's largest scale, the result given the frame's largest scale."""
        values = [a[0] if a is not None else None for a in args]
        scales: list[int] = []
        decimals = False
        for v in values:
            if v is None:
                scales.append(-1)
            elif type(v) is int:
                scales.append(0)
            elif type(v) is Decimal and v.is_finite():
                decimals = True
                scales.append(max(0, -v.as_tuple().exponent))
            else:
                return None
        distinct = sorted({s for s in scales if s >= 0}, reverse=True)
        if len(distinct) > DISTINCT_SCALES_MAX:
            return None
        top = distinct[0] if distinct else 0
        scaled = [0 if v is None else _scaled(v, top) for v in values]
        totals = self._totals(scaled)
        counts = self._totals([0 if s < 0 else 1 for s in scales])
        per_scale = ([self._totals([1 if s == d else 0 for s in scales]) for d in distinct]
                     if decimals and len(distinct) > 1 else None)
        out = []
        for pos in range(self.n):
            count = counts[pos]
            if not count:
                out.append(F.window_sum_result(agg, None, 0))
                continue
            total: Any = totals[pos]
            if decimals:
                scale = top if per_scale is None else next(
                    d for d, c in zip(distinct, per_scale) if c[pos])
                total = _EXACT.scaleb(Decimal(total), -top).quantize(
                    Decimal(1).scaleb(-scale), context=_EXACT)
            out.append(F.window_sum_result(agg, total, count))
        return out

    def _min_max(self, agg: Any, args: list) -> list[Any]:
        better = F.window_better(agg.name)
        values = [a[0] if a is not None else None for a in args]
        exclude = self.call.frame.exclude
        left, right = _MonotoneWindow(values, better), _MonotoneWindow(values, better)
        out = []
        for pos in range(self.n):
            start, end = self.starts[pos], self.ends[pos]
            if exclude == "none":
                out.append(left.best(start, end))
                continue
            if exclude == "current":
                skip_from, skip_to = pos, pos + 1
            else:
                g = self.group[pos]
                skip_from, skip_to = self.group_start[g], self.group_end[g]
            picks = [left.best(start, min(end, skip_from))]
            if exclude == "ties" and start <= pos < end:
                picks.append(values[pos])
            picks.append(right.best(max(start, skip_to), end))
            best = None
            for v in picks:  # in frame order; a later equal value wins, as in PostgreSQL
                if v is not None and (best is None or not better(best, v)):
                    best = v
            out.append(best)
        return out


def _scaled(v: int | Decimal, scale: int) -> int:
    """`v` × 10^scale as an integer (exact; `scale` is at least v's own)."""
    if type(v) is int:
        return v * 10 ** scale
    sign, digits, exponent = v.as_tuple()  # type: ignore[union-attr]
    coefficient = int("".join(map(str, digits))) if digits else 0
    shift = exponent + scale  # type: ignore[operator]
    value = coefficient * 10 ** shift if shift >= 0 else coefficient // 10 ** -shift
    return -value if sign else value


class _MonotoneWindow:
    """The best value (min or max) of values[a:b] for windows whose a and b never
    decrease: a deque of candidates, each strictly better than the ones after it."""

    def __init__(self, values: list[Any], better: Callable[[Any, Any], bool]) -> None:
        self.values, self.better = values, better
        self.queue: deque[int] = deque()
        self.added = 0

    def best(self, a: int, b: int) -> Any:
        values, queue = self.values, self.queue
        while self.added < b:
            v = values[self.added]
            if v is not None:
                while queue and not self.better(values[queue[-1]], v):
                    queue.pop()
                queue.append(self.added)
            self.added += 1
        while queue and queue[0] < a:
            queue.popleft()
        return values[queue[0]] if queue and queue[0] < b else None


def _row_number(part: _Partition) -> list[Any]:
    return list(range(1, part.n + 1))


def _rank(part: _Partition) -> list[Any]:
    return [part.group_start[g] + 1 for g in part.group]


def _dense_rank(part: _Partition) -> list[Any]:
    return [g + 1 for g in part.group]


def _percent_rank(part: _Partition) -> list[Any]:
    n = part.n
    return [part.group_start[g] / (n - 1) if n > 1 else 0.0 for g in part.group]


def _cume_dist(part: _Partition) -> list[Any]:
    return [part.group_end[g] / part.n for g in part.group]


_RANKING: dict[str, Callable[[_Partition], list[Any]]] = {
    "row_number": _row_number, "rank": _rank, "dense_rank": _dense_rank,
    "percent_rank": _percent_rank, "cume_dist": _cume_dist,
}

_FAST: dict[str, Callable[..., list[Any] | None]] = {
    "count": _Partition._count, "bool": _Partition._bool, "sum": _Partition._sum,
    "minmax": _Partition._min_max,
}
