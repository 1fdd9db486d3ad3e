"""Date/time operators (date ± integer, date − date, timestamp ± interval, interval ×
number, time ± interval, ...) and the date/time functions' implementations (date_trunc,
extract, age, justify_*), which `sql.functions` binds.

`bind(name, left, right)` returns a bound `Call` when the operand types make `name` a
date/time operator, or None so operator resolution goes on.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql.expr import Call, Expr
from borealis.sql.types.interval import Interval, interval_add, interval_out, negate_interval

DAY_US = 86_400_000_000

INT4, DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL = 23, 1082, 1083, 1114, 1184, 1186
INTS = (21, 23, 20)
FLOAT8 = 701
NUMBERS = (21, 23, 20, 1700, 700, 701, 705)
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
        raise errors.DatetimeFieldOverflow("timestamp out of range") from None


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
        raise errors.DatetimeFieldOverflow("date out of range") from None


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
    if name == "+":
        if lt == TIME and rt == INTERVAL:
            return TIME, INTERVAL, TIME, time_plus_interval
        if lt == INTERVAL and rt == TIME:
            return INTERVAL, TIME, TIME, lambda iv, t: time_plus_interval(t, iv)
        if lt == DATE and rt == TIME:
            return DATE, TIME, TIMESTAMP, date_plus_time
        if lt == TIME and rt == DATE:
            return TIME, DATE, TIMESTAMP, lambda t, d: date_plus_time(d, t)
    if name == "-":
        if lt == TIME and rt == INTERVAL:
            return TIME, INTERVAL, TIME, lambda t, iv: time_plus_interval(t, negate_interval(iv))
        if lt == TIME and rt == TIME:
            return TIME, TIME, INTERVAL, time_minus_time
    if name == "*" and lt == INTERVAL and rt in NUMBERS:
        return INTERVAL, FLOAT8, INTERVAL, interval_mul
    if name == "*" and rt == INTERVAL and lt in NUMBERS:
        return FLOAT8, INTERVAL, INTERVAL, lambda f, iv: interval_mul(iv, f)
    if name == "/" and lt == INTERVAL and rt in NUMBERS:
        return INTERVAL, FLOAT8, INTERVAL, interval_div
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


# -- date/time functions (bound in sql.functions) -------------------------------------
#
# Pure implementations over the registry's values: date, time, naive datetime
# (timestamp), aware UTC datetime (timestamptz) and `Interval`.

USEC = 1_000_000
_TYPE_WORDS = {DATE: "date", TIME: "time without time zone",
               TIMESTAMP: "timestamp without time zone",
               TIMESTAMPTZ: "timestamp with time zone", INTERVAL: "interval"}
_UNIT_ALIASES = {
    "microsecond": "microseconds", "microseconds": "microseconds", "us": "microseconds",
    "usec": "microseconds", "usecs": "microseconds", "useconds": "microseconds",
    "millisecond": "milliseconds", "milliseconds": "milliseconds", "ms": "milliseconds",
    "msec": "milliseconds", "msecs": "milliseconds", "mseconds": "milliseconds",
    "second": "second", "seconds": "second", "sec": "second", "secs": "second", "s": "second",
    "minute": "minute", "minutes": "minute", "min": "minute", "mins": "minute", "m": "minute",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour",
    "day": "day", "days": "day", "d": "day",
    "week": "week", "weeks": "week", "w": "week",
    "month": "month", "months": "month", "mon": "month", "mons": "month",
    "quarter": "quarter", "qtr": "quarter",
    "year": "year", "years": "year", "yr": "year", "yrs": "year", "y": "year",
    "decade": "decade", "decades": "decade", "dec": "decade", "decs": "decade",
    "century": "century", "centuries": "century", "cent": "century", "c": "century",
    "millennium": "millennium", "millennia": "millennium", "mil": "millennium",
    "mils": "millennium",
    "epoch": "epoch", "dow": "dow", "isodow": "isodow", "doy": "doy", "isoyear": "isoyear",
    "julian": "julian", "j": "julian", "timezone": "timezone",
    "timezone_h": "timezone_hour", "timezone_hour": "timezone_hour",
    "timezone_m": "timezone_minute", "timezone_minute": "timezone_minute",
}


def _unit(text: str, oid: int) -> str:
    unit = _UNIT_ALIASES.get(text.strip().lower())
    if unit is None:
        raise errors.InvalidParameterValue(
            f'unit "{text}" not recognized for type {_TYPE_WORDS.get(oid, "timestamp")}')
    return unit


def _unsupported_unit(text: str, oid: int) -> errors.BorealisError:
    return errors.FeatureNotSupported(
        f'unit "{text}" not supported for type {_TYPE_WORDS.get(oid, "timestamp")}')


def at_time_zone(where: str | Interval, value: datetime.datetime, oid: int) -> datetime.datetime:
    """PostgreSQL's timezone(zone, value), `value AT TIME ZONE zone`: a timestamptz's
    wall clock in `zone` (a timestamp), or a timestamp read as the wall clock there (a
    timestamptz). `zone` is a zone name or an interval east of UTC."""
    from borealis.sql.types.datetimes import _local_offset, zone
    if isinstance(where, Interval):
        if where.months or where.days:
            raise errors.InvalidParameterValue(
                what=f'interval time zone "{interval_out(where)}" must not include months or days')
        east = where.microseconds
        tz = None
    else:
        tz = zone(where)
        if tz is None:
            raise errors.InvalidParameterValue(what=f'time zone "{where}" not recognized')
    try:
        if oid == TIMESTAMPTZ:
            if tz is not None:
                return value.astimezone(tz).replace(tzinfo=None)
            return value.replace(tzinfo=None) + datetime.timedelta(microseconds=east)
        if tz is not None:
            east = _local_offset(tz, value) * 1_000_000
        return (value - datetime.timedelta(microseconds=east)).replace(tzinfo=datetime.UTC)
    except (OverflowError, ValueError):
        raise errors.DatetimeFieldOverflow("timestamp out of range") from None


def date_trunc(unit_text: str, value: Any, oid: int) -> Any:
    unit = _unit(unit_text, oid)
    if oid == INTERVAL:
        return _trunc_interval(unit, unit_text, value)
    ts = value
    if unit == "microseconds":
        return ts
    if unit == "milliseconds":
        return ts.replace(microsecond=ts.microsecond - ts.microsecond % 1000)
    fields = {"second": dict(microsecond=0),
              "minute": dict(second=0, microsecond=0),
              "hour": dict(minute=0, second=0, microsecond=0)}
    if unit in fields:
        return ts.replace(**fields[unit])
    day = ts.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return day
    if unit == "week":
        return day - datetime.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    if unit == "quarter":
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    year = day.year
    if unit == "year":
        return day.replace(month=1, day=1)
    if unit == "decade":
        return day.replace(year=year - year % 10, month=1, day=1)
    if unit == "century":
        return day.replace(year=(year + 99) // 100 * 100 - 99, month=1, day=1)
    if unit == "millennium":
        return day.replace(year=(year + 999) // 1000 * 1000 - 999, month=1, day=1)
    raise _unsupported_unit(unit_text, oid)


def _trunc_interval(unit: str, unit_text: str, iv: Interval) -> Interval:
    months, days, usec = iv.months, iv.days, iv.microseconds
    steps = {"microseconds": 1, "milliseconds": 1000, "second": USEC, "minute": 60 * USEC,
             "hour": 3600 * USEC}
    if unit in steps:
        step = steps[unit]
        return Interval(months, days, int(usec / step) * step if step > 1 else usec)
    if unit == "day":
        return Interval(months, days, 0)
    per = {"month": 1, "quarter": 3, "year": 12, "decade": 120, "century": 1200,
           "millennium": 12000}.get(unit)
    if per is None:
        raise _unsupported_unit(unit_text, INTERVAL)
    return Interval(int(months / per) * per, 0, 0)


def _julian(d: datetime.date) -> int:
    return d.toordinal() + 1_721_425


def _seconds(usec: int, scale: int = 6) -> Decimal:
    return (Decimal(usec) / USEC).quantize(Decimal(1).scaleb(-scale))


def extract(unit_text: str, value: Any, oid: int) -> Decimal:
    """EXTRACT(field FROM value): numeric, with PostgreSQL's scale per field."""
    unit = _unit(unit_text, oid)
    if oid == INTERVAL:
        return _extract_interval(unit, unit_text, value)
    if oid == TIME:
        usec = (value.hour * 3600 + value.minute * 60 + value.second) * USEC + value.microsecond
        return _extract_time(unit, unit_text, usec, oid)
    if oid == DATE:
        if unit in ("microseconds", "milliseconds", "second", "minute", "hour", "timezone",
                    "timezone_hour", "timezone_minute"):
            raise _unsupported_unit(unit_text, oid)
        if unit == "epoch":
            return Decimal((value - datetime.date(1970, 1, 1)).days * 86_400)
        if unit == "julian":
            return Decimal(_julian(value))
        return Decimal(_date_field(unit, value))
    ts = value
    if unit in ("timezone", "timezone_hour", "timezone_minute"):
        if oid != TIMESTAMPTZ:
            raise _unsupported_unit(unit_text, oid)
        return Decimal(0)
    day_usec = ((ts.hour * 3600 + ts.minute * 60 + ts.second) * USEC + ts.microsecond)
    if unit == "epoch":
        base = datetime.datetime(1970, 1, 1, tzinfo=ts.tzinfo)
        delta = ts - base
        return _seconds((delta.days * 86_400 + delta.seconds) * USEC + delta.microseconds)
    if unit == "julian":
        return (Decimal(_julian(ts.date())) + Decimal(day_usec) / (86_400 * USEC)).quantize(
            Decimal(1).scaleb(-20)).normalize() if day_usec else Decimal(_julian(ts.date()))
    if unit in ("microseconds", "milliseconds", "second", "minute", "hour"):
        return _extract_time(unit, unit_text, day_usec, oid)
    return Decimal(_date_field(unit, ts.date()))


def _extract_time(unit: str, unit_text: str, usec: int, oid: int) -> Decimal:
    in_minute = usec % (60 * USEC)
    if unit == "microseconds":
        return Decimal(in_minute)
    if unit == "milliseconds":
        return (Decimal(in_minute) / 1000).quantize(Decimal("0.001"))
    if unit == "second":
        return _seconds(in_minute)
    if unit == "minute":
        return Decimal(usec // (60 * USEC) % 60)
    if unit == "hour":
        return Decimal(usec // (3600 * USEC))
    if unit == "epoch":
        return _seconds(usec)
    raise _unsupported_unit(unit_text, oid)


def _date_field(unit: str, d: datetime.date) -> int:
    year = d.year
    if unit == "day":
        return d.day
    if unit == "month":
        return d.month
    if unit == "year":
        return year
    if unit == "quarter":
        return (d.month - 1) // 3 + 1
    if unit == "dow":
        return (d.weekday() + 1) % 7
    if unit == "isodow":
        return d.isoweekday()
    if unit == "doy":
        return d.timetuple().tm_yday
    if unit == "week":
        return d.isocalendar()[1]
    if unit == "isoyear":
        return d.isocalendar()[0]
    if unit == "decade":
        return year // 10
    if unit == "century":
        return (year + 99) // 100
    if unit == "millennium":
        return (year + 999) // 1000
    raise errors.InvalidParameterValue(f'unit "{unit}" not recognized for type date')


def _extract_interval(unit: str, unit_text: str, iv: Interval) -> Decimal:
    months, days, usec = iv.months, iv.days, iv.microseconds

    def trunc_div(a: int, b: int) -> int:
        q = abs(a) // b
        return q if a >= 0 else -q

    def sign_rem(a: int, b: int) -> int:
        return a - trunc_div(a, b) * b
    if unit == "epoch":
        years = trunc_div(months, 12)
        secs = (Decimal(years) * Decimal("365.25") * 86_400 + sign_rem(months, 12) * 30 * 86_400
                + days * 86_400)
        return (secs + Decimal(usec) / USEC).quantize(Decimal("0.000001"))
    if unit == "microseconds":
        return Decimal(sign_rem(usec, 60 * USEC))
    if unit == "milliseconds":
        return (Decimal(sign_rem(usec, 60 * USEC)) / 1000).quantize(Decimal("0.001"))
    if unit == "second":
        return _seconds(sign_rem(usec, 60 * USEC))
    if unit == "minute":
        return Decimal(sign_rem(trunc_div(usec, 60 * USEC), 60))
    if unit == "hour":
        return Decimal(trunc_div(usec, 3600 * USEC))
    if unit == "day":
        return Decimal(days)
    if unit == "month":
        return Decimal(sign_rem(months, 12))
    if unit == "quarter":
        return Decimal(trunc_div(sign_rem(months, 12), 3) + 1)
    per = {"year": 12, "decade": 120, "century": 1200, "millennium": 12000}.get(unit)
    if per is None:
        raise _unsupported_unit(unit_text, INTERVAL)
    return Decimal(trunc_div(months, per))


_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_len(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def age(a: datetime.datetime, b: datetime.datetime) -> Interval:
    """PostgreSQL's age(): a symbolic difference in years, months and days."""
    neg = a < b
    f = [a.microsecond - b.microsecond, a.second - b.second, a.minute - b.minute,
         a.hour - b.hour, a.day - b.day, a.month - b.month, a.year - b.year]
    if neg:
        f = [-x for x in f]
    usec, sec, minute, hour, mday, mon, year = f
    while usec < 0:
        usec += USEC
        sec -= 1
    while sec < 0:
        sec += 60
        minute -= 1
    while minute < 0:
        minute += 60
        hour -= 1
    while hour < 0:
        hour += 24
        mday -= 1
    ref = a if neg else b
    while mday < 0:
        mday += _month_len(ref.year, ref.month)
        mon -= 1
    while mon < 0:
        mon += 12
        year -= 1
    time_usec = ((hour * 60 + minute) * 60 + sec) * USEC + usec
    months, days = year * 12 + mon, mday
    if neg:
        months, days, time_usec = -months, -days, -time_usec
    return Interval(months, days, time_usec)


def justify_hours(iv: Interval) -> Interval:
    days, usec = divmod(abs(iv.microseconds), 86_400 * USEC)
    sign = -1 if iv.microseconds < 0 else 1
    days, usec = iv.days + sign * days, sign * usec
    if days > 0 and usec < 0:
        usec += 86_400 * USEC
        days -= 1
    elif days < 0 and usec > 0:
        usec -= 86_400 * USEC
        days += 1
    return Interval(iv.months, days, usec)


def justify_days(iv: Interval) -> Interval:
    sign = -1 if iv.days < 0 else 1
    months, days = divmod(abs(iv.days), 30)
    months, days = iv.months + sign * months, sign * days
    if months > 0 and days < 0:
        days += 30
        months -= 1
    elif months < 0 and days > 0:
        days -= 30
        months += 1
    return Interval(months, days, iv.microseconds)


def justify_interval(iv: Interval) -> Interval:
    days, usec = divmod(abs(iv.microseconds), 86_400 * USEC)
    sign = -1 if iv.microseconds < 0 else 1
    iv = Interval(iv.months, iv.days + sign * days, sign * usec)
    sign = -1 if iv.days < 0 else 1
    months, days = divmod(abs(iv.days), 30)
    months, days, usec = iv.months + sign * months, sign * days, iv.microseconds
    if months > 0 and (days < 0 or (days == 0 and usec < 0)):
        days += 30
        months -= 1
    elif months < 0 and (days > 0 or (days == 0 and usec > 0)):
        days -= 30
        months += 1
    if days > 0 and usec < 0:
        usec += 86_400 * USEC
        days -= 1
    elif days < 0 and usec > 0:
        usec -= 86_400 * USEC
        days += 1
    return Interval(months, days, usec)


def interval_mul(iv: Interval, factor: float) -> Interval:
    """interval * number, spilling fractional months into days and days into time."""
    if not math.isfinite(factor):
        raise errors.DatetimeFieldOverflow("interval out of range")
    months_f = iv.months * factor
    months = int(months_f)
    days_f = iv.days * factor + (months_f - months) * 30
    days = int(days_f)
    usec = iv.microseconds * factor + (days_f - days) * 86_400 * USEC
    try:
        return Interval(months, days, int(round(usec)))
    except (OverflowError, ValueError):
        raise errors.DatetimeFieldOverflow("interval out of range") from None


def interval_div(iv: Interval, divisor: float) -> Interval:
    if divisor == 0:
        raise errors.DivisionByZero("division by zero")
    months_f = iv.months / divisor
    months = int(months_f)
    days_f = iv.days / divisor + (months_f - months) * 30
    days = int(days_f)
    usec = iv.microseconds / divisor + (days_f - days) * 86_400 * USEC
    return Interval(months, days, int(round(usec)))


def time_plus_interval(t: datetime.time, iv: Interval) -> datetime.time:
    usec = (t.hour * 3600 + t.minute * 60 + t.second) * USEC + t.microsecond
    usec = (usec + iv.microseconds) % (86_400 * USEC)
    secs, micro = divmod(usec, USEC)
    return datetime.time(secs // 3600, secs // 60 % 60, secs % 60, micro)


def time_minus_time(a: datetime.time, b: datetime.time) -> Interval:
    ua = (a.hour * 3600 + a.minute * 60 + a.second) * USEC + a.microsecond
    ub = (b.hour * 3600 + b.minute * 60 + b.second) * USEC + b.microsecond
    return Interval(0, 0, ua - ub)


def date_plus_time(d: datetime.date, t: datetime.time) -> datetime.datetime:
    return datetime.datetime.combine(d, t)


# -- to_char / to_date / to_timestamp -------------------------------------------------

_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# Longest first, so "HH24" wins over "HH" and "MONTH" over "MON".
_PATTERNS = sorted((
    "HH24", "HH12", "HH", "MI", "SSSSS", "SSSS", "SS", "MS", "US", "FF1", "FF2", "FF3", "FF4",
    "FF5", "FF6", "AM", "PM", "A.M.", "P.M.", "am", "pm", "a.m.", "p.m.",
    "YYYY", "YYY", "YY", "Y,YYY", "Y", "IYYY", "IYY", "IY", "I",
    "MONTH", "Month", "month", "MON", "Mon", "mon", "MM",
    "DAY", "Day", "day", "DY", "Dy", "dy", "DDD", "DD", "D", "IDDD", "ID",
    "WW", "W", "IW", "CC", "J", "Q", "RM", "rm", "TZH", "TZM", "TZ", "tz", "OF",
), key=len, reverse=True)


def _case(word: str, pattern: str) -> str:
    if pattern.isupper():
        return word.upper()
    if pattern.islower():
        return word.lower()
    return word


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out += sym
            n -= value
    return out


def _num(v: int, width: int, fm: bool) -> str:
    """A zero-padded number field; FM (fill mode) drops the padding."""
    if fm:
        return str(v)
    return f"{v:0{width}d}" if v >= 0 else "-" + f"{-v:0{width}d}"


def _tdiv(a: int, b: int) -> int:
    """C's truncating division (interval fields keep their sign)."""
    return abs(a) // b * (1 if a >= 0 else -1)


def _tmod(a: int, b: int) -> int:
    return a - _tdiv(a, b) * b


def _dt_field(pat: str, fm: bool, ts: datetime.datetime, usec_of_day: int, is_tz: bool,
              iv: Interval | None) -> str:
    """The text of one to_char pattern: time-of-day fields first, then the calendar
    fields of an interval (its months and days) or of a date."""
    up = pat.upper()
    text = _time_field(up, pat, fm, usec_of_day, is_tz)
    if text is not None:
        return text
    if iv is not None:
        return _interval_field(up, fm, iv)
    return _calendar_field(up, pat, fm, ts.date())


def _time_field(up: str, pat: str, fm: bool, usec_of_day: int, is_tz: bool) -> str | None:
    hour = _tdiv(usec_of_day, 3600 * USEC)
    if up == "HH24":
        return _num(hour, 2, fm)
    if up in ("HH12", "HH"):
        return _num(_tmod(hour, 12) or 12, 2, fm)
    if up == "MI":
        return _num(_tmod(_tdiv(usec_of_day, 60 * USEC), 60), 2, fm)
    if up == "SS":
        return _num(_tmod(_tdiv(usec_of_day, USEC), 60), 2, fm)
    if up in ("SSSS", "SSSSS"):
        return str(_tdiv(usec_of_day, USEC))
    if up == "MS":
        return _num(_tdiv(_tmod(usec_of_day, USEC), 1000), 3, fm)
    if up == "US":
        return _num(_tmod(usec_of_day, USEC), 6, fm)
    if up.startswith("FF"):
        return f"{usec_of_day % USEC:06d}"[:int(up[2])]
    if up in ("AM", "PM"):
        return _case("PM" if _tmod(hour, 24) >= 12 else "AM", pat)
    if up in ("A.M.", "P.M."):
        return _case("P.M." if _tmod(hour, 24) >= 12 else "A.M.", pat)
    zone = {"TZ": _case("UTC", pat), "OF": "+00", "TZH": "+00", "TZM": "00"}.get(up)
    if zone is not None:
        return zone if is_tz else ""
    return None


def _interval_field(up: str, fm: bool, iv: Interval) -> str:
    if iv.months >= 0:
        years, months = divmod(iv.months, 12)
    else:
        years, months = -(-iv.months // 12), -(-iv.months % 12)
    table = {"YYYY": (years, 4), "YYY": (years % 1000, 3), "YY": (years % 100, 2),
             "MM": (months, 2), "DD": (iv.days, 2), "DDD": (iv.days, 3)}
    if up in table:
        return _num(*table[up], fm)
    return {"Y": str(years % 10), "D": str(iv.days)}.get(up, "")


def _calendar_field(up: str, pat: str, fm: bool, d: datetime.date) -> str:
    year = d.year
    iso_year, iso_week, iso_day = d.isocalendar()
    yday = d.timetuple().tm_yday
    dow = (d.weekday() + 1) % 7
    numbers = {
        "YYYY": (year, 4), "YYY": (year % 1000, 3), "YY": (year % 100, 2),
        "IYYY": (iso_year, 4), "IYY": (iso_year % 1000, 3), "IY": (iso_year % 100, 2),
        "MM": (d.month, 2), "DDD": (yday, 3), "IDDD": ((iso_week - 1) * 7 + iso_day, 3),
        "DD": (d.day, 2), "WW": ((yday - 1) // 7 + 1, 2), "IW": (iso_week, 2),
        "CC": ((year + 99) // 100, 2),
    }
    if up in numbers:
        return _num(*numbers[up], fm)
    digits = {
        "Y,YYY": f"{year // 1000},{year % 1000:03d}", "Y": str(year % 10),
        "I": str(iso_year % 10), "D": str(dow + 1), "ID": str(iso_day),
        "W": str((d.day - 1) // 7 + 1), "J": str(_julian(d)), "Q": str((d.month - 1) // 3 + 1),
    }
    if up in digits:
        return digits[up]
    if up in ("MONTH", "DAY"):
        word = _case(_MONTH_NAMES[d.month - 1] if up == "MONTH" else _DAY_NAMES[dow], pat)
        return word if fm else word.ljust(9)
    if up == "MON":
        return _case(_MONTH_NAMES[d.month - 1][:3], pat)
    if up == "DY":
        return _case(_DAY_NAMES[dow][:3], pat)
    if up == "RM":
        roman = _roman(d.month)
        return _case(roman if fm else roman.ljust(4), pat)
    return pat


def to_char_datetime(value: Any, fmt: str, oid: int) -> str | None:
    if not fmt:
        return None
    iv = value if oid == INTERVAL else None
    if iv is not None:
        ts = datetime.datetime(2000, 1, 1)
        usec_of_day = iv.microseconds  # may be negative: each field keeps the sign
    else:
        ts = value if isinstance(value, datetime.datetime) else datetime.datetime.combine(
            value, datetime.time())
        usec_of_day = (ts.hour * 3600 + ts.minute * 60 + ts.second) * USEC + ts.microsecond
    is_tz = oid == TIMESTAMPTZ
    out: list[str] = []
    i, n = 0, len(fmt)
    while i < n:
        fm = False
        if fmt.startswith(("FM", "fm"), i):
            fm = True
            i += 2
        if i < n and fmt[i] == '"':
            j = i + 1
            while j < n and fmt[j] != '"':
                if fmt[j] == "\\" and j + 1 < n:
                    j += 1
                out.append(fmt[j])
                j += 1
            i = j + 1
            continue
        if fmt.startswith('\\"', i):  # only a double quote is escaped outside quotes
            out.append('"')
            i += 2
            continue
        for pat in _PATTERNS:
            if fmt.startswith(pat, i) or (pat.isupper() and fmt[i:i + len(pat)].upper() == pat
                                          and pat not in _CASED):
                out.append(_dt_field(fmt[i:i + len(pat)], fm, ts, usec_of_day, is_tz, iv))
                i += len(pat)
                break
        else:
            if i < n:
                out.append(fmt[i])
                i += 1
    return "".join(out)


# Patterns whose letter case selects the output's case: matched exactly, never folded.
_CASED = frozenset(p.upper() for p in _PATTERNS if not p.isupper()) | {"AM", "PM", "A.M.", "P.M.",
                                                                       "TZ", "RM"}


def _parse_error(what: str) -> errors.BorealisError:
    return errors.InvalidDatetimeFormat(what)


def parse_formatted(text: str, fmt: str) -> tuple[datetime.datetime, bool]:
    """to_date/to_timestamp input: (wall-clock value, whether a time was given)."""
    return _FormattedInput(text, fmt).parse()


class _FormattedInput:
    """One to_date/to_timestamp parse: walks `fmt`, consuming `text` field by field."""

    def __init__(self, text: str, fmt: str) -> None:
        self.text, self.fmt = text, fmt
        self.j = 0  # position in text
        self.year, self.month, self.day = 1, 1, 1
        self.hour = self.minute = self.sec = self.usec = 0
        self.pm: bool | None = None
        self.doy: int | None = None
        self.saw_time = False

    def parse(self) -> tuple[datetime.datetime, bool]:
        fmt, n = self.fmt, len(self.fmt)
        i = 0
        while i < n:
            if fmt.startswith(("FM", "fm"), i):
                i += 2
                continue
            if fmt[i] == '"':  # quoted literal text: skip as many characters
                k = fmt.find('"', i + 1)
                k = n if k < 0 else k
                self.j += k - i - 1
                i = k + 1
                continue
            pat = next((p for p in _PATTERNS if fmt[i:i + len(p)].upper() == p.upper()), "")
            if not pat:
                self._skip_separator(fmt[i])
                i += 1
                continue
            i += len(pat)
            self._field(pat.upper(), pat, last=i >= n)
        return self._value()

    def _skip_separator(self, ch: str) -> None:
        text, j = self.text, self.j
        if ch == " " or (j < len(text) and not text[j].isalnum()):
            self.j += 1 if j < len(text) and not text[j].isalnum() else 0
        elif j < len(text):
            self.j += 1

    def _digits(self, limit: int) -> int:
        text, m = self.text, len(self.text)
        j = self.j
        while j < m and text[j] == " ":
            j += 1
        start = j
        if j < m and text[j] in "+-":
            j += 1
        while j < m and text[j].isdigit() and j - start < limit:
            j += 1
        if start == j:
            raise _parse_error(f'invalid value "{text[start:start + 5]}" for "{self.fmt}"')
        self.j = j
        return int(text[start:j])

    def _field(self, up: str, pat: str, last: bool) -> None:
        if up in ("YYYY", "IYYY"):
            self.year = self._digits(8 if last else 4)
        elif up in ("YYY", "YY", "Y"):
            v = self._digits(len(up))
            self.year = v + (2000 if v < 70 else 1900) if up == "YY" else v
        elif up == "MM":
            self.month = self._digits(2)
        elif up == "DD":
            self.day = self._digits(2)
        elif up == "DDD":
            self.doy = self._digits(3)
        elif up in ("HH24", "HH", "HH12"):
            self.hour = self._digits(2)
            self.saw_time = True
        elif up == "MI":
            self.minute = self._digits(2)
        elif up == "SS":
            self.sec = self._digits(2)
        elif up == "MS":
            self.usec = self._digits(3) * 1000
        elif up == "US":
            self.usec = self._digits(6)
        elif up in ("AM", "PM", "A.M.", "P.M."):
            self.pm = self.text[self.j:self.j + len(up)].upper().startswith("P")
            self.j += len(up)
        elif up in ("MONTH", "MON"):
            self._month_name(up, pat)
        elif up in ("DAY", "DY"):
            self._day_name(up)
        else:
            self._digits(4)

    def _month_name(self, up: str, pat: str) -> None:
        rest = self.text[self.j:].lower()
        for k, name in enumerate(_MONTH_NAMES):
            if up == "MONTH" and rest.startswith(name.lower()):
                self.month, self.j = k + 1, self.j + len(name)
                return
            if rest.startswith(name[:3].lower()):
                self.month, self.j = k + 1, self.j + 3
                return
        raise _parse_error(f'invalid value "{self.text[self.j:self.j + 3]}" for "{pat}"')

    def _day_name(self, up: str) -> None:
        rest = self.text[self.j:].lower()
        for name in _DAY_NAMES:
            if up == "DAY" and rest.startswith(name.lower()):
                self.j += len(name)
                return
            if rest.startswith(name[:3].lower()):
                self.j += 3
                return

    def _value(self) -> tuple[datetime.datetime, bool]:
        hour = self.hour
        if self.pm is not None and hour <= 12:
            hour = hour % 12 + (12 if self.pm else 0)
        try:
            if self.doy is not None:
                base = datetime.datetime(self.year, 1, 1) + datetime.timedelta(days=self.doy - 1)
                return base.replace(hour=hour, minute=self.minute, second=self.sec,
                                    microsecond=self.usec), self.saw_time
            return datetime.datetime(self.year, self.month, self.day, hour, self.minute,
                                     self.sec, self.usec), self.saw_time
        except ValueError:
            raise errors.DatetimeFieldOverflow(
                f'date/time field value out of range: "{self.text}"') from None
