"""The interval type: the `Interval` value class and its text/binary codecs.

An interval is three separate fields, as in PostgreSQL: months, days and microseconds
(a day is not always 24 hours and a month not always 30 days once added to a
timestamp). Comparison follows PostgreSQL's interval_cmp: both sides are reduced to
microseconds with 30-day months and 24-hour days, so '1 mon' = '30 days'.

Text input accepts PostgreSQL's verbose form ('1 year 2 mons 3 days 04:05:06',
'@ 1 minute ago', '1.5 days', '3 4:05:06', '1-2') and ISO 8601 designators
('P1Y2M3DT4H5M6.5S', 'PT1H'); the ISO 8601 "alternative format"
('P0001-02-03T04:05:06') and infinite intervals are not accepted. Output is
IntervalStyle postgres.
"""

from __future__ import annotations

import struct
from typing import Any

from borealis.core import errors
from borealis.sql.types import _dtlex as lex
from borealis.sql.types._common import PG_SPACE, bad_binary

USECS_PER_SEC = 1_000_000
USECS_PER_MINUTE = 60 * USECS_PER_SEC
USECS_PER_HOUR = 60 * USECS_PER_MINUTE
USECS_PER_DAY = 24 * USECS_PER_HOUR
DAYS_PER_MONTH = 30
_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _check_range(months: int, days: int, microseconds: int) -> None:
    if not (_INT32_MIN <= months <= _INT32_MAX and _INT32_MIN <= days <= _INT32_MAX
            and _INT64_MIN <= microseconds <= _INT64_MAX):
        raise errors.DatetimeFieldOverflow("interval out of range")


class Interval:
    """An immutable PostgreSQL interval: (months, days, microseconds)."""

    __slots__ = ("days", "microseconds", "months")

    months: int
    days: int
    microseconds: int

    def __init__(self, months: int = 0, days: int = 0, microseconds: int = 0) -> None:
        _check_range(months, days, microseconds)
        object.__setattr__(self, "months", months)
        object.__setattr__(self, "days", days)
        object.__setattr__(self, "microseconds", microseconds)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Interval is immutable")

    def __reduce__(self) -> tuple[Any, ...]:
        return (Interval, (self.months, self.days, self.microseconds))

    @property
    def span(self) -> int:
        """Microseconds with 30-day months and 24-hour days: the comparison key."""
        return (self.months * DAYS_PER_MONTH + self.days) * USECS_PER_DAY + self.microseconds

    def __repr__(self) -> str:
        return f"Interval({self.months}, {self.days}, {self.microseconds})"

    def __str__(self) -> str:
        return interval_out(self)

    def __hash__(self) -> int:
        return hash(self.span)

    def __eq__(self, other: object) -> bool:
        return self.span == other.span if isinstance(other, Interval) else NotImplemented

    def __lt__(self, other: Interval) -> bool:
        return self.span < other.span if isinstance(other, Interval) else NotImplemented

    def __le__(self, other: Interval) -> bool:
        return self.span <= other.span if isinstance(other, Interval) else NotImplemented

    def __gt__(self, other: Interval) -> bool:
        return self.span > other.span if isinstance(other, Interval) else NotImplemented

    def __ge__(self, other: Interval) -> bool:
        return self.span >= other.span if isinstance(other, Interval) else NotImplemented

    def same_fields(self, other: Interval) -> bool:
        """Field-by-field identity ('1 mon' and '30 days' are equal but not the same)."""
        return (self.months, self.days, self.microseconds) == (
            other.months, other.days, other.microseconds)

    def __neg__(self) -> Interval:
        return Interval(-self.months, -self.days, -self.microseconds)

    def __add__(self, other: Interval) -> Interval:
        if not isinstance(other, Interval):
            return NotImplemented
        return Interval(self.months + other.months, self.days + other.days,
                        self.microseconds + other.microseconds)

    def __sub__(self, other: Interval) -> Interval:
        if not isinstance(other, Interval):
            return NotImplemented
        return Interval(self.months - other.months, self.days - other.days,
                        self.microseconds - other.microseconds)


ZERO = Interval()


def negate_interval(v: Interval) -> Interval:
    return -v


def interval_add(a: Interval, b: Interval) -> Interval:
    """interval + interval, field by field (22008 'interval out of range' on overflow)."""
    return a + b

# --- output -------------------------------------------------------------------------


def _trunc_divmod(a: int, b: int) -> tuple[int, int]:
    """C division: quotient truncated toward zero, remainder with the sign of a."""
    q = abs(a) // b
    q = -q if a < 0 else q
    return q, a - q * b


def interval_out(v: Interval) -> str:
    years, months = _trunc_divmod(v.months, 12)
    out: list[str] = []
    is_before = False
    for value, unit in ((years, "year"), (months, "mon"), (v.days, "day")):
        if value:
            plus = "+" if is_before and value > 0 else ""
            out.append(f"{plus}{value} {unit}{'' if value == 1 else 's'}")
            is_before = value < 0
    usec = v.microseconds
    if usec or not out:
        sign = "-" if usec < 0 else ("+" if is_before else "")
        hours, rest = divmod(abs(usec), USECS_PER_HOUR)
        minutes, rest = divmod(rest, USECS_PER_MINUTE)
        seconds, fraction = divmod(rest, USECS_PER_SEC)
        text = f"{sign}{hours:02d}:{minutes:02d}:{seconds:02d}"
        if fraction:
            text += f".{fraction:06d}".rstrip("0")
        out.append(text)
    return " ".join(out)


# --- input --------------------------------------------------------------------------

MICROSECOND, MILLISECOND, SECOND, MINUTE, HOUR, DAY, WEEK = range(7)
MONTH, YEAR, DECADE, CENTURY, MILLENNIUM = range(7, 12)

_UNIT_WORDS = {
    MICROSECOND: "microsecond microseconds microsecon us usec usecs usecond useconds",
    MILLISECOND: "millisecond milliseconds millisecon ms msec msecs msecond mseconds",
    SECOND: "s sec secs second seconds",
    MINUTE: "m min mins minute minutes",
    HOUR: "h hr hrs hour hours",
    DAY: "d day days",
    WEEK: "w week weeks",
    MONTH: "mon mons month months",
    YEAR: "y yr yrs year years",
    DECADE: "dec decs decade decades",
    CENTURY: "c cent century centuries",
    MILLENNIUM: "mil mils millennium millennia",
}
UNITS = {word: unit for unit, words in _UNIT_WORDS.items() for word in words.split()}
_USEC_SCALE = {MICROSECOND: 1, MILLISECOND: 1000, SECOND: USECS_PER_SEC,
               MINUTE: USECS_PER_MINUTE, HOUR: USECS_PER_HOUR}
_YEAR_SCALE = {YEAR: 12, DECADE: 120, CENTURY: 1200, MILLENNIUM: 12000}


class _BadFormat(Exception):
    pass


class _Overflow(Exception):
    pass


class _Acc:
    """Fields accumulated while decoding one interval string."""

    __slots__ = ("days", "months", "seen", "usec")

    def __init__(self) -> None:
        self.months = self.days = self.usec = 0
        self.seen: set[int] = set()

    def mark(self, unit: int) -> None:
        if unit in self.seen:
            raise _BadFormat
        self.seen.add(unit)

    def fract_usec(self, frac: float, scale: int) -> None:
        # AdjustFractMicroseconds: whole microseconds, then rint() of the remainder.
        if frac:
            frac *= scale
            whole = int(frac)
            self.usec += whole + round(frac - whole)

    def fract_days(self, frac: float, scale: int) -> None:
        if frac:
            frac *= scale
            whole = int(frac)
            self.days += whole
            self.fract_usec(frac - whole, USECS_PER_DAY)

    def add(self, unit: int, whole: int, frac: float) -> None:
        self.mark(unit)
        if unit in _USEC_SCALE:
            scale = _USEC_SCALE[unit]
            self.usec += whole * scale
            self.fract_usec(frac, scale)
        elif unit == DAY:
            self.days += whole
            self.fract_usec(frac, USECS_PER_DAY)
        elif unit == WEEK:
            self.days += whole * 7
            self.fract_days(frac, 7)
        elif unit == MONTH:
            self.months += whole
            self.fract_days(frac, DAYS_PER_MONTH)
        else:
            scale = _YEAR_SCALE[unit]
            self.months += whole * scale + round(frac * scale)


def _split_number(text: str) -> tuple[int, float]:
    """'-1.5' → (-1, -0.5) as PostgreSQL's strtoi64 + ParseFraction do."""
    whole, dot, fraction = text.partition(".")
    negative = whole.startswith("-")
    digits = whole.lstrip("+-")
    if (digits and not digits.isdigit()) or (not digits and not dot) or len(whole) - len(
            digits) > 1:
        raise _BadFormat
    if fraction and not fraction.isdigit():
        raise _BadFormat
    value = int(digits) if digits else 0
    frac = float("0." + fraction) if fraction else 0.0
    return (-value, -frac) if negative else (value, frac)


def _time_usec(text: str) -> int:
    """'hh:mm[:ss[.fff]]' (hours unbounded) → microseconds."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(parts):
        raise _BadFormat
    seconds, _, fraction = parts[2].partition(".") if len(parts) == 3 else ("0", "", "")
    if not (parts[0].isdigit() and parts[1].isdigit() and seconds.isdigit()):
        raise _BadFormat
    if fraction and not fraction.isdigit():
        raise _BadFormat
    hours, minutes, secs = int(parts[0]), int(parts[1]), int(seconds)
    usec = round(float("0." + fraction) * USECS_PER_SEC) if fraction else 0
    if minutes > 59 or secs > 60:
        raise _Overflow
    return ((hours * 60 + minutes) * 60 + secs) * USECS_PER_SEC + usec


def _default_unit(typmod: int) -> int:
    """The unit of a bare number: the rightmost field of INTERVAL <fields>."""
    fields = (typmod >> 16) & INTERVAL_FULL_RANGE if typmod >= 0 else INTERVAL_FULL_RANGE
    for mask, unit in ((_SECOND_M, SECOND), (_MINUTE_M, MINUTE), (_HOUR_M, HOUR),
                       (_DAY_M, DAY), (_MONTH_M, MONTH), (_YEAR_M, YEAR)):
        if fields & mask:
            return unit
    return SECOND


def _decode_verbose(fields: list[tuple[int, str]], typmod: int) -> _Acc:
    # Like DecodeInterval, walk right to left so each number meets its unit first.
    acc = _Acc()
    unit: int | None = None
    ago = False
    for kind, text in reversed(fields):
        word = text.lower()
        if kind == lex.STRING:
            if word == "ago":
                ago = True
            elif word in UNITS:
                unit = UNITS[word]
            else:
                raise _BadFormat
        elif kind == lex.TIME or (kind == lex.SIGNED and ":" in text):
            acc.mark(HOUR)
            usec = _time_usec(text.lstrip("+-"))
            acc.usec += -usec if text[0] == "-" else usec
            unit = DAY  # "3 4:05:06": a number before a time is days
        elif kind in (lex.NUMBER, lex.SIGNED, lex.DATE):
            whole, _, month_part = text[1:].partition("-")
            if month_part or (kind == lex.DATE):
                _year_month(acc, text)
                continue
            if unit is None:
                unit = _default_unit(typmod)
            acc.add(unit, *_split_number(text))
        else:
            raise _BadFormat
    if ago:
        acc.months, acc.days, acc.usec = -acc.months, -acc.days, -acc.usec
    return acc


def _year_month(acc: _Acc, text: str) -> None:
    """SQL-standard 'Y-M' (e.g. '1-2', '-1-2')."""
    negative = text[0] == "-"
    body = text.lstrip("+-")
    years, dash, months = body.partition("-")
    if not dash or not years.isdigit() or not months.isdigit():
        raise _BadFormat
    if int(months) >= 12:
        raise _Overflow
    acc.mark(YEAR)
    total = int(years) * 12 + int(months)
    acc.months += -total if negative else total


_ISO_DATE_UNITS = {"Y": YEAR, "M": MONTH, "W": WEEK, "D": DAY}
_ISO_TIME_UNITS = {"H": HOUR, "M": MINUTE, "S": SECOND}


def _decode_iso8601(t: str) -> _Acc:
    """'P1Y2M3W4DT5H6M7.5S' (the leading P already removed)."""
    acc = _Acc()
    units = _ISO_DATE_UNITS
    i, n = 0, len(t)
    if not t:
        raise _BadFormat
    while i < n:
        if t[i] in "Tt":
            if units is _ISO_TIME_UNITS or i == n - 1:
                raise _BadFormat
            units = _ISO_TIME_UNITS
            i += 1
            continue
        j = i + 1 if t[i] in "+-" else i
        while j < n and (t[j].isdigit() or t[j] == "."):
            j += 1
        if j == i or j >= n or t[j].upper() not in units:
            raise _BadFormat
        number = t[i:j]
        if number.lstrip("+-") in ("", ".") or number.count(".") > 1:
            raise _BadFormat
        value = float(number)
        whole = int(value)  # ParseISO8601Number: strtod, then split
        acc.add(units[t[j].upper()], whole, value - whole)
        i = j + 1
    return acc


def interval_in(s: str, typmod: int = -1) -> Interval:
    t = s.strip(PG_SPACE)
    try:
        if t[:1] in ("P", "p"):
            acc = _decode_iso8601(t[1:])
        else:
            fields = lex.tokenize(t)
            if not fields:
                raise _BadFormat
            acc = _decode_verbose(fields, typmod)
        value = Interval(acc.months, acc.days, acc.usec)
    except _BadFormat:
        raise errors.InvalidDatetimeFormat(type="interval", value=s) from None
    except (_Overflow, errors.DatetimeFieldOverflow, OverflowError, ValueError):
        raise errors.IntervalFieldOverflow(
            f'interval field value out of range: "{s}"') from None
    return interval_apply_typmod(value, typmod)


# --- typmod -------------------------------------------------------------------------

# Field bits of an interval typmod (PostgreSQL's INTERVAL_MASK of datetime.h tokens).
_MONTH_M, _YEAR_M, _DAY_M = 1 << 1, 1 << 2, 1 << 3
_HOUR_M, _MINUTE_M, _SECOND_M = 1 << 10, 1 << 11, 1 << 12
INTERVAL_FULL_RANGE = 0x7FFF
INTERVAL_FULL_PRECISION = 0xFFFF
MAX_INTERVAL_PRECISION = 6

INTERVAL_FIELDS = {
    "year": _YEAR_M,
    "month": _MONTH_M,
    "day": _DAY_M,
    "hour": _HOUR_M,
    "minute": _MINUTE_M,
    "second": _SECOND_M,
    "year to month": _YEAR_M | _MONTH_M,
    "day to hour": _DAY_M | _HOUR_M,
    "day to minute": _DAY_M | _HOUR_M | _MINUTE_M,
    "day to second": _DAY_M | _HOUR_M | _MINUTE_M | _SECOND_M,
    "hour to minute": _HOUR_M | _MINUTE_M,
    "hour to second": _HOUR_M | _MINUTE_M | _SECOND_M,
    "minute to second": _MINUTE_M | _SECOND_M,
}
_FIELD_NAMES = {mask: name for name, mask in INTERVAL_FIELDS.items()}


def interval_typmod(fields: str | None = None, precision: int | None = None) -> int:
    """The typmod of INTERVAL [fields] [(precision)]; -1 when neither is given."""
    if fields is None and precision is None:
        return -1
    mask = INTERVAL_FULL_RANGE
    if fields is not None:
        key = " ".join(fields.lower().split())
        if key not in INTERVAL_FIELDS:
            raise errors.SyntaxError(what=f"invalid interval fields: {fields}")
        mask = INTERVAL_FIELDS[key]
    if precision is None:
        precision = INTERVAL_FULL_PRECISION
    elif precision < 0:
        raise errors.InvalidParameterValue(
            what=f"INTERVAL({precision}) precision must not be negative")
    else:
        precision = min(precision, MAX_INTERVAL_PRECISION)
    return (mask << 16) | precision


def interval_typmod_name(typmod: int) -> str:
    """The part of format_type after 'interval': ' day to second(3)', '(2)', ''."""
    if typmod < 0:
        return ""
    mask = (typmod >> 16) & INTERVAL_FULL_RANGE
    precision = typmod & INTERVAL_FULL_PRECISION
    fields = "" if mask == INTERVAL_FULL_RANGE else " " + _FIELD_NAMES.get(mask, "")
    return fields + ("" if precision == INTERVAL_FULL_PRECISION else f"({precision})")


def _trunc_to(usec: int, unit: int) -> int:
    return _trunc_divmod(usec, unit)[0] * unit


def interval_apply_typmod(v: Interval, typmod: int, explicit: bool = False) -> Interval:
    if typmod < 0:
        return v
    mask = (typmod >> 16) & INTERVAL_FULL_RANGE
    precision = typmod & INTERVAL_FULL_PRECISION
    months, days, usec = v.months, v.days, v.microseconds
    if mask == _YEAR_M:
        months, days, usec = _trunc_divmod(months, 12)[0] * 12, 0, 0
    elif mask in (_MONTH_M, _YEAR_M | _MONTH_M):
        days, usec = 0, 0
    elif mask == _DAY_M:
        usec = 0
    elif mask in (_HOUR_M, _DAY_M | _HOUR_M):
        usec = _trunc_to(usec, USECS_PER_HOUR)
    elif mask in (_MINUTE_M, _DAY_M | _HOUR_M | _MINUTE_M, _HOUR_M | _MINUTE_M):
        usec = _trunc_to(usec, USECS_PER_MINUTE)
    if precision != INTERVAL_FULL_PRECISION and precision < MAX_INTERVAL_PRECISION:
        scale = 10 ** (MAX_INTERVAL_PRECISION - precision)
        half = scale // 2
        usec = (usec + half) // scale * scale if usec >= 0 else -((-usec + half) // scale * scale)
    if (months, days, usec) == (v.months, v.days, v.microseconds):
        return v
    return Interval(months, days, usec)


# --- binary -------------------------------------------------------------------------

_BINARY = struct.Struct(">qii")


def interval_send(v: Interval) -> bytes:
    return _BINARY.pack(v.microseconds, v.days, v.months)


def interval_recv(data: bytes, typmod: int = -1) -> Interval:
    if len(data) != 16:
        raise bad_binary()
    usec, days, months = _BINARY.unpack(data)
    return interval_apply_typmod(Interval(months, days, usec), typmod)
