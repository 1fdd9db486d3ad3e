"""Byte-level codec for PostgreSQL protocol v3: read frontend messages, write backend ones.

Pure functions and one small `Reader`; no state machine, no I/O. Layouts follow the
PostgreSQL "Message Formats" chapter: every integer is big-endian, strings are UTF-8
terminated by a zero byte, and a message is `type byte | int32 length | payload` where
the length counts itself but not the type byte.

Reading malformed input raises `ProtocolError` (FATAL 08P01 upstream); a string that is
not valid UTF-8 raises `CharacterNotInRepertoire` (22021), which is an ordinary ERROR in
a query and FATAL only during startup, as in PostgreSQL.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping, Sequence

from borealis.core import errors
from borealis.wire.backend import Column
from borealis.wire.errors import ProtocolError

_INT16 = struct.Struct("!h")
_UINT16 = struct.Struct("!H")
_INT32 = struct.Struct("!i")
_UINT32 = struct.Struct("!I")
_HEADER = struct.Struct("!cI")
_DATA_ROW_HEADER = struct.Struct("!cIH")  # kind, length, column count
_ONE_VALUE_ROW = struct.Struct("!cIHi")  # the same, then the one value's length
_FIELD = struct.Struct("!IhIhih")  # RowDescription: table oid .. format
_NULL_VALUE = _INT32.pack(-1)

# Authentication request codes ('R' messages).
AUTH_OK = 0
AUTH_CLEARTEXT_PASSWORD = 3
AUTH_SASL = 10
AUTH_SASL_CONTINUE = 11
AUTH_SASL_FINAL = 12


class Reader:
    """Sequential reader over one message payload; every read is bounds-checked."""

    __slots__ = ("_data", "_pos")

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 0

    @property
    def remaining(self) -> int:
        return len(self._data) - self._pos

    def _take(self, n: int) -> bytes:
        if n < 0 or self._pos + n > len(self._data):
            raise ProtocolError("insufficient data left in message")
        chunk = self._data[self._pos : self._pos + n]
        self._pos += n
        return chunk

    def byte(self) -> int:
        return self._take(1)[0]

    def int16(self) -> int:
        return _INT16.unpack(self._take(2))[0]

    def uint16(self) -> int:
        return _UINT16.unpack(self._take(2))[0]

    def int32(self) -> int:
        return _INT32.unpack(self._take(4))[0]

    def uint32(self) -> int:
        return _UINT32.unpack(self._take(4))[0]

    def bytes(self, n: int) -> bytes:
        return self._take(n)

    def rest(self) -> bytes:
        return self._take(self.remaining)

    def cstring_bytes(self) -> bytes:
        end = self._data.find(b"\0", self._pos)
        if end < 0:
            raise ProtocolError("invalid string in message")
        chunk = self._data[self._pos : end]
        self._pos = end + 1
        return chunk

    def cstring(self) -> str:
        return decode_utf8(self.cstring_bytes())

    def end(self) -> None:
        """Assert the payload is used up: trailing bytes mean a malformed message."""
        if self.remaining:
            raise ProtocolError("invalid message format")


def decode_utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise errors.invalid_utf8(raw, exc) from None


def _cstr(text: str) -> bytes:
    # A NUL inside a string would end it early on the client; never let one through.
    return text.replace("\0", "").encode("utf-8") + b"\0"


def message(kind: bytes, payload: bytes = b"") -> bytes:
    return _HEADER.pack(kind, len(payload) + 4) + payload


# --- startup and authentication ---------------------------------------------------------


def authentication(code: int, data: bytes = b"") -> bytes:
    return message(b"R", _INT32.pack(code) + data)


def authentication_sasl(mechanisms: Iterable[str]) -> bytes:
    names = b"".join(_cstr(name) for name in mechanisms) + b"\0"
    return authentication(AUTH_SASL, names)


def parameter_status(name: str, value: str) -> bytes:
    return message(b"S", _cstr(name) + _cstr(value))


def backend_key_data(process_id: int, secret_key: int) -> bytes:
    return message(b"K", _UINT32.pack(process_id) + _UINT32.pack(secret_key))


def negotiate_protocol_version(minor: int, unknown_options: Sequence[str]) -> bytes:
    names = b"".join(_cstr(name) for name in unknown_options)
    return message(b"v", _INT32.pack(minor) + _INT32.pack(len(unknown_options)) + names)


def ready_for_query(status: str) -> bytes:
    return message(b"Z", status.encode("ascii"))


# --- query results ----------------------------------------------------------------------


def row_description(columns: Sequence[Column]) -> bytes:
    parts = [_INT16.pack(len(columns))]
    for col in columns:
        parts.append(_cstr(col.name))
        parts.append(
            _FIELD.pack(
                col.table_oid,
                col.column_attnum,
                col.type_oid,
                col.type_size,
                col.type_modifier,
                col.format,
            )
        )
    return message(b"T", b"".join(parts))


def data_row(values: Sequence[bytes | None]) -> bytes:
    if len(values) == 1 and values[0] is not None:  # one column: one pack, one copy
        value = values[0]
        return _ONE_VALUE_ROW.pack(b"D", len(value) + 10, 1, len(value)) + value
    pack = _INT32.pack
    payload = b"".join([_NULL_VALUE if v is None else pack(len(v)) + v for v in values])
    return _DATA_ROW_HEADER.pack(b"D", len(payload) + 6, len(values)) + payload


def parameter_description(param_oids: Sequence[int]) -> bytes:
    payload = _UINT16.pack(len(param_oids)) + b"".join(_UINT32.pack(oid) for oid in param_oids)
    return message(b"t", payload)


def command_complete(tag: str) -> bytes:
    return message(b"C", _cstr(tag))


def copy_in_response(overall_format: int, column_formats: Sequence[int]) -> bytes:
    payload = bytes([overall_format]) + _UINT16.pack(len(column_formats))
    payload += b"".join(_INT16.pack(fmt) for fmt in column_formats)
    return message(b"G", payload)


EMPTY_QUERY_RESPONSE = message(b"I")
PARSE_COMPLETE = message(b"1")
BIND_COMPLETE = message(b"2")
CLOSE_COMPLETE = message(b"3")
NO_DATA = message(b"n")
PORTAL_SUSPENDED = message(b"s")


# --- errors and notices -----------------------------------------------------------------


def error_fields(
    severity: str,
    sqlstate: str,
    text: str,
    *,
    detail: str | None = None,
    hint: str | None = None,
    position: int | None = None,
    context: str | None = None,
) -> dict[str, str]:
    """The fields of an ErrorResponse/NoticeResponse, keyed by their one-letter codes."""
    fields = {"S": severity, "V": severity, "C": sqlstate, "M": text}
    if detail:
        fields["D"] = detail
    if hint:
        fields["H"] = hint
    if position is not None and position > 0:
        fields["P"] = str(position)
    if context:
        fields["W"] = context
    return fields


def _fields_payload(fields: Mapping[str, str]) -> bytes:
    return b"".join(code.encode("ascii") + _cstr(value) for code, value in fields.items()) + b"\0"


def error_response(fields: Mapping[str, str]) -> bytes:
    return message(b"E", _fields_payload(fields))


def notice_response(fields: Mapping[str, str]) -> bytes:
    return message(b"N", _fields_payload(fields))
