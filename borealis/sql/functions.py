"""Functions: scalar, aggregate and set-returning, resolved at bind time.

Each scalar function is registered with `@scalar(name, ...)` as a *binder*: given the
bound argument expressions it checks and coerces them and returns a typed `Call`. That
keeps PostgreSQL's typing rules (overloads by argument type, unknown literals taking
the declared parameter type, polymorphic results) next to each implementation, with one
registry keyed by name (DESIGN.md §6).

Aggregates are accumulator classes (`add(args)`, `result()`); set-returning functions
return lists of row tuples (generate_series, unnest).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import types as T
from borealis.sql.deparse import quote_ident
from borealis.sql.expr import Call, Const, Expr
from borealis.sql.types import arrays as A

_EXACT = __import__("decimal").Context(prec=__import__("decimal").MAX_PREC)  # + - abs quantize: exact

BOOL, INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8, TEXT, UNKNOWN = 16, 21, 23, 20, 1700, 700, 701, 25, 705
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, BYTEA, JSON, JSONB = (
    1082, 1083, 1114, 1184, 1186, 2950, 17, 114, 3802)
NUMERICS = (INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8)
RECORD = 2249  # a row value (sql.types.records)

Binder = Any  # sql.bind.Binder (a cycle at import time)
ScalarBinder = Callable[[Binder, list[Expr]], Expr]
SCALARS: dict[str, ScalarBinder] = {}


def scalar(*names: str):
    def register(fn: ScalarBinder) -> ScalarBinder:
        for name in names:
            SCALARS[name] = fn
        return fn
    return register


def bind_function(binder: Binder, name: str, args: list[Expr], node: Any = None) -> Expr:
    fn = SCALARS.get(name)
    if fn is None:
        raise no_function(name, args)
    return fn(binder, args)


def _arity(name: str, args: list[Expr], *counts: int) -> None:
    if len(args) not in counts:
        raise no_function(name, args)


def _simple(name: str, arg_types: tuple[int, ...], result: int, fn: Callable, *,
            strict: bool = True, volatile: bool = False) -> ScalarBinder:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, len(arg_types))
        if any(_fits(a, t) is None for a, t in zip(args, arg_types)):
            raise no_function(name, args)
        coerced = tuple(binder.coerce(a, t) for a, t in zip(args, arg_types))
        return Call(result, name=name, fn=fn, args=coerced, strict=strict, volatile=volatile)
    return bind


def _text_fn(name: str, fn: Callable, result: int = TEXT, extra: tuple[int, ...] = ()) -> None:
    SCALARS[name] = _simple(name, (TEXT, *extra), result, fn)


# -- strings ------------------------------------------------------------------------

_text_fn("reverse", lambda s: s[::-1])
_text_fn("ascii", lambda s: ord(s[0]) if s else 0, INT4)
_text_fn("repeat", lambda s, n: _repeat(s, n), TEXT, (INT4,))
_text_fn("left", lambda s, n: s[:n] if n >= 0 else s[:n], TEXT, (INT4,))
_text_fn("right", lambda s, n: (s[-n:] if n > 0 else "") if n >= 0 else s[-n:], TEXT, (INT4,))
_text_fn("strpos", lambda s, sub: s.find(sub) + 1, INT4, (TEXT,))
_text_fn("starts_with", lambda s, p: s.startswith(p), BOOL, (TEXT,))
_text_fn("replace", lambda s, a, b: s.replace(a, b) if a else s, TEXT, (TEXT, TEXT))
_text_fn("split_part", lambda s, d, n: _split_part(s, d, n), TEXT, (TEXT, INT4))


TEXT_BYTES_MAX = (1 << 30) - 1  # PostgreSQL's MaxAllocSize: no varlena value is larger


def _repeat(s: str, n: int) -> str:
    if n <= 0 or not s:
        return ""
    if len(s.encode()) * n > TEXT_BYTES_MAX:
        raise errors.ProgramLimitExceeded(what="requested length too large")
    return s * n


def _split_part(s: str, delim: str, n: int) -> str:
    if n == 0:
        raise errors.InvalidParameterValue(what="field position must not be zero")
    parts = s.split(delim) if delim else [s]
    if n < 0:
        n = len(parts) + n + 1
    return parts[n - 1] if 1 <= n <= len(parts) else ""


@scalar("substring")
def _substring(binder: Binder, args: list[Expr]) -> Expr:
    """substring(s FROM start [FOR count]), or substring(s FROM pattern): a text (or
    untyped) second argument is a POSIX regular expression, and the result the part of
    `s` its first parenthesized group matched (the whole match without groups)."""
    if len(args) == 2 and args[1].oid in (TEXT, VARCHAR, BPCHAR, UNKNOWN):
        return Call(TEXT, name="substring", fn=_regex_substring,
                    args=tuple(binder.coerce(a, TEXT) for a in args))
    return _substr(binder, args)


def _regex_substring(s: str, pattern: str) -> str | None:
    m = _pg_regex(pattern).search(s)
    if m is None:
        return None
    return m.group(1) if m.re.groups else m.group(0)


@scalar("substr")
def _substr(binder: Binder, args: list[Expr]) -> Expr:
    _arity("substr", args, 2, 3)
    s = binder.coerce(args[0], TEXT)
    start = binder.coerce(args[1], INT4)
    if len(args) == 2:
        return Call(TEXT, name="substr", fn=lambda v, a: v[max(a - 1, 0):], args=(s, start))
    count = binder.coerce(args[2], INT4)

    def sub(v: str, a: int, n: int) -> str:
        if n < 0:
            raise errors.SubstringError(what="negative substring length not allowed")
        end = a - 1 + n
        return v[max(a - 1, 0):max(end, 0)]
    return Call(TEXT, name="substr", fn=sub, args=(s, start, count))


def _trim_binder(name: str, side: str) -> ScalarBinder:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 1, 2)
        coerced = tuple(binder.coerce(a, TEXT) for a in args)

        def trim(v: str, chars: str = " ") -> str:
            if side == "both":
                return v.strip(chars)
            return v.lstrip(chars) if side == "left" else v.rstrip(chars)
        return Call(TEXT, name=name, fn=trim, args=coerced)
    return bind


SCALARS["btrim"] = _trim_binder("btrim", "both")
SCALARS["trim"] = SCALARS["btrim"]
SCALARS["ltrim"] = _trim_binder("ltrim", "left")
SCALARS["rtrim"] = _trim_binder("rtrim", "right")


def _pad_binder(name: str, left: bool) -> ScalarBinder:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 2, 3)
        coerced = (binder.coerce(args[0], TEXT), binder.coerce(args[1], INT4),
                   *(binder.coerce(a, TEXT) for a in args[2:]))

        def pad(v: str, n: int, fill: str = " ") -> str:
            if n <= len(v):
                return v[:max(n, 0)]
            if not fill:
                return v
            need = n - len(v)
            filler = (fill * (need // len(fill) + 1))[:need]
            return filler + v if left else v + filler
        return Call(TEXT, name=name, fn=pad, args=coerced)
    return bind


SCALARS["lpad"] = _pad_binder("lpad", True)
SCALARS["rpad"] = _pad_binder("rpad", False)


def _to_text(expr: Expr) -> Callable[[Any], str]:
    if expr.oid in (TEXT, UNKNOWN, 1043, 1042):
        return lambda v: v
    info = T.type_by_oid(expr.oid)
    return info.text_out if info is not None else str


def _concat(binder: Binder, args: list[Expr]) -> Expr:
    outs = [_to_text(a) for a in args]
    return Call(TEXT, name="concat", strict=False, args=tuple(args),
                fn=lambda *vs: "".join(o(v) for o, v in zip(outs, vs) if v is not None))


@scalar("concat_ws")
def _concat_ws(binder: Binder, args: list[Expr]) -> Expr:
    if not args:
        _arity("concat_ws", args, 1)
    sep = binder.coerce(args[0], TEXT)
    outs = [_to_text(a) for a in args[1:]]

    def join(s: str | None, *vs: Any) -> str | None:
        if s is None:
            return None
        return s.join(o(v) for o, v in zip(outs, vs) if v is not None)
    return Call(TEXT, name="concat_ws", strict=False, args=(sep, *args[1:]), fn=join)


@scalar("position")
def _position(binder: Binder, args: list[Expr]) -> Expr:
    _arity("position", args, 2)
    # pglast turns POSITION(a IN b) into position(b, a)
    return Call(INT4, name="position", fn=lambda s, sub: s.find(sub) + 1,
                args=(binder.coerce(args[0], TEXT), binder.coerce(args[1], TEXT)))


# -- math ---------------------------------------------------------------------------

def _numeric_arg(binder: Binder, arg: Expr) -> Expr:
    if arg.oid == UNKNOWN:
        return binder.coerce(arg, NUMERIC)
    if arg.oid not in NUMERICS:
        raise errors.UndefinedFunction(f"function does not accept type {C.type_name(arg.oid)}")
    return arg


@scalar("abs")
def _abs(binder: Binder, args: list[Expr]) -> Expr:
    _arity("abs", args, 1)
    a = _numeric_arg(binder, args[0])
    return Call(a.oid, name="abs", fn=_abs_fn(a.oid), args=(a,))


def _abs_fn(oid: int) -> Callable[[Any], Any]:
    limit = {INT2: (1 << 15, "smallint"), INT4: (1 << 31, "integer"), INT8: (1 << 63, "bigint")}
    if oid == NUMERIC:
        return _EXACT.abs  # abs() would round to the thread's 28 digits
    if oid not in limit:
        return abs
    top, word = limit[oid]

    def checked(v: int) -> int:
        if v == -top:
            raise errors.NumericValueOutOfRange(f"{word} out of range")
        return abs(v)
    return checked


def _round_numeric(v: Decimal, places: int, mode: str) -> Decimal:
    if not v.is_finite():
        return v
    q = Decimal(1).scaleb(-places)
    rounding = {"round": ROUND_HALF_UP, "trunc": "ROUND_DOWN", "ceil": "ROUND_CEILING",
                "floor": "ROUND_FLOOR"}[mode]
    result = v.quantize(q, rounding=rounding, context=_EXACT)
    return result if places >= 0 else result.quantize(Decimal(1), context=_EXACT)




@scalar("mod")
def _mod(binder: Binder, args: list[Expr]) -> Expr:
    _arity("mod", args, 2)
    from borealis.sql.operators import bind_operator
    return bind_operator("%", args[0], args[1])


@scalar("sign")
def _sign(binder: Binder, args: list[Expr]) -> Expr:
    _arity("sign", args, 1)
    a = _numeric_arg(binder, args[0])
    oid = a.oid if a.oid in (NUMERIC, FLOAT8, FLOAT4) else NUMERIC if a.oid != FLOAT8 else FLOAT8
    a = binder.coerce(a, oid)
    return Call(oid, name="sign", args=(a,),
                fn=lambda v: type(v)((v > 0) - (v < 0)))


@scalar("random")
def _random(binder: Binder, args: list[Expr]) -> Expr:
    _arity("random", args, 0)
    rng = binder.ctx.settings.random if binder.ctx.settings is not None else None
    fn = rng.random if rng is not None else (lambda: 0.5)
    return Call(FLOAT8, name="random", fn=fn, args=(), volatile=True)


@scalar("gen_random_uuid", "uuid_generate_v4")
def _uuid4(binder: Binder, args: list[Expr]) -> Expr:
    _arity("gen_random_uuid", args, 0)
    rng = binder.ctx.settings.random if binder.ctx.settings is not None else None
    fn = (lambda: uuid.UUID(bytes=rng.randbytes(16), version=4)) if rng is not None else uuid.uuid4
    return Call(UUID, name="gen_random_uuid", fn=fn, args=(), volatile=True)


# -- conditional and system -----------------------------------------------------------

def _session_value(name: str, oid: int, getter: Callable[[Any], Any]) -> None:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 0)
        session = binder.ctx.settings
        return Call(oid, name=name, fn=lambda: getter(session), args=(), volatile=True)
    SCALARS[name] = bind


_session_value("version", TEXT, lambda s: s.version_string() if s else "PostgreSQL 16")
_session_value("current_database", TEXT, lambda s: "postgres")
_session_value("pg_backend_pid", INT4, lambda s: s.backend_pid() if s else 0)  # refused in DSQL mode
_session_value("sys.current_session_id", TEXT, lambda s: s.session_id if s else "")
_session_value("now", TIMESTAMPTZ, lambda s: s.transaction_timestamp())
_session_value("transaction_timestamp", TIMESTAMPTZ, lambda s: s.transaction_timestamp())
_session_value("statement_timestamp", TIMESTAMPTZ, lambda s: s.statement_timestamp())
_session_value("clock_timestamp", TIMESTAMPTZ, lambda s: s.clock_timestamp())
_session_value("inet_server_port", INT4, lambda s: 5432)


@scalar("current_setting")
def _current_setting(binder: Binder, args: list[Expr]) -> Expr:
    _arity("current_setting", args, 1, 2)
    session = binder.ctx.settings
    coerced = (binder.coerce(args[0], TEXT), *(binder.coerce(a, BOOL) for a in args[1:]))
    return Call(TEXT, name="current_setting", args=coerced, volatile=True,
                fn=lambda n, missing_ok=False: session.show(n, missing_ok=missing_ok))


@scalar("set_config")
def _set_config(binder: Binder, args: list[Expr]) -> Expr:
    _arity("set_config", args, 3)
    session = binder.ctx.settings
    coerced = (binder.coerce(args[0], TEXT), binder.coerce(args[1], TEXT), binder.coerce(args[2], BOOL))
    return Call(TEXT, name="set_config", args=coerced, volatile=True, strict=False,
                fn=lambda n, v, local: session.set(n, v, local=bool(local)))


def _sequence_function(name: str) -> None:
    """nextval, currval, setval, lastval: they need the session's sequence cache and
    I/O, so they bind to `qp.sequences.SequenceCall` nodes (see that module)."""
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        from borealis.qp.sequences import bind_sequence_function
        return bind_sequence_function(binder, name, args)
    SCALARS[name] = bind


for _name in ("nextval", "currval", "setval", "lastval"):
    _sequence_function(_name)


@scalar("pg_typeof")
def _pg_typeof(binder: Binder, args: list[Expr]) -> Expr:
    _arity("pg_typeof", args, 1)
    oid = args[0].oid
    return Const(TEXT, C.type_name(oid) if oid != UNKNOWN else "unknown")


def sql_value_function(binder: Binder, node: Any) -> Expr:
    from pglast.enums import SQLValueFunctionOp as Op
    session = binder.ctx.settings
    op = node.op
    if op in (Op.SVFOP_CURRENT_TIMESTAMP, Op.SVFOP_CURRENT_TIMESTAMP_N, Op.SVFOP_LOCALTIMESTAMP,
              Op.SVFOP_LOCALTIMESTAMP_N):
        oid = TIMESTAMPTZ if op in (Op.SVFOP_CURRENT_TIMESTAMP, Op.SVFOP_CURRENT_TIMESTAMP_N) else TIMESTAMP
        conv = (lambda v: v) if oid == TIMESTAMPTZ else (lambda v: v.replace(tzinfo=None))
        return Call(oid, name="now", fn=lambda: conv(session.transaction_timestamp()), args=(), volatile=True)
    if op == Op.SVFOP_CURRENT_DATE:
        return Call(DATE, name="current_date", fn=lambda: session.transaction_timestamp().date(),
                    args=(), volatile=True)
    if op in (Op.SVFOP_CURRENT_TIME, Op.SVFOP_CURRENT_TIME_N, Op.SVFOP_LOCALTIME, Op.SVFOP_LOCALTIME_N):
        return Call(TIME, name="current_time",
                    fn=lambda: session.transaction_timestamp().time().replace(tzinfo=None),
                    args=(), volatile=True)
    if op == Op.SVFOP_SESSION_USER:
        return Call(19, name="session_user", fn=lambda: session.user if session else "admin",
                    args=(), volatile=True)
    if op in (Op.SVFOP_CURRENT_USER, Op.SVFOP_USER, Op.SVFOP_CURRENT_ROLE):  # SET ROLE's
        return Call(19, name="current_user", fn=lambda: getattr(session, "current_user", None)
                    or getattr(session, "user", None) or "admin", args=(), volatile=True)
    if op == Op.SVFOP_CURRENT_SCHEMA:
        return SCALARS["current_schema"](binder, [])  # sql.catalog_functions
    if op == Op.SVFOP_CURRENT_CATALOG:
        return Const(19, "postgres")
    raise errors.FeatureNotSupported(what=f"{op.name} is not supported")


def sql_value_function_name(node: Any) -> str:
    name = node.op.name.removeprefix("SVFOP_").lower()
    return name.removesuffix("_n")


# -- aggregates -----------------------------------------------------------------------

class _Count:
    __slots__ = ("n", "star")

    def __init__(self, star: bool) -> None:
        self.n = 0
        self.star = star

    def add(self, args: tuple) -> None:
        if self.star or args[0] is not None:
            self.n += 1

    def result(self) -> int:
        return self.n


class _Sum:
    __slots__ = ("kind", "total")

    def __init__(self, kind: str) -> None:
        self.total: Any = None
        self.kind = kind

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is None:
            return
        if self.total is None:
            self.total = v
        elif type(v) is Decimal:
            self.total = _EXACT.add(self.total, v)  # no rounding to 28 digits
        else:
            self.total = self.total + v

    def result(self) -> Any:
        if self.total is not None and self.kind == "numeric" and isinstance(self.total, int):
            return Decimal(self.total)
        return self.total


class _Avg:
    __slots__ = ("count", "float", "total")

    def __init__(self, is_float: bool) -> None:
        self.total: Any = 0
        self.count = 0
        self.float = is_float

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is not None:
            self.total = _EXACT.add(self.total, v) if type(v) is Decimal else self.total + v
            self.count += 1

    def result(self) -> Any:
        if not self.count:
            return None
        if self.float:
            return self.total / self.count
        from borealis.sql.operators import _num_div
        return _num_div(Decimal(self.total), Decimal(self.count))


def _greater(a: Any, b: Any) -> bool:
    """a > b, with NaN above every number (PostgreSQL's float and numeric order)."""
    if b != b:
        return False
    if a != a:
        return True
    return a > b


class _MinMax:
    """min/max: like PostgreSQL's larger()/smaller(), a later equal value replaces the
    kept one (1.0 then 1.00 gives 1.00)."""

    __slots__ = ("best", "pick")

    def __init__(self, pick: Callable) -> None:
        self.best: Any = None
        self.pick = window_better("max" if pick is max else "min")

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is not None and (self.best is None or not self.pick(self.best, v)):
            self.best = v

    def result(self) -> Any:
        return self.best


class _BoolAgg:
    __slots__ = ("every", "value")

    def __init__(self, every: bool) -> None:
        self.value: Any = None
        self.every = every

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is None:
            return
        if self.value is None:
            self.value = v
        else:
            self.value = (self.value and v) if self.every else (self.value or v)

    def result(self) -> Any:
        return self.value


class _Variance:
    """var_samp/var_pop/stddev_samp/stddev_pop as PostgreSQL computes them: floats by
    the Youngs-Cramer running sums (float8_accum), numerics (and integers) exactly,
    (N·Σx² − (Σx)²) / (N·(N−1)) at numeric division's scale, the square root at the
    same scale."""

    __slots__ = ("n", "root", "sample", "sx", "sxx", "float")

    def __init__(self, is_float: bool, sample: bool, root: bool) -> None:
        self.float, self.sample, self.root = is_float, sample, root
        self.n = 0
        self.sx: Any = 0.0 if is_float else Decimal(0)
        self.sxx: Any = 0.0 if is_float else Decimal(0)

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is None:
            return
        self.n += 1
        if not self.float:
            v = Decimal(v)
            self.sx = _EXACT.add(self.sx, v)
            self.sxx = _EXACT.add(self.sxx, _EXACT.multiply(v, v))
            return
        n = float(self.n)
        self.sx += v
        if self.n > 1:
            tmp = v * n - self.sx
            self.sxx += tmp * tmp / (n * (n - 1.0))
        elif math.isinf(v) or math.isnan(v):
            self.sxx = math.nan

    def result(self) -> Any:
        n = self.n
        if n == 0 or (self.sample and n == 1):
            return None
        if self.float:
            var = self.sxx / (n - 1.0 if self.sample else float(n))
            return math.sqrt(var) if self.root else var
        num = _EXACT.subtract(_EXACT.multiply(Decimal(n), self.sxx), _EXACT.multiply(self.sx, self.sx))
        if num <= 0:
            return Decimal(0)
        from borealis.sql.operators import _num_div
        var = _num_div(num, Decimal(n * (n - 1) if self.sample else n * n))
        return _sqrt_to(var, _dscale(var)) if self.root else var


class _BitAgg:
    __slots__ = ("op", "value")

    def __init__(self, op: Callable[[int, int], int]) -> None:
        self.value: Any = None
        self.op = op

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is not None:
            self.value = v if self.value is None else self.op(self.value, v)

    def result(self) -> Any:
        return self.value


class _OrderedSet:
    """percentile_cont, percentile_disc and mode: the values come in the WITHIN GROUP
    order (`plan._replay`), each with the direct argument (the fraction, or fractions)."""

    __slots__ = ("fraction", "kind", "values")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.values: list = []
        self.fraction: Any = None

    def add(self, args: tuple) -> None:
        if self.kind != "mode":
            self.fraction = args[0]
        if args[-1] is not None:
            self.values.append(args[-1])

    def result(self) -> Any:
        values = self.values
        if not values:
            return None
        if self.kind == "mode":
            best, best_n, prev, n = None, 0, None, 0
            for v in values:
                n = n + 1 if n and v == prev else 1
                prev = v
                if n > best_n:
                    best, best_n = v, n
            return best
        if self.fraction is None:
            return None
        if isinstance(self.fraction, tuple):  # an array of fractions: an array of values
            return tuple(None if f is None else self._at(f) for f in A.flatten(self.fraction))
        return self._at(self.fraction)

    def _at(self, fraction: float) -> Any:
        if not 0 <= fraction <= 1:  # NaN too
            raise errors.NumericValueOutOfRange(f"percentile value {fraction:g} is not between 0 and 1")
        values, count = self.values, len(self.values)
        if self.kind == "percentile_disc":
            return values[max(math.ceil(fraction * count), 1) - 1]
        at = fraction * (count - 1)
        first, second = math.floor(at), math.ceil(at)
        if first == second:
            return values[first]
        low, high = values[first], values[second]
        if isinstance(low, float):
            return low + (high - low) * (at - first)
        from borealis.sql.datetime_ops import interval_mul
        return low + interval_mul(high - low, at - first)


class _StringAgg:
    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[tuple[str, str | None]] = []

    def add(self, args: tuple) -> None:
        if args[0] is not None:
            self.parts.append((args[0], args[1] if len(args) > 1 else None))

    def result(self) -> Any:
        if not self.parts:
            return None
        out = [self.parts[0][0]]
        for value, sep in self.parts[1:]:
            out.append((sep or "") + value)
        return "".join(out)


class _ArrayAgg:
    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, args: tuple) -> None:
        self.items.append(args[0])

    def result(self) -> Any:
        return tuple(self.items) if self.items else None


class _ArraysAgg:
    """array_agg(anyarray): the arrays stacked along a new first dimension."""

    __slots__ = ("items",)

    def __init__(self) -> None:
        self.items: list[Any] = []

    def add(self, args: tuple) -> None:
        self.items.append(args[0])

    def result(self) -> Any:
        return A.accumulate(self.items) if self.items else None


_JSON_AGGREGATES = frozenset({"json_agg", "jsonb_agg", "json_object_agg", "jsonb_object_agg"})
_STATISTICS = frozenset({"variance", "var_samp", "var_pop", "stddev", "stddev_samp", "stddev_pop"})
_BITWISE = {"bit_and": int.__and__, "bit_or": int.__or__, "bit_xor": int.__xor__}
ORDERED_SET = frozenset({"percentile_cont", "percentile_disc", "mode"})  # WITHIN GROUP
AGGREGATES = frozenset({"count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every",
                        "string_agg", "array_agg"}) | _JSON_AGGREGATES | _STATISTICS \
    | frozenset(_BITWISE) | ORDERED_SET


def is_aggregate(name: str) -> bool:
    return name in AGGREGATES


# -- aggregates as window functions (sql.window) ---------------------------------------

def window_aggregate_kind(agg: Any) -> str | None:
    """How `sql.window` may compute an aggregate over sliding frames without feeding
    every frame row by row: count, bool (bool_and/bool_or), sum (sum/avg of integers
    and numerics, which add exactly), minmax; None for the rest."""
    name = agg.name
    if name == "count":
        return "count"
    if name in ("bool_and", "bool_or", "every"):
        return "bool"
    if name in ("sum", "avg") and agg.args and agg.args[0].oid in (INT2, INT4, INT8, NUMERIC):
        return "sum"
    if name in ("min", "max"):
        return "minmax"
    return None


def window_sum_result(agg: Any, total: Any, count: int) -> Any:
    """The value of a "sum"-kind aggregate from its frame's exact total and count of
    non-null values (the same results as `_Sum` and `_Avg`)."""
    if not count:
        return None
    if agg.name == "sum":
        return Decimal(total) if agg.oid == NUMERIC and isinstance(total, int) else total
    from borealis.sql.operators import _num_div
    return _num_div(Decimal(total), Decimal(count))


def window_better(name: str) -> Callable[[Any, Any], bool]:
    """For min or max: whether the kept value `a` beats a new value `b`."""
    if name == "max":
        return _greater
    return lambda a, b: _greater(b, a)


def bind_aggregate(binder: Binder, name: str, args: list[Expr], *, star: bool, distinct: bool):
    from borealis.sql.plan import AggCall
    if name == "count":
        if star:
            return AggCall(name, [], lambda: _Count(True), INT8, distinct, star=True)
        _arity(name, args, 1)
        return AggCall(name, args, lambda: _Count(False), INT8, distinct)
    if star:
        raise errors.SyntaxError(what=f"{name}(*) is not valid")
    if name in _JSON_AGGREGATES:
        return _bind_json_aggregate(binder, name, args, distinct)
    if name == "avg" and len(args) == 1 and args[0].oid == INTERVAL:
        return AggCall(name, [args[0]], _IntervalAvg, INTERVAL, distinct)
    if name in ("sum", "avg"):
        _arity(name, args, 1)
        a = _numeric_arg(binder, args[0]) if args[0].oid != INTERVAL else args[0]
        if name == "sum":
            oid = {INT2: INT8, INT4: INT8, INT8: NUMERIC, FLOAT4: FLOAT4}.get(a.oid, a.oid)
            kind = "numeric" if oid == NUMERIC else "other"
            return AggCall(name, [a], lambda: _Sum(kind), oid, distinct)
        is_float = a.oid in (FLOAT4, FLOAT8)
        oid = FLOAT8 if is_float else NUMERIC
        return AggCall(name, [a], lambda: _Avg(is_float), oid, distinct)
    if name in ("min", "max"):
        _arity(name, args, 1)
        a = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
        pick = min if name == "min" else max
        return AggCall(name, [a], lambda: _MinMax(pick), a.oid, distinct)
    if name in _STATISTICS:
        _arity(name, args, 1)
        if args[0].oid not in (*NUMERICS, UNKNOWN):
            raise no_function(name, args)
        a = _numeric_arg(binder, args[0])
        is_float = a.oid in (FLOAT4, FLOAT8)
        sample, root = not name.endswith("_pop"), name.startswith("stddev")
        return AggCall(name, [a], lambda: _Variance(is_float, sample, root),
                       FLOAT8 if is_float else NUMERIC, distinct)
    if name in _BITWISE:
        _arity(name, args, 1)
        a = binder.coerce(args[0], INT4) if args[0].oid == UNKNOWN else args[0]
        if a.oid not in (INT2, INT4, INT8):
            raise no_function(name, [a])
        op = _BITWISE[name]
        return AggCall(name, [a], lambda: _BitAgg(op), a.oid, distinct)
    if name in ORDERED_SET:  # without WITHIN GROUP
        raise no_function(name, args)
    if name in ("bool_and", "bool_or", "every"):
        _arity(name, args, 1)
        a = binder.coerce(args[0], BOOL)
        every = name != "bool_or"
        return AggCall(name, [a], lambda: _BoolAgg(every), BOOL, distinct)
    if name == "string_agg":
        _arity(name, args, 2)
        coerced = [binder.coerce(a, TEXT) for a in args]
        return AggCall(name, coerced, _StringAgg, TEXT, distinct)
    if name == "array_agg":
        _arity(name, args, 1)
        a = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
        if T.element_type(a.oid) is not None and a.oid not in (T.INT2VECTOR, T.OIDVECTOR):
            return AggCall(name, [a], _ArraysAgg, a.oid, distinct)  # one more dimension
        array = T.array_type(a.oid)
        if array is None:
            raise errors.FeatureNotSupported(what=f"array_agg of {C.type_name(a.oid)} is not supported")
        return AggCall(name, [a], _ArrayAgg, array, distinct)
    raise errors.UndefinedFunction(f"function {name} does not exist")


def bind_ordered_set(binder: Binder, name: str, direct: list[Expr], value: Expr):
    """`name(direct) WITHIN GROUP (ORDER BY value)`: its AggCall, whose arguments are the
    direct ones and then the value (the caller sets the order)."""
    from borealis.sql.plan import AggCall
    if name not in ORDERED_SET or len(direct) != (0 if name == "mode" else 1):
        raise no_function(name, [*direct, value])
    if name == "mode":
        return AggCall(name, [value], lambda: _OrderedSet(name), value.oid)
    fraction = direct[0]
    many = T.element_type(fraction.oid) is not None
    if _fits(fraction, T.array_type(FLOAT8) if many else FLOAT8) is None or (
            name == "percentile_cont" and value.oid != INTERVAL and _fits(value, FLOAT8) is None):
        raise no_function(name, [*direct, value])
    fraction = binder.coerce(fraction, T.array_type(FLOAT8) if many else FLOAT8)
    if name == "percentile_cont" and value.oid != INTERVAL:
        value = binder.coerce(value, FLOAT8)
    oid = T.array_type(value.oid) if many else value.oid
    return AggCall(name, [fraction, value], lambda: _OrderedSet(name), oid)


# -- set-returning functions ----------------------------------------------------------

SERIES_ROWS_MAX = 10_000_000


def set_returning(binder: Binder, name: str, args: list[Expr]):
    """(fn(*values) -> rows, output types, coerced args) for a FROM-clause function."""
    json_srf = _json_set_returning(binder, name, args)
    if json_srf is not None:
        return json_srf
    if name == "generate_series":
        _arity(name, args, 2, 3)
        kinds = {a.oid for a in args}
        if kinds & {TIMESTAMP, TIMESTAMPTZ, DATE}:
            oid = TIMESTAMPTZ if TIMESTAMPTZ in kinds else TIMESTAMP
            coerced = [binder.coerce(args[0], oid), binder.coerce(args[1], oid),
                       binder.coerce(args[2], INTERVAL)] if len(args) == 3 else None
            if coerced is None:
                raise errors.UndefinedFunction("generate_series of timestamps needs a step")
            return _time_series, [oid], coerced
        oid = max((a.oid if a.oid in (INT4, INT8, NUMERIC) else INT4 for a in args),
                  key=C.NUMERIC_RANK.get)
        coerced = [binder.coerce(a, oid) for a in args]
        return _series, [oid], coerced
    if name == "unnest":
        _arity(name, args, 1)
        elem = T.element_type(args[0].oid)
        if elem is None:
            raise errors.UndefinedFunction(f"function unnest({C.type_name(args[0].oid)}) does not exist")
        return (lambda arr: [(v,) for v in A.flatten(arr)] if arr is not None else []), \
            [elem], args
    raise errors.UndefinedFunction(f"function {name} does not exist")


def _series(start: Any, stop: Any, step: Any = 1) -> list[tuple]:
    if start is None or stop is None or step is None:
        return []
    if step == 0:
        raise errors.InvalidParameterValue(what="step size cannot equal zero")
    count = int((stop - start) // step) + 1 if (stop - start) * step >= 0 else 0
    if count > SERIES_ROWS_MAX:
        raise errors.OutOfMemory(what="generate_series would produce too many rows")
    return [(start + i * step,) for i in range(max(count, 0))]


def _time_series(start: Any, stop: Any, step: Any) -> list[tuple]:
    if start is None or stop is None or step is None:
        return []
    out = []
    current = start
    from borealis.sql.datetime_ops import add_interval
    forward = add_interval(start, step) > start
    if add_interval(start, step) == start:
        raise errors.InvalidParameterValue(what="step size cannot equal zero")
    while (current <= stop) if forward else (current >= stop):
        out.append((current,))
        if len(out) > SERIES_ROWS_MAX:
            raise errors.OutOfMemory(what="generate_series would produce too many rows")
        current = add_interval(current, step)
    return out


# -- window functions -----------------------------------------------------------------

WINDOW_FUNCTIONS = frozenset({"row_number", "rank", "dense_rank", "percent_rank", "cume_dist",
                              "ntile", "lag", "lead", "first_value", "last_value", "nth_value"})


def bind_window(binder: Binder, name: str, args: list[Expr]) -> tuple[int, list[Expr]]:
    """(result type, coerced args) of a window-only function."""
    if name not in WINDOW_FUNCTIONS:
        raise errors.UndefinedFunction(f"function {name} is not a window function or aggregate")
    if name in ("row_number", "rank", "dense_rank"):
        _arity(name, args, 0)
        return INT8, []
    if name in ("percent_rank", "cume_dist"):
        _arity(name, args, 0)
        return FLOAT8, []
    if name == "ntile":
        _arity(name, args, 1)
        return INT4, [binder.coerce(args[0], INT4)]
    if name in ("lag", "lead"):
        _arity(name, args, 1, 2, 3)
        value = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
        rest = [binder.coerce(args[1], INT4)] if len(args) > 1 else []
        if len(args) > 2:
            rest.append(binder.coerce(args[2], value.oid))
        return value.oid, [value, *rest]
    _arity(name, args, 1 if name != "nth_value" else 2)
    value = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
    rest = [binder.coerce(args[1], INT4)] if name == "nth_value" else []
    return value.oid, [value, *rest]


# -- overload resolution for the functions below ---------------------------------------

VARCHAR, BPCHAR, NAME_OID = 1043, 1042, 19
TEXT_ARRAY, INT4_ARRAY = 1009, 1007


def no_function(name: str, args: list[Expr]) -> errors.BorealisError:
    return errors.UndefinedFunction(
        f"function {name}({', '.join(C.type_name(a.oid) for a in args)}) does not exist",
        hint="No function matches the given name and argument types. "
             "You might need to add explicit type casts.")


def _fits(arg: Expr, want: int) -> int | None:
    """2 for an exact type match, 1 for an implicit cast (or an unknown literal), None."""
    if arg.oid == want:
        return 2
    if arg.oid == UNKNOWN or T.can_coerce(arg.oid, want, "implicit"):
        return 1
    return None


def _pick(binder: Binder, name: str, args: list[Expr],
          candidates: list[tuple[tuple[int, ...], int, Callable]], *, strict: bool = True,
          volatile: bool = False) -> Expr:
    """PostgreSQL's function resolution over `candidates` (arg types, result, fn): the
    one with the most exact matches wins; ties go to the earlier (preferred) one."""
    best = None
    best_score = -1
    for types, result, fn in candidates:
        if len(types) != len(args):
            continue
        scores = [_fits(a, t) for a, t in zip(args, types)]
        if any(s is None for s in scores):
            continue
        score = sum(s == 2 for s in scores)  # type: ignore[misc]
        if score > best_score:
            best, best_score = (types, result, fn), score
    if best is None:
        raise no_function(name, args)
    types, result, fn = best
    coerced = tuple(binder.coerce(a, t) for a, t in zip(args, types))
    return Call(result, name=name, fn=fn, args=coerced, strict=strict, volatile=volatile)


def _register(name: str, *candidates: tuple[tuple[int, ...], int, Callable],
              strict: bool = True) -> None:
    SCALARS[name] = lambda binder, args: _pick(binder, name, args, list(candidates),
                                               strict=strict)


# -- date/time functions ---------------------------------------------------------------

from borealis.sql import datetime_ops as DT  # noqa: E402  (after the registry exists)


def _temporal_arg(binder: Binder, name: str, args: list[Expr], i: int, allowed: tuple[int, ...],
                  default: int) -> Expr:
    """`args[i]` of `name` as one of the `allowed` date/time types (42883 naming the call)."""
    arg = args[i]
    if arg.oid in allowed:
        return arg
    if arg.oid == DATE and DATE not in allowed:
        return binder.coerce(arg, TIMESTAMPTZ if TIMESTAMPTZ in allowed else TIMESTAMP)
    if arg.oid == UNKNOWN:
        return binder.coerce(arg, default)
    for oid in allowed:
        if T.can_coerce(arg.oid, oid, "implicit"):
            return binder.coerce(arg, oid)
    raise no_function(name, args)


@scalar("date_trunc")
def _date_trunc(binder: Binder, args: list[Expr]) -> Expr:
    _arity("date_trunc", args, 2)
    unit = binder.coerce(args[0], TEXT)
    value = _temporal_arg(binder, "date_trunc", args, 1, (TIMESTAMP, TIMESTAMPTZ, INTERVAL), TIMESTAMPTZ)
    oid = value.oid
    return Call(oid, name="date_trunc", fn=lambda u, v: DT.date_trunc(u, v, oid),
                args=(unit, value))


@scalar("timezone")
def _timezone(binder: Binder, args: list[Expr]) -> Expr:
    """timezone(zone, value) and `value AT TIME ZONE zone` (DT.at_time_zone): timestamp
    and timestamptz trade places; the zone is a name or an interval."""
    _arity("timezone", args, 2)
    where = args[0] if args[0].oid == INTERVAL else binder.coerce(args[0], TEXT)
    value = _temporal_arg(binder, "timezone", args, 1, (TIMESTAMPTZ, TIMESTAMP), TIMESTAMPTZ)
    oid = value.oid
    return Call(TIMESTAMP if oid == TIMESTAMPTZ else TIMESTAMPTZ, name="timezone",
                fn=lambda z, v: DT.at_time_zone(z, v, oid), args=(where, value))


def _extract_binder(name: str, as_float: bool) -> ScalarBinder:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 2)
        unit = binder.coerce(args[0], TEXT)
        allowed = (TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIME, DATE) if not as_float else (
            TIMESTAMP, TIMESTAMPTZ, INTERVAL, TIME, DATE)
        value = _temporal_arg(binder, name, args, 1, allowed, TIMESTAMPTZ)
        oid = value.oid
        if as_float:
            return Call(FLOAT8, name=name, args=(unit, value),
                        fn=lambda u, v: float(DT.extract(u, v, oid)))
        return Call(NUMERIC, name=name, fn=lambda u, v: DT.extract(u, v, oid), args=(unit, value))
    return bind


SCALARS["extract"] = _extract_binder("extract", False)
SCALARS["date_part"] = _extract_binder("date_part", True)


@scalar("age")
def _age(binder: Binder, args: list[Expr]) -> Expr:
    _arity("age", args, 1, 2)
    oid = TIMESTAMPTZ if any(a.oid in (TIMESTAMPTZ, DATE) for a in args) else TIMESTAMP
    if all(a.oid == TIMESTAMP for a in args):
        oid = TIMESTAMP
    coerced = tuple(binder.coerce(a, oid) for a in args)
    if len(args) == 2:
        return Call(INTERVAL, name="age", fn=DT.age, args=coerced)
    session = binder.ctx.settings

    def age_from_today(v: Any) -> Any:
        today = session.transaction_timestamp().replace(hour=0, minute=0, second=0, microsecond=0)
        return DT.age(today if v.tzinfo is not None else today.replace(tzinfo=None), v)
    return Call(INTERVAL, name="age", fn=age_from_today, args=coerced, volatile=True)


def _justify(name: str, fn: Callable) -> None:
    SCALARS[name] = _simple(name, (INTERVAL,), INTERVAL, fn)


_justify("justify_hours", DT.justify_hours)
_justify("justify_days", DT.justify_days)
_justify("justify_interval", DT.justify_interval)


@scalar("isfinite")
def _isfinite(binder: Binder, args: list[Expr]) -> Expr:
    _arity("isfinite", args, 1)
    value = _temporal_arg(binder, "isfinite", args, 0, (DATE, TIMESTAMP, TIMESTAMPTZ, INTERVAL), TIMESTAMPTZ)
    return Call(BOOL, name="isfinite", fn=lambda v: True, args=(value,))  # no infinities here


def _make_date(y: int, m: int, d: int) -> Any:
    import datetime as _dt
    try:
        return _dt.date(y if y > 0 else y + 1, m, d)
    except ValueError:
        raise errors.DatetimeFieldOverflow(
            f"date field value out of range: {y:04d}-{m:02d}-{d:02d}") from None


def _make_time(h: int, m: int, s: float) -> Any:
    import datetime as _dt
    usec = round(s * 1_000_000)
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= usec < 60_000_000):
        raise errors.DatetimeFieldOverflow(
            f"time field value out of range: {h:02d}:{m:02d}:{s:02g}")
    return _dt.time(h, m, usec // 1_000_000, usec % 1_000_000)


def _make_timestamp(y: int, mo: int, d: int, h: int, mi: int, s: float) -> Any:
    import datetime as _dt
    return _dt.datetime.combine(_make_date(y, mo, d), _make_time(h, mi, s))


def _make_interval(years: int = 0, months: int = 0, weeks: int = 0, days: int = 0,
                   hours: int = 0, mins: int = 0, secs: float = 0.0) -> Any:
    usec = round((hours * 3600 + mins * 60) * 1_000_000 + secs * 1_000_000)
    return T.Interval(years * 12 + months, weeks * 7 + days, usec)


SCALARS["make_date"] = _simple("make_date", (INT4, INT4, INT4), DATE, _make_date)
SCALARS["make_time"] = _simple("make_time", (INT4, INT4, FLOAT8), TIME, _make_time)
SCALARS["make_timestamp"] = _simple("make_timestamp", (INT4,) * 5 + (FLOAT8,), TIMESTAMP,
                                    _make_timestamp)
SCALARS["make_timestamptz"] = _simple(
    "make_timestamptz", (INT4,) * 5 + (FLOAT8,), TIMESTAMPTZ,
    lambda *a: _make_timestamp(*a).replace(tzinfo=__import__("datetime").UTC))


@scalar("make_interval")
def _make_interval_binder(binder: Binder, args: list[Expr]) -> Expr:
    _arity("make_interval", args, *range(0, 8))
    types = (INT4,) * 6 + (FLOAT8,)
    coerced = tuple(binder.coerce(a, t) for a, t in zip(args, types))
    return Call(INTERVAL, name="make_interval", fn=_make_interval, args=coerced)


@scalar("to_date")
def _to_date(binder: Binder, args: list[Expr]) -> Expr:
    _arity("to_date", args, 2)
    return Call(DATE, name="to_date", args=tuple(binder.coerce(a, TEXT) for a in args),
                fn=lambda s, f: DT.parse_formatted(s, f)[0].date())


@scalar("to_timestamp")
def _to_timestamp(binder: Binder, args: list[Expr]) -> Expr:
    import datetime as _dt
    _arity("to_timestamp", args, 1, 2)
    if len(args) == 1:
        def from_epoch(v: float) -> Any:
            if not math.isfinite(v):
                raise errors.FeatureNotSupported("infinite timestamps are not supported")
            usec = round(v * 1_000_000)
            try:
                return _dt.datetime(1970, 1, 1, tzinfo=_dt.UTC) + _dt.timedelta(microseconds=usec)
            except OverflowError:
                raise errors.DatetimeFieldOverflow("timestamp out of range") from None
        return Call(TIMESTAMPTZ, name="to_timestamp", fn=from_epoch,
                    args=(binder.coerce(args[0], FLOAT8),))
    return Call(TIMESTAMPTZ, name="to_timestamp", args=tuple(binder.coerce(a, TEXT) for a in args),
                fn=lambda s, f: DT.parse_formatted(s, f)[0].replace(tzinfo=_dt.UTC))


@scalar("to_char")
def _to_char(binder: Binder, args: list[Expr]) -> Expr:
    _arity("to_char", args, 2)
    fmt = binder.coerce(args[1], TEXT)
    value = args[0]
    if value.oid in (TIMESTAMP, TIMESTAMPTZ, INTERVAL, DATE, TIME):
        if value.oid == DATE:
            value = binder.coerce(value, TIMESTAMPTZ)
        if value.oid == TIME:
            value = binder.coerce(value, INTERVAL)
        oid = value.oid
        return Call(TEXT, name="to_char", fn=lambda v, f: DT.to_char_datetime(v, f, oid),
                    args=(value, fmt))
    value = _numeric_arg(binder, value)
    if value.oid in (INT2,):
        value = binder.coerce(value, INT4)
    return Call(TEXT, name="to_char", fn=_to_char_number, args=(value, fmt))


def _to_char_number(value: Any, fmt: str) -> str | None:
    """to_char(number, format): 9 0 . D , G S MI PR and FM, as PostgreSQL's NUM_processor
    lays them out (a sign slot before the first digit unless S/MI/PR place it; '#'s
    when the integer part does not fit)."""
    if not fmt:
        return None
    tokens, fm = _num_tokens(fmt)
    point = next((k for k, t in enumerate(tokens) if t in (".", "D")), -1)
    int_toks = tokens if point < 0 else tokens[:point]
    frac_toks = [] if point < 0 else tokens[point + 1:]
    int_pos = sum(t in ("9", "0") for t in int_toks)
    frac_pos = sum(t in ("9", "0") for t in frac_toks)
    if isinstance(value, float):
        if not math.isfinite(value):
            value = Decimal(0)  # NaN and infinities print as '#'s below
        number = format(abs(value), f".{frac_pos}f") if isinstance(value, float) else "0"
    else:
        rounded = abs(Decimal(value)).quantize(Decimal(1).scaleb(-frac_pos), rounding=ROUND_HALF_UP)
        number = f"{rounded:f}"
    negative = value < 0 and any(ch in "123456789" for ch in number)
    int_text, _, frac_text = number.partition(".")
    int_text = int_text.lstrip("0")
    overflow = len(int_text) > int_pos or (point >= 0 and int_pos == 0)
    if not int_text and point < 0:
        int_text = "0"  # a lone zero is significant when there is no fraction part
    body = _num_int_part(int_toks, int_text.rjust(int_pos), overflow, fm)
    if point >= 0:
        body += "." + _num_frac_part(frac_toks, frac_text.ljust(frac_pos, "0"), overflow, fm)
    if fm:
        body = body.lstrip(" ")
        if not overflow and not any(ch.isdigit() for ch in body):
            body = "0" + body
    if "PR" in tokens:
        if fm:
            return f"<{body}>" if negative else body
        return _sign_slot(body, "<" if negative else " ") + (">" if negative else " ")
    if "MI" in tokens:
        return body + ("-" if negative else "" if fm else " ")
    if tokens and tokens[-1] == "S" and "S" not in int_toks[:1]:
        return body + ("-" if negative else "+")
    if "S" in tokens:
        sign = "-" if negative else "+"
        return sign + body if fm else _sign_slot(body, sign)
    if fm:
        return ("-" if negative else "") + body
    return _sign_slot(body, "-" if negative else " ")


def _num_tokens(fmt: str) -> tuple[list[str], bool]:
    tokens, fm, i, up = [], False, 0, fmt.upper()
    while i < len(fmt):
        if up.startswith("FM", i):
            fm, i = True, i + 2
            continue
        word = next((w for w in ("MI", "PR", "PL", "SG") if up.startswith(w, i)), None)
        if word is not None:
            tokens.append(word)
            i += len(word)
            continue
        tokens.append(up[i] if up[i] in "90.DSG," else fmt[i])
        i += 1
    return tokens, fm


def _num_int_part(toks: list[str], digits: str, overflow: bool, fm: bool) -> str:
    zero_from = next((k for k, t in enumerate(t for t in toks if t in ("9", "0")) if t == "0"),
                     len(digits))
    out, k, started = [], 0, False
    for t in toks:
        if t in ("9", "0"):
            d = "#" if overflow else digits[k]
            if d == " " and k >= zero_from:
                d = "0"
            started = started or d != " "
            out.append(d)
            k += 1
        elif t in (",", "G"):
            out.append("," if started else "" if fm else " ")
        elif t not in ("S", "MI", "PR", "PL", "SG"):
            out.append(t)
    return "".join(out)


def _num_frac_part(toks: list[str], digits: str, overflow: bool, fm: bool) -> str:
    out: list[tuple[str, str]] = []
    k = 0
    for t in toks:
        if t in ("9", "0"):
            out.append(("#" if overflow else digits[k], t))
            k += 1
        elif t in (",", "G"):
            out.append((",", t))
        elif t not in ("S", "MI", "PR", "PL", "SG"):
            out.append((t, t))
    if fm and not overflow:  # FM drops trailing zeros that a '9' stands for
        while out and out[-1] == ("0", "9"):
            out.pop()
    return "".join(ch for ch, _ in out)


def _sign_slot(body: str, sign: str) -> str:
    """The sign in the blank just before the first printed character."""
    text = " " + body
    first = len(text) - len(text.lstrip(" "))
    return text[:first - 1] + sign + text[first:]


# -- more string functions ----------------------------------------------------------------


def _ascii_lower(s: str) -> str:
    # The C locale (lc_ctype = C): only ASCII letters change case.
    return s.translate(_LOWER)


def _ascii_upper(s: str) -> str:
    return s.translate(_UPPER)


_LOWER = {ord(c): ord(c.lower()) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_UPPER = {ord(c): ord(c.upper()) for c in "abcdefghijklmnopqrstuvwxyz"}


def _initcap(s: str) -> str:
    out, prev_alnum = [], False
    for ch in s:
        alnum = ch.isascii() and ch.isalnum()
        out.append((_ascii_lower(ch) if prev_alnum else _ascii_upper(ch)) if alnum else ch)
        prev_alnum = alnum
    return "".join(out)


_text_fn("lower", _ascii_lower)
_text_fn("upper", _ascii_upper)
_text_fn("initcap", _initcap)


def _chr(n: int) -> str:
    if n == 0:
        raise errors.InvalidParameterValue("null character not permitted")
    if n < 0 or n > 0x10FFFF or 0xD800 <= n <= 0xDFFF:
        raise errors.InvalidParameterValue(f"requested character too large for encoding: {n}")
    return chr(n)


SCALARS["chr"] = _simple("chr", (INT4,), TEXT, _chr)
_register("to_hex", ((INT4,), TEXT, lambda n: format(n & 0xFFFFFFFF, "x")),
          ((INT8,), TEXT, lambda n: format(n & 0xFFFFFFFFFFFFFFFF, "x")))


def _translate(s: str, src: str, dst: str) -> str:
    table: dict[int, int | None] = {}
    for i, ch in enumerate(src):
        if ord(ch) not in table:
            table[ord(ch)] = ord(dst[i]) if i < len(dst) else None
    return s.translate(table)


_text_fn("translate", _translate, TEXT, (TEXT, TEXT))

def quote_literal(s: str) -> str:
    body = s.replace("'", "''")
    if "\\" in s:
        return "E'" + body.replace("\\", "\\\\") + "'"
    return "'" + body + "'"


_text_fn("quote_ident", quote_ident)


@scalar("quote_literal", "quote_nullable")
def _quote_literal(binder: Binder, args: list[Expr]) -> Expr:
    _arity("quote_literal", args, 1)
    a = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT)
    out = _to_text(a)
    return Call(TEXT, name="quote_literal", args=(a,), strict=False,
                fn=lambda v: "NULL" if v is None else quote_literal(out(v)))


def _quote_literal_strict(binder: Binder, args: list[Expr]) -> Expr:
    call = _quote_literal(binder, args)
    return Call(TEXT, name="quote_literal", args=call.args,  # type: ignore[attr-defined]
                fn=call.fn)  # type: ignore[attr-defined]


SCALARS["quote_literal"] = _quote_literal_strict


def _pg_regex(pattern: str, flags: str = "") -> Any:
    import re
    opts = re.ASCII  # the C locale: \w, \d and case folding cover ASCII only
    for f in flags:
        if f == "i":
            opts |= re.IGNORECASE
        elif f not in "gcn":
            raise errors.InvalidParameterValue(f'invalid regular expression option: "{f}"')
    try:
        return re.compile(pattern, opts)
    except re.error as exc:
        from borealis.sql.operators import InvalidRegularExpression
        raise InvalidRegularExpression(f"invalid regular expression: {exc}") from None


def _regex_replacement(repl: str) -> Callable[[Any], str]:
    def expand(m: Any) -> str:
        out, i = [], 0
        while i < len(repl):
            ch = repl[i]
            if ch == "\\" and i + 1 < len(repl):
                nxt = repl[i + 1]
                if nxt.isdigit():
                    g = int(nxt)
                    out.append((m.group(g) or "") if g <= (m.re.groups or 0) else "")
                elif nxt == "&":
                    out.append(m.group(0))
                else:
                    out.append(nxt)
                i += 2
                continue
            if ch == "&":
                out.append(m.group(0))
            else:
                out.append(ch)
            i += 1
        return "".join(out)
    return expand


def _regexp_replace(s: str, pattern: str, repl: str, flags: str = "") -> str:
    rx = _pg_regex(pattern, flags)
    return rx.sub(_regex_replacement(repl), s, count=0 if "g" in flags else 1)


@scalar("regexp_replace")
def _regexp_replace_binder(binder: Binder, args: list[Expr]) -> Expr:
    _arity("regexp_replace", args, 3, 4)
    return Call(TEXT, name="regexp_replace", fn=_regexp_replace,
                args=tuple(binder.coerce(a, TEXT) for a in args))


def _regexp_match(s: str, pattern: str, flags: str = "") -> tuple | None:
    m = _pg_regex(pattern, flags).search(s)
    if m is None:
        return None
    return m.groups() if m.re.groups else (m.group(0),)


@scalar("regexp_match")
def _regexp_match_binder(binder: Binder, args: list[Expr]) -> Expr:
    _arity("regexp_match", args, 2, 3)
    return Call(TEXT_ARRAY, name="regexp_match", fn=_regexp_match,
                args=tuple(binder.coerce(a, TEXT) for a in args))


@scalar("regexp_like")
def _regexp_like(binder: Binder, args: list[Expr]) -> Expr:
    _arity("regexp_like", args, 2, 3)
    return Call(BOOL, name="regexp_like", args=tuple(binder.coerce(a, TEXT) for a in args),
                fn=lambda s, p, f="": _pg_regex(p, f).search(s) is not None)


@scalar("regexp_count")
def _regexp_count(binder: Binder, args: list[Expr]) -> Expr:
    _arity("regexp_count", args, 2)
    return Call(INT4, name="regexp_count", args=tuple(binder.coerce(a, TEXT) for a in args),
                fn=lambda s, p: len(_pg_regex(p).findall(s)))


def similar_to_regex(pattern: str, escape: str | None = "\\") -> str:
    """SQL's SIMILAR TO pattern as an anchored POSIX-style regular expression."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            import re
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch == ".":
            out.append("\\.")
        else:
            out.append(ch)
        i += 1
    return "^(?:" + "".join(out) + ")$"


@scalar("similar_to_escape", "similar_escape")
def _similar_to_escape(binder: Binder, args: list[Expr]) -> Expr:
    _arity("similar_to_escape", args, 1, 2)
    return Call(TEXT, name="similar_to_escape", args=tuple(binder.coerce(a, TEXT) for a in args),
                fn=similar_to_regex)


def _format(fmt: str | None, *values: Any, outs: list[Callable[[Any], str]]) -> str | None:
    if fmt is None:
        return None
    out, i, arg = [], 0, 0
    while i < len(fmt):
        ch = fmt[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        i += 1
        if i >= len(fmt):
            raise errors.InvalidParameterValue("unterminated format() type specifier")
        spec = fmt[i]
        if spec == "%":
            out.append("%")
            i += 1
            continue
        if spec not in "sIL":
            raise errors.InvalidParameterValue(f'unrecognized format() type specifier "{spec}"')
        if arg >= len(values):
            raise errors.InvalidParameterValue("too few arguments for format()")
        v = values[arg]
        text = None if v is None else outs[arg](v)
        arg += 1
        i += 1
        if spec == "s":
            out.append(text or "")
        elif spec == "I":
            if text is None:
                from borealis.sql.jsonops import NullValueNotAllowed
                raise NullValueNotAllowed("null values cannot be formatted as an SQL identifier")
            out.append(quote_ident(text))
        else:
            out.append("NULL" if text is None else quote_literal(text))
    return "".join(out)


@scalar("format")
def _format_binder(binder: Binder, args: list[Expr]) -> Expr:
    if not args:
        raise no_function("format", args)
    fmt = binder.coerce(args[0], TEXT)
    rest = [a if a.oid != UNKNOWN else binder.coerce(a, TEXT) for a in args[1:]]
    outs = [_to_text(a) for a in rest]
    return Call(TEXT, name="format", strict=False, args=(fmt, *rest),
                fn=lambda f, *vs: _format(f, *vs, outs=outs))


def _overlay(s: str, repl: str, start: int, count: int | None = None) -> str:
    if count is None:
        count = len(repl)
    if start < 1:
        raise errors.SubstringError("negative substring length not allowed")
    return s[:start - 1] + repl + s[start - 1 + count:]


@scalar("overlay")
def _overlay_binder(binder: Binder, args: list[Expr]) -> Expr:
    _arity("overlay", args, 3, 4)
    types = (TEXT, TEXT, INT4, INT4)
    return Call(TEXT, name="overlay", fn=_overlay,
                args=tuple(binder.coerce(a, t) for a, t in zip(args, types)))


# -- bytea ---------------------------------------------------------------------------------

def _encode(data: bytes, fmt: str) -> str:
    import base64
    kind = fmt.lower()
    if kind == "hex":
        return data.hex()
    if kind == "base64":
        text = base64.b64encode(data).decode()
        return "\n".join(text[i:i + 76] for i in range(0, len(text), 76))
    if kind == "escape":
        return "".join(chr(b) if 32 <= b < 127 and b != 92 else ("\\\\" if b == 92 else f"\\{b:03o}")
                       for b in data)
    raise errors.InvalidParameterValue(f'unrecognized encoding: "{fmt}"')


def _decode(text: str, fmt: str) -> bytes:
    import base64
    import binascii
    kind = fmt.lower()
    try:
        if kind == "hex":
            return bytes.fromhex(text)
        if kind == "base64":
            return base64.b64decode("".join(text.split()), validate=True)
        if kind == "escape":
            return T.type_by_oid(BYTEA).text_in(text, -1)
    except (ValueError, binascii.Error):
        raise errors.InvalidParameterValue(f"invalid {kind} data") from None
    raise errors.InvalidParameterValue(f'unrecognized encoding: "{fmt}"')


SCALARS["encode"] = _simple("encode", (BYTEA, TEXT), TEXT, _encode)
SCALARS["decode"] = _simple("decode", (TEXT, TEXT), BYTEA, _decode)


def _hash_fn(name: str, algo: str) -> None:
    import hashlib
    SCALARS[name] = _simple(name, (BYTEA,), BYTEA, lambda b: hashlib.new(algo, b).digest())


for _name in ("sha224", "sha256", "sha384", "sha512"):
    _hash_fn(_name, _name)

_register("md5", ((TEXT,), TEXT, lambda s: __import__("hashlib").md5(s.encode()).hexdigest()),
          ((BYTEA,), TEXT, lambda b: __import__("hashlib").md5(b).hexdigest()))
_register("length", ((TEXT,), INT4, len), ((BYTEA,), INT4, len),
          ((BPCHAR,), INT4, lambda s: len(s.rstrip(" "))))
_register("octet_length", ((TEXT,), INT4, lambda s: len(s.encode())), ((BYTEA,), INT4, len),
          ((BPCHAR,), INT4, lambda s: len(s.encode())))
_register("char_length", ((TEXT,), INT4, len), ((BPCHAR,), INT4, lambda s: len(s.rstrip(" "))))
SCALARS["character_length"] = SCALARS["char_length"]


# -- math: PostgreSQL's numeric precision rules and error codes -------------------------

NUMERIC_MIN_SIG_DIGITS = 16
NUMERIC_DISPLAY_SCALE_MAX = 1000


def _dscale(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def _quantize(d: Decimal, scale: int) -> Decimal:
    scale = max(0, min(scale, NUMERIC_DISPLAY_SCALE_MAX))
    return d.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP, context=_EXACT)


def _log_error(v: Any) -> errors.BorealisError:
    if v == 0:
        return _InvalidLogArg("cannot take logarithm of zero")
    return _InvalidLogArg("cannot take logarithm of a negative number")


class _InvalidLogArg(errors.BorealisError):
    sqlstate = "2201E"  # invalid_argument_for_logarithm


class _InvalidPowerArg(errors.BorealisError):
    sqlstate = "2201F"  # invalid_argument_for_power_function


def _ln_dweight(d: Decimal) -> int:
    """PostgreSQL's estimate_ln_dweight: the decimal weight of ln(d)."""
    if Decimal("0.9") <= d <= Decimal("1.1"):
        x = abs(d - 1)
        return x.adjusted() if x else 0
    ln = math.log(float(d)) if d < Decimal("1e300") else float(d.ln())
    return int(math.log10(abs(ln))) if ln else 0


def _num_sqrt(d: Decimal) -> Decimal:
    if d < 0:
        raise errors.InvalidArgumentForFunction("cannot take square root of a negative number")
    if not d.is_finite():
        return d
    weight = _nbase_weight(d)
    sweight = (weight + 1) * 4 // 2 - 1
    return _sqrt_to(d, max(NUMERIC_MIN_SIG_DIGITS - sweight, _dscale(d), 0))


def _sqrt_to(d: Decimal, scale: int) -> Decimal:
    """√d rounded half up to `scale` decimal places, every digit exact (the precision
    covers the root's integer digits too)."""
    from decimal import localcontext
    with localcontext() as ctx:
        ctx.prec = max(d.adjusted(), 0) // 2 + 1 + scale + 40
        return _quantize(d.sqrt(), scale)


def _nbase_weight(d: Decimal) -> int:
    """The weight of `d` in PostgreSQL's base-10000 digits."""
    if d == 0:
        return 0
    return d.adjusted() // 4


def _num_ln(d: Decimal) -> Decimal:
    from decimal import localcontext
    if d <= 0:
        raise _log_error(d)
    rscale = max(NUMERIC_MIN_SIG_DIGITS - _ln_dweight(d), _dscale(d), 0)
    with localcontext() as ctx:
        ctx.prec = rscale + 40
        return _quantize(d.ln(), rscale)


def _num_log(base: Decimal, d: Decimal) -> Decimal:
    from decimal import localcontext
    if base <= 0 or d <= 0:
        raise _log_error(base if base <= 0 else d)
    if base == 1:
        raise errors.DivisionByZero("division by zero")
    rscale = NUMERIC_MIN_SIG_DIGITS - (_ln_dweight(d) - _ln_dweight(base))
    rscale = max(rscale, _dscale(base), _dscale(d), 0)
    with localcontext() as ctx:
        ctx.prec = rscale + 40
        return _quantize(d.ln() / base.ln(), rscale)


def _num_log10(d: Decimal) -> Decimal:
    return _num_log(Decimal(10), d)


def _num_exp(d: Decimal) -> Decimal:
    from decimal import localcontext
    if d > 6000:
        raise errors.NumericValueOutOfRange("value overflows numeric format")
    val = float(d) * 0.434294481903252
    rscale = max(NUMERIC_MIN_SIG_DIGITS - int(val), _dscale(d), 0)
    with localcontext() as ctx:
        ctx.prec = rscale + max(int(val), 0) + 40
        return _quantize(d.exp(), rscale)


def num_power(base: Decimal, exp: Decimal) -> Decimal:
    """numeric ^ numeric with PostgreSQL's result scale."""
    from decimal import localcontext
    if base == 0 and exp < 0:
        raise _InvalidPowerArg("zero raised to a negative power is undefined")
    if base < 0 and exp != exp.to_integral_value():
        raise _InvalidPowerArg(
            "a negative number raised to a non-integer power yields a complex result")
    if exp == 0:
        return _quantize(Decimal(1), max(NUMERIC_MIN_SIG_DIGITS, _dscale(base), _dscale(exp)))
    if base == 0:
        return _quantize(Decimal(0), max(NUMERIC_MIN_SIG_DIGITS, _dscale(base), _dscale(exp)))
    weight = float(exp) * math.log10(abs(float(base))) if abs(base) < Decimal("1e300") else \
        float(exp * abs(base).log10())
    if weight > 131071 * 4:
        raise errors.NumericValueOutOfRange("value overflows numeric format")
    if exp == exp.to_integral_value():
        # PostgreSQL 15's power_var for an integer exponent: at least 16 decimals
        rscale = max(NUMERIC_MIN_SIG_DIGITS, _dscale(base))
    else:
        rscale = NUMERIC_MIN_SIG_DIGITS - int(weight)
        rscale = max(rscale, _dscale(base), _dscale(exp), 0)
    with localcontext() as ctx:
        ctx.prec = rscale + max(int(weight), 0) + 40
        if exp == exp.to_integral_value():
            result = base ** int(exp)
        else:
            result = (exp * base.ln()).exp()
        return _quantize(result, rscale)


def _float_checked(name: str, fn: Callable[..., float]) -> Callable[..., float]:
    def call(*args: float) -> float:
        try:
            r = fn(*args)
        except OverflowError:
            raise errors.NumericValueOutOfRange("value out of range: overflow") from None
        except ZeroDivisionError:
            raise errors.DivisionByZero("division by zero") from None
        except ValueError:
            raise errors.InvalidArgumentForFunction("input is out of range") from None
        if isinstance(r, complex):
            raise _InvalidPowerArg(
                "a negative number raised to a non-integer power yields a complex result")
        if math.isinf(r) and all(math.isfinite(a) for a in args):
            raise errors.NumericValueOutOfRange("value out of range: overflow")
        if r == 0 and name in ("exp", "power") and all(math.isfinite(a) for a in args) and \
                not any(a == 0 for a in args[:1]) and name == "exp":
            raise errors.NumericValueOutOfRange("value out of range: underflow")
        return r
    return call


def _float_power(a: float, b: float) -> float:
    if a == 0 and b < 0:
        raise _InvalidPowerArg("zero raised to a negative power is undefined")
    if a < 0 and b != math.floor(b):
        raise _InvalidPowerArg(
            "a negative number raised to a non-integer power yields a complex result")
    return math.pow(a, b)


def _float_ln(v: float) -> float:
    if v <= 0:
        raise _log_error(v)
    return math.log(v)


def _float_log10(v: float) -> float:
    if v <= 0:
        raise _log_error(v)
    return math.log10(v)


def _float_sqrt(v: float) -> float:
    if v < 0:
        raise errors.InvalidArgumentForFunction("cannot take square root of a negative number")
    return math.sqrt(v)


def _float_cbrt(v: float) -> float:
    return math.cbrt(v)  # the C library's cbrt(), as PostgreSQL's dcbrt calls it


def _fn_pair(name: str, float_fn: Callable, num_fn: Callable | None) -> None:
    f = _float_checked(name, float_fn)
    cands = [((FLOAT8,), FLOAT8, f)]
    if num_fn is not None:
        cands.append(((NUMERIC,), NUMERIC, num_fn))
    _register(name, *cands)


_fn_pair("sqrt", _float_sqrt, _num_sqrt)
_fn_pair("exp", math.exp, _num_exp)
_fn_pair("ln", _float_ln, _num_ln)
_fn_pair("log10", _float_log10, _num_log10)
_fn_pair("cbrt", _float_cbrt, None)
_register("log", ((FLOAT8,), FLOAT8, _float_checked("log", _float_log10)),
          ((NUMERIC,), NUMERIC, _num_log10),
          ((NUMERIC, NUMERIC), NUMERIC, _num_log))
_register("power", ((FLOAT8, FLOAT8), FLOAT8, _float_checked("power", _float_power)),
          ((NUMERIC, NUMERIC), NUMERIC, num_power))
SCALARS["pow"] = SCALARS["power"]


def _trig(name: str, fn: Callable[[float], float]) -> None:
    SCALARS[name] = _simple(name, (FLOAT8,), FLOAT8, _float_checked(name, fn))


for _name, _fn in (("sin", math.sin), ("cos", math.cos), ("tan", math.tan), ("asin", math.asin),
                   ("acos", math.acos), ("atan", math.atan), ("sinh", math.sinh),
                   ("cosh", math.cosh), ("tanh", math.tanh), ("degrees", math.degrees),
                   ("radians", math.radians), ("cot", lambda v: 1 / math.tan(v))):
    _trig(_name, _fn)
SCALARS["atan2"] = _simple("atan2", (FLOAT8, FLOAT8), FLOAT8, math.atan2)
SCALARS["pi"] = _simple("pi", (), FLOAT8, lambda: math.pi)


def _int_family(name: str, fn: Callable, result_same: bool = True) -> None:
    _register(name, ((INT4, INT4), INT4, _checked_int(fn, INT4)),
              ((INT8, INT8), INT8, _checked_int(fn, INT8)),
              ((NUMERIC, NUMERIC), NUMERIC, lambda a, b: Decimal(fn(int(a), int(b)))))


def _checked_int(fn: Callable, oid: int) -> Callable:
    bits = 31 if oid == INT4 else 63

    def call(a: int, b: int) -> int:
        r = fn(a, b)
        if not -(1 << bits) <= r < (1 << bits):
            raise errors.NumericValueOutOfRange(
                ("integer" if oid == INT4 else "bigint") + " out of range")
        return r
    return call


_int_family("gcd", math.gcd)
_int_family("lcm", math.lcm)


def _factorial(n: int) -> Decimal:
    if n < 0:
        raise errors.InvalidParameterValue("factorial of a negative number is undefined")
    if n > 32177:
        raise errors.NumericValueOutOfRange("value overflows numeric format")
    return Decimal(math.factorial(n))


SCALARS["factorial"] = _simple("factorial", (INT8,), NUMERIC, _factorial)


def _div(a: Decimal, b: Decimal) -> Decimal:
    if b == 0:
        raise errors.DivisionByZero("division by zero")
    q = abs(a) // abs(b)
    return Decimal(q if (a >= 0) == (b >= 0) else -q)


SCALARS["div"] = _simple("div", (NUMERIC, NUMERIC), NUMERIC, _div)


def _width_bucket(v: Any, lo: Any, hi: Any, count: int) -> int:
    if count <= 0:
        raise _InvalidWidthBucket("count must be greater than zero")
    if lo == hi:
        raise _InvalidWidthBucket("lower bound cannot equal upper bound")
    if lo < hi:
        if v < lo:
            return 0
        if v >= hi:
            return count + 1
        return int((v - lo) * count / (hi - lo)) + 1
    if v > lo:
        return 0
    if v <= hi:
        return count + 1
    return int((lo - v) * count / (lo - hi)) + 1


class _InvalidWidthBucket(errors.BorealisError):
    sqlstate = "2201G"


_register("width_bucket", ((FLOAT8, FLOAT8, FLOAT8, INT4), INT4, _width_bucket),
          ((NUMERIC, NUMERIC, NUMERIC, INT4), INT4, _width_bucket))


def _trim_scale(d: Decimal) -> Decimal:
    if not d.is_finite() or d == 0:
        return Decimal(0) if d == 0 else d
    n = d.normalize()
    return n.quantize(Decimal(1)) if _dscale(n) == 0 else n


SCALARS["scale"] = _simple("scale", (NUMERIC,), INT4, _dscale)
SCALARS["min_scale"] = _simple("min_scale", (NUMERIC,), INT4, lambda d: _dscale(_trim_scale(d)))
SCALARS["trim_scale"] = _simple("trim_scale", (NUMERIC,), NUMERIC, _trim_scale)


def _float_round(v: float) -> float:
    if not math.isfinite(v):
        return v
    return math.copysign(float(round(v)), v)  # rint(): half to even, keeps -0


def _float_trunc(v: float) -> float:
    return math.copysign(float(math.trunc(v)), v) if math.isfinite(v) else v


def _float_ceil(v: float) -> float:
    return math.copysign(float(math.ceil(v)), v) if math.isfinite(v) else v


def _float_floor(v: float) -> float:
    return float(math.floor(v)) if math.isfinite(v) else v


def _rounding(name: str, mode: str, float_fn: Callable[[float], float]) -> None:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 1, 2)
        if len(args) == 2:
            return Call(NUMERIC, name=name, fn=lambda v, p: _round_numeric(v, p, mode),
                        args=(binder.coerce(args[0], NUMERIC), binder.coerce(args[1], INT4)))
        a = args[0]
        if a.oid in (NUMERIC, UNKNOWN):
            return Call(NUMERIC, name=name, fn=lambda v: _round_numeric(v, 0, mode),
                        args=(binder.coerce(a, NUMERIC),))
        if _fits(a, FLOAT8) is None:
            raise no_function(name, args)
        return Call(FLOAT8, name=name, fn=float_fn, args=(binder.coerce(a, FLOAT8),))
    SCALARS[name] = bind


_rounding("round", "round", _float_round)
_rounding("trunc", "trunc", _float_trunc)
_rounding("ceil", "ceil", _float_ceil)
_rounding("ceiling", "ceil", _float_ceil)
_rounding("floor", "floor", _float_floor)


@scalar("concat")
def _concat_nonempty(binder: Binder, args: list[Expr]) -> Expr:
    if not args:
        raise no_function("concat", args)
    return _concat(binder, args)


@scalar("starts_with")
def _starts_with(binder: Binder, args: list[Expr]) -> Expr:
    _arity("starts_with", args, 2)
    return _pick(binder, "starts_with", args, [((TEXT, TEXT), BOOL, lambda s, p: s.startswith(p))])


# -- JSON functions ----------------------------------------------------------------------

from borealis.sql import jsonops as J  # noqa: E402


def _json_arg(binder: Binder, arg: Expr, oid: int) -> Expr:
    if arg.oid in (JSON, JSONB) and arg.oid == oid:
        return arg
    if arg.oid == UNKNOWN or arg.oid in (JSON, JSONB):
        return binder.coerce(arg, oid, context="explicit" if arg.oid != UNKNOWN else "implicit")
    raise no_function("json", [arg])


def _json_value_arg(binder: Binder, arg: Expr) -> Expr:
    return binder.coerce(arg, TEXT) if arg.oid == UNKNOWN else arg


def _json_pair(name: str, oid: int) -> None:
    kind = "jsonb" if oid == JSONB else "json"

    def typeof(binder: Binder, args: list[Expr]) -> Expr:
        _arity(f"{kind}_typeof", args, 1)
        return Call(TEXT, name=f"{kind}_typeof", fn=J.json_typeof,
                    args=(_json_arg(binder, args[0], oid),))

    def array_length(binder: Binder, args: list[Expr]) -> Expr:
        _arity(f"{kind}_array_length", args, 1)
        return Call(INT4, name=f"{kind}_array_length", fn=lambda d: J.json_array_length(d, oid),
                    args=(_json_arg(binder, args[0], oid),))

    def build_object(binder: Binder, args: list[Expr]) -> Expr:
        if len(args) % 2:
            raise errors.InvalidParameterValue(
                "argument list must have even number of elements",
                hint=f"The arguments of {kind}_build_object() must consist of alternating "
                     "keys and values.")
        vals = [_json_value_arg(binder, a) for a in args]
        oids = [v.oid for v in vals]

        def build(*values: Any) -> str:
            pairs = [(values[i], oids[i], values[i + 1], oids[i + 1])
                     for i in range(0, len(values), 2)]
            return J.json_build_object(pairs, oid)
        return Call(oid, name=f"{kind}_build_object", fn=build, args=tuple(vals), strict=False)

    def build_array(binder: Binder, args: list[Expr]) -> Expr:
        vals = [_json_value_arg(binder, a) for a in args]
        oids = [v.oid for v in vals]
        return Call(oid, name=f"{kind}_build_array", args=tuple(vals), strict=False,
                    fn=lambda *values: J.json_build_array(list(zip(values, oids)), oid))

    def to_json(binder: Binder, args: list[Expr]) -> Expr:
        _arity(f"to_{kind}", args, 1)
        a = _json_value_arg(binder, args[0])
        src = a.oid
        fn = (lambda v: J.to_jsonb(v, src)) if oid == JSONB else (lambda v: J.json_fragment(v, src))
        return Call(oid, name=f"to_{kind}", fn=fn, args=(a,))

    def strip(binder: Binder, args: list[Expr]) -> Expr:
        _arity(f"{kind}_strip_nulls", args, 1)
        return Call(oid, name=f"{kind}_strip_nulls", fn=lambda d: J.strip_nulls(d, oid),
                    args=(_json_arg(binder, args[0], oid),))

    def path(as_text: bool):
        fname = f"{kind}_extract_path" + ("_text" if as_text else "")

        def bind(binder: Binder, args: list[Expr]) -> Expr:
            if not args:
                raise no_function(fname, args)
            doc = _json_arg(binder, args[0], oid)
            keys = tuple(binder.coerce(a, TEXT) for a in args[1:])
            return Call(TEXT if as_text else oid, name=fname, args=(doc, *keys), strict=False,
                        fn=lambda d, *ks: None if d is None else
                        J.extract_path(d, ks, oid, as_text))
        return bind

    SCALARS[f"{kind}_typeof"] = typeof
    SCALARS[f"{kind}_array_length"] = array_length
    SCALARS[f"{kind}_build_object"] = build_object
    SCALARS[f"{kind}_build_array"] = build_array
    SCALARS[f"to_{kind}"] = to_json
    SCALARS[f"{kind}_strip_nulls"] = strip
    SCALARS[f"{kind}_extract_path"] = path(False)
    SCALARS[f"{kind}_extract_path_text"] = path(True)


_json_pair("json", JSON)
_json_pair("jsonb", JSONB)


@scalar("row_to_json")
def _row_to_json(binder: Binder, args: list[Expr]) -> Expr:
    _arity("row_to_json", args, 1, 2)
    if args[0].oid != RECORD or (len(args) == 2 and _fits(args[1], BOOL) is None):
        raise no_function("row_to_json", args)
    pretty = tuple(binder.coerce(a, BOOL) for a in args[1:])
    return Call(JSON, name="row_to_json", args=(args[0], *pretty),
                fn=lambda r, p=False: J.record_json(r, p))


@scalar("array_to_json")
def _array_to_json(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_to_json", args, 1, 2)
    elem = T.element_type(args[0].oid)
    if elem is None or (len(args) == 2 and _fits(args[1], BOOL) is None):
        raise no_function("array_to_json", args)
    pretty = tuple(binder.coerce(a, BOOL) for a in args[1:])
    return Call(JSON, name="array_to_json", args=(args[0], *pretty),
                fn=lambda a, p=False: J.array_json(a, elem, p))


@scalar("jsonb_pretty")
def _jsonb_pretty(binder: Binder, args: list[Expr]) -> Expr:
    _arity("jsonb_pretty", args, 1)
    return Call(TEXT, name="jsonb_pretty", fn=J.jsonb_pretty, args=(_json_arg(binder, args[0], JSONB),))


class _JsonAgg:
    __slots__ = ("items", "oid", "src")

    def __init__(self, oid: int, src: int) -> None:
        self.items: list[Any] = []
        self.oid, self.src = oid, src

    def add(self, args: tuple) -> None:
        self.items.append(args[0])

    def result(self) -> Any:
        if not self.items:
            return None
        if self.oid == JSONB:
            return J.json_text([J._sql_value_json(v, self.src) for v in self.items], JSONB)
        return J.json_agg_text(self.items, self.src)


class _JsonObjectAgg:
    __slots__ = ("koid", "oid", "pairs", "voids")

    def __init__(self, oid: int, koid: int, void: int) -> None:
        self.pairs: list[tuple[Any, Any]] = []
        self.oid, self.koid, self.voids = oid, koid, void

    def add(self, args: tuple) -> None:
        if args[0] is None:
            raise J.NullValueNotAllowed("field name must not be null")
        self.pairs.append((args[0], args[1]))

    def result(self) -> Any:
        if not self.pairs:
            return None
        if self.oid == JSONB:
            return J.json_build_object([(k, self.koid, v, self.voids) for k, v in self.pairs], JSONB)
        body = ", ".join(f"{J._escape(J._key_text(k, self.koid))} : {J.json_fragment(v, self.voids)}"
                         for k, v in self.pairs)
        return "{ " + body + " }"


def _bind_json_aggregate(binder: Binder, name: str, args: list[Expr], distinct: bool):
    from borealis.sql.plan import AggCall
    oid = JSONB if name.startswith("jsonb") else JSON
    if name.endswith("object_agg"):
        _arity(name, args, 2)
        k, v = (_json_value_arg(binder, a) for a in args)
        koid, void = k.oid, v.oid
        return AggCall(name, [k, v], lambda: _JsonObjectAgg(oid, koid, void), oid, distinct)
    _arity(name, args, 1)
    a = _json_value_arg(binder, args[0])
    src = a.oid
    return AggCall(name, [a], lambda: _JsonAgg(oid, src), oid, distinct)


class _IntervalAvg:
    __slots__ = ("count", "total")

    def __init__(self) -> None:
        self.total: Any = None
        self.count = 0

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is not None:
            self.total = v if self.total is None else T.interval_add(self.total, v)
            self.count += 1

    def result(self) -> Any:
        if not self.count:
            return None
        return DT.interval_div(self.total, self.count)



# Output column names of set-returning functions with OUT parameters (the binder names
# single-column results after the function otherwise).
SRF_COLUMN_NAMES = {
    "jsonb_each": ("key", "value"), "json_each": ("key", "value"),
    "jsonb_each_text": ("key", "value"), "json_each_text": ("key", "value"),
    "jsonb_array_elements": ("value",), "json_array_elements": ("value",),
    "jsonb_array_elements_text": ("value",), "json_array_elements_text": ("value",),
}




def _json_set_returning(binder: Binder, name: str, args: list[Expr]):
    kind = "jsonb" if name.startswith("jsonb_") else "json" if name.startswith("json_") else None
    if kind is None:
        return None
    oid = JSONB if kind == "jsonb" else JSON
    rest = name[len(kind) + 1:]
    if rest not in ("each", "each_text", "array_elements", "array_elements_text",
                    "object_keys"):
        return None
    _arity(name, args, 1)
    doc = _json_arg(binder, args[0], oid)
    as_text = rest.endswith("_text")
    value_oid = TEXT if as_text else oid
    if rest.startswith("each"):
        return (lambda d: [] if d is None else J.each(d, oid, as_text)), [TEXT, value_oid], [doc]
    if rest.startswith("array_elements"):
        return (lambda d: [] if d is None else J.array_elements(d, oid, as_text)), \
            [value_oid], [doc]
    return (lambda d: [] if d is None else J.object_keys(d, oid)), [TEXT], [doc]


# -- array functions (values as in sql.types.arrays: tuples, MDArray for 2+ dimensions) ----


def _poly_array(binder: Binder, name: str, arr: Expr, elems: list[Expr]) -> tuple[Expr, list[Expr]]:
    """anyarray + anyelement arguments resolved to one array type."""
    if arr.oid == UNKNOWN:
        known = next((e.oid for e in elems if e.oid != UNKNOWN), TEXT)
        arr_oid = T.array_type(known)
        if arr_oid is None:
            raise no_function(name, [arr, *elems])
        arr = binder.coerce(arr, arr_oid)
    elem = T.element_type(arr.oid)
    if elem is None:
        raise no_function(name, [arr, *elems])
    out = []
    for e in elems:
        if _fits(e, elem) is None:
            raise no_function(name, [arr, *elems])
        out.append(binder.coerce(e, elem))
    return arr, out


def _same_element(x: Any, v: Any) -> bool:
    """IS NOT DISTINCT FROM, as array_remove/replace/position compare elements."""
    return x is None if v is None else x == v


def _flat_only(a: tuple, what: str) -> tuple:
    if type(a) is A.MDArray:
        raise errors.FeatureNotSupported(
            what=f"{what} elements {'in' if what == 'searching for' else 'from'} "
                 "multidimensional arrays is not supported")
    return a


@scalar("array_append")
def _array_append(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_append", args, 2)
    arr, (e,) = _poly_array(binder, "array_append", args[0], [args[1]])
    return Call(arr.oid, name="array_append", args=(arr, e), strict=False,
                fn=lambda a, v: A.one_dimensional(a or ()) + (v,))


@scalar("array_prepend")
def _array_prepend(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_prepend", args, 2)
    arr, (e,) = _poly_array(binder, "array_prepend", args[1], [args[0]])
    return Call(arr.oid, name="array_prepend", args=(e, arr), strict=False,
                fn=lambda v, a: (v,) + A.one_dimensional(a or ()))


@scalar("array_cat")
def _array_cat(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_cat", args, 2)
    first = args[0] if args[0].oid != UNKNOWN else args[1]
    if T.element_type(first.oid) is None:
        raise no_function("array_cat", args)
    a, b = (binder.coerce(x, first.oid) for x in args)
    return Call(first.oid, name="array_cat", args=(a, b), strict=False,
                fn=lambda x, y: None if x is None and y is None else A.concat(x or (), y or ()))


@scalar("array_remove")
def _array_remove(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_remove", args, 2)
    arr, (e,) = _poly_array(binder, "array_remove", args[0], [args[1]])
    return Call(arr.oid, name="array_remove", args=(arr, e), strict=False,
                fn=lambda a, v: None if a is None else tuple(
                    x for x in _flat_only(a, "removing") if not _same_element(x, v)))


@scalar("array_replace")
def _array_replace(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_replace", args, 3)
    arr, (old, new) = _poly_array(binder, "array_replace", args[0], args[1:])

    def replace(a: Any, o: Any, n: Any) -> Any:
        if a is None:
            return None
        return A.map_all(a, lambda x: n if _same_element(x, o) else x)
    return Call(arr.oid, name="array_replace", args=(arr, old, new), strict=False, fn=replace)


@scalar("array_position")
def _array_position(binder: Binder, args: list[Expr]) -> Expr:
    _arity("array_position", args, 2, 3)
    arr, (e,) = _poly_array(binder, "array_position", args[0], [args[1]])
    rest = tuple(binder.coerce(a, INT4) for a in args[2:])

    def position(a: Any, v: Any, start: int | None = 1) -> int | None:
        if a is None:
            return None
        _flat_only(a, "searching for")
        for i in range(max((start or 1) - 1, 0), len(a)):
            if _same_element(a[i], v):
                return i + 1
        return None
    return Call(INT4, name="array_position", args=(arr, e, *rest), strict=False, fn=position)


def _array_unary(name: str, result: int, make: Callable[[int], Callable[..., Any]],
                 extra: tuple[int, ...] = ()) -> None:
    """Register `name(anyarray, *extra)`; `make(lower_bound)` gives the function (the
    lower bound is 0 for int2vector/oidvector, 1 for arrays)."""
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 1 + len(extra))
        arr = args[0] if args[0].oid != UNKNOWN else binder.coerce(args[0], TEXT_ARRAY)
        if T.element_type(arr.oid) is None:
            raise no_function(name, args)
        rest = tuple(binder.coerce(a, t) for a, t in zip(args[1:], extra))
        low = 0 if arr.oid in (T.INT2VECTOR, T.OIDVECTOR) else 1
        return Call(result, name=name, fn=make(low), args=(arr, *rest))
    SCALARS[name] = bind


def _dim_length(a: tuple, d: int) -> int | None:
    shape = A.dims(a)
    return shape[d - 1] if 1 <= d <= len(shape) else None


_array_unary("array_ndims", INT4, lambda low: lambda a: A.ndims(a) or None)
_array_unary("array_dims", TEXT, lambda low: lambda a: "".join(
    f"[{low}:{low + n - 1}]" for n in A.dims(a)) or None)
_array_unary("array_upper", INT4, lambda low: lambda a, d: (
    None if (n := _dim_length(a, d)) is None else low + n - 1), (INT4,))
_array_unary("array_lower", INT4, lambda low: lambda a, d: (
    None if _dim_length(a, d) is None else low), (INT4,))
_array_unary("array_length", INT4, lambda low: _dim_length, (INT4,))
_array_unary("cardinality", INT4, lambda low: A.cardinality)


def _string_to_array(s: str | None, delim: str | None, null: str | None = None) -> tuple | None:
    if s is None:
        return None
    if s == "":
        return ()
    if delim is None:
        parts = list(s)
    elif delim == "":
        parts = [s]
    else:
        parts = s.split(delim)
    return tuple(None if null is not None and p == null else p for p in parts)


@scalar("string_to_array")
def _string_to_array_binder(binder: Binder, args: list[Expr]) -> Expr:
    _arity("string_to_array", args, 2, 3)
    return Call(TEXT_ARRAY, name="string_to_array", fn=_string_to_array, strict=False,
                args=tuple(binder.coerce(a, TEXT) for a in args))
