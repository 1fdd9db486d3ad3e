"""`sql.key_values`: values of a wider type brought to a key column's type so that the
key range selects exactly the rows PostgreSQL's cross-type comparison would. Checked
against the comparison itself over every interesting stored value, through the real key
encoding (`core.keys`)."""

from __future__ import annotations

import math
import random
import struct

import pytest

from borealis.core.keys import KeyCodec, prefix_end
from borealis.sql.expr import Call, Col, Const
from borealis.sql.key_values import FLT_MAX, UNBOUNDED, key_column, key_set, narrow

INT2, INT4, INT8, FLOAT4, FLOAT8, TEXT, VARCHAR, BPCHAR, NUMERIC = 21, 23, 20, 700, 701, 25, 1043, 1042, 1700
OPS = {"=": lambda x, v: x == v, "<": lambda x, v: x < v, "<=": lambda x, v: x <= v,
       ">": lambda x, v: x > v, ">=": lambda x, v: x >= v}


def pg_cmp(op: str, x, v) -> bool:
    """PostgreSQL's float comparison: NaN equals NaN and sorts above everything."""
    if isinstance(x, float) and (math.isnan(x) or math.isnan(v)):
        kx, kv = (1, 0.0) if math.isnan(x) else (0, x), (1, 0.0) if math.isnan(v) else (0, v)
        return OPS[op](kx, kv)
    return OPS[op](x, v)


def selected(codec: KeyCodec, stored: list, op: str, bound) -> list:
    """The stored values a key lookup / range for `col op bound` returns."""
    if bound is None:
        return []
    keys = {codec.encode([x]): x for x in stored}
    if op == "=":
        return [x for k, x in keys.items() if k == codec.encode([bound])]
    if bound is UNBOUNDED:
        return list(keys.values())
    enc = codec.encode([bound])
    lo, hi = b"", None
    if op == ">=":
        lo = enc
    elif op == ">":
        lo = prefix_end(enc)
    elif op == "<=":
        hi = prefix_end(enc)
    else:
        hi = enc
    return [x for k, x in keys.items() if k >= lo and (hi is None or k < hi)]


def f4(v: float) -> float:
    return struct.unpack("<f", struct.pack("<f", v))[0]


@pytest.mark.parametrize("column, lo, hi", [(INT2, -(1 << 15), (1 << 15) - 1),
                                            (INT4, -(1 << 31), (1 << 31) - 1)])
def test_integers_match_the_comparison_at_and_past_the_range(column, lo, hi):
    codec = KeyCodec([(column,)])
    stored = [lo, lo + 1, -1, 0, 1, hi - 1, hi]
    values = [lo - (1 << 40), lo - 1, lo, lo + 1, 0, hi - 1, hi, hi + 1, hi + (1 << 40),
              -(1 << 63), (1 << 63) - 1]
    for op in OPS:
        for v in values:
            want = sorted(x for x in stored if OPS[op](x, v))
            assert sorted(selected(codec, stored, op, narrow(v, column, op))) == want, (op, v)
    assert narrow(hi + 1, column, "<") is UNBOUNDED
    assert narrow(hi + 1, column, ">") is None
    assert narrow(lo - 1, column, ">=") is UNBOUNDED
    assert narrow(lo - 1, column, "<=") is None
    assert narrow(None, column, "=") is None


def test_real_keys_against_double_precision_values():
    codec = KeyCodec([(FLOAT4,)])
    tiny = struct.unpack("<f", struct.pack("<I", 1))[0]
    stored = [-math.inf, -FLT_MAX, -3.5, -tiny, 0.0, tiny, f4(0.1), 0.25, 1.0, FLT_MAX,
              math.inf, math.nan]  # rows hold -0.0 as 0.0 (sql.index_keys.normalize_key_value)
    values = [0.1, -0.1, 0.25, 0.0, -0.0, 1e-300, -1e-300, tiny, tiny / 2, 1e300, -1e300,
              FLT_MAX, FLT_MAX * 1.0000001, math.inf, -math.inf, math.nan, f4(0.1), 3.4028235e38]
    rng = random.Random(7)
    values += [rng.uniform(-4, 4) for _ in range(200)]
    values += [f4(rng.uniform(-4, 4)) for _ in range(50)]
    for op in OPS:
        for v in values:
            want = sorted(repr(x) for x in stored if pg_cmp(op, x, v))
            got = sorted(repr(x) for x in selected(codec, stored, op, narrow(v, FLOAT4, op)))
            assert got == want, (op, v)


def test_double_precision_keys_take_negative_zero_as_zero():
    codec = KeyCodec([(FLOAT8,)])
    stored = [-1.5, 0.0, 2.5]
    for op in OPS:
        for v in (-0.0, 0.0):
            want = sorted(x for x in stored if OPS[op](x, v))
            assert sorted(selected(codec, stored, op, narrow(v, FLOAT8, op))) == want, (op, v)
    assert narrow(2.5, FLOAT8, "<") == 2.5


def test_only_widening_casts_within_a_family_are_unwrapped():
    def cast(arg, oid):
        return Call(oid, name="::x", fn=lambda v: v, args=(arg,))
    col = Col(INT2, 0)
    assert key_column(col) is col
    assert key_column(cast(cast(col, INT4), INT8)) is col
    assert key_column(cast(Col(VARCHAR, 1), TEXT)).index == 1
    assert key_column(cast(Col(FLOAT4, 1), FLOAT8)).index == 1
    for source, target in [(INT4, NUMERIC), (BPCHAR, TEXT), (INT8, INT4), (FLOAT8, FLOAT4), (INT4, FLOAT8)]:
        assert key_column(cast(Col(source, 0), target)) is None
    assert key_column(Call(INT8, name="abs", fn=abs, args=(col,))) is None


def test_a_key_set_expands_an_array_around_fixed_columns():
    keys = key_set([Const(INT4, 7)], 1, Const(1016, (1, None, 1 << 40, 2)), INT4)
    assert keys.compile()(()) == [(7, 1), (7, None), (7, None), (7, 2)]
    assert key_set([], 0, Const(1016, None), INT4).compile()(()) == []
