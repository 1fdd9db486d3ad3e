"""The value codec: msgpack plus extension types for SQL values.

Rows stored in storage, post-images in the journal and every message between roles are
msgpack. msgpack knows None, bool, int, float, str, bytes and arrays; the SQL types it
does not know travel as extension types with a fixed code each (codes are part of the
on-disk format: never renumber). Messages themselves are extension code 0 (see
`core.messages`).

Sequences decode as tuples (``use_list=False``): values are immutable everywhere.
"""

from __future__ import annotations

import datetime
import struct
import uuid
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

import msgpack

EXT_MESSAGE = 0
EXT_DECIMAL = 1
EXT_DATE = 2
EXT_TIME = 3
EXT_TIMESTAMP = 4
EXT_TIMESTAMPTZ = 5
EXT_UUID = 6
EXT_INTERVAL = 7  # registered by borealis.sql (the Interval class lives there)

_EPOCH_DATE = datetime.date(2000, 1, 1)
_EPOCH_TS = datetime.datetime(2000, 1, 1)
_EPOCH_TSTZ = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
_US = datetime.timedelta(microseconds=1)
_Q = struct.Struct(">q")
_I = struct.Struct(">i")


def _micros(delta: datetime.timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


_EXTRA: dict[type, tuple[int, Callable[[Any], bytes]]] = {}


def register(code: int, cls: type, pack: Callable[[Any], bytes],
             unpack: Callable[[bytes], Any]) -> None:
    """Add a value type owned by a higher layer (e.g. the SQL interval) to the codec."""
    if code in _DECODERS and _EXTRA.get(cls, (None,))[0] != code:
        raise AssertionError(f"value extension code {code} is taken")
    _EXTRA[cls] = (code, pack)
    _DECODERS[code] = unpack


def pack_value(obj: Any) -> msgpack.ExtType:
    """msgpack `default` hook for the SQL value types."""
    extra = _EXTRA.get(type(obj))
    if extra is not None:
        return msgpack.ExtType(extra[0], extra[1](obj))
    if isinstance(obj, Decimal):
        return msgpack.ExtType(EXT_DECIMAL, str(obj).encode())
    if isinstance(obj, datetime.datetime):
        if obj.tzinfo is None:
            return msgpack.ExtType(EXT_TIMESTAMP, _Q.pack(_micros(obj - _EPOCH_TS)))
        return msgpack.ExtType(EXT_TIMESTAMPTZ, _Q.pack(_micros(obj - _EPOCH_TSTZ)))
    if isinstance(obj, datetime.date):
        return msgpack.ExtType(EXT_DATE, _I.pack((obj - _EPOCH_DATE).days))
    if isinstance(obj, datetime.time):
        micros = ((obj.hour * 60 + obj.minute) * 60 + obj.second) * 1_000_000 + obj.microsecond
        return msgpack.ExtType(EXT_TIME, _Q.pack(micros))
    if isinstance(obj, uuid.UUID):
        return msgpack.ExtType(EXT_UUID, obj.bytes)
    if isinstance(obj, list):
        return tuple(obj)  # type: ignore[return-value]
    raise TypeError(f"cannot encode {type(obj).__name__}")


def _time_from_micros(micros: int) -> datetime.time:
    seconds, us = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return datetime.time(hour, minute, second, us)


_DECODERS: dict[int, Callable[[bytes], Any]] = {
    EXT_DECIMAL: lambda b: Decimal(b.decode()),
    EXT_DATE: lambda b: _EPOCH_DATE + datetime.timedelta(days=_I.unpack(b)[0]),
    EXT_TIME: lambda b: _time_from_micros(_Q.unpack(b)[0]),
    EXT_TIMESTAMP: lambda b: _EPOCH_TS + _Q.unpack(b)[0] * _US,
    EXT_TIMESTAMPTZ: lambda b: _EPOCH_TSTZ + _Q.unpack(b)[0] * _US,
    EXT_UUID: lambda b: uuid.UUID(bytes=b),
}


def unpack_value(code: int, data: bytes) -> Any:
    """msgpack `ext_hook` for the SQL value types."""
    decoder = _DECODERS.get(code)
    if decoder is None:
        return msgpack.ExtType(code, data)
    return decoder(data)


def dumps(obj: Any) -> bytes:
    """Encode a value (or tuple of values, e.g. a row)."""
    return msgpack.packb(obj, default=pack_value, use_bin_type=True)


def dumps_many(objs: Iterable[Any]) -> list[bytes]:
    """`dumps` of each value (rows of a batch), with one packer for all of them."""
    pack = msgpack.Packer(default=pack_value, use_bin_type=True).pack
    return [pack(obj) for obj in objs]


def loads(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=unpack_value, use_list=False, raw=False,
                           strict_map_key=False)
