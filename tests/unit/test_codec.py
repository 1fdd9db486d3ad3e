"""The value codec (`borealis.core.values`) and the message codec
(`borealis.core.messages`): round trips of every SQL value type and of message
dataclasses (nested in an `Envelope`), the on-disk encodings that must never change,
and the errors for unknown tags, duplicate tags and unencodable objects."""

from __future__ import annotations

import dataclasses
import datetime
import math
import uuid
from decimal import Decimal

import msgpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borealis.adjudicator.messages import CommitReply, CommitRequest, Prepare
from borealis.core import messages, values
from borealis.core.messages import Envelope, ErrorReply, message
from borealis.journal.records import CommitRecord, JournalBatch
from borealis.storage.messages import Apply, Scan, ScanReply

UTC = datetime.UTC


def same(a, b) -> bool:
    """Equal, of the same type, and with the same representation where `==` is lax."""
    if type(a) is not type(b):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, Decimal):
        return str(a) == str(b)  # keeps NaN, -0 and trailing zeros honest
    if isinstance(a, float):
        if math.isnan(a):
            return math.isnan(b)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, datetime.datetime) and a.tzinfo is not None:
        return a == b and b.utcoffset() == datetime.timedelta(0)
    return a == b


def roundtrip(v):
    return values.loads(values.dumps(v))


SAMPLES = [
    None, True, False, 0, 1, -1, 2**63 - 1, -(2**63), 2**64 - 1,
    0.0, -0.0, 1.5, -1e308, 5e-324, math.inf, -math.inf, math.nan,
    "", "text", "ünïcødé ✓ \U0001F600", "\x00nul inside",
    b"", b"\x00\xff\x00", bytes(range(256)),
    Decimal("0"), Decimal("-0"), Decimal("1.10"), Decimal("-123.456"),
    Decimal("NaN"), Decimal("-NaN"), Decimal("sNaN"), Decimal("Infinity"), Decimal("-Infinity"),
    Decimal("1E+1000"), Decimal("1E-1000"),
    Decimal("123456789012345678901234567890123456789.987654321098765432109876543210"),
    datetime.date(2000, 1, 1), datetime.date(1999, 12, 31), datetime.date.min,
    datetime.date.max, datetime.date(1970, 1, 1), datetime.date(2024, 2, 29),
    datetime.time(0, 0), datetime.time(12, 34, 56, 789012), datetime.time.max,
    datetime.datetime(2000, 1, 1), datetime.datetime.min, datetime.datetime.max,
    datetime.datetime(1969, 12, 31, 23, 59, 59, 999999),
    datetime.datetime(2024, 6, 1, 12, 0, 0, 1),
    datetime.datetime(2000, 1, 1, tzinfo=UTC),
    datetime.datetime(1, 1, 2, tzinfo=UTC),
    datetime.datetime(9999, 12, 30, 23, 59, 59, 999999, tzinfo=UTC),
    uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID("12345678-1234-5678-1234-567812345678"),
    (), (1, "a", None), ((1, (2, (3, ()))), b"x", Decimal("2.5")),
]


@pytest.mark.parametrize("value", SAMPLES, ids=repr)
def test_value_roundtrip(value):
    assert same(roundtrip(value), value)
    assert same(roundtrip((value,)), (value,))


def test_aware_datetimes_come_back_as_the_same_instant_in_utc():
    tz = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    for dt in (datetime.datetime(2024, 1, 1, 8, 0, tzinfo=tz),
               datetime.datetime(1900, 6, 15, 0, 0, 0, 5, tzinfo=tz),
               datetime.datetime(9999, 12, 31, 23, 59, tzinfo=tz)):
        back = roundtrip(dt)
        assert back == dt
        assert back.tzinfo == UTC
        assert back.astimezone(tz).replace(tzinfo=None) == dt.replace(tzinfo=None)


def test_naive_and_aware_datetimes_stay_distinct():
    naive = datetime.datetime(2024, 1, 1, 12)
    aware = naive.replace(tzinfo=UTC)
    assert roundtrip(naive).tzinfo is None
    assert roundtrip(aware).tzinfo is not None
    assert values.dumps(naive) != values.dumps(aware)


def test_lists_decode_as_tuples():
    assert roundtrip([1, [2, [3]]]) == (1, (2, (3,)))


def test_bool_is_not_confused_with_int():
    assert roundtrip((True, 1, False, 0)) == (True, 1, False, 0)
    assert [type(v) for v in roundtrip((True, 1, False, 0))] == [bool, int, bool, int]


# Codes and layouts are part of the on-disk format: a change here breaks old data.
@pytest.mark.parametrize(("value", "code", "data"), [
    (Decimal("1.50"), 1, b"1.50"),
    (datetime.date(2000, 1, 2), 2, b"\x00\x00\x00\x01"),
    (datetime.date(1999, 12, 31), 2, b"\xff\xff\xff\xff"),
    (datetime.time(0, 0, 1), 3, (1_000_000).to_bytes(8, "big")),
    (datetime.datetime(2000, 1, 1, 0, 0, 0, 1), 4, (1).to_bytes(8, "big")),
    (datetime.datetime(2000, 1, 1, tzinfo=UTC) - datetime.timedelta(microseconds=1), 5,
     (-1).to_bytes(8, "big", signed=True)),
    (uuid.UUID(int=1), 6, (1).to_bytes(16, "big")),
])
def test_extension_encodings_are_stable(value, code, data):
    assert values.dumps(value) == msgpack.packb(msgpack.ExtType(code, data))


@settings(max_examples=200, deadline=None)
@given(st.recursive(
    st.one_of(
        st.none(), st.booleans(), st.integers(-(2**63), 2**64 - 1),
        st.floats(allow_nan=True), st.text(), st.binary(),
        st.decimals(allow_nan=True, allow_infinity=True),
        st.dates(), st.times(), st.datetimes(),
        st.datetimes(min_value=datetime.datetime(2, 1, 1),
                     max_value=datetime.datetime(9998, 12, 31),
                     timezones=st.just(UTC)),
        st.uuids(),
    ),
    lambda children: st.lists(children, max_size=4).map(tuple),
    max_leaves=12,
))
def test_value_roundtrip_property(value):
    assert same(roundtrip(value), value)
    # Values inside messages go through the same codec.
    assert same(messages.decode(messages.encode(value)), value)


@pytest.mark.parametrize("bad", [object(), {1, 2}, 1j, datetime.timedelta(1)], ids=repr)
def test_unencodable_values_raise(bad):
    with pytest.raises(TypeError):
        values.dumps(bad)


# ----------------------------------------------------------------- messages

REQUEST = CommitRequest(
    txn_id=bytes(range(16)), t_start=1_700_000_000_000_000_000, deadline=2**64 - 1,
    writes=((b"\x10a", b"row"), (b"\x60b", None), (b"", b"")),
    locks=(b"\xc0lock",), checks=(b"\x00\x01catalog-version",), participants=(1, 2),
)


@pytest.mark.parametrize("msg", [
    REQUEST,
    CommitReply(42),
    Prepare(b"t" * 16, 5, 6, (b"a", b"b"), (), 0),
    CommitRecord(b"id", 7, ((b"k", values.dumps((1, Decimal("NaN")))), (b"d", None)), (), ()),
    Apply(((10, ((b"a", b"1"),)), (10, ((b"b", None),))), 10),
    Scan(b"", None, 5, 0, True, ("cmp", ">", ("col", 0), ("const", Decimal("1.5"))), (0, 2)),
    ScanReply(((b"k", (1, "x", datetime.date(2020, 1, 1))),), True, 3),
    JournalBatch(((1, 10, b"payload"),), 10, 1),
    ErrorReply("OccConflict", "change conflicts with another transaction, please retry: (OC000)"),
], ids=lambda m: type(m).__name__)
def test_message_roundtrip(msg):
    back = messages.decode(messages.encode(msg))
    assert type(back) is type(msg)
    assert back == msg


def test_envelope_with_nested_message_body():
    env = Envelope("@qp1", 7, Envelope("@inner", -3, REQUEST))
    back = messages.decode(messages.encode(env))
    assert back == env
    assert type(back.body) is Envelope and type(back.body.body) is CommitRequest
    reply = messages.decode(messages.encode(Envelope("adj/0", -7, CommitReply(99))))
    assert reply.body == CommitReply(99) and reply.call_id == -7


def test_message_wire_layout_is_tag_then_fields_in_order():
    ext = msgpack.unpackb(messages.encode(CommitReply(42)))
    assert ext.code == values.EXT_MESSAGE
    assert msgpack.unpackb(ext.data) == [11, 42]
    ext = msgpack.unpackb(messages.encode(REQUEST))
    body = msgpack.unpackb(ext.data, raw=False)
    assert body[0] == 10
    assert body[1:3] == [REQUEST.txn_id, REQUEST.t_start]


def test_decoded_message_fields_are_tuples():
    back = messages.decode(messages.encode(REQUEST))
    assert isinstance(back.writes, tuple) and isinstance(back.writes[0], tuple)
    assert isinstance(back.participants, tuple)


def test_unknown_message_tag_raises():
    data = msgpack.packb(msgpack.ExtType(values.EXT_MESSAGE, msgpack.packb([65_000, 1, 2])))
    with pytest.raises(ValueError, match="unknown message tag 65000"):
        messages.decode(data)


def test_unknown_tag_nested_in_an_envelope_raises():
    inner = msgpack.ExtType(values.EXT_MESSAGE, msgpack.packb([65_001]))
    data = msgpack.packb(msgpack.ExtType(values.EXT_MESSAGE,
                                         msgpack.packb([1, "x", 1, inner])))
    with pytest.raises(ValueError, match="unknown message tag"):
        messages.decode(data)


def test_duplicate_tag_registration_raises_and_keeps_the_original():
    with pytest.raises(AssertionError, match="tag 10"):
        @message(10)
        class Impostor:
            x: int

    assert type(messages.decode(messages.encode(REQUEST))) is CommitRequest


def test_unregistered_dataclass_is_not_encodable():
    @dataclasses.dataclass(frozen=True)
    class Stray:
        x: int

    with pytest.raises(TypeError):
        messages.encode(Stray(1))


def test_messages_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        REQUEST.t_start = 0  # type: ignore[misc]
