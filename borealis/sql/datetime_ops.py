"""Date/time operators: date ± integer, date − date, timestamp ± interval, and friends.

`bind(name, left, right)` returns a bound `Call` when the operand types make `name` a
date/time operator, or None so operator resolution goes on.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable
from typing import Any

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql.expr import Call, Expr
from borealis.sql.types.interval import Interval, interval_add, negate_interval

DAY_US = 86_400_000_000

INT4, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL = 23, 1082, 1083, 1114, 1184, 1186
INTS = (21, 23, 20)
TEMPORAL = (DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL)


def add_interval(ts: datetime.datetime, iv: Interval) -> datetime.datetime:
    """PostgreSQL's timestamp + interval: months first (clamping the day), then days,
    then microseconds."""
    try:
        if iv.months:
            month0 = ts.year * 12 + ts.month - 1 + iv.months
            year, month = divmod(month0, 12)
            day = min(ts.day, calendar.monthrange(year, month + 1)[1])
            ts = ts.replace(year=year, month=month + 1, day=day)
        return ts + datetime.timedelta(days=iv.days, microseconds=iv.microseconds)
    except (OverflowError, ValueError):
        raise errors.DatetimeFieldOverflow(what="timestamp out of range") from None


def interval_between(a: datetime.datetime, b: datetime.datetime) -> Interval:
    """timestamp − timestamp: whole days and the remaining time (justify_hours)."""
    delta = a - b
    total = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    days = abs(total) // DAY_US * (1 if total >= 0 else -1)
    return Interval(0, days, total - days * DAY_US)


def _add_interval(ts: Any, iv: Any) -> Any:
    return add_interval(ts, iv)


def _sub_interval(ts: Any, iv: Any) -> Any:
    return add_interval(ts, negate_interval(iv))


def _date_plus_days(d: datetime.date, n: int) -> datetime.date:
    try:
        return d + datetime.timedelta(days=n)
    except OverflowError:
        raise errors.DatetimeFieldOverflow(what="date out of range") from None


def _diff(a: Any, b: Any) -> Any:
    return interval_between(a, b)


def _resolve(name: str, lt: int, rt: int) -> tuple[int, int, int, Callable] | None:
    """(left type, right type, result type, fn) for a temporal operator, or None."""
    if name == "+":
        if lt == DATE and rt in INTS:
            return DATE, INT4, DATE, _date_plus_days
        if lt in INTS and rt == DATE:
            return INT4, DATE, DATE, lambda n, d: _date_plus_days(d, n)
        if lt in (TIMESTAMP, TIMESTAMPTZ) and rt == INTERVAL:
            return lt, INTERVAL, lt, _add_interval
        if lt == DATE and rt == INTERVAL:
            return TIMESTAMP, INTERVAL, TIMESTAMP, _add_interval
        if lt == INTERVAL and rt in (TIMESTAMP, TIMESTAMPTZ, DATE):
            target = TIMESTAMP if rt == DATE else rt
            return INTERVAL, target, target, lambda iv, ts: _add_interval(ts, iv)
        if lt == INTERVAL and rt == INTERVAL:
            return INTERVAL, INTERVAL, INTERVAL, interval_add
    if name == "-":
        if lt == DATE and rt in INTS:
            return DATE, INT4, DATE, lambda d, n: _date_plus_days(d, -n)
        if lt == DATE and rt == DATE:
            return DATE, DATE, INT4, lambda a, b: (a - b).days
        if lt in (TIMESTAMP, TIMESTAMPTZ) and rt == INTERVAL:
            return lt, INTERVAL, lt, _sub_interval
        if lt == DATE and rt == INTERVAL:
            return TIMESTAMP, INTERVAL, TIMESTAMP, _sub_interval
        if lt in (TIMESTAMP, TIMESTAMPTZ) and rt in (TIMESTAMP, TIMESTAMPTZ, DATE):
            target = lt if rt == lt else TIMESTAMPTZ
            return target, target, INTERVAL, _diff
        if lt == INTERVAL and rt == INTERVAL:
            return INTERVAL, INTERVAL, INTERVAL, lambda a, b: interval_add(a, negate_interval(b))
    if name == "*" and INTERVAL in (lt, rt):
        return None
    return None


def bind(name: str, left: Expr, right: Expr) -> Expr | None:
    lt, rt = left.oid, right.oid
    if lt not in TEMPORAL and rt not in TEMPORAL:
        return None
    # An unknown literal beside a date/time operand is read as the usual partner type.
    if lt == C.UNKNOWN:
        lt = INTERVAL if rt in (TIMESTAMP, TIMESTAMPTZ, DATE, INTERVAL) and name == "+" else rt
    if rt == C.UNKNOWN:
        rt = INTERVAL if lt in (TIMESTAMP, TIMESTAMPTZ, INTERVAL) else lt
    found = _resolve(name, lt, rt)
    if found is None:
        return None
    ltype, rtype, result, fn = found
    return Call(result, name=name, fn=fn, args=(C.coerce(left, ltype), C.coerce(right, rtype)))
