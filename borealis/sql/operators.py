"""Operators: type resolution and implementations (comparison, arithmetic, text, LIKE).

`bind_operator(name, left, right)` applies PostgreSQL's operator resolution in the
cases SQL applications meet: both operands are brought to a common type (unknown
literals take the other side's type, integers widen to numeric or float), then the
operator's implementation for that type family is chosen once, at bind time. Integer
arithmetic checks overflow per result width (22003), division by zero is 22012, and
comparisons carry the `core.expr` operator name so the planner can push them to
storage or use them as key bounds.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    localcontext,
)
from typing import Any

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import types as T
from borealis.sql.expr import Call, Expr
from borealis.sql.types import arrays as A

BOOL, INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8, TEXT = 16, 21, 23, 20, 1700, 700, 701, 25
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL = 1082, 1083, 1114, 1184, 1186
JSON, JSONB = 114, 3802
BYTEA, BPCHAR = 17, 1042
INT_RANGE = {INT2: (-(1 << 15), (1 << 15) - 1, "smallint"),
             INT4: (-(1 << 31), (1 << 31) - 1, "integer"),
             INT8: (-(1 << 63), (1 << 63) - 1, "bigint")}

COMPARISONS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "=": (operator.eq, "="), "<>": (operator.ne, "<>"), "!=": (operator.ne, "<>"),
    "<": (operator.lt, "<"), "<=": (operator.le, "<="), ">": (operator.gt, ">"),
    ">=": (operator.ge, ">="),
}


def _checked(oid: int, fn: Callable[[int, int], int]) -> Callable[[int, int], int]:
    lo, hi, name = INT_RANGE[oid]

    def op(a: int, b: int) -> int:
        r = fn(a, b)
        if r < lo or r > hi:
            raise errors.NumericValueOutOfRange(f"{name} out of range")
        return r
    return op


def _int_div(a: int, b: int) -> int:
    if b == 0:
        raise errors.DivisionByZero(what="division by zero")
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def _int_mod(a: int, b: int) -> int:
    if b == 0:
        raise errors.DivisionByZero(what="division by zero")
    r = abs(a) % abs(b)
    return r if a >= 0 else -r


def _float_div(a: float, b: float) -> float:
    if b == 0:
        raise errors.DivisionByZero(what="division by zero")
    return a / b


def _num_div(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise errors.DivisionByZero(what="division by zero")
    with localcontext() as ctx:
        # the quotient's integer digits, then up to 1,000 after the point, and a guard
        ctx.prec = 1002 + (max(0, a.adjusted() - b.adjusted()) if a and b.is_finite() else 0)
        try:
            q = a / b
        except (DivisionByZero, InvalidOperation):
            raise errors.DivisionByZero(what="division by zero") from None
    if not q.is_finite():
        return q
    scale = min(max(_scale(a), _scale(b), _div_scale(a, b), 0), 1000)
    return q.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=_EXACT)


def _nbase_digit(d: Decimal) -> tuple[int, int]:
    """(weight, first digit) of `d` in PostgreSQL's base-10000 representation."""
    if not d:
        return 0, 0
    weight = d.adjusted() // 4
    return weight, int(abs(d).scaleb(-4 * weight))


def _div_scale(a: Decimal, b: Decimal) -> int:
    """PostgreSQL's select_div_scale: 16 significant digits from the estimated weight of
    the quotient (first base-10000 digits of both operands)."""
    w1, d1 = _nbase_digit(a)
    w2, d2 = _nbase_digit(b)
    qweight = w1 - w2 - (1 if d1 <= d2 else 0)
    return 16 - qweight * 4


_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)


def _num_add(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.add(a, b)


def _num_sub(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.subtract(a, b)


def _num_mul(a: Decimal, b: Decimal) -> Decimal:
    return _EXACT.multiply(a, b)  # exact, scale s1 + s2, as PostgreSQL's mul_var


def _num_mod(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise errors.DivisionByZero(what="division by zero")
    return _EXACT.remainder(a, b)  # the dividend's sign, as PostgreSQL's


def _scale(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _arith(op: str, oid: int) -> Callable[[Any, Any], Any] | None:
    if oid in INT_RANGE:
        base = {"+": operator.add, "-": operator.sub, "*": operator.mul}.get(op)
        if base is not None:
            return _checked(oid, base)
        return {"/": _checked(oid, _int_div), "%": _int_mod}.get(op)
    if oid in (FLOAT4, FLOAT8):
        base = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": _float_div,
                "^": _float_pow}.get(op)
        return _float_checked(base, oid == FLOAT4) if base is not None else None
    if oid == NUMERIC:
        return {"+": _num_add, "-": _num_sub, "*": _num_mul, "/": _num_div,
                "%": _num_mod, "^": _num_pow}.get(op)
    return None


def _num_pow(a: Decimal, b: Decimal) -> Decimal:
    from borealis.sql.functions import num_power
    return num_power(a, b)


def _float_pow(a: float, b: float) -> float:
    from borealis.sql.functions import _float_power
    return _float_power(a, b)


def _float_checked(fn: Callable[[float, float], float], single: bool) -> Callable:
    """Float arithmetic as PostgreSQL checks it: an infinite result from finite operands
    is 22003, and float4 results are rounded to single precision."""
    from borealis.sql.types.numbers import to_float32

    def op(a: float, b: float) -> float:
        try:
            r = fn(a, b)
        except OverflowError:
            raise errors.NumericValueOutOfRange("value out of range: overflow") from None
        if single:
            try:
                r = to_float32(r)
            except (OverflowError, errors.BorealisError):
                raise errors.NumericValueOutOfRange("value out of range: overflow") from None
        if r in (math.inf, -math.inf) and math.isfinite(a) and math.isfinite(b):
            raise errors.NumericValueOutOfRange("value out of range: overflow")
        return r
    return op



def _like_regex(pattern: str, escape: str = "\\") -> re.Pattern:
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _like(ignore_case: bool, negate: bool) -> Callable[[str, str], bool]:
    cache: dict[str, re.Pattern] = {}

    def like(value: str, pattern: str) -> bool:
        rx = cache.get(pattern)
        if rx is None:
            rx = _like_regex(pattern.lower() if ignore_case else pattern)
            if len(cache) < 256:
                cache[pattern] = rx
        hit = rx.fullmatch(value.lower() if ignore_case else value) is not None
        return hit != negate
    return like


class InvalidRegularExpression(errors.BorealisError):
    sqlstate = "2201B"


def _regex(ignore_case: bool, negate: bool) -> Callable[[str, str], bool]:
    def match(value: str, pattern: str) -> bool:
        try:
            rx = re.compile(pattern, re.ASCII | (re.IGNORECASE if ignore_case else 0))
        except re.error as exc:
            raise InvalidRegularExpression(f"invalid regular expression: {exc}") from None
        return (rx.search(value) is not None) != negate
    return match


LIKE_OPS = {"~~": (False, False), "!~~": (False, True), "~~*": (True, False), "!~~*": (True, True)}
REGEX_OPS = {"~": (False, False), "!~": (False, True), "~*": (True, False), "!~*": (True, True)}


def _text_out(oid: int) -> Callable[[Any], str]:
    info = T.type_by_oid(oid)
    return info.text_out if info is not None else str


def bind_operator(name: str, left: Expr | None, right: Expr) -> Expr:
    """Resolve `left name right` (left None for a prefix operator)."""
    if left is None:
        return _prefix(name, right)
    if name in COMPARISONS:
        fn, pushdown = COMPARISONS[name]
        try:
            target, (a, b) = C.unify([left, right], "operator")
        except errors.DatatypeMismatch:
            # Different categories ("char" = varchar, name = text[] elements, ...): like
            # PostgreSQL, fall back to text = text when both sides cast to text implicitly.
            if not (T.implicit_cast(left.oid, TEXT) and T.implicit_cast(right.oid, TEXT)):
                raise
            target, a, b = TEXT, C.coerce(left, TEXT), C.coerce(right, TEXT)
        if T.type_by_oid(target) is not None and target in (JSON,):
            raise errors.UndefinedFunction(f"operator does not exist: json {name} json")
        if target == BPCHAR:  # trailing blanks are insignificant in character(n)
            return Call(BOOL, name=name, fn=lambda x, y: fn(x.rstrip(" "), y.rstrip(" ")),
                        args=(a, b))
        if target in (FLOAT4, FLOAT8, NUMERIC):
            return Call(BOOL, name=name, fn=_float_compare(fn), args=(a, b), pushdown_op=pushdown)
        return Call(BOOL, name=name, fn=fn, args=(a, b), pushdown_op=pushdown)
    if name in LIKE_OPS:
        a, b = C.coerce(left, TEXT), C.coerce(right, TEXT)
        return Call(BOOL, name=name, fn=_like(*LIKE_OPS[name]), args=(a, b))
    if name in REGEX_OPS:
        a, b = C.coerce(left, TEXT), C.coerce(right, TEXT)
        return Call(BOOL, name=name, fn=_regex(*REGEX_OPS[name]), args=(a, b))
    if name == "||":
        return _concat(left, right)
    if name == "^@":
        a, b = C.coerce(left, TEXT), C.coerce(right, TEXT)
        return Call(BOOL, name=name, fn=lambda x, y: x.startswith(y), args=(a, b))
    if name in ("@>", "<@", "&&") and (T.element_type(left.oid) or T.element_type(right.oid)):
        return _array_set_op(name, left, right)
    if name in _BITWISE:
        return _bitwise(name, left, right)
    special = _temporal(name, left, right)
    if special is not None:
        return special
    from borealis.sql import jsonops  # json operators live beside the json functions
    json_expr = jsonops.bind(name, left, right)
    if json_expr is not None:
        return json_expr
    target, (a, b) = _numeric_operands(name, left, right)
    fn = _arith(name, target)
    if fn is None:
        raise _no_operator(name, left, right)
    return Call(target, name=name, fn=fn, args=(a, b))


def _numeric_operands(name: str, left: Expr, right: Expr) -> tuple[int, list[Expr]]:
    ltype = left.oid if left.oid != C.UNKNOWN else right.oid
    rtype = right.oid if right.oid != C.UNKNOWN else left.oid
    if ltype == C.UNKNOWN:
        ltype = rtype = NUMERIC
    if ltype not in C.NUMERIC_RANK or rtype not in C.NUMERIC_RANK:
        raise _no_operator(name, left, right)
    target = max(ltype, rtype, key=C.NUMERIC_RANK.__getitem__)
    if name == "^" and target in INT_RANGE:
        target = FLOAT8
    if target == FLOAT4 and ltype != rtype:
        target = FLOAT8  # float4 with another number: float48pl & co., as PostgreSQL picks
    return target, [C.coerce(left, target), C.coerce(right, target)]


def _no_operator(name: str, left: Expr, right: Expr) -> errors.BorealisError:
    return errors.UndefinedFunction(
        f"operator does not exist: {C.type_name(left.oid)} {name} {C.type_name(right.oid)}",
        hint="No operator matches the given name and argument types. "
             "You might need to add explicit type casts.")


def _prefix(name: str, arg: Expr) -> Expr:
    if name == "-":
        target = arg.oid if arg.oid != C.UNKNOWN else NUMERIC
        arg = C.coerce(arg, target)
        if target in INT_RANGE:
            return Call(target, name="-", fn=_checked(target, lambda a, _: -a),
                        args=(arg, arg))
        if target == NUMERIC:  # exact: `-` would round to the thread's 28 digits
            return Call(target, name="-", fn=_EXACT.minus, args=(arg,))
        if target in (FLOAT4, FLOAT8, INTERVAL):
            return Call(target, name="-", fn=operator.neg, args=(arg,))
    if name == "+":
        return arg
    if name == "@":
        from borealis.sql.functions import SCALARS
        return SCALARS["abs"](None, [arg])
    if name == "~" and arg.oid in INT_RANGE:
        return Call(arg.oid, name="~", fn=operator.invert, args=(arg,))
    raise errors.UndefinedFunction(f"operator does not exist: {name} {C.type_name(arg.oid)}")


def _concat(left: Expr, right: Expr) -> Expr:
    if left.oid in (JSONB,) and right.oid in (JSONB, C.UNKNOWN):
        from borealis.sql import jsonops
        return jsonops.bind("||", left, right)  # type: ignore[return-value]
    if BYTEA in (left.oid, right.oid) and {left.oid, right.oid} <= {BYTEA, C.UNKNOWN}:
        a, b = C.coerce(left, BYTEA), C.coerce(right, BYTEA)
        return Call(BYTEA, name="||", fn=operator.add, args=(a, b))
    if T.element_type(left.oid) is not None or T.element_type(right.oid) is not None:
        return _array_concat(left, right)
    ltext = _to_text_cast(left.oid) if left.oid not in (TEXT, C.UNKNOWN) else None
    rtext = _to_text_cast(right.oid) if right.oid not in (TEXT, C.UNKNOWN) else None
    a = left if ltext else C.coerce(left, TEXT)
    b = right if rtext else C.coerce(right, TEXT)
    lt, rt = ltext or str, rtext or str
    return Call(TEXT, name="||", fn=lambda x, y: lt(x) + rt(y), args=(a, b))


def _array_concat(left: Expr, right: Expr) -> Expr:
    """array || array, array || element, element || array (a NULL array is empty)."""
    larr, rarr = T.element_type(left.oid), T.element_type(right.oid)
    if larr is not None and (rarr is not None or right.oid == C.UNKNOWN):
        if right.oid == C.UNKNOWN or right.oid != left.oid:
            right = C.coerce(right, left.oid)
        return Call(left.oid, name="||", args=(left, right), strict=False,
                    fn=lambda x, y: None if x is None and y is None else A.concat(x or (), y or ()))
    if rarr is not None and (larr is None and left.oid == C.UNKNOWN):
        left = C.coerce(left, right.oid)
        return Call(right.oid, name="||", args=(left, right), strict=False,
                    fn=lambda x, y: None if x is None and y is None else A.concat(x or (), y or ()))
    if larr is not None:
        right = C.coerce(right, larr)
        return Call(left.oid, name="||", args=(left, right), strict=False,
                    fn=lambda x, y: A.one_dimensional(x or ()) + (y,))
    left = C.coerce(left, rarr)  # type: ignore[arg-type]
    return Call(right.oid, name="||", args=(left, right), strict=False,
                fn=lambda x, y: (x,) + A.one_dimensional(y or ()))


def _temporal(name: str, left: Expr, right: Expr) -> Expr | None:
    """Date/time arithmetic: date ± int, date - date, timestamp ± interval, ..."""
    from borealis.sql import datetime_ops
    return datetime_ops.bind(name, left, right)


def _to_text_cast(oid: int) -> Callable[[Any], str]:
    """A value as `value::text` shows it (anynonarray || text): bool is 'true', char(n)
    loses its padding."""
    if oid == BOOL:
        return lambda v: "true" if v else "false"
    if oid == BPCHAR:
        return lambda v: v.rstrip(" ")
    return _text_out(oid)


def _float_compare(fn: Callable[[Any, Any], bool]) -> Callable[[float, float], bool]:
    """PostgreSQL orders NaN above every other number (float or numeric) and equal to
    itself."""
    def compare(x: float, y: float) -> bool:
        if x != x or y != y:
            kx = (1, 0.0) if x != x else (0, x)
            ky = (1, 0.0) if y != y else (0, y)
            return fn(kx, ky)
        return fn(x, y)
    return compare


def _array_set_op(name: str, left: Expr, right: Expr) -> Expr:
    arr = left.oid if T.element_type(left.oid) else right.oid
    a, b = C.coerce(left, arr), C.coerce(right, arr)

    def contains(x: tuple, y: tuple) -> bool:  # dimensions do not matter
        x = A.flatten(x)
        return all(v is not None and v in x for v in A.flatten(y))

    def overlaps(x: tuple, y: tuple) -> bool:
        x = A.flatten(x)
        return any(v is not None and v in x for v in A.flatten(y))
    fn = {"@>": contains, "<@": lambda x, y: contains(y, x), "&&": overlaps}[name]
    return Call(BOOL, name=name, fn=fn, args=(a, b))


_BITWISE = {"&": operator.and_, "|": operator.or_, "#": operator.xor, "<<": None, ">>": None}


def _bitwise(name: str, left: Expr, right: Expr) -> Expr:
    if name in ("<<", ">>"):
        target = left.oid if left.oid in INT_RANGE else INT4
        a, b = C.coerce(left, target), C.coerce(right, INT4)
        bits = {INT2: 16, INT4: 32, INT8: 64}[target]

        def shift(x: int, n: int) -> int:
            n %= bits
            r = ((x << n) if name == "<<" else (x >> n)) & ((1 << bits) - 1)
            return r - (1 << bits) if r >= 1 << (bits - 1) else r
        return Call(target, name=name, fn=shift, args=(a, b))
    target, (a, b) = _numeric_operands(name, left, right)
    if target not in INT_RANGE:
        raise _no_operator(name, left, right)
    return Call(target, name=name, fn=_BITWISE[name], args=(a, b))
