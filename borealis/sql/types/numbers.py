"""Codecs for bool, the integer types (int2/int4/int8/oid), float4/float8 and numeric.

Each codec follows PostgreSQL 16's input function (what it accepts, which SQLSTATE it
raises), its output function (the exact text clients see with extra_float_digits=1,
i.e. shortest round-trip floats) and its send/recv binary format.
"""

from __future__ import annotations

import math
import struct
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, InvalidOperation

from borealis.core import errors
from borealis.sql.types._common import (
    FLOAT32,
    FLOAT64,
    INT16,
    INT32,
    INT64,
    PG_SPACE,
    UINT32,
    VARHDRSZ,
    bad_binary,
    bad_syntax,
    out_of_range,
    unpack_exact,
)

_INF = math.inf

# --- bool ---------------------------------------------------------------------------


def _bool_words() -> dict[str, bool]:
    # PostgreSQL accepts any non-empty prefix of true/false/yes/no, "on", "off" down
    # to "of" (two letters so that "o" stays ambiguous), and the digits 1 and 0.
    words: dict[str, bool] = {"on": True, "off": False, "of": False, "1": True, "0": False}
    for word, value in (("true", True), ("false", False), ("yes", True), ("no", False)):
        for i in range(1, len(word) + 1):
            words[word[:i]] = value
    return words


_BOOL_WORDS = _bool_words()


def bool_in(s: str, typmod: int = -1) -> bool:
    value = _BOOL_WORDS.get(s.strip(PG_SPACE).lower())
    if value is None:
        raise bad_syntax("boolean", s)
    return value


def bool_out(v: bool) -> str:
    return "t" if v else "f"


def bool_send(v: bool) -> bytes:
    return b"\x01" if v else b"\x00"


def bool_recv(data: bytes, typmod: int = -1) -> bool:
    if len(data) != 1:
        raise bad_binary()
    return data[0] != 0


# --- integers -----------------------------------------------------------------------

_DIGITS = frozenset("0123456789")
_PREFIX_BASE = {"x": 16, "o": 8, "b": 2}
_BASE_DIGITS = {
    16: frozenset("0123456789abcdefABCDEF"),
    10: _DIGITS,
    8: frozenset("01234567"),
    2: frozenset("01"),
}


def parse_pg_integer(t: str) -> int | None:
    """Parse PostgreSQL 16 integer syntax (already stripped); None if malformed.

    Besides plain decimals this accepts 0x/0o/0b prefixes and single underscores
    between digits ("1_000", "0x_FF"), as PostgreSQL 16's integer input does.
    """
    body = t
    negative = False
    if body[:1] in ("+", "-"):
        negative = body[0] == "-"
        body = body[1:]
    base = 10
    if len(body) > 2 and body[0] == "0" and body[1].lower() in _PREFIX_BASE:
        base = _PREFIX_BASE[body[1].lower()]
        body = body[2:]
        if body[:1] == "_":  # an underscore may follow the prefix
            body = body[1:]
    if not body or body[0] == "_" or body[-1] == "_" or "__" in body:
        return None
    digits = body.replace("_", "")
    if not digits or not _BASE_DIGITS[base].issuperset(digits):
        return None
    value = int(digits, base)
    return -value if negative else value


def int_parser(typname: str, bits: int):
    """Build the text input function of a signed integer type."""
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def parse(s: str, typmod: int = -1) -> int:
        t = s.strip(PG_SPACE)
        # Fast path: plain ASCII decimal digits with an optional sign.
        if t.isascii() and (t.isdigit() or (t[1:].isdigit() and t[0] in "+-")):
            value = int(t)
        else:
            value = parse_pg_integer(t) if t else None
            if value is None:
                raise bad_syntax(typname, s)
        if value < lo or value > hi:
            raise errors.NumericValueOutOfRange(value=s, type=typname)
        return value

    return parse


def int_recv(fmt):
    def recv(data: bytes, typmod: int = -1) -> int:
        return unpack_exact(fmt, data)

    return recv


def int_send(fmt, typname: str):
    pack = fmt.pack

    def send(v: int) -> bytes:
        try:
            return pack(v)
        except struct.error:
            raise out_of_range(f"{typname} out of range") from None

    return send


int2_in = int_parser("smallint", 16)
int4_in = int_parser("integer", 32)
int8_in = int_parser("bigint", 64)
int2_send = int_send(INT16, "smallint")
int4_send = int_send(INT32, "integer")
int8_send = int_send(INT64, "bigint")
int2_recv, int4_recv, int8_recv = int_recv(INT16), int_recv(INT32), int_recv(INT64)


def oid_in(s: str, typmod: int = -1) -> int:
    # Like strtoul: decimal only, and negative values down to -2^31 wrap around.
    t = s.strip(PG_SPACE)
    if not (t.isascii() and (t.isdigit() or (t[1:].isdigit() and t[0] in "+-"))):
        raise bad_syntax("oid", s)
    value = int(t)
    if value < -(1 << 31) or value > 0xFFFFFFFF:
        raise errors.NumericValueOutOfRange(value=s, type="oid")
    return value & 0xFFFFFFFF


def oid_send(v: int) -> bytes:
    return UINT32.pack(v)


def oid_recv(data: bytes, typmod: int = -1) -> int:
    return unpack_exact(UINT32, data)


# --- floats -------------------------------------------------------------------------

_FLOAT_CHARS = frozenset("0123456789+-.eE")
_FLOAT_WORDS = {
    "nan": math.nan,
    "+nan": math.nan,
    "-nan": math.nan,
    "inf": _INF,
    "+inf": _INF,
    "-inf": -_INF,
    "infinity": _INF,
    "+infinity": _INF,
    "-infinity": -_INF,
}


def _parse_double(s: str, typname: str) -> tuple[float, str]:
    """Parse float text like strtod; return (value, the stripped number text)."""
    t = s.strip(PG_SPACE)
    if t and _FLOAT_CHARS.issuperset(t):
        try:
            value = float(t)
        except ValueError:
            raise bad_syntax(typname, s) from None
        if value == _INF or value == -_INF or (value == 0.0 and _nonzero_mantissa(t)):
            raise out_of_range(f'"{t}" is out of range for type {typname}')
        return value, t
    value = _FLOAT_WORDS.get(t.lower())
    if value is None:
        raise bad_syntax(typname, s)
    return value, t


def _nonzero_mantissa(t: str) -> bool:
    mantissa = t.lower().partition("e")[0]
    return mantissa.strip("+-.0") != ""


def float8_in(s: str, typmod: int = -1) -> float:
    return _parse_double(s, "double precision")[0]


def to_float32(value: float) -> float:
    """Round a double to the nearest float4; OverflowError if it does not fit."""
    return FLOAT32.unpack(FLOAT32.pack(value))[0]


def float4_in(s: str, typmod: int = -1) -> float:
    value, t = _parse_double(s, "real")
    try:
        single = to_float32(value)
    except OverflowError:
        raise out_of_range(f'"{t}" is out of range for type real') from None
    if single == 0.0 and value != 0.0:
        raise out_of_range(f'"{t}" is out of range for type real')
    return single


def _special_float_out(v: float) -> str | None:
    if v != v:
        return "NaN"
    if v == _INF:
        return "Infinity"
    if v == -_INF:
        return "-Infinity"
    return None


def _sci_to_pg(digits: str, exp10: int, negative: bool, fixed_below: int) -> str:
    """Format significant `digits` (no trailing zeros) times 10**exp10 as PostgreSQL's
    shortest-float output: fixed notation for -4 <= exp10 < fixed_below, else d.ddde±XX.
    """
    sign = "-" if negative else ""
    if -4 <= exp10 < fixed_below:
        if exp10 < 0:
            return f"{sign}0.{'0' * (-exp10 - 1)}{digits}"
        if len(digits) <= exp10 + 1:
            return sign + digits + "0" * (exp10 + 1 - len(digits))
        return f"{sign}{digits[: exp10 + 1]}.{digits[exp10 + 1 :]}"
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"


def float8_out(v: float) -> str:
    r = repr(v)
    if "e" in r or "n" in r:  # exponent form (same as PostgreSQL's) or inf/nan
        return _special_float_out(v) or r
    # repr() switches to exponent form at 1e16, PostgreSQL at 1e15.
    if -1e15 < v < 1e15:
        return r[:-2] if r.endswith(".0") else r
    return _float_digits_out(r, 15)


def _float_digits_out(r: str, fixed_below: int) -> str:
    sign, digits, exponent = Decimal(r).normalize().as_tuple()
    text = "".join(map(str, digits))
    return _sci_to_pg(text, len(digits) + int(exponent) - 1, bool(sign), fixed_below)


def _shortest_float32(v: float) -> str:
    # The correctly rounded p-digit decimal round-trips for every p at least as large
    # as the shortest one, so the smallest p that round-trips can be binary-searched.
    lo, hi = 1, 9
    best = f"{v:.8e}"
    while lo <= hi:
        p = (lo + hi) // 2
        s = f"{v:.{p - 1}e}"
        if to_float32(float(s)) == v:
            best, hi = s, p - 1
        else:
            lo = p + 1
    return best


def float4_out(v: float) -> str:
    special = _special_float_out(v)
    if special is not None:
        return special
    if v == 0.0:
        return "-0" if math.copysign(1.0, v) < 0 else "0"
    mantissa, _, exponent = _shortest_float32(abs(v)).partition("e")
    digits = mantissa.replace(".", "").rstrip("0")
    return _sci_to_pg(digits, int(exponent), v < 0, 6)


def float8_send(v: float) -> bytes:
    return FLOAT64.pack(v)


def float8_recv(data: bytes, typmod: int = -1) -> float:
    return unpack_exact(FLOAT64, data)


def float4_send(v: float) -> bytes:
    try:
        return FLOAT32.pack(v)
    except OverflowError:
        raise out_of_range("value out of range: overflow") from None


def float4_recv(data: bytes, typmod: int = -1) -> float:
    return unpack_exact(FLOAT32, data)


# --- numeric ------------------------------------------------------------------------

NUMERIC_MAX_PRECISION = 1000
NUMERIC_MIN_SCALE = -1000
NUMERIC_MAX_SCALE = 1000
_MAX_INT_DIGITS = 131072  # digits before the decimal point
_MAX_DSCALE = 16383  # digits after it

# Enough precision for any value PostgreSQL can store, so quantize never rounds by
# accident; the exponent limits are far outside what numeric allows.
NUMERIC_CONTEXT = Context(
    prec=_MAX_INT_DIGITS + _MAX_DSCALE + 10,
    Emax=999_999_999,
    Emin=-999_999_999,
    rounding=ROUND_HALF_UP,
    traps=[InvalidOperation],
)
NUMERIC_NAN = Decimal("NaN")
NUMERIC_INF = Decimal("Infinity")
NUMERIC_NEG_INF = Decimal("-Infinity")
_NUMERIC_CHARS = frozenset("0123456789+-.eE")
_NUMERIC_WORDS = {
    "nan": NUMERIC_NAN,
    "infinity": NUMERIC_INF,
    "+infinity": NUMERIC_INF,
    "-infinity": NUMERIC_NEG_INF,
    "inf": NUMERIC_INF,
    "+inf": NUMERIC_INF,
    "-inf": NUMERIC_NEG_INF,
}


def numeric_typmod(precision: int, scale: int = 0) -> int:
    """The typmod of numeric(precision, scale); negative scales are 11-bit two's complement."""
    return ((precision << 16) | (scale & 0x7FF)) + VARHDRSZ


def numeric_typmod_parts(typmod: int) -> tuple[int, int]:
    """(precision, scale) of a numeric typmod >= 0."""
    raw = typmod - VARHDRSZ
    return (raw >> 16) & 0xFFFF, ((raw & 0x7FF) ^ 1024) - 1024


DSQL_NUMERIC_TYPMOD = numeric_typmod(18, 6)
"""Aurora DSQL's numeric(18,6), used for a bare `numeric` column only in DSQL mode."""


def _check_numeric_size(d: Decimal) -> Decimal:
    if d.is_finite() and d and (
        d.adjusted() >= _MAX_INT_DIGITS or -d.as_tuple().exponent > _MAX_DSCALE
    ):
        raise out_of_range("value overflows numeric format")
    return d


def _parse_numeric_text(s: str) -> Decimal | None:
    t = s.strip(PG_SPACE)
    if t and _NUMERIC_CHARS.issuperset(t):
        try:
            return Decimal(t)
        except InvalidOperation:
            return None
    special = _NUMERIC_WORDS.get(t.lower())
    if special is not None:
        return special
    if "_" in t or "0x" in t.lower() or "0o" in t.lower() or "0b" in t.lower():
        return _parse_numeric_pg16(t)
    return None


def _parse_numeric_pg16(t: str) -> Decimal | None:
    # PostgreSQL 16 syntax: underscores between digits, and non-decimal integers.
    value = parse_pg_integer(t)
    if value is not None:
        return Decimal(value)
    lowered = t.lower()
    mantissa, _, exponent = lowered.partition("e")
    whole, _, fraction = mantissa.partition(".")
    for part in (whole.lstrip("+-"), fraction, exponent.lstrip("+-")):
        if part and (part[0] == "_" or part[-1] == "_" or "__" in part):
            return None
    plain = lowered.replace("_", "")
    if not _NUMERIC_CHARS.issuperset(plain):
        return None
    try:
        return Decimal(plain)
    except InvalidOperation:
        return None


def numeric_in(s: str, typmod: int = -1) -> Decimal:
    d = _parse_numeric_text(s)
    if d is None or d.is_snan():
        raise bad_syntax("numeric", s)
    _check_numeric_size(d)
    return numeric_apply_typmod(d, typmod) if typmod >= VARHDRSZ else d


def numeric_out(d: Decimal) -> str:
    if d.is_finite():
        if d.is_signed() and d.is_zero():
            d = d.copy_abs()  # numeric has no negative zero
        return format(d, "f")
    if d.is_nan():
        return "NaN"
    return "-Infinity" if d.is_signed() else "Infinity"


_QUANTUM: dict[int, Decimal] = {}


def _quantum(scale: int) -> Decimal:
    q = _QUANTUM.get(scale)
    if q is None:
        q = _QUANTUM[scale] = Decimal((0, (1,), -scale))
    return q


def numeric_apply_typmod(d: Decimal, typmod: int, explicit: bool = False) -> Decimal:
    """Round to the typmod's scale (half away from zero) and check the precision."""
    if typmod < VARHDRSZ:
        return d
    precision, scale = numeric_typmod_parts(typmod)
    if not d.is_finite():
        if d.is_nan():
            return d
        raise errors.NumericValueOutOfRange(
            "numeric field overflow",
            detail=f"A field with precision {precision}, scale {scale} cannot hold an infinite value.",
        )
    rounded = d.quantize(_quantum(scale), rounding=ROUND_HALF_UP, context=NUMERIC_CONTEXT)
    if scale < 0:  # keep no negative display scale: 12000, not 1.2E+4
        rounded = rounded.quantize(_quantum(0), context=NUMERIC_CONTEXT)
    maxdigits = precision - scale
    if rounded and rounded.adjusted() >= maxdigits:
        bound = f"10^{maxdigits}" if maxdigits else "1"
        raise errors.NumericValueOutOfRange(
            "numeric field overflow",
            detail=f"A field with precision {precision}, scale {scale} must round to an "
            f"absolute value less than {bound}.",
        )
    return rounded


_NUMERIC_POS = 0x0000
_NUMERIC_NEG = 0x4000
_NUMERIC_NAN = 0xC000
_NUMERIC_PINF = 0xD000
_NUMERIC_NINF = 0xF000


def numeric_send(d: Decimal) -> bytes:
    """ndigits, weight, sign, dscale (int16 each), then base-10000 digits."""
    if not d.is_finite():
        sign = _NUMERIC_NAN if d.is_nan() else (_NUMERIC_NINF if d.is_signed() else _NUMERIC_PINF)
        return INT16.pack(0) + INT16.pack(0) + sign.to_bytes(2) + b"\x00\x00"
    negative, digits, exponent = d.as_tuple()
    dscale = max(0, -exponent)
    coefficient = int("".join(map(str, digits))) if digits else 0
    if coefficient == 0:
        return b"\x00\x00\x00\x00\x00\x00" + dscale.to_bytes(2)
    # Align the digits on base-10000 groups counted from the decimal point.
    frac_groups = -(exponent // 4) if exponent < 0 else 0
    scaled = coefficient * 10 ** (exponent + 4 * frac_groups)
    text = str(scaled)
    text = "0" * (-len(text) % 4) + text
    groups = [int(text[i : i + 4]) for i in range(0, len(text), 4)]
    weight = len(groups) - 1 - frac_groups
    while groups[-1] == 0:
        groups.pop()
    sign = _NUMERIC_NEG if negative else _NUMERIC_POS
    head = INT16.pack(len(groups)) + INT16.pack(weight) + sign.to_bytes(2) + dscale.to_bytes(2)
    return head + b"".join(g.to_bytes(2) for g in groups)


def numeric_recv(data: bytes, typmod: int = -1) -> Decimal:
    if len(data) < 8:
        raise bad_binary()
    ndigits = INT16.unpack_from(data, 0)[0]
    weight = INT16.unpack_from(data, 2)[0]
    sign = int.from_bytes(data[4:6])
    dscale = int.from_bytes(data[6:8])
    if ndigits < 0 or len(data) != 8 + 2 * ndigits:
        raise bad_binary()
    if sign == _NUMERIC_NAN:
        return NUMERIC_NAN
    if sign in (_NUMERIC_PINF, _NUMERIC_NINF):
        d = NUMERIC_INF if sign == _NUMERIC_PINF else NUMERIC_NEG_INF
        return numeric_apply_typmod(d, typmod)
    if sign not in (_NUMERIC_POS, _NUMERIC_NEG):
        raise bad_binary('invalid sign in external "numeric" value')
    if dscale > 0x3FFF:
        raise bad_binary('invalid scale in external "numeric" value')
    groups = [int.from_bytes(data[8 + 2 * i : 10 + 2 * i]) for i in range(ndigits)]
    if any(g > 9999 for g in groups):
        raise bad_binary('invalid digit in external "numeric" value')
    coefficient = int("".join(f"{g:04d}" for g in groups)) if groups else 0
    d = Decimal((1 if sign == _NUMERIC_NEG else 0, tuple(map(int, str(coefficient))),
                 4 * (weight - ndigits + 1)))
    # Digits hidden by dscale are truncated away, as numeric_recv does.
    d = d.quantize(_quantum(dscale), rounding=ROUND_DOWN, context=NUMERIC_CONTEXT)
    return numeric_apply_typmod(d, typmod)
