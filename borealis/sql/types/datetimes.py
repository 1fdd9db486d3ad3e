"""Codecs for date, time, timestamp and timestamptz.

Values: datetime.date; datetime.time (naive); datetime.datetime naive for timestamp
and aware (tzinfo=UTC) for timestamptz. The session settings are fixed at DateStyle
ISO, MDY and TimeZone UTC, so timestamptz prints with "+00".

Limits (documented departures from PostgreSQL): Python's datetime covers years
1–9999, so BC dates and years after 9999 raise 22008 "date/timestamp out of range";
'infinity' and '-infinity' raise 0A000, and so does time '24:00:00' (PostgreSQL allows
it; datetime.time cannot hold it). Julian-day ('J2451187') and year.day-of-year
inputs are not accepted.
"""

from __future__ import annotations

import contextvars
import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from borealis.core import errors
from borealis.sql.types import _dtlex as lex
from borealis.sql.types._common import INT32, INT64, PG_SPACE, bad_binary
from borealis.sql.types.interval import Interval

TRANSACTION_TIMESTAMP: contextvars.ContextVar[Callable[[], datetime] | None] = \
    contextvars.ContextVar("transaction_timestamp", default=None)
"""What gives the current transaction's start time (aware), which 'now', 'today' etc. in
date/time input stand for, as now() does. The QP's session sets it before it binds a
statement (a function, so the time is only taken when a literal asks for it); unset
(outside a session) means the wall clock."""

USECS_PER_SEC = 1_000_000
USECS_PER_DAY = 86_400 * USECS_PER_SEC
MAX_TIME_PRECISION = 6

EPOCH_DATE = date(2000, 1, 1)
EPOCH_ORDINAL = EPOCH_DATE.toordinal()
EPOCH_TS = datetime(2000, 1, 1)
_INT32_MAX, _INT32_MIN = 2**31 - 1, -(2**31)
_INT64_MAX, _INT64_MIN = 2**63 - 1, -(2**63)

MONTHS = {
    name: number
    for number, names in enumerate(
        (("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
         ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
         ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")),
        start=1,
    )
    for name in names
}
_WEEKDAYS = frozenset((
    "sun", "sunday", "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu",
    "thur", "thurs", "thursday", "fri", "friday", "sat", "saturday",
))
# A subset of PostgreSQL's default time zone abbreviations (offset in seconds east).
_H = 3600
TZ_ABBREVIATIONS = {
    "z": 0, "zulu": 0, "utc": 0, "ut": 0, "gmt": 0, "wet": 0,
    "west": _H, "bst": _H, "cet": _H, "cest": 2 * _H, "eet": 2 * _H, "eest": 3 * _H,
    "ist": 2 * _H, "msk": 3 * _H, "hkt": 8 * _H, "awst": 8 * _H, "jst": 9 * _H,
    "kst": 9 * _H, "acst": 9 * _H + 1800, "acdt": 10 * _H + 1800, "aest": 10 * _H,
    "aedt": 11 * _H, "nzst": 12 * _H, "nzdt": 13 * _H,
    "est": -5 * _H, "edt": -4 * _H, "cst": -6 * _H, "cdt": -5 * _H, "mst": -7 * _H,
    "mdt": -6 * _H, "pst": -8 * _H, "pdt": -7 * _H, "akst": -9 * _H, "akdt": -8 * _H,
    "hst": -10 * _H,
}
_SPECIAL_WORDS = frozenset(("epoch", "now", "today", "tomorrow", "yesterday", "allballs"))
_INFINITIES = frozenset(("infinity", "+infinity", "-infinity"))


class _BadFormat(Exception):
    """Input that does not parse: 22007."""


class _FieldOverflow(Exception):
    """A field out of its range: 22008 date/time field value out of range."""


class _MonthDayOverflow(_FieldOverflow):
    """A month above 12 in a numeric m/d/y date: DateStyle may be the culprit."""


class _TzDisplacement(Exception):
    """A numeric time zone offset beyond ±15:59:59: 22009."""


class _OutOfRange(Exception):
    """A value outside what datetime can hold: 22008 date/timestamp out of range."""


@dataclass(slots=True)
class _Fields:
    """What DecodeDateTime gathers from the fields of one input string."""

    year: int | None = None
    year_digits: int = 4
    month: int | None = None
    day: int | None = None
    text_month: bool = False
    hour: int | None = None
    minute: int = 0
    second: int = 0
    usec: int = 0
    offset: int | None = None  # seconds east of UTC
    zone: ZoneInfo | None = None
    ampm: str | None = None
    bc: bool = False
    special: str | None = None
    iso_t: bool = False

    def set_date(self, year: int, month: int, day: int, year_digits: int = 4) -> None:
        if self.year is not None or self.month is not None or self.day is not None:
            raise _BadFormat
        self.year, self.month, self.day, self.year_digits = year, month, day, year_digits

    def set_time(self, hour: int, minute: int, second: int, usec: int) -> None:
        if self.hour is not None:
            raise _BadFormat
        if minute > 59 or second > 60 or usec > USECS_PER_SEC:
            raise _FieldOverflow
        self.hour, self.minute, self.second, self.usec = hour, minute, second, usec


# --- field decoders -----------------------------------------------------------------


def _int(text: str) -> int:
    if not text.isdigit() or not text.isascii():
        raise _BadFormat
    return int(text)


def _fraction_usec(digits: str) -> int:
    # PostgreSQL: rint(strtod(".ddd") * 1e6); Python's round() is rint on doubles.
    if not digits:
        return 0
    if not digits.isdigit():
        raise _BadFormat
    return round(float("0." + digits) * USECS_PER_SEC)


def _decode_time(text: str, f: _Fields) -> None:
    parts = text.split(":")
    if len(parts) == 2:
        if "." in parts[1]:  # mm:ss.fff
            sec, _, frac = parts[1].partition(".")
            f.set_time(0, _int(parts[0]), _int(sec), _fraction_usec(frac))
        else:
            f.set_time(_int(parts[0]), _int(parts[1]), 0, 0)
    elif len(parts) == 3:
        sec, _, frac = parts[2].partition(".")
        f.set_time(_int(parts[0]), _int(parts[1]), _int(sec), _fraction_usec(frac))
    else:
        raise _BadFormat


def _year(text: str) -> tuple[int, int]:
    return _int(text), len(text)


def _decode_date(text: str, f: _Fields) -> None:
    delim = next((c for c in text if c in "-/."), None)
    parts = text.split(delim) if delim else [text]
    if len(parts) != 3 or not all(parts):
        raise _BadFormat
    words = [p for p in parts if not p.isdigit()]
    if words:
        if len(words) != 1 or words[0].lower() not in MONTHS:
            raise _BadFormat
        month = MONTHS[words[0].lower()]
        numbers = [p for p in parts if p.isdigit()]
        # The long (or > 31) number is the year, the other the day.
        if len(numbers[0]) > 2 or int(numbers[0]) > 31:
            year_text, day_text = numbers
        else:
            day_text, year_text = numbers
        f.text_month = True
        f.set_date(*_ymd(year_text, month, _int(day_text)))
        return
    if len(parts[0]) > 2 or int(parts[0]) > 31:  # ISO y-m-d, or a 2-digit year first
        f.set_date(*_ymd(parts[0], _int(parts[1]), _int(parts[2])))
    else:  # DateStyle MDY: m-d-y
        if int(parts[0]) > 12:
            raise _MonthDayOverflow
        f.set_date(*_ymd(parts[2], _int(parts[0]), _int(parts[1])))


def _ymd(year_text: str, month: int, day: int) -> tuple[int, int, int, int]:
    year, digits = _year(year_text)
    return year, month, day, digits


def _decode_offset(text: str) -> int:
    """'+05', '+0530', '+05:30', '-08:00:00' → seconds east of UTC."""
    body = text[1:]
    parts = body.split(":")
    if len(parts) > 3 or not all(p.isdigit() for p in parts):
        raise _BadFormat
    hours = int(parts[0])
    minutes = int(parts[1]) if len(parts) > 1 else 0
    seconds = int(parts[2]) if len(parts) > 2 else 0
    if len(parts) == 1 and len(body) > 2:  # run together: hhmm
        hours, minutes = divmod(hours, 100)
    if hours > 15 or minutes > 59 or seconds > 59:
        raise _TzDisplacement
    offset = (hours * 60 + minutes) * 60 + seconds
    return -offset if text[0] == "-" else offset


def _decode_number(text: str, f: _Fields, pending: list[str]) -> None:
    if f.iso_t or (f.year is not None and f.hour is None and len(text) in (4, 6)
                   and not f.text_month):
        _decode_run_together_time(text, f)
        return
    if "." in text:
        whole, _, frac = text.partition(".")
        if whole or f.hour is None:
            if len(whole) in (4, 6) and f.year is not None:
                _decode_run_together_time(text, f)
                return
            raise _BadFormat
        f.usec = _fraction_usec(frac)  # ".5" after a time
        return
    if len(text) in (6, 8) and f.year is None and f.month is None and not f.text_month:
        if len(text) == 8:
            f.set_date(int(text[:4]), int(text[4:6]), int(text[6:]))
        else:
            f.set_date(int(text[:2]), int(text[2:4]), int(text[4:]), 2)
        return
    if len(text) >= 3 and f.year is None:
        f.year, f.year_digits = _year(text)
        return
    pending.append(text)


def _decode_run_together_time(text: str, f: _Fields) -> None:
    f.iso_t = False
    whole, _, frac = text.partition(".")
    if len(whole) == 6:
        f.set_time(int(whole[:2]), int(whole[2:4]), int(whole[4:]), _fraction_usec(frac))
    elif len(whole) == 4 and not frac:
        f.set_time(int(whole[:2]), int(whole[2:]), 0, 0)
    elif len(whole) == 2 and not frac:
        f.set_time(int(whole), 0, 0, 0)
    else:
        raise _BadFormat


@functools.lru_cache(maxsize=256)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone called `name` (as PostgreSQL, case-insensitively), or None."""
    for candidate in (name, name.title(), name.upper()):
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            continue
    return None


def _decode_word(text: str, f: _Fields) -> None:
    word = text.lower()
    if word in MONTHS:
        if f.month is not None:
            raise _BadFormat
        f.month, f.text_month = MONTHS[word], True
    elif word in _WEEKDAYS or word in ("at", "on", "ad"):
        pass
    elif word in ("am", "pm"):
        f.ampm = word
    elif word == "bc":
        f.bc = True
    elif word == "t":
        f.iso_t = True
    elif word in TZ_ABBREVIATIONS:
        _set_offset(f, TZ_ABBREVIATIONS[word])
    elif word in _SPECIAL_WORDS or word in _INFINITIES:
        if f.special is not None:
            raise _BadFormat
        f.special = word
    else:
        _set_zone(f, text)


def _set_offset(f: _Fields, offset: int) -> None:
    if f.offset is not None or f.zone is not None:
        raise _BadFormat
    f.offset = offset


def _set_zone(f: _Fields, name: str) -> None:
    tz = zone(name)
    if tz is None:
        if "/" in name or "_" in name:
            raise errors.InvalidParameterValue(what=f'time zone "{name}" not recognized')
        raise _BadFormat
    if f.offset is not None or f.zone is not None:
        raise _BadFormat
    f.zone = tz


def _leading_word(text: str) -> str:
    end = 0
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[:end].lower()


def _decode(s: str) -> _Fields:
    fields = lex.tokenize(s)
    if not fields:
        raise _BadFormat
    f = _Fields()
    pending: list[str] = []
    for kind, text in fields:
        if kind == lex.DATE:
            # A date field starting with a letter is a text-month date or a zone name.
            if text[0].isalpha() and _leading_word(text) not in MONTHS:
                _set_zone(f, text)
            else:
                _decode_date(text, f)
        elif kind == lex.TIME:
            f.iso_t = False
            _decode_time(text, f)
        elif kind == lex.NUMBER:
            _decode_number(text, f, pending)
        elif kind == lex.STRING:
            _decode_word(text, f)
        elif kind == lex.SIGNED:
            _set_offset(f, _decode_offset(text))
        else:  # SPECIAL
            if text.lower() not in _INFINITIES or f.special is not None:
                raise _BadFormat
            f.special = text.lower()
    _assign_pending(f, pending)
    return f


def _assign_pending(f: _Fields, pending: list[str]) -> None:
    # Loose one- or two-digit numbers only make sense next to a text month:
    # "jan 8 1999", "8 january 99".
    if not pending:
        return
    if not f.text_month:
        raise _BadFormat
    for text in pending:
        if f.day is None:
            f.day = int(text)
        elif f.year is None:
            f.year, f.year_digits = int(text), len(text)
        else:
            raise _BadFormat


# --- assembling values --------------------------------------------------------------


def _now() -> datetime:
    source = TRANSACTION_TIMESTAMP.get()
    return source().astimezone(UTC) if source is not None else datetime.now(UTC)


def _special_timestamp(word: str, typname: str) -> datetime:
    """An aware UTC datetime for the special input words."""
    if word in _INFINITIES:
        raise errors.FeatureNotSupported(
            what=f'infinite values of type {typname} are not supported ("{word}")'
        )
    if word == "epoch":
        return datetime(1970, 1, 1, tzinfo=UTC)
    now = _now()
    if word == "now":
        return now
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if word == "today" or word == "allballs":
        return midnight
    return midnight + timedelta(days=1 if word == "tomorrow" else -1)


def _validated_date(f: _Fields) -> date:
    if f.year is None or f.month is None or f.day is None:
        raise _BadFormat
    year = f.year
    if f.bc:
        if year <= 0:
            raise _FieldOverflow
        raise _OutOfRange
    if f.year_digits <= 2:
        year += 2000 if year < 70 else 1900
    if year <= 0 or not 1 <= f.month <= 12:
        raise _FieldOverflow
    if year > 9999:
        raise _OutOfRange
    try:
        return date(year, f.month, f.day)
    except ValueError:
        raise _FieldOverflow from None


def _time_usec(f: _Fields) -> int:
    """Microseconds since midnight; may reach 24:00:00 and leap second 60."""
    hour = f.hour or 0
    if f.ampm is not None:
        if hour > 12:
            raise _FieldOverflow
        if f.ampm == "pm" and hour != 12:
            hour += 12
        elif f.ampm == "am" and hour == 12:
            hour = 0
    if hour > 24 or (hour == 24 and (f.minute or f.second or f.usec)):
        raise _FieldOverflow
    return ((hour * 60 + f.minute) * 60 + f.second) * USECS_PER_SEC + f.usec


def _local_offset(tz: ZoneInfo, wall: datetime) -> int:
    # In a DST gap PostgreSQL uses the offset from before the transition, for an
    # ambiguous time the one after it: in both cases the smaller of the two.
    first = wall.replace(tzinfo=tz, fold=0).utcoffset()
    second = wall.replace(tzinfo=tz, fold=1).utcoffset()
    return int(min(first, second).total_seconds())  # type: ignore[type-var]


def _wall_clock(f: _Fields) -> datetime:
    day = _validated_date(f)
    try:
        return datetime(day.year, day.month, day.day) + timedelta(microseconds=_time_usec(f))
    except OverflowError:
        raise _OutOfRange from None


def _raise_for(exc: Exception, typname: str, s: str, range_word: str) -> None:
    if isinstance(exc, _BadFormat):
        raise errors.InvalidDatetimeFormat(type=typname, value=s) from None
    if isinstance(exc, _MonthDayOverflow):
        raise errors.DatetimeFieldOverflow(
            value=s, hint='Perhaps you need a different "datestyle" setting.') from None
    if isinstance(exc, _FieldOverflow):
        raise errors.DatetimeFieldOverflow(value=s) from None
    if isinstance(exc, _TzDisplacement):
        raise errors.InvalidTimeZoneDisplacement(value=s) from None
    raise errors.DatetimeFieldOverflow(f'{range_word} out of range: "{s}"') from None


def _parse(s: str, typname: str, range_word: str, build):
    try:
        return build(_decode(s.strip(PG_SPACE)))
    except (_BadFormat, _FieldOverflow, _OutOfRange, _TzDisplacement) as exc:
        _raise_for(exc, typname, s, range_word)


def _build_date(f: _Fields) -> date:
    if f.special is not None:
        if f.year is not None or f.hour is not None:
            raise _BadFormat
        return _special_timestamp(f.special, "date").date()
    return _validated_date(f)


def _build_timestamp(f: _Fields) -> datetime:
    if f.special is not None:
        base = _special_timestamp(f.special, "timestamp").replace(tzinfo=None)
        return base + timedelta(microseconds=_time_usec(f)) if f.hour is not None else base
    return _wall_clock(f)


def _build_timestamptz(f: _Fields) -> datetime:
    if f.special is not None:
        base = _special_timestamp(f.special, "timestamp with time zone")
        return base + timedelta(microseconds=_time_usec(f)) if f.hour is not None else base
    wall = _wall_clock(f)
    if f.zone is not None:
        offset = _local_offset(f.zone, wall)
    else:
        offset = f.offset or 0
    try:
        return (wall - timedelta(seconds=offset)).replace(tzinfo=UTC)
    except OverflowError:
        raise _OutOfRange from None


def _build_time(f: _Fields) -> time:
    if f.special is not None:
        if f.special != "allballs" and f.special != "now":
            raise _BadFormat
        if f.special == "now":
            return _now().time()
    elif f.hour is None:
        raise _BadFormat
    if f.year is not None or f.month is not None:
        _validated_date(f)
    return time_from_usec(_time_usec(f))


def time_from_usec(usec: int) -> time:
    if usec >= USECS_PER_DAY:
        if usec == USECS_PER_DAY:
            raise errors.FeatureNotSupported(what="time 24:00:00 is not supported")
        raise errors.DatetimeFieldOverflow("time out of range")
    if usec < 0:
        raise errors.DatetimeFieldOverflow("time out of range")
    seconds, micro = divmod(usec, USECS_PER_SEC)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


# --- typmod: fractional-second precision --------------------------------------------


def _round_usec(usec: int, precision: int) -> int:
    # Half away from zero, as AdjustTimestampForTypmod does.
    scale = 10 ** (MAX_TIME_PRECISION - precision)
    half = scale // 2
    if usec >= 0:
        return (usec + half) // scale * scale
    return -((-usec + half) // scale * scale)


def timestamp_usec(v: datetime) -> int:
    """Microseconds since 2000-01-01 of a naive wall clock (or an aware one's UTC)."""
    if v.tzinfo is not None:
        v = v.astimezone(UTC)
    days = v.toordinal() - EPOCH_ORDINAL
    return (((days * 24 + v.hour) * 60 + v.minute) * 60 + v.second) * USECS_PER_SEC + \
        v.microsecond


def timestamp_from_usec(usec: int) -> datetime:
    try:
        return EPOCH_TS + timedelta(microseconds=usec)
    except OverflowError:
        raise errors.DatetimeFieldOverflow("timestamp out of range") from None


def timestamp_apply_typmod(v: datetime, typmod: int, explicit: bool = False) -> datetime:
    if typmod < 0 or typmod >= MAX_TIME_PRECISION or not v.microsecond:
        return v
    usec = timestamp_usec(v)
    rounded = _round_usec(usec, typmod)
    if rounded == usec:
        return v
    result = timestamp_from_usec(rounded)
    return result.replace(tzinfo=UTC) if v.tzinfo is not None else result


def time_usec(v: time) -> int:
    return ((v.hour * 60 + v.minute) * 60 + v.second) * USECS_PER_SEC + v.microsecond


def time_apply_typmod(v: time, typmod: int, explicit: bool = False) -> time:
    if typmod < 0 or typmod >= MAX_TIME_PRECISION or not v.microsecond:
        return v
    return time_from_usec(_round_usec(time_usec(v), typmod))


# --- text I/O -----------------------------------------------------------------------


def date_in(s: str, typmod: int = -1) -> date:
    t = s.strip(PG_SPACE)
    if len(t) == 10 and t[4] == "-" and t[7] == "-" and t[:4].isdigit() and \
            t[5:7].isdigit() and t[8:].isdigit() and t.isascii():
        try:
            return date(int(t[:4]), int(t[5:7]), int(t[8:]))
        except ValueError:
            pass  # the general path reports the right error
    return _parse(s, "date", "date", _build_date)


def date_out(v: date) -> str:
    return v.isoformat()


_ISO_DIGITS = frozenset("0123456789")


def _fast_iso(t: str) -> tuple[datetime, int | None] | None:
    """'YYYY-MM-DD HH:MM:SS[.ffffff][Z|±HH[:MM]]' → (wall clock, offset), or None to
    take the general path (which also reports errors)."""
    if len(t) < 19 or t[4] != "-" or t[7] != "-" or t[10] not in " T" or t[13] != ":" \
            or t[16] != ":":
        return None
    digits = t[:4] + t[5:7] + t[8:10] + t[11:13] + t[14:16] + t[17:19]
    if not _ISO_DIGITS.issuperset(digits):
        return None
    usec, i, n = 0, 19, len(t)
    if i < n and t[i] == ".":
        j = i + 1
        while j < n and t[j] in _ISO_DIGITS:
            j += 1
        if not 1 < j - i <= 7:
            return None
        usec, i = int(t[i + 1 : j].ljust(6, "0")), j
    offset = None
    rest = t[i:]
    if rest:
        if rest == "Z" or rest == "z":
            offset = 0
        elif rest[0] in "+-" and len(rest) in (3, 6) and rest[1:3].isdigit() and (
                len(rest) == 3 or (rest[3] == ":" and rest[4:].isdigit())):
            offset = int(rest[1:3]) * 3600 + (int(rest[4:]) * 60 if len(rest) == 6 else 0)
            if offset >= 16 * 3600:
                return None
            offset = -offset if rest[0] == "-" else offset
        else:
            return None
    try:
        wall = datetime(int(t[:4]), int(t[5:7]), int(t[8:10]), int(t[11:13]), int(t[14:16]),
                        int(t[17:19]), usec)
    except ValueError:
        return None
    if wall.year < 1000:
        return None  # let the general path judge odd years
    return wall, offset


def timestamp_in(s: str, typmod: int = -1) -> datetime:
    # A time zone in timestamp-without-time-zone input is silently ignored.
    fast = _fast_iso(s.strip(PG_SPACE))
    if fast is not None:
        value = fast[0]
    else:
        value = _parse(s, "timestamp without time zone", "timestamp", _build_timestamp)
    return timestamp_apply_typmod(value, typmod)


def timestamp_out(v: datetime) -> str:
    text = v.isoformat(" ")
    return text.rstrip("0") if v.microsecond else text


def timestamptz_in(s: str, typmod: int = -1) -> datetime:
    fast = _fast_iso(s.strip(PG_SPACE))
    if fast is not None:
        wall, offset = fast
        try:
            value = (wall - timedelta(seconds=offset or 0)).replace(tzinfo=UTC)
        except OverflowError:
            fast = None
    if fast is None:
        value = _parse(s, "timestamp with time zone", "timestamp", _build_timestamptz)
    return timestamp_apply_typmod(value, typmod)


def timestamptz_out(v: datetime) -> str:
    if v.tzinfo is not UTC:
        v = v.astimezone(UTC)
    text = v.replace(tzinfo=None).isoformat(" ")
    return (text.rstrip("0") if v.microsecond else text) + "+00"


def _fast_time(t: str) -> time | None:
    """'HH:MM:SS[.ffffff]' in range, or None to take the general path."""
    n = len(t)
    if n < 8 or t[2] != ":" or t[5] != ":" or not (n == 8 or (t[8] == "." and 9 < n <= 15)):
        return None
    digits = t[:2] + t[3:5] + t[6:8] + t[9:]
    if not _ISO_DIGITS.issuperset(digits):
        return None
    hour, minute, second = int(t[:2]), int(t[3:5]), int(t[6:8])
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second, int(t[9:].ljust(6, "0")) if n > 8 else 0)


def time_in(s: str, typmod: int = -1) -> time:
    value = _fast_time(s.strip(PG_SPACE))
    if value is None:
        value = _parse(s, "time without time zone", "time", _build_time)
    return time_apply_typmod(value, typmod)


def time_out(v: time) -> str:
    text = v.isoformat()
    return text.rstrip("0") if v.microsecond else text


# --- binary I/O ---------------------------------------------------------------------


def _infinite(typname: str) -> errors.BorealisError:
    return errors.FeatureNotSupported(what=f"infinite values of type {typname} are not supported")


def date_send(v: date) -> bytes:
    return INT32.pack(v.toordinal() - EPOCH_ORDINAL)


def date_recv(data: bytes, typmod: int = -1) -> date:
    if len(data) != 4:
        raise bad_binary()
    days = INT32.unpack(data)[0]
    if days in (_INT32_MAX, _INT32_MIN):
        raise _infinite("date")
    try:
        return date.fromordinal(days + EPOCH_ORDINAL)
    except (ValueError, OverflowError):
        raise errors.DatetimeFieldOverflow("date out of range") from None


def time_send(v: time) -> bytes:
    return INT64.pack(time_usec(v))


def time_recv(data: bytes, typmod: int = -1) -> time:
    if len(data) != 8:
        raise bad_binary()
    return time_apply_typmod(time_from_usec(INT64.unpack(data)[0]), typmod)


def timestamp_send(v: datetime) -> bytes:
    return INT64.pack(timestamp_usec(v))


def _recv_usec(data: bytes, typname: str) -> int:
    if len(data) != 8:
        raise bad_binary()
    usec = INT64.unpack(data)[0]
    if usec in (_INT64_MAX, _INT64_MIN):
        raise _infinite(typname)
    return usec


def timestamp_recv(data: bytes, typmod: int = -1) -> datetime:
    value = timestamp_from_usec(_recv_usec(data, "timestamp"))
    return timestamp_apply_typmod(value, typmod)


def timestamptz_recv(data: bytes, typmod: int = -1) -> datetime:
    value = timestamp_from_usec(_recv_usec(data, "timestamp with time zone"))
    return timestamp_apply_typmod(value.replace(tzinfo=UTC), typmod)


# --- arithmetic with intervals ------------------------------------------------------

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_days(year: int, month: int) -> int:
    if month == 2 and year % 4 == 0 and (year % 100 != 0 or year % 400 == 0):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def add_interval(value: date | datetime, iv: Interval) -> datetime:
    """timestamp(tz) + interval as PostgreSQL computes it: months first (clamping the
    day to the month's end), then days, then microseconds. A date becomes a timestamp.
    With TimeZone UTC, timestamptz arithmetic is the same as timestamp's."""
    if type(value) is date:
        value = datetime(value.year, value.month, value.day)
    elif value.tzinfo is not None and value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    try:
        if iv.months:
            months = value.year * 12 + value.month - 1 + iv.months
            year, month = divmod(months, 12)
            month += 1
            value = value.replace(year=year, month=month,
                                  day=min(value.day, _month_days(year, month)))
        if iv.days or iv.microseconds:
            value = value + timedelta(days=iv.days, microseconds=iv.microseconds)
    except (ValueError, OverflowError):
        raise errors.DatetimeFieldOverflow("timestamp out of range") from None
    return value


def interval_between(a: date | datetime, b: date | datetime) -> Interval:
    """timestamp - timestamp: microseconds justified into days (timestamp_mi)."""
    if type(a) is date:
        a = datetime(a.year, a.month, a.day)
    if type(b) is date:
        b = datetime(b.year, b.month, b.day)
    usec = timestamp_usec(a) - timestamp_usec(b)
    days = abs(usec) // USECS_PER_DAY
    days = -days if usec < 0 else days
    return Interval(0, days, usec - days * USECS_PER_DAY)
