"""Property tests for the key tuple encoding (borealis.core.keys).

The encoding must round-trip, preserve PostgreSQL's tuple order byte-for-byte (checked
against an explicit reference comparator), be usable for prefix range scans, and give
equal keys for values the SQL layer treats as one key (integer widths, numeric scale).
"""

from __future__ import annotations

import math
import struct
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from borealis.core import oids
from borealis.core.keys import INDEXABLE_OIDS, KeyCodec, KeyColumn, prefix_end

PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FLOATS = {oids.FLOAT4, oids.FLOAT8}
TEXTS = {oids.TEXT, oids.VARCHAR, oids.BPCHAR}

# --- value strategies ---------------------------------------------------------------


def _int_range(bits: int) -> st.SearchStrategy[int]:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    return st.sampled_from([lo, hi, -1, 0, 1]) | st.integers(lo, hi)


def _exact_decimals() -> st.SearchStrategy[Decimal]:
    digits = st.lists(st.integers(0, 9), min_size=1, max_size=40).map(tuple)
    parts = st.tuples(st.integers(0, 1), digits, st.integers(-1200, 1200))
    return parts.map(Decimal)


def _decimals(text: str) -> list[Decimal]:
    return [Decimal(s) for s in text.split()]


_NUMERIC_EDGES = _decimals(
    "0 -0 0.000 1 1.0 1.00 -1 10 100 0.1 0.10 0.01 99.99 -0.001 1E-1000 -1E-1000"
    " 9E+1000 -9E+1000 NaN Infinity -Infinity"
)
_FIXED_OFFSETS = st.builds(
    timezone,
    st.timedeltas(
        min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59)
    ),
)
_EPOCH = datetime(2000, 1, 1)

STRATEGIES: dict[int, st.SearchStrategy] = {
    oids.BOOL: st.booleans(),
    oids.INT2: _int_range(16),
    oids.INT4: _int_range(32),
    oids.INT8: _int_range(64),
    oids.FLOAT4: st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan]) | st.floats(width=32),
    oids.FLOAT8: st.sampled_from([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, -5e-324])
    | st.floats(),
    oids.NUMERIC: st.sampled_from(_NUMERIC_EDGES) | st.decimals() | _exact_decimals(),
    oids.TEXT: st.text(alphabet="\x00\x01a\xe9\U0001f600", max_size=4) | st.text(),
    oids.BYTEA: st.binary(max_size=4).map(lambda b: b.replace(b"\x02", b"\x00")) | st.binary(),
    oids.UUID: st.sampled_from([UUID(int=0), UUID(int=(1 << 128) - 1)]) | st.uuids(),
    oids.DATE: st.sampled_from([date.min, date.max, date(2000, 1, 1), date(1999, 12, 31)])
    | st.dates(),
    oids.TIME: st.sampled_from([time.min, time.max]) | st.times(),
    oids.TIMESTAMP: st.sampled_from([datetime.min, datetime.max, _EPOCH]) | st.datetimes(),
    oids.TIMESTAMPTZ: st.sampled_from(
        [
            _EPOCH.replace(tzinfo=UTC),
            datetime(2000, 1, 1, 5, tzinfo=timezone(timedelta(hours=5))),
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
        ]
    )
    | st.datetimes(
        min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_FIXED_OFFSETS
    ),
}
STRATEGIES[oids.VARCHAR] = STRATEGIES[oids.BPCHAR] = STRATEGIES[oids.TEXT]
ALL_OIDS = sorted(STRATEGIES)


def nullable(oid: int) -> st.SearchStrategy:
    return st.none() | STRATEGIES[oid]


def key_columns(oid_choices: list[int]) -> st.SearchStrategy[KeyColumn]:
    return st.builds(
        KeyColumn,
        st.sampled_from(oid_choices),
        st.booleans(),
        st.sampled_from([None, True, False]),
    )


# --- reference semantics ------------------------------------------------------------


def _sort_key(oid: int, v):
    if oid in FLOATS:
        # PostgreSQL: NaN above everything; this encoding also puts -0.0 below 0.0.
        return (1, 0.0, 0.0) if math.isnan(v) else (0, v, math.copysign(1.0, v))
    if oid == oids.NUMERIC:
        return (1, Decimal(0)) if v.is_nan() else (0, v)
    if oid in TEXTS:
        return v.encode()  # C collation
    if oid == oids.UUID:
        return v.bytes
    return v


def _column_cmp(col: KeyColumn, a, b) -> int:
    if a is None or b is None:
        if a is None and b is None:
            return 0
        nulls_first = col.descending if col.nulls_first is None else col.nulls_first
        null_side = -1 if nulls_first else 1
        return null_side if a is None else -null_side
    ka, kb = _sort_key(col.oid, a), _sort_key(col.oid, b)
    c = (ka > kb) - (ka < kb)
    return -c if col.descending else c


def reference_cmp(cols: list[KeyColumn], a: tuple, b: tuple) -> int:
    for col, x, y in zip(cols, a, b):
        c = _column_cmp(col, x, y)
        if c:
            return c
    return 0


def bytes_cmp(a: bytes, b: bytes) -> int:
    return (a > b) - (a < b)


def same_value(oid: int, original, decoded) -> bool:
    if original is None or decoded is None:
        return original is decoded
    if oid in FLOATS:
        if math.isnan(original):
            return type(decoded) is float and math.isnan(decoded)
        return struct.pack(">d", original) == struct.pack(">d", decoded)
    if oid == oids.NUMERIC:
        if original.is_nan():
            return decoded.is_nan()
        return type(decoded) is Decimal and not decoded.is_nan() and original == decoded
    if oid == oids.TIMESTAMPTZ:
        return decoded == original and decoded.tzinfo is UTC
    return type(decoded) is type(original) and decoded == original


def assert_round_trip(codec: KeyCodec, values: tuple) -> bytes:
    data = codec.encode(values)
    decoded = codec.decode(data)
    assert len(decoded) == len(values)
    for col, x, y in zip(codec.columns, values, decoded):
        assert same_value(col.oid, x, y), (col, x, y)
    return data


def assert_order(codec: KeyCodec, tuples: list[tuple]) -> None:
    cols = list(codec.columns)
    keys = [codec.encode(t) for t in tuples]
    for i, a in enumerate(tuples):
        for j, b in enumerate(tuples):
            assert bytes_cmp(keys[i], keys[j]) == reference_cmp(cols, a, b), (a, b)


@st.composite
def codec_and_tuples(draw, oid_choices: list[int], max_columns: int = 4):
    """A codec and several tuples, many sharing leading columns with the first."""
    cols = draw(st.lists(key_columns(oid_choices), min_size=1, max_size=max_columns))
    row = st.tuples(*[nullable(c.oid) for c in cols])
    base = draw(row)
    tuples = [base]
    for _ in range(draw(st.integers(1, 5))):
        shared = draw(st.integers(0, len(cols)))
        tuples.append(base[:shared] + draw(row)[shared:])
    return KeyCodec(cols), tuples


# --- properties ---------------------------------------------------------------------


@pytest.mark.parametrize("oid", ALL_OIDS)
@PROPERTY
@given(data=st.data())
def test_single_type_round_trip_and_order(oid: int, data: st.DataObject) -> None:
    codec, tuples = data.draw(codec_and_tuples([oid], max_columns=1))
    for t in tuples:
        assert_round_trip(codec, t)
    assert_order(codec, tuples)


@settings(PROPERTY, max_examples=300)
@given(codec_and_tuples(ALL_OIDS))
def test_mixed_tuples_round_trip_and_order(case) -> None:
    codec, tuples = case
    for t in tuples:
        assert_round_trip(codec, t)
    assert_order(codec, tuples)


@settings(PROPERTY, max_examples=200)
@given(codec_and_tuples(ALL_OIDS))
def test_prefix_ranges(case) -> None:
    codec, tuples = case
    base = tuples[0]
    full = codec.encode(base)
    for k in range(len(base) + 1):
        prefix = codec.encode(base[:k])
        assert full.startswith(prefix)
        values, end = codec.decode_prefix(full, k)
        assert end == len(prefix)
        assert all(same_value(c.oid, x, y) for c, x, y in zip(codec.columns, base, values))
        end = prefix_end(prefix)
        for other in tuples:
            key = codec.encode(other)
            inside = key >= prefix and (end is None or key < end)
            assert inside == (codec.encode(other[:k]) == prefix)


@PROPERTY
@given(st.integers(-(1 << 15), (1 << 15) - 1), st.booleans(), st.sampled_from([None, True, False]))
def test_integer_widths_give_equal_keys(value: int, descending: bool, nulls_first) -> None:
    keys = {
        KeyCodec([KeyColumn(oid, descending, nulls_first)]).encode([v])
        for oid in (oids.INT2, oids.INT4, oids.INT8)
        for v in (value, None)
    }
    assert len(keys) == 2


def test_int4_and_int8_agree_beyond_int2() -> None:
    for v in (-(1 << 31), 1 << 20, (1 << 31) - 1):
        assert KeyCodec([KeyColumn(oids.INT4)]).encode([v]) == KeyCodec(
            [KeyColumn(oids.INT8)]
        ).encode([v])


@PROPERTY
@given(_exact_decimals(), st.integers(0, 5), st.booleans())
def test_numeric_scale_does_not_change_key(value: Decimal, extra: int, descending: bool) -> None:
    codec = KeyCodec([KeyColumn(oids.NUMERIC, descending)])
    sign, digits, exponent = value.as_tuple()
    rescaled = Decimal((sign, digits + (0,) * extra, exponent - extra))
    assert rescaled == value
    assert codec.encode([rescaled]) == codec.encode([value])


# --- hand-picked cases --------------------------------------------------------------


def _key(oid: int, value, descending: bool = False) -> bytes:
    return KeyCodec([KeyColumn(oid, descending)]).encode([value])


@pytest.mark.parametrize(
    "group",
    [
        ["1", "1.0", "1.00", "1E0", "0.1E1", "10E-1"],
        ["0", "-0", "0.000", "0E+10", "-0E-5"],
        ["NaN", "-NaN", "sNaN"],
        ["100", "1E+2", "100.000"],
    ],
)
def test_numeric_equal_values_equal_keys(group: list[str]) -> None:
    for descending in (False, True):
        assert len({_key(oids.NUMERIC, Decimal(s), descending) for s in group}) == 1


def test_numeric_extremes_order_and_round_trip() -> None:
    ordered = _decimals(
        "-Infinity -9E+1000 -1E+129 -12345.678 -1 -0.5 -1E-1000 0 1E-1000 0.05 0.5"
        " 1 1.5 12345.678 1E+129 9E+1000 Infinity NaN"
    )
    keys = [_key(oids.NUMERIC, v) for v in ordered]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    codec = KeyCodec([KeyColumn(oids.NUMERIC)])
    for v, k in zip(ordered, keys):
        assert same_value(oids.NUMERIC, v, codec.decode(k)[0])


def test_negative_zero() -> None:
    for oid in FLOATS:
        codec = KeyCodec([KeyColumn(oid)])
        (decoded,) = codec.decode(codec.encode([-0.0]))
        assert decoded == 0.0 and math.copysign(1.0, decoded) == -1.0
        assert _key(oid, -math.ulp(0.0) if oid == oids.FLOAT8 else -1e-40) < _key(oid, -0.0)
        assert _key(oid, -0.0) < _key(oid, 0.0) < _key(oid, math.inf) < _key(oid, math.nan)


def test_strings_and_bytes_edges() -> None:
    assert _key(oids.TEXT, "") < _key(oids.TEXT, "\x00") < _key(oids.TEXT, "a")
    assert _key(oids.TEXT, "") < _key(oids.TEXT, None)
    ordered = [b"", b"\x00", b"\x00\x00", b"\x00\x01", b"\x00\xff", b"\x01", b"a\x00b", b"\xff"]
    keys = [_key(oids.BYTEA, b) for b in ordered]
    assert keys == sorted(keys)
    codec = KeyCodec([KeyColumn(oids.BYTEA, True), KeyColumn(oids.TEXT)])
    for b in ordered:
        assert codec.decode(codec.encode([b, "x\x00y"])) == (b, "x\x00y")


def test_timestamptz_decodes_in_utc() -> None:
    local = datetime(2024, 6, 1, 12, tzinfo=timezone(timedelta(hours=-7)))
    (decoded,) = KeyCodec([KeyColumn(oids.TIMESTAMPTZ)]).decode(_key(oids.TIMESTAMPTZ, local))
    assert decoded == local and decoded.tzinfo is UTC and decoded.hour == 19


def test_prefix_end() -> None:
    assert prefix_end(b"") is None
    assert prefix_end(b"\xff\xff") is None
    assert prefix_end(b"a") == b"b"
    assert prefix_end(b"a\xff\xff") == b"b"
    assert prefix_end(b"\x01\xfe") == b"\x01\xff"


def test_default_and_explicit_null_placement() -> None:
    cases = [(False, None, False), (True, None, True), (False, True, True), (True, False, False)]
    for descending, nulls_first, expect_first in cases:
        codec = KeyCodec([KeyColumn(oids.INT4, descending, nulls_first)])
        null, low, high = (codec.encode([v]) for v in (None, -(1 << 31), (1 << 31) - 1))
        assert (null < min(low, high)) if expect_first else (null > max(low, high))


# --- errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("oid", "value"),
    [
        (oids.INT2, 1 << 15),
        (oids.INT2, -(1 << 15) - 1),
        (oids.INT4, 1 << 31),
        (oids.INT4, -(1 << 31) - 1),
        (oids.INT8, 1 << 63),
        (oids.INT8, -(1 << 63) - 1),
        (oids.FLOAT4, 1e300),
        (oids.TIMESTAMPTZ, datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))),
    ],
)
def test_out_of_range_raises(oid: int, value) -> None:
    with pytest.raises(ValueError, match="out of range"):
        _key(oid, value)


@pytest.mark.parametrize(
    ("oid", "value"),
    [
        (oids.INT4, "1"),
        (oids.INT4, True),
        (oids.INT8, 1.0),
        (oids.FLOAT8, 1),
        (oids.NUMERIC, 1.5),
        (oids.TEXT, b"x"),
        (oids.BYTEA, "x"),
        (oids.BOOL, 1),
        (oids.UUID, "00000000-0000-0000-0000-000000000000"),
        (oids.DATE, datetime(2000, 1, 1)),
        (oids.TIME, time(1, tzinfo=UTC)),
        (oids.TIMESTAMP, datetime(2000, 1, 1, tzinfo=UTC)),
        (oids.TIMESTAMPTZ, datetime(2000, 1, 1)),
    ],
)
def test_wrong_python_type_raises(oid: int, value) -> None:
    with pytest.raises(TypeError):
        _key(oid, value)


@pytest.mark.parametrize("oid", [oids.JSON, oids.JSONB, oids.INTERVAL, oids.UNKNOWN, 99999])
def test_unindexable_types_raise(oid: int) -> None:
    assert oid not in INDEXABLE_OIDS
    with pytest.raises(TypeError, match="cannot be used in a key"):
        KeyCodec([KeyColumn(oids.INT4), KeyColumn(oid)])


def test_malformed_input_raises() -> None:
    codec = KeyCodec([KeyColumn(oids.INT4), KeyColumn(oids.TEXT), KeyColumn(oids.NUMERIC)])
    with pytest.raises(ValueError):
        codec.encode([1, "a", Decimal(1), 2])
    data = codec.encode([1, "a", Decimal("1.5")])
    for bad in (data[:-1], data + b"\x00", b"\x07" + data[1:], data[:3]):
        with pytest.raises(ValueError):
            codec.decode(bad)
