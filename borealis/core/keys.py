"""Order-preserving, self-delimiting tuple encoding for primary and index keys.

Every table is index-organised by its primary key and every secondary index is a range
of the same keyspace (DESIGN.md §3), so a key is the concatenation of its columns'
encodings and byte order of keys must equal PostgreSQL's order of the tuples. Each
column encoding is prefix-free (no encoding is a proper prefix of another), which is
what makes concatenations compare column by column, and lets the encoding of a leading
subset of columns serve as a range-scan prefix (`prefix_end` gives the range's end).

Column layout: one marker byte, then the value's body.

- Marker: 0x00 = NULL sorting first, 0xFF = NULL sorting last, 0x01 = value of an ASC
  column, 0xFE = value of a DESC column. NULLs sort last for ASC and first for DESC
  unless `nulls_first` says otherwise, as in PostgreSQL.
- DESC: the body is the bitwise complement of the ASC body; complementing a prefix-free
  set of strings reverses its order. With the default NULL placement a whole DESC
  column is exactly the complement of the ASC one.

Bodies (ASC form), by type:

- bool: one byte, 0 or 1.
- int2/int4/int8: the value with its sign bit flipped, as 8 big-endian bytes for every
  width, so integers of equal value give equal keys whatever their declared width
  (the SQL layer can probe an int8 index with an int4 value). Out-of-range values raise
  ValueError with PostgreSQL's wording.
- float4 (4 bytes) / float8 (8 bytes): IEEE bits; negatives have all bits inverted,
  non-negatives the sign bit flipped. NaN is canonicalised to one quiet NaN that sorts
  above +Infinity (PostgreSQL's order). -0.0 round-trips and sorts immediately before
  +0.0; PostgreSQL treats them as equal, so the SQL layer normalises -0.0 to 0.0 before
  building keys where equality matters (unique and primary keys).
- numeric (Decimal): a class byte, -Infinity < negative < zero < positive < +Infinity
  < NaN. A finite non-zero value is written as 0.d1d2... x 100**E with d1 != 0: E as an
  order-preserving variable-length integer, then the base-100 digit pairs, each pair p
  as 2p+1 except the last as 2p (so the digit run delimits itself, and a shorter run
  sorts before any extension of it); negatives complement everything after the class
  byte. Keys are normalised: numerically equal values (1.0, 1.00, 1E0) give the same
  key and decode to one Decimal equal in value (here Decimal('1')). The display scale
  lives in the row value, never in the key, so the SQL layer must not take numeric
  output from an index key.
- text/varchar/bpchar: UTF-8 bytes (byte order = C collation), each 0x00 escaped as
  0x00 0xFF, then the terminator 0x00 0x01. bpchar is encoded as given: the SQL layer
  pads values to the declared length. bytea: the same escaping of the raw bytes.
- uuid: the 16 raw bytes.
- date: days since 2000-01-01 as a sign-flipped int32 (4 bytes).
- time (naive): microseconds since midnight, 8 bytes.
- timestamp (naive) / timestamptz (aware, encoded as its UTC instant, decoded in UTC):
  microseconds since 2000-01-01 as a sign-flipped int64.

json, jsonb and interval (and any other type) are not indexable: building a codec for
them raises TypeError. A value of the wrong Python type raises TypeError.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple
from uuid import UUID

from borealis.core import oids

__all__ = ["INDEXABLE_OIDS", "KeyCodec", "KeyColumn", "prefix_end"]

_NULL_FIRST = 0x00
_NULL_LAST = 0xFF
_VALUE_ASC = 0x01
_VALUE_DESC = 0xFE

# bytes.translate table mapping each byte to its complement.
_COMPLEMENT = bytes(range(255, -1, -1))

_TYPE_NAMES = {
    oids.BOOL: "boolean",
    oids.BYTEA: "bytea",
    oids.INT2: "smallint",
    oids.INT4: "integer",
    oids.INT8: "bigint",
    oids.TEXT: "text",
    oids.JSON: "json",
    oids.FLOAT4: "real",
    oids.FLOAT8: "double precision",
    oids.UNKNOWN: "unknown",
    oids.BPCHAR: "character",
    oids.VARCHAR: "character varying",
    oids.DATE: "date",
    oids.TIME: "time without time zone",
    oids.TIMESTAMP: "timestamp without time zone",
    oids.TIMESTAMPTZ: "timestamp with time zone",
    oids.INTERVAL: "interval",
    oids.NUMERIC: "numeric",
    oids.UUID: "uuid",
    oids.JSONB: "jsonb",
}


class KeyColumn(NamedTuple):
    """One key column: its type OID and sort order.

    `nulls_first=None` means PostgreSQL's default: NULLS LAST for ASC, FIRST for DESC.
    """

    oid: int
    descending: bool = False
    nulls_first: bool | None = None


class _Fixed(NamedTuple):
    """A type whose ASC body is an unsigned big-endian integer of `width` bytes."""

    width: int
    to_uint: Callable[[Any], int]
    from_uint: Callable[[int], Any]


class _Variable(NamedTuple):
    """A type with a self-delimiting variable-length body.

    `decode(data, pos, desc)` reads the body at `pos`, complemented if `desc`, and
    returns (value, end); reading the complemented bytes in place avoids copying the
    rest of the key.
    """

    encode: Callable[[Any], bytes]
    decode: Callable[[bytes, int, bool], tuple[Any, int]]


def _wrong_type(oid: int, value: Any) -> TypeError:
    return TypeError(f"cannot encode {type(value).__name__} as a {_TYPE_NAMES[oid]} key")


def _corrupt(what: str) -> ValueError:
    return ValueError(f"malformed key: {what}")


# --- fixed-width types --------------------------------------------------------------

_BIAS64 = 1 << 63
_BIAS32 = 1 << 31


def _int_spec(oid: int, bits: int) -> _Fixed:
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
    message = f"{_TYPE_NAMES[oid]} out of range"

    def to_uint(v: Any) -> int:
        # `type is int` also rejects bool, which is an int subclass.
        if type(v) is not int:
            raise _wrong_type(oid, v)
        if v < lo or v > hi:
            raise ValueError(message)
        return v + _BIAS64

    return _Fixed(8, to_uint, lambda u: u - _BIAS64)


def _float_spec(oid: int, fmt: str, quiet_nan: int) -> _Fixed:
    packer = struct.Struct(fmt)
    pack, unpack, width = packer.pack, packer.unpack, packer.size
    sign = 1 << (8 * width - 1)
    full = (1 << (8 * width)) - 1
    nan_key = quiet_nan | sign

    def to_uint(v: Any) -> int:
        if type(v) is not float:
            raise _wrong_type(oid, v)
        if v != v:
            return nan_key
        try:
            u = int.from_bytes(pack(v))
        except OverflowError:
            raise ValueError(f"value out of range: overflow for type {_TYPE_NAMES[oid]}") from None
        return u ^ full if u & sign else u | sign

    def from_uint(u: int) -> float:
        u = u ^ sign if u & sign else u ^ full
        return unpack(u.to_bytes(width))[0]

    return _Fixed(width, to_uint, from_uint)


def _bool_to_uint(v: Any) -> int:
    if type(v) is not bool:
        raise _wrong_type(oids.BOOL, v)
    return int(v)


def _uuid_to_uint(v: Any) -> int:
    if type(v) is not UUID:
        raise _wrong_type(oids.UUID, v)
    return v.int


_EPOCH_ORDINAL = date(2000, 1, 1).toordinal()
_EPOCH = datetime(2000, 1, 1)
_EPOCH_UTC = datetime(2000, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def _date_to_uint(v: Any) -> int:
    # datetime is a date subclass; a timestamp must not silently become a date.
    if type(v) is not date:
        raise _wrong_type(oids.DATE, v)
    return v.toordinal() - _EPOCH_ORDINAL + _BIAS32


def _uint_to_date(u: int) -> date:
    return date.fromordinal(u - _BIAS32 + _EPOCH_ORDINAL)


def _time_to_uint(v: Any) -> int:
    if type(v) is not time or v.tzinfo is not None:
        raise _wrong_type(oids.TIME, v)
    return ((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond


def _uint_to_time(u: int) -> time:
    seconds, micro = divmod(u, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


def _wall_clock_us(v: datetime) -> int:
    """Microseconds from 2000-01-01 00:00 to v's wall-clock fields (offset ignored)."""
    days = v.toordinal() - _EPOCH_ORDINAL
    seconds = days * 86_400 + v.hour * 3600 + v.minute * 60 + v.second
    return seconds * 1_000_000 + v.microsecond


def _timestamp_to_uint(v: Any) -> int:
    if type(v) is not datetime or v.utcoffset() is not None:
        raise _wrong_type(oids.TIMESTAMP, v)
    return _wall_clock_us(v) + _BIAS64


def _uint_to_timestamp(u: int) -> datetime:
    return _EPOCH + timedelta(microseconds=u - _BIAS64)


# The UTC instants Python can represent: anything else could be encoded but not decoded.
_UTC_MIN_US = _wall_clock_us(datetime.min)
_UTC_MAX_US = _wall_clock_us(datetime.max)


def _timestamptz_to_uint(v: Any) -> int:
    offset = v.utcoffset() if type(v) is datetime else None
    if offset is None:
        raise _wrong_type(oids.TIMESTAMPTZ, v)
    us = _wall_clock_us(v) - offset // _ONE_US
    if us < _UTC_MIN_US or us > _UTC_MAX_US:
        raise ValueError("timestamp out of range")
    return us + _BIAS64


def _uint_to_timestamptz(u: int) -> datetime:
    return _EPOCH_UTC + timedelta(microseconds=u - _BIAS64)


# --- variable-length types ----------------------------------------------------------


def _escape(raw: bytes) -> bytes:
    return raw.replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def _unescape(data: bytes, pos: int, desc: bool) -> tuple[bytes, int]:
    # Every 0x00 inside the body starts an escape (0x00 0xFF), so the first 0x00 0x01
    # after `pos` is this column's terminator; likewise for the complemented form.
    end = data.find(b"\xff\xfe" if desc else b"\x00\x01", pos)
    if end < 0:
        raise _corrupt("unterminated string")
    raw = data[pos:end].translate(_COMPLEMENT) if desc else data[pos:end]
    if b"\x00" in raw:
        raw = raw.replace(b"\x00\xff", b"\x00")
    return raw, end + 2


def _encode_text(v: Any) -> bytes:
    if type(v) is not str:
        raise _wrong_type(oids.TEXT, v)
    return _escape(v.encode())


def _decode_text(data: bytes, pos: int, desc: bool) -> tuple[str, int]:
    raw, end = _unescape(data, pos, desc)
    return raw.decode(), end


def _encode_bytea(v: Any) -> bytes:
    if type(v) is not bytes:
        if not isinstance(v, bytearray | memoryview):
            raise _wrong_type(oids.BYTEA, v)
        v = bytes(v)
    return _escape(v)


_NUM_NEG_INF = 0x01
_NUM_NEG = 0x02
_NUM_ZERO = 0x03
_NUM_POS = 0x04
_NUM_POS_INF = 0x05
_NUM_NAN = 0x06
_NUM_CONSTANTS = {
    _NUM_NEG_INF: Decimal("-Infinity"),
    _NUM_ZERO: Decimal(0),
    _NUM_POS_INF: Decimal("Infinity"),
    _NUM_NAN: Decimal("NaN"),
}
_NUM_NEG_INF_KEY = bytes((_NUM_NEG_INF,))
_NUM_ZERO_KEY = bytes((_NUM_ZERO,))
_NUM_POS_INF_KEY = bytes((_NUM_POS_INF,))
_NUM_NAN_KEY = bytes((_NUM_NAN,))
_NUM_NEG_TAG = bytes((_NUM_NEG,))
_NUM_POS_TAG = bytes((_NUM_POS,))


def _encode_varint(n: int) -> bytes:
    """Order-preserving signed integer: one header byte, then up to 8 bytes.

    Headers 0x40..0xBF hold -64..63 directly; 0xC0+(L-1) is followed by n-64 in L
    bytes; 0x40-L by the complement of -65-n in L bytes (bigger magnitude, smaller key).
    """
    if -64 <= n < 64:
        return bytes((0x80 + n,))
    m = n - 64 if n >= 64 else -65 - n
    length = max(1, (m.bit_length() + 7) // 8)
    if length > 8:
        raise ValueError("numeric exponent out of range")
    if n >= 64:
        return bytes((0xBF + length,)) + m.to_bytes(length)
    return bytes((0x40 - length,)) + ((1 << (8 * length)) - 1 - m).to_bytes(length)


def _decode_varint(data: bytes, pos: int, inv: int) -> tuple[int, int]:
    head = data[pos] ^ inv
    if 0x40 <= head < 0xC0:
        return head - 0x80, pos + 1
    length = head - 0xBF if head >= 0xC0 else 0x40 - head
    if not 1 <= length <= 8:
        raise _corrupt("bad numeric exponent")
    end = pos + 1 + length
    if end > len(data):
        raise _corrupt("truncated numeric")
    mask = (1 << (8 * length)) - 1
    m = int.from_bytes(data[pos + 1 : end]) ^ (mask if inv else 0)
    return (m + 64 if head >= 0xC0 else -65 - (mask - m)), end


def _encode_numeric(v: Any) -> bytes:
    if type(v) is not Decimal:
        raise _wrong_type(oids.NUMERIC, v)
    if not v.is_finite():
        if v.is_nan():  # sNaN too: PostgreSQL has a single NaN
            return _NUM_NAN_KEY
        return _NUM_NEG_INF_KEY if v.is_signed() else _NUM_POS_INF_KEY
    if not v:
        return _NUM_ZERO_KEY
    sign, digits, exponent = v.as_tuple()
    e10 = exponent + len(digits)  # v == 0.d1d2... * 10**e10
    end = len(digits)
    while digits[end - 1] == 0:
        end -= 1
    ds = digits[:end]
    if e10 & 1:  # base-100 needs an even decimal exponent
        ds = (0, *ds)
        e10 += 1
    if len(ds) & 1:
        ds = (*ds, 0)
    body = bytearray(_encode_varint(e10 >> 1))
    body += bytes([20 * ds[i] + 2 * ds[i + 1] + 1 for i in range(0, len(ds), 2)])
    body[-1] -= 1  # an even byte ends the digit run
    if sign:
        return _NUM_NEG_TAG + bytes(body).translate(_COMPLEMENT)
    return _NUM_POS_TAG + bytes(body)


def _decode_numeric(data: bytes, pos: int, desc: bool) -> tuple[Decimal, int]:
    inv = 0xFF if desc else 0
    cls = data[pos] ^ inv
    pos += 1
    if cls == _NUM_NEG:
        inv ^= 0xFF
    elif cls != _NUM_POS:
        try:
            return _NUM_CONSTANTS[cls], pos
        except KeyError:
            raise _corrupt(f"bad numeric class {cls:#x}") from None
    e100, pos = _decode_varint(data, pos, inv)
    digits: list[int] = []
    while True:
        b = data[pos] ^ inv
        pos += 1
        digits += divmod(b >> 1, 10)
        if not b & 1:
            break
    if digits[-1] == 0:
        digits.pop()
    return Decimal((cls == _NUM_NEG, digits, 2 * e100 - len(digits))), pos


# --- column codecs ------------------------------------------------------------------

_SPECS: dict[int, _Fixed | _Variable] = {
    oids.BOOL: _Fixed(1, _bool_to_uint, lambda u: u == 1),
    oids.INT2: _int_spec(oids.INT2, 16),
    oids.INT4: _int_spec(oids.INT4, 32),
    oids.INT8: _int_spec(oids.INT8, 64),
    oids.FLOAT4: _float_spec(oids.FLOAT4, ">f", 0x7FC00000),
    oids.FLOAT8: _float_spec(oids.FLOAT8, ">d", 0x7FF8000000000000),
    oids.NUMERIC: _Variable(_encode_numeric, _decode_numeric),
    oids.TEXT: _Variable(_encode_text, _decode_text),
    oids.VARCHAR: _Variable(_encode_text, _decode_text),
    oids.BPCHAR: _Variable(_encode_text, _decode_text),
    oids.BYTEA: _Variable(_encode_bytea, _unescape),
    oids.UUID: _Fixed(16, _uuid_to_uint, lambda u: UUID(int=u)),
    oids.DATE: _Fixed(4, _date_to_uint, _uint_to_date),
    oids.TIME: _Fixed(8, _time_to_uint, _uint_to_time),
    oids.TIMESTAMP: _Fixed(8, _timestamp_to_uint, _uint_to_timestamp),
    oids.TIMESTAMPTZ: _Fixed(8, _timestamptz_to_uint, _uint_to_timestamptz),
}

INDEXABLE_OIDS = frozenset(_SPECS)
"""Type OIDs that may appear in a key."""

Encoder = Callable[[Any], bytes]
Decoder = Callable[[bytes, int], tuple[Any, int]]


def _fixed_column(spec: _Fixed, desc: bool, null_marker: int, value_marker: int):
    width, to_uint, from_uint = spec
    size = width + 1
    flip = (1 << (8 * width)) - 1 if desc else 0
    tagged = value_marker << (8 * width)  # marker and body in one int: one to_bytes
    null = bytes((null_marker,))

    def encode(v: Any) -> bytes:
        if v is None:
            return null
        return (tagged | (to_uint(v) ^ flip)).to_bytes(size)

    def decode(data: bytes, pos: int) -> tuple[Any, int]:
        marker = data[pos]
        if marker == value_marker:
            end = pos + size
            if end > len(data):
                raise _corrupt("truncated value")
            return from_uint(int.from_bytes(data[pos + 1 : end]) ^ flip), end
        if marker == null_marker:
            return None, pos + 1
        raise _corrupt(f"bad column marker {marker:#x}")

    return encode, decode


def _variable_column(spec: _Variable, desc: bool, null_marker: int, value_marker: int):
    body, body_decode = spec
    null = bytes((null_marker,))
    tag = bytes((value_marker,))

    if desc:

        def encode(v: Any) -> bytes:
            return null if v is None else tag + body(v).translate(_COMPLEMENT)

    else:

        def encode(v: Any) -> bytes:
            return null if v is None else tag + body(v)

    def decode(data: bytes, pos: int) -> tuple[Any, int]:
        marker = data[pos]
        if marker == value_marker:
            return body_decode(data, pos + 1, desc)
        if marker == null_marker:
            return None, pos + 1
        raise _corrupt(f"bad column marker {marker:#x}")

    return encode, decode


def _column_codec(column: KeyColumn) -> tuple[Encoder, Decoder]:
    spec = _SPECS.get(column.oid)
    if spec is None:
        name = _TYPE_NAMES.get(column.oid, f"with OID {column.oid}")
        raise TypeError(f"type {name} cannot be used in a key")
    desc = bool(column.descending)
    nulls_first = desc if column.nulls_first is None else column.nulls_first
    null_marker = _NULL_FIRST if nulls_first else _NULL_LAST
    value_marker = _VALUE_DESC if desc else _VALUE_ASC
    build = _fixed_column if isinstance(spec, _Fixed) else _variable_column
    return build(spec, desc, null_marker, value_marker)


_INT_BITS = {oids.INT2: 16, oids.INT4: 32, oids.INT8: 64}


def _column_batch(column: KeyColumn, encode: Encoder) -> Callable[[list, bytes], list[bytes]]:
    """`prefix + encode(v)` for each value of a column (the prefix: the relation's, on
    the first key column). An ascending integer column whose values are all ints in
    range is one arithmetic pass: marker, bias and prefix folded into one integer."""
    bits = _INT_BITS.get(column.oid)

    def each(values: list, prefix: bytes) -> list[bytes]:
        if prefix:
            return [prefix + encode(v) for v in values]
        return [encode(v) for v in values]

    if bits is None or column.descending:
        return each
    lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def ints(values: list, prefix: bytes) -> list[bytes]:
        # bool is an int subclass: `type` is exactly int, as `to_uint` demands.
        if not values or set(map(type, values)) != {int} or min(values) < lo or max(values) > hi:
            return each(values, prefix)  # NULLs, other types, errors: one by one
        size = len(prefix) + 9
        base = (int.from_bytes(prefix) << 72) + (_VALUE_ASC << 64) + _BIAS64
        return [(base + v).to_bytes(size) for v in values]

    return ints


class KeyCodec:
    """Encodes and decodes key tuples for a fixed list of columns.

    Per-column encoder/decoder closures are built once here; keep one codec per
    table/index and reuse it.
    """

    __slots__ = ("_batch", "_decoders", "_encoders", "columns")

    def __init__(self, columns: Sequence[KeyColumn]) -> None:
        self.columns: tuple[KeyColumn, ...] = tuple(KeyColumn(*c) for c in columns)
        codecs = [_column_codec(c) for c in self.columns]
        self._encoders: tuple[Encoder, ...] = tuple(e for e, _ in codecs)
        self._decoders: tuple[Decoder, ...] = tuple(d for _, d in codecs)
        self._batch = tuple(_column_batch(c, e) for c, e in zip(self.columns, self._encoders))

    def __repr__(self) -> str:
        return f"KeyCodec({list(self.columns)!r})"

    def encode(self, values: Sequence[Any]) -> bytes:
        """Encode a tuple, or a leading prefix of one (for range scans)."""
        encoders = self._encoders
        if len(values) > len(encoders):
            raise ValueError(f"{len(values)} values for a {len(encoders)}-column key")
        return b"".join([enc(v) for enc, v in zip(encoders, values)])

    def encode_rows(self, rows: Iterable[Sequence[Any]], positions: Sequence[int],
                    prefix: bytes = b"") -> list[bytes]:
        """`prefix + encode([row[p] for p in positions])` of each row: the keys of a
        batch, encoded a column at a time (integer columns in one pass)."""
        if len(positions) > len(self._encoders):
            raise ValueError(f"{len(positions)} values for a {len(self._encoders)}-column key")
        rows = rows if isinstance(rows, list) else list(rows)
        if not positions:
            return [prefix] * len(rows)
        columns = [self._batch[i](list(map(itemgetter(p), rows)), prefix if i == 0 else b"")
                   for i, p in enumerate(positions)]
        if len(columns) == 1:
            return columns[0]
        return list(map(b"".join, zip(*columns)))

    def encode_value(self, col_index: int, value: Any) -> bytes:
        """Encode one column's value, as it appears inside a key."""
        return self._encoders[col_index](value)

    def decode(self, data: bytes, offset: int = 0) -> tuple[Any, ...]:
        """Decode a full key starting at `offset`; it must end exactly at len(data)."""
        values, end = self.decode_prefix(data, len(self._decoders), offset)
        if end != len(data):
            raise _corrupt(f"{len(data) - end} trailing bytes")
        return values

    def decode_prefix(self, data: bytes, n: int, offset: int = 0) -> tuple[tuple[Any, ...], int]:
        """Decode the first `n` columns at `offset`; return (values, end offset)."""
        if n > len(self._decoders):
            raise ValueError(f"{n} values requested from a {len(self._decoders)}-column key")
        out = []
        pos = offset
        try:
            for dec in self._decoders[:n]:
                value, pos = dec(data, pos)
                out.append(value)
        except IndexError:
            raise _corrupt("truncated key") from None
        return tuple(out), pos


def prefix_end(prefix: bytes) -> bytes | None:
    """The smallest byte string above every string starting with `prefix`.

    Returns None when there is none (prefix empty or all 0xFF): scan to the end.
    """
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return None
    return stripped[:-1] + bytes((stripped[-1] + 1,))
