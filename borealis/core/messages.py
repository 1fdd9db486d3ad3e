"""Messages between roles: frozen dataclasses with one explicit codec.

Every message type is a frozen dataclass decorated with `@message(tag)`; the tag is a
small integer that identifies the type on the wire and must never be reused. A message
encodes as msgpack extension 0 holding ``[tag, field1, field2, ...]`` in field order, so
nested messages and SQL values (`core.values`) compose. Tuples stay tuples.

The role-specific request/reply pairs live beside their role (e.g.
`adjudicator.messages`); this module only holds the registry and the codec, plus the
transport envelope used by request/reply.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

import msgpack

from borealis.core import values

T = TypeVar("T")

_BY_TAG: dict[int, type] = {}
_TAG_OF: dict[type, int] = {}


def message(tag: int):
    """Register a frozen dataclass as a message type with wire tag `tag`."""

    def wrap(cls: type[T]) -> type[T]:
        if not dataclasses.is_dataclass(cls):
            cls = dataclasses.dataclass(frozen=True, slots=True)(cls)
        if tag in _BY_TAG and _BY_TAG[tag].__qualname__ != cls.__qualname__:
            raise AssertionError(f"message tag {tag} used by {_BY_TAG[tag]} and {cls}")
        _BY_TAG[tag] = cls
        _TAG_OF[cls] = tag
        cls._fields = tuple(f.name for f in dataclasses.fields(cls))  # type: ignore[attr-defined]
        return cls

    return wrap


def _default(obj: Any) -> Any:
    tag = _TAG_OF.get(type(obj))
    if tag is not None:
        body = [tag]
        body.extend(getattr(obj, name) for name in obj._fields)
        return msgpack.ExtType(values.EXT_MESSAGE, msgpack.packb(body, default=_default, use_bin_type=True))
    return values.pack_value(obj)


def _ext_hook(code: int, data: bytes) -> Any:
    if code == values.EXT_MESSAGE:
        body = msgpack.unpackb(data, ext_hook=_ext_hook, use_list=False, raw=False,
                               strict_map_key=False)
        cls = _BY_TAG.get(body[0])
        if cls is None:
            raise ValueError(f"unknown message tag {body[0]}")
        return cls(*body[1:])
    return values.unpack_value(code, data)


def encode(msg: Any) -> bytes:
    return msgpack.packb(msg, default=_default, use_bin_type=True)


def decode(data: bytes) -> Any:
    return msgpack.unpackb(data, ext_hook=_ext_hook, use_list=False, raw=False,
                           strict_map_key=False)


@message(1)
class Envelope:
    """Transport framing: `call_id` > 0 for a request expecting a reply, < 0 for the
    reply to call `-call_id`, 0 for a one-way message."""

    sender: str
    call_id: int
    body: Any


@message(2)
class ErrorReply:
    """A handler raised a `BorealisError`: the caller re-raises it by class name."""

    name: str
    message: str
