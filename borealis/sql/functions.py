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
import random as _random_module  # noqa: F401  (documented: random() uses the session's PRNG)
import uuid
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from borealis.core import errors
from borealis.sql import coerce as C
from borealis.sql import types as T
from borealis.sql.expr import Call, Const, Expr

BOOL, INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8, TEXT, UNKNOWN = 16, 21, 23, 20, 1700, 700, 701, 25, 705
DATE, TIME, TIMESTAMP, TIMESTAMPTZ, INTERVAL, UUID, BYTEA, JSON, JSONB = (
    1082, 1083, 1114, 1184, 1186, 2950, 17, 114, 3802)
NUMERICS = (INT2, INT4, INT8, NUMERIC, FLOAT4, FLOAT8)

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
        raise errors.UndefinedFunction(
            what=f"function {name}({', '.join(C.type_name(a.oid) for a in args)}) does not exist",
            hint="No function matches the given name and argument types. "
                 "You might need to add explicit type casts.")
    return fn(binder, args)


def _arity(name: str, args: list[Expr], *counts: int) -> None:
    if len(args) not in counts:
        raise errors.UndefinedFunction(
            what=f"function {name}({', '.join(C.type_name(a.oid) for a in args)}) does not exist",
            hint="No function matches the given name and argument types. "
                 "You might need to add explicit type casts.")


def _simple(name: str, arg_types: tuple[int, ...], result: int, fn: Callable, *,
            strict: bool = True, volatile: bool = False) -> ScalarBinder:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, len(arg_types))
        coerced = tuple(binder.coerce(a, t) for a, t in zip(args, arg_types))
        return Call(result, name=name, fn=fn, args=coerced, strict=strict, volatile=volatile)
    return bind


def _text_fn(name: str, fn: Callable, result: int = TEXT, extra: tuple[int, ...] = ()) -> None:
    SCALARS[name] = _simple(name, (TEXT, *extra), result, fn)


# -- strings ------------------------------------------------------------------------

_text_fn("lower", str.lower)
_text_fn("upper", str.upper)
_text_fn("length", len, INT4)
_text_fn("char_length", len, INT4)
_text_fn("character_length", len, INT4)
_text_fn("octet_length", lambda s: len(s.encode()), INT4)
_text_fn("reverse", lambda s: s[::-1])
_text_fn("initcap", lambda s: "".join(
    w.capitalize() if w.isalnum() else w for w in _words(s)))
_text_fn("md5", lambda s: __import__("hashlib").md5(s.encode()).hexdigest())
_text_fn("ascii", lambda s: ord(s[0]) if s else 0, INT4)
_text_fn("repeat", lambda s, n: s * max(n, 0), TEXT, (INT4,))
_text_fn("left", lambda s, n: s[:n] if n >= 0 else s[:n], TEXT, (INT4,))
_text_fn("right", lambda s, n: (s[-n:] if n > 0 else "") if n >= 0 else s[-n:], TEXT, (INT4,))
_text_fn("strpos", lambda s, sub: s.find(sub) + 1, INT4, (TEXT,))
_text_fn("starts_with", lambda s, p: s.startswith(p), BOOL, (TEXT,))
_text_fn("replace", lambda s, a, b: s.replace(a, b) if a else s, TEXT, (TEXT, TEXT))
_text_fn("split_part", lambda s, d, n: _split_part(s, d, n), TEXT, (TEXT, INT4))


def _words(s: str) -> list[str]:
    out, cur = [], ""
    for ch in s:
        if ch.isalnum() == (cur[-1:].isalnum() if cur else ch.isalnum()):
            cur += ch
        else:
            out.append(cur)
            cur = ch
    if cur:
        out.append(cur)
    return out


def _split_part(s: str, delim: str, n: int) -> str:
    if n == 0:
        raise errors.InvalidParameterValue(what="field position must not be zero")
    parts = s.split(delim) if delim else [s]
    if n < 0:
        n = len(parts) + n + 1
    return parts[n - 1] if 1 <= n <= len(parts) else ""


@scalar("substr", "substring")
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


@scalar("concat")
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
        raise errors.UndefinedFunction(what=f"function does not accept type {C.type_name(arg.oid)}")
    return arg


@scalar("abs")
def _abs(binder: Binder, args: list[Expr]) -> Expr:
    _arity("abs", args, 1)
    a = _numeric_arg(binder, args[0])
    return Call(a.oid, name="abs", fn=abs, args=(a,))


def _round_like(name: str, mode: str) -> ScalarBinder:
    def bind(binder: Binder, args: list[Expr]) -> Expr:
        _arity(name, args, 1, 2)
        a = _numeric_arg(binder, args[0])
        if a.oid in (INT2, INT4, INT8) and len(args) == 1:
            return a
        if len(args) == 2 or a.oid == NUMERIC:
            a = binder.coerce(a, NUMERIC)
            places = binder.coerce(args[1], INT4) if len(args) == 2 else Const(INT4, 0)
            return Call(NUMERIC, name=name, fn=lambda v, p: _round_numeric(v, p, mode),
                        args=(a, places))
        a = binder.coerce(a, FLOAT8)
        fn = {"round": _round_half_even_away, "trunc": math.trunc, "ceil": math.ceil,
              "floor": math.floor}[mode]
        return Call(FLOAT8, name=name, fn=lambda v: float(fn(v)) if math.isfinite(v) else v,
                    args=(a,))
    return bind


def _round_half_even_away(v: float) -> float:
    # PostgreSQL's float8 round() uses rint(): half to even.
    return float(round(v))


def _round_numeric(v: Decimal, places: int, mode: str) -> Decimal:
    if not v.is_finite():
        return v
    q = Decimal(1).scaleb(-places)
    rounding = {"round": ROUND_HALF_UP, "trunc": "ROUND_DOWN", "ceil": "ROUND_CEILING",
                "floor": "ROUND_FLOOR"}[mode]
    result = v.quantize(q, rounding=rounding)
    return result if places >= 0 else result.quantize(Decimal(1))


SCALARS["round"] = _round_like("round", "round")
SCALARS["trunc"] = _round_like("trunc", "trunc")
SCALARS["ceil"] = SCALARS["ceiling"] = _round_like("ceil", "ceil")
SCALARS["floor"] = _round_like("floor", "floor")


@scalar("mod")
def _mod(binder: Binder, args: list[Expr]) -> Expr:
    _arity("mod", args, 2)
    from borealis.sql.operators import bind_operator
    return bind_operator("%", args[0], args[1])


def _float_fn(name: str, fn: Callable[[float], float], domain: Callable[[float], bool] | None = None,
              message: str = "") -> None:
    def checked(v: float) -> float:
        if domain is not None and not domain(v):
            raise errors.InvalidArgumentForFunction(what=message)
        return fn(v)
    SCALARS[name] = _simple(name, (FLOAT8,), FLOAT8, checked)


_float_fn("sqrt", math.sqrt, lambda v: v >= 0, "cannot take square root of a negative number")
_float_fn("exp", math.exp)
_float_fn("ln", math.log, lambda v: v > 0, "cannot take logarithm of a negative number")
_float_fn("log10", math.log10, lambda v: v > 0, "cannot take logarithm of a negative number")
_float_fn("cbrt", lambda v: math.copysign(abs(v) ** (1 / 3), v))
_float_fn("sin", math.sin)
_float_fn("cos", math.cos)
_float_fn("tan", math.tan)
_float_fn("degrees", math.degrees)
_float_fn("radians", math.radians)
SCALARS["pi"] = _simple("pi", (), FLOAT8, lambda: math.pi)
SCALARS["power"] = SCALARS["pow"] = _simple("power", (FLOAT8, FLOAT8), FLOAT8, lambda a, b: a ** b)


@scalar("log")
def _log(binder: Binder, args: list[Expr]) -> Expr:
    _arity("log", args, 1, 2)
    if len(args) == 1:
        return SCALARS["log10"](binder, args)
    return Call(FLOAT8, name="log", fn=lambda b, v: math.log(v, b),
                args=(binder.coerce(args[0], FLOAT8), binder.coerce(args[1], FLOAT8)))


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
_session_value("current_schema", TEXT, lambda s: s.current_schema() if s else "public")
_session_value("current_database", TEXT, lambda s: "postgres")
_session_value("pg_backend_pid", INT4, lambda s: s.process_id if s else 0)
_session_value("now", TIMESTAMPTZ, lambda s: s.statement_timestamp())
_session_value("transaction_timestamp", TIMESTAMPTZ, lambda s: s.statement_timestamp())
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
        return Call(oid, name="now", fn=lambda: conv(session.statement_timestamp()), args=(), volatile=True)
    if op == Op.SVFOP_CURRENT_DATE:
        return Call(DATE, name="current_date", fn=lambda: session.statement_timestamp().date(),
                    args=(), volatile=True)
    if op in (Op.SVFOP_CURRENT_TIME, Op.SVFOP_CURRENT_TIME_N, Op.SVFOP_LOCALTIME, Op.SVFOP_LOCALTIME_N):
        return Call(TIME, name="current_time",
                    fn=lambda: session.statement_timestamp().time().replace(tzinfo=None),
                    args=(), volatile=True)
    if op in (Op.SVFOP_CURRENT_USER, Op.SVFOP_USER, Op.SVFOP_SESSION_USER, Op.SVFOP_CURRENT_ROLE):
        return Call(19, name="current_user", fn=lambda: session.user if session else "admin",
                    args=(), volatile=True)
    if op == Op.SVFOP_CURRENT_SCHEMA:
        return Call(19, name="current_schema", fn=lambda: session.current_schema(), args=(), volatile=True)
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
        self.total = v if self.total is None else self.total + v

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
            self.total += v
            self.count += 1

    def result(self) -> Any:
        if not self.count:
            return None
        if self.float:
            return self.total / self.count
        from borealis.sql.operators import _num_div
        return _num_div(Decimal(self.total), Decimal(self.count))


class _MinMax:
    __slots__ = ("best", "pick")

    def __init__(self, pick: Callable) -> None:
        self.best: Any = None
        self.pick = pick

    def add(self, args: tuple) -> None:
        v = args[0]
        if v is not None:
            self.best = v if self.best is None else self.pick(self.best, v)

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


AGGREGATES = frozenset({"count", "sum", "avg", "min", "max", "bool_and", "bool_or", "every",
                        "string_agg", "array_agg"})


def is_aggregate(name: str) -> bool:
    return name in AGGREGATES


def bind_aggregate(binder: Binder, name: str, args: list[Expr], *, star: bool, distinct: bool):
    from borealis.sql.plan import AggCall
    if name == "count":
        if star:
            return AggCall(name, [], lambda: _Count(True), INT8, distinct, star=True)
        _arity(name, args, 1)
        return AggCall(name, args, lambda: _Count(False), INT8, distinct)
    if star:
        raise errors.SyntaxError(what=f"{name}(*) is not valid")
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
        array = T.array_type(a.oid)
        if array is None:
            raise errors.FeatureNotSupported(what=f"array_agg of {C.type_name(a.oid)} is not supported")
        return AggCall(name, [a], _ArrayAgg, array, distinct)
    raise errors.UndefinedFunction(what=f"function {name} does not exist")


# -- set-returning functions ----------------------------------------------------------

SERIES_ROWS_MAX = 10_000_000


def set_returning(binder: Binder, name: str, args: list[Expr]):
    """(fn(*values) -> rows, output types, coerced args) for a FROM-clause function."""
    if name == "generate_series":
        _arity(name, args, 2, 3)
        kinds = {a.oid for a in args}
        if kinds & {TIMESTAMP, TIMESTAMPTZ, DATE}:
            oid = TIMESTAMPTZ if TIMESTAMPTZ in kinds else TIMESTAMP
            coerced = [binder.coerce(args[0], oid), binder.coerce(args[1], oid),
                       binder.coerce(args[2], INTERVAL)] if len(args) == 3 else None
            if coerced is None:
                raise errors.UndefinedFunction(what="generate_series of timestamps needs a step")
            return _time_series, [oid], coerced
        oid = max((a.oid if a.oid in (INT4, INT8, NUMERIC) else INT4 for a in args),
                  key=C.NUMERIC_RANK.get)
        coerced = [binder.coerce(a, oid) for a in args]
        return _series, [oid], coerced
    if name == "unnest":
        _arity(name, args, 1)
        elem = T.element_type(args[0].oid)
        if elem is None:
            raise errors.UndefinedFunction(what=f"function unnest({C.type_name(args[0].oid)}) does not exist")
        return (lambda arr: [(v,) for v in arr] if arr is not None else []), [elem], args
    raise errors.UndefinedFunction(what=f"function {name} does not exist")


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
        raise errors.UndefinedFunction(what=f"function {name} is not a window function or aggregate")
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
