"""The batch forms of per-row operations, each against the per-row operation it stands
for: key encoding (`KeyCodec.encode_rows`), row encoding (`values.dumps_many`), COPY's
text input (`sql.text_batch.column_input`), the storage engine's reused read cursor,
`ShardMap.range_of_all`, and the transaction's `put_many`, `mark_modified_many` and
`get_many_dense` (over a real embedded cluster of three shards).
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from borealis.cluster.embedded import EmbeddedCluster, EmbeddedConfig
from borealis.control.shardmap import ShardMap
from borealis.core import errors, values
from borealis.core.keys import KeyCodec, KeyColumn
from borealis.qp.txn import TxnLimits
from borealis.sql import types as T
from borealis.sql.text_batch import column_input
from borealis.storage.engine import MvccStore

INT2, INT4, INT8, TEXT, UUID_OID = 21, 23, 20, 25, 2950

# -- keys ----------------------------------------------------------------------------

int_values = st.one_of(st.none(), st.integers(-(1 << 70), 1 << 70), st.booleans(),
                       st.integers(-40000, 40000))


@settings(max_examples=300, deadline=None)
@given(oid=st.sampled_from([INT2, INT4, INT8]), descending=st.booleans(),
       nulls_first=st.sampled_from([None, True, False]),
       column=st.lists(int_values, max_size=30), prefix=st.binary(max_size=6))
def test_encode_rows_is_encode_of_each_row(oid, descending, nulls_first, column, prefix):
    codec = KeyCodec([KeyColumn(oid, descending, nulls_first)])
    rows = [(v, "other column") for v in column]
    try:
        expected = [prefix + codec.encode([row[0]]) for row in rows]
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            codec.encode_rows(rows, [0], prefix)
        return
    assert codec.encode_rows(rows, [0], prefix) == expected


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(st.tuples(st.integers(-(1 << 15), (1 << 15) - 1),
                               st.integers(-(1 << 31), (1 << 31) - 1),
                               st.one_of(st.none(), st.text(max_size=5))), max_size=20))
def test_encode_rows_of_a_composite_key(rows):
    codec = KeyCodec([KeyColumn(INT4), KeyColumn(TEXT, True), KeyColumn(INT2)])
    positions = [1, 2, 0]  # key order differs from row order
    assert codec.encode_rows(rows, positions, b"\x07p") == \
        [b"\x07p" + codec.encode([row[p] for p in positions]) for row in rows]


def test_encode_rows_keeps_uuid_and_empty_keys():
    codec = KeyCodec([KeyColumn(UUID_OID)])
    ids = [(uuid.UUID(int=i * 7919),) for i in range(5)]
    assert codec.encode_rows(ids, [0]) == [codec.encode(list(row)) for row in ids]
    assert codec.encode_rows([(1,), (2,)], [], b"x") == [b"x", b"x"]


def test_dumps_many_is_dumps_of_each():
    rows = [(1, "a", None), (2, uuid.UUID(int=5), 1.5), (), ("x" * 300, b"\x00\x01", True)]
    assert values.dumps_many(rows) == [values.dumps(row) for row in rows]
    assert [values.loads(b) for b in values.dumps_many(rows)] == rows


# -- COPY's text input -----------------------------------------------------------------

SAMPLES = ["0", "-0", "1", "-1", "007", "+5", " 5", "5 ", "\t5\n", "1_000", "1__0", "0x1F",
           "1.0", "1e3", "true", "null", "NaN", "١٢", "", "  ", "2147483647", "2147483648",
           "-2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
           "32767", "32768", "-32768", "1,2", "[1]", "[[1]]", "\x1c5", "5\x00", "abc",
           "--1", "+", "-", "\u00a05", "1 2", "ab   ", "toolong", "a\x00b", None]
TYPES = [(INT2, -1), (INT4, -1), (INT8, -1), (TEXT, -1), (1043, -1), (1043, 9), (1042, 9),
         (1042, -1), (700, -1), (1082, -1)]


def _one_by_one(oid: int, typmod: int, texts: list) -> tuple:
    text_in = T.type_by_oid(oid).text_in
    out = []
    for text in texts:
        if text is None:
            out.append(None)
            continue
        try:
            out.append(text_in(text, typmod))
        except errors.BorealisError as exc:
            return ("error", type(exc).__name__, exc.message)
    return ("ok", out)


def _batch(oid: int, typmod: int, texts: list) -> tuple:
    try:
        return ("ok", column_input(oid, typmod)(texts))
    except errors.BorealisError as exc:
        return ("error", type(exc).__name__, exc.message)


@settings(max_examples=400, deadline=None)
@given(kind=st.sampled_from(TYPES),
       texts=st.lists(st.one_of(st.sampled_from(SAMPLES),
                                st.integers(-(1 << 40), 1 << 40).map(str)), max_size=8))
def test_column_input_is_text_in_of_each_value(kind, texts):
    """The same values, or the same first error."""
    oid, typmod = kind
    # repr: NaN is not equal to itself, and 1 == 1.0 would hide a type difference
    assert repr(_batch(oid, typmod, texts)) == repr(_one_by_one(oid, typmod, texts))


# -- storage ---------------------------------------------------------------------------

def test_reused_read_cursor_sees_every_write(tmp_path):
    store = MvccStore(str(tmp_path / "lmdb"), map_size=1 << 26)
    try:
        assert store.get(b"k", 10) is None  # opens the cached reader
        store.apply([(5, [(b"k", b"v5"), (b"k\x00z", b"nul")])], 5)
        assert store.get(b"k", 10) == b"v5"  # the apply dropped it
        assert store.get(b"k\x00z", 10) == b"nul"
        store.apply([(7, [(b"k", None)])], 7)
        assert store.get(b"k", 10) is None
        assert store.get(b"k", 6) == b"v5"
        store.apply([], 20)  # a heartbeat: no write
        assert store.get(b"k", 20) is None
        store.collect_garbage(8, b"", 100)
        assert store.get(b"k", 20) is None and store.get(b"k\x00z", 20) == b"nul"
    finally:
        store.close()


def test_range_of_all():
    shard_map = ShardMap([b"\x55", b"\xaa"], 3, 3)
    assert shard_map.range_of_all([b"\x10", b"\x20\xff", b"\x54"]) is shard_map.ranges[0]
    assert shard_map.range_of_all([b"\xaa"]) is shard_map.ranges[2]
    assert shard_map.range_of_all([b"\x10", b"\x55"]) is None
    assert shard_map.range_of_all([]) is None


# -- the transaction ---------------------------------------------------------------------

def _run(tmp_path, body) -> None:
    async def main() -> None:
        async with EmbeddedCluster(EmbeddedConfig(str(tmp_path), shards=3)) as cluster:
            await body(cluster.txn_client())

    asyncio.run(main())


def _state(txn) -> tuple:
    return (dict(txn.writes), txn.write_bytes, txn.usage.write_rows, txn.usage.write_bytes)


def test_put_many_is_put_of_each(tmp_path):
    async def body(client):
        cases = [
            ([b"\x10a", b"\x10b", b"\x60c"], [b"1", b"2" * 300, b"3"]),  # new keys
            ([b"\x10a", b"\x10a", b"\x10z"], [b"1", b"22", b"3"]),  # a repeat
            ([b"\x10" + b"k" * 300], [b"long key"]),  # checked one by one
        ]
        for keys, vals in cases:
            one, many = client.begin(), client.begin()
            for txn in (one, many):
                txn.put(b"\x10a", b"before")
                txn.delete(b"\x10z")
            for key, value in zip(keys, vals):
                one.put(key, value)
            many.put_many(keys, vals)
            assert _state(many) == _state(one)
            one.abort()
            many.abort()
        txn = client.begin()
        with pytest.raises(errors.KeySizeTooLarge):
            txn.put_many([b"\x10ok", b"\x10" + b"\x00" * 300], [b"1", b"2"])
        assert b"\x10ok" in txn.writes  # keys before the refused one are recorded
    _run(tmp_path, body)


def test_put_many_raises_the_size_limit_at_the_crossing_key(tmp_path):
    async def body(client):
        limit = TxnLimits(modified_rows_max=10, write_bytes_max=1000)
        keys = [b"\x10" + bytes([i]) for i in range(10)]
        vals = [b"v" * 200] * 10
        one, many = client.begin(), client.begin()
        one.limits = many.limits = limit
        with pytest.raises(errors.TransactionSizeLimit) as by_one:
            for key, value in zip(keys, vals):
                one.put(key, value)
        with pytest.raises(errors.TransactionSizeLimit) as by_many:
            many.put_many(keys, vals)
        assert by_many.value.detail == by_one.value.detail
        assert _state(many) == _state(one) and len(many.writes) == 5
        rows = client.begin()
        rows.limits = limit
        rows.mark_modified_many(keys[:6])
        with pytest.raises(errors.TransactionRowLimit):
            rows.mark_modified_many(keys[6:] + [b"\x10extra"])
        assert len(rows.modified_rows) == 11  # the crossing key is counted, as mark_modified
    _run(tmp_path, body)


def test_get_many_dense_is_get_many(tmp_path):
    async def body(client):
        stored = client.begin()
        for i in range(0, 400, 3):
            stored.put(b"\x10" + i.to_bytes(2, "big"), b"v%d" % i)
        stored.put(b"\x60x", b"far")
        await stored.commit()
        txn = client.begin()
        txn.put(b"\x10" + (7).to_bytes(2, "big"), b"mine")
        txn.delete(b"\x10" + (9).to_bytes(2, "big"))
        dense = [b"\x10" + i.to_bytes(2, "big") for i in range(0, 200)]  # 67 stored: > probe
        sparse = [b"\x10" + i.to_bytes(2, "big") for i in range(1000, 1200)]  # none stored
        spread = dense[:50] + [b"\x60x", b"\xc0nothing"]  # three shards
        for keys in (dense, sparse, spread, dense[::-1], dense[:3]):
            assert await txn.get_many_dense(keys) == await txn.get_many(keys)
        assert (await txn.get_many_dense(dense))[7] == b"mine"
        assert (await txn.get_many_dense(dense))[9] is None
        txn.abort()
    _run(tmp_path, body)
