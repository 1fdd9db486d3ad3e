"""Test support for the wire layer: a fake SQL backend, a frontend message codec, a
small SCRAM client, and a real `Server` running in a background thread.

The fake backend understands just enough "SQL" to exercise the protocol:

    ""                        EmptyQuery
    select <int> | select 'x' one row, one column
    select $1, $2 ...         echoes the parameters (types from Parse or `$n::int4`)
    rows <n>                  n rows of int4 (for row limits / PortalSuspended)
    begin / commit / rollback transaction status I/T/E (BEGIN twice is a WARNING)
    ... error ...             raises a BorealisError 42601 with detail, hint, position
    boom                      raises RuntimeError (the wire must send XX000)
    sleep                     waits until cancelled, then raises 57014
    notice                    yields a Notice, then SELECT 1
    set application_name = x  yields ParameterChanged
    copy ... from stdin       CopyIn; counts lines; "COPY n"
    stream <n>                n rows in many batches (simple query only; backpressure)

Statements in a simple query are separated by ';'.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import re
import socket
import struct
import threading
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from borealis.core import oids
from borealis.core.errors import BorealisError
from borealis.wire.auth import Authenticator, StaticAuthenticator
from borealis.wire.backend import (
    BINARY_FORMAT,
    Column,
    CommandComplete,
    CopyIn,
    EmptyQuery,
    Notice,
    ParameterChanged,
    ParsedStatement,
    PortalSuspended,
    QueryEvent,
    RowDescription,
    Rows,
    SessionInfo,
    TransactionStatus,
    result_format,
)
from borealis.wire.server import Server, ServerConfig

WAIT_TIMEOUT_S = 10.0
SLEEP_MAX_S = 10.0  # a "sleep" statement that nobody cancels gives up after this
STREAM_BATCH_ROWS = 100


class FakeSyntaxError(BorealisError):
    sqlstate = "42601"
    template = 'syntax error at or near "error"'


class FakeQueryCanceled(BorealisError):
    sqlstate = "57014"
    template = "canceling statement due to user request"


class FakeInFailedTransaction(BorealisError):
    sqlstate = "25P02"
    template = "current transaction is aborted, commands ignored until end of transaction block"


class FakeUndefinedObject(BorealisError):
    sqlstate = "26000"
    template = "{what}"


class FakeUnknownDatabase(BorealisError):
    sqlstate = "3D000"
    template = 'database "{name}" does not exist'


# --- value codecs (a handful of types, text and binary) -----------------------------------

_BINARY = {oids.INT2: "!h", oids.INT4: "!i", oids.INT8: "!q", oids.FLOAT8: "!d"}
_TYPE_SIZE = {oids.INT2: 2, oids.INT4: 4, oids.INT8: 8, oids.FLOAT8: 8, oids.BOOL: 1}


def decode_value(raw: bytes | None, oid: int, fmt: int) -> Any:
    if raw is None:
        return None
    if fmt == BINARY_FORMAT:
        if oid in _BINARY:
            return struct.unpack(_BINARY[oid], raw)[0]
        if oid == oids.BOOL:
            return raw != b"\0"
        return raw.decode()
    text = raw.decode()
    if oid in (oids.INT2, oids.INT4, oids.INT8):
        return int(text)
    if oid == oids.FLOAT8:
        return float(text)
    if oid == oids.BOOL:
        return text in ("t", "true")
    return text


def encode_value(value: Any, oid: int, fmt: int) -> bytes | None:
    if value is None:
        return None
    if fmt == BINARY_FORMAT:
        if oid in _BINARY:
            return struct.pack(_BINARY[oid], value)
        if oid == oids.BOOL:
            return b"\1" if value else b"\0"
        return str(value).encode()
    if oid == oids.BOOL:
        return b"t" if value else b"f"
    return str(value).encode()


def column(name: str, oid: int, fmt: int = 0) -> Column:
    return Column(name, oid, type_size=_TYPE_SIZE.get(oid, -1), format=fmt)


# --- the fake backend ---------------------------------------------------------------------


@dataclass
class _Outcome:
    columns: tuple[Column, ...] | None
    rows: list[tuple[Any, ...]]
    tag: str
    events: list[QueryEvent] = field(default_factory=list)  # notices etc., sent first
    copy: bool = False


@dataclass
class _Portal:
    sql: str
    params: tuple[Any, ...]
    param_oids: tuple[int, ...]
    result_formats: tuple[int, ...]
    outcome: _Outcome | None = None
    position: int = 0


_PARAM = re.compile(r"\$(\d+)(?:::(\w+))?")
_CASTS = {
    "int": oids.INT4,
    "int4": oids.INT4,
    "integer": oids.INT4,
    "int8": oids.INT8,
    "bigint": oids.INT8,
    "int2": oids.INT2,
    "text": oids.TEXT,
    "bool": oids.BOOL,
    "float8": oids.FLOAT8,
}


def _param_types(sql: str, given: Sequence[int]) -> tuple[int, ...]:
    found: dict[int, int] = {}
    for match in _PARAM.finditer(sql):
        index = int(match.group(1))
        cast = _CASTS.get((match.group(2) or "").lower(), 0)
        found[index] = found.get(index) or cast
    count = max([*found, len(given)], default=0)
    types = []
    for i in range(1, count + 1):
        oid = given[i - 1] if i <= len(given) and given[i - 1] else found.get(i) or oids.TEXT
        types.append(oid)
    return tuple(types)


class FakeBackend:
    def __init__(self) -> None:
        self.sessions: list[FakeSession] = []

    async def open_session(self, info: SessionInfo) -> FakeSession:
        if info.database == "nodb":
            raise FakeUnknownDatabase(name=info.database)
        session = FakeSession(info)
        self.sessions.append(session)
        return session

    def terminated(self) -> list[FakeSession]:
        return [s for s in self.sessions if s.terminate_calls]


class FakeSession:
    def __init__(self, info: SessionInfo) -> None:
        self.info = info
        self.status = TransactionStatus.IDLE
        self.statements: dict[str, tuple[str, tuple[int, ...]]] = {}
        self.portals: dict[str, _Portal] = {}
        self.copied: list[bytes] = []
        self.cancel_calls = 0
        self.terminate_calls = 0
        self.rolled_back_on_terminate = False
        self.sync_calls = 0
        self.batches_produced = 0
        self.queries: list[str] = []
        self._cancelled: asyncio.Event | None = None

    # Session protocol

    @property
    def transaction_status(self) -> TransactionStatus:
        return self.status

    @property
    def parameters(self) -> dict[str, str]:
        return {"is_superuser": "on" if self.info.user == "admin" else "off"}

    async def simple_query(self, sql: str) -> AsyncIterator[QueryEvent]:
        if sql.startswith("stream "):
            async for event in self._stream(int(sql.split()[1])):
                yield event
            return
        for statement in sql.split(";") if sql.strip() else [""]:
            if not statement.strip() and sql.strip():
                continue
            outcome = await self._run(statement, ())
            for event in outcome.events:
                yield event
            if outcome.copy:
                yield CopyIn(0, ())
                continue  # copy_end() produced the CommandComplete
            if outcome.columns is None and outcome.tag == "":
                yield EmptyQuery()
                continue
            if outcome.columns is not None:
                yield RowDescription(outcome.columns)
                yield Rows([self._encode_row(row, outcome.columns, ()) for row in outcome.rows])
            yield CommandComplete(outcome.tag)

    async def parse(self, statement: str, sql: str, param_oids: Sequence[int]) -> None:
        if "error" in sql.lower():
            raise FakeSyntaxError(
                detail="the fake was asked to fail",
                hint="do not say error",
                position=sql.lower().index("error") + 1,
            )
        self.statements[statement] = (sql, _param_types(sql, param_oids))

    async def describe_statement(self, statement: str) -> ParsedStatement:
        sql, types = self._statement(statement)
        return ParsedStatement(types, self._columns(sql, types, ()))

    async def bind(self, portal, statement, param_formats, params, result_formats) -> None:
        sql, types = self._statement(statement)
        if len(params) != len(types):
            raise FakeSyntaxError(
                f"bind message supplies {len(params)} parameters, but prepared statement "
                f'"{statement}" requires {len(types)}'
            )
        values = tuple(
            decode_value(raw, oid, fmt) for raw, oid, fmt in zip(params, types, param_formats)
        )
        self.portals[portal] = _Portal(sql, values, types, tuple(result_formats))

    async def describe_portal(self, portal: str) -> tuple[Column, ...] | None:
        p = self._portal(portal)
        return self._columns(p.sql, p.param_oids, p.result_formats)

    async def execute(self, portal: str, max_rows: int) -> AsyncIterator[QueryEvent]:
        p = self._portal(portal)
        if p.outcome is None:
            p.outcome = await self._run(p.sql, p.params)
            for event in p.outcome.events:
                yield event
        outcome = p.outcome
        if outcome.copy:
            yield CopyIn(0, ())
            return
        if outcome.columns is None and outcome.tag == "":
            yield EmptyQuery()
            return
        end = len(outcome.rows) if max_rows == 0 else min(len(outcome.rows), p.position + max_rows)
        batch = outcome.rows[p.position : end]
        p.position = end
        columns = self._columns(p.sql, p.param_oids, p.result_formats) or ()
        yield Rows([self._encode_row(row, columns, ()) for row in batch])
        if end < len(outcome.rows):
            yield PortalSuspended()
        else:
            yield CommandComplete(outcome.tag)

    async def close_statement(self, statement: str) -> None:
        self.statements.pop(statement, None)

    async def close_portal(self, portal: str) -> None:
        self.portals.pop(portal, None)

    async def sync(self) -> None:
        self.sync_calls += 1
        self.portals.pop("", None)

    async def copy_data(self, data: bytes) -> None:
        if b"bad" in data:
            raise FakeSyntaxError("invalid input syntax in COPY data")
        self.copied.append(data)

    async def copy_end(self, failure: str | None) -> str:
        if failure is not None:
            self.copied.clear()
            raise FakeQueryCanceled(f"COPY from stdin failed: {failure}")
        lines = b"".join(self.copied).count(b"\n")
        self.copied.clear()
        return f"COPY {lines}"

    def cancel(self) -> None:
        self.cancel_calls += 1
        if self._cancelled is not None:
            self._cancelled.set()

    async def terminate(self) -> None:
        self.terminate_calls += 1
        if self.status is not TransactionStatus.IDLE:
            self.rolled_back_on_terminate = True
            self.status = TransactionStatus.IDLE

    # the "SQL engine"

    async def _stream(self, count: int) -> AsyncIterator[QueryEvent]:
        """`count` rows in batches of STREAM_BATCH_ROWS, counting the batches produced."""
        columns = (column("n", oids.INT4),)
        yield RowDescription(columns)
        for start in range(0, count, STREAM_BATCH_ROWS):
            end = min(count, start + STREAM_BATCH_ROWS)
            self.batches_produced += 1
            yield Rows([(str(i).encode(),) for i in range(start, end)])
        yield CommandComplete(f"SELECT {count}")

    def _statement(self, name: str) -> tuple[str, tuple[int, ...]]:
        if name not in self.statements:
            raise FakeUndefinedObject(what=f'prepared statement "{name}" does not exist')
        return self.statements[name]

    def _portal(self, name: str) -> _Portal:
        if name not in self.portals:
            raise FakeUndefinedObject(what=f'portal "{name}" does not exist')
        return self.portals[name]

    def _columns(self, sql: str, types: Sequence[int], result_formats: Sequence[int]):
        text = sql.strip().rstrip(";").strip().lower()
        if text.startswith("rows "):
            names = [("n", oids.INT4)]
        elif text.startswith("select $") or (text.startswith("select") and "$" in text):
            names = [(f"?column?{i}" if i else "?column?", oid) for i, oid in enumerate(types)]
        elif re.fullmatch(r"select -?\d+", text) or text == "notice":
            names = [("?column?", oids.INT4)]
        elif re.fullmatch(r"select '.*'", text):
            names = [("?column?", oids.TEXT)]
        else:
            return None
        return tuple(
            column(name, oid, result_format(result_formats, i) if result_formats else 0)
            for i, (name, oid) in enumerate(names)
        )

    @staticmethod
    def _encode_row(row, columns: Sequence[Column], _formats) -> tuple[bytes | None, ...]:
        return tuple(encode_value(v, c.type_oid, c.format) for v, c in zip(row, columns))

    async def _run(self, sql: str, params: tuple[Any, ...]) -> _Outcome:
        text = sql.strip().rstrip(";").strip().lower()
        self.queries.append(text)
        if self.status is TransactionStatus.FAILED and text not in ("rollback", "commit", "end"):
            raise FakeInFailedTransaction()
        try:
            return await self._statement_outcome(text, sql, params)
        except BorealisError:
            if self.status is TransactionStatus.IN_TRANSACTION:
                self.status = TransactionStatus.FAILED
            raise

    async def _statement_outcome(self, text: str, sql: str, params: tuple[Any, ...]) -> _Outcome:
        if not text:
            return _Outcome(None, [], "")
        if "error" in text:
            raise FakeSyntaxError(
                detail="the fake was asked to fail",
                hint="do not say error",
                position=text.index("error") + 1,
            )
        if text == "boom":
            raise RuntimeError("boom")
        if text in ("begin", "start transaction"):
            return self._begin()
        if text in ("commit", "end", "rollback"):
            tag = (
                "ROLLBACK"
                if text == "rollback" or self.status is TransactionStatus.FAILED
                else "COMMIT"
            )
            self.status = TransactionStatus.IDLE
            return _Outcome(None, [], tag)
        if text == "sleep":
            await self._sleep()
        if text == "notice":
            return _Outcome(
                self._columns(sql, (), ()),
                [(1,)],
                "SELECT 1",
                events=[Notice("hello from the fake", severity="NOTICE")],
            )
        if text.startswith("set application_name"):
            value = re.split(r"\s*(?:=|\bto\b)\s*", sql.strip(), maxsplit=1)[1].strip("'\" ;")
            return _Outcome(None, [], "SET", events=[ParameterChanged("application_name", value)])
        if text.startswith("copy ") and text.endswith("from stdin"):
            return _Outcome(None, [], "", copy=True)
        return self._select(text, sql, params)

    def _begin(self) -> _Outcome:
        events: list[QueryEvent] = []
        if self.status is not TransactionStatus.IDLE:
            events.append(
                Notice(
                    "there is already a transaction in progress",
                    severity="WARNING",
                    sqlstate="25001",
                )
            )
        self.status = TransactionStatus.IN_TRANSACTION
        return _Outcome(None, [], "BEGIN", events=events)

    async def _sleep(self) -> None:
        self._cancelled = asyncio.Event()
        try:
            await asyncio.wait_for(self._cancelled.wait(), SLEEP_MAX_S)
        except TimeoutError:
            pass
        finally:
            self._cancelled = None
        raise FakeQueryCanceled()

    def _select(self, text: str, sql: str, params: tuple[Any, ...]) -> _Outcome:
        columns = self._columns(sql, (), ())
        if text.startswith("rows "):
            count = int(text.split()[1])
            return _Outcome(columns, [(i,) for i in range(count)], f"SELECT {count}")
        if "$" in text:
            return _Outcome(None, [tuple(params)], "SELECT 1")  # columns come from the portal
        if re.fullmatch(r"select -?\d+", text):
            return _Outcome(columns, [(int(text.split()[1]),)], "SELECT 1")
        if re.fullmatch(r"select '.*'", text):
            return _Outcome(columns, [(sql.strip().rstrip(";").strip()[8:-1],)], "SELECT 1")
        raise FakeSyntaxError(f"the fake backend does not understand: {sql!r}")


# --- frontend messages (what a client sends) ----------------------------------------------


def _cstr(text: str) -> bytes:
    return text.encode() + b"\0"


def frame(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(payload) + 4) + payload


def startup(version: int = 196608, **params: str) -> bytes:
    params.setdefault("user", "alice")
    body = struct.pack("!I", version) + b"".join(_cstr(k) + _cstr(v) for k, v in params.items())
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def ssl_request() -> bytes:
    return struct.pack("!II", 8, 80877103)


def gssenc_request() -> bytes:
    return struct.pack("!II", 8, 80877104)


def cancel_request(process_id: int, secret: int) -> bytes:
    return struct.pack("!IIII", 16, 80877102, process_id, secret)


def query(sql: str) -> bytes:
    return frame(b"Q", _cstr(sql))


def parse(name: str, sql: str, param_oids: Sequence[int] = ()) -> bytes:
    payload = _cstr(name) + _cstr(sql) + struct.pack("!H", len(param_oids))
    return frame(b"P", payload + b"".join(struct.pack("!I", o) for o in param_oids))


def bind(
    portal: str,
    statement: str,
    params: Sequence[bytes | None] = (),
    param_formats: Sequence[int] = (),
    result_formats: Sequence[int] = (),
) -> bytes:
    payload = _cstr(portal) + _cstr(statement)
    payload += struct.pack("!H", len(param_formats)) + b"".join(
        struct.pack("!h", f) for f in param_formats
    )
    payload += struct.pack("!H", len(params))
    for p in params:
        payload += struct.pack("!i", -1) if p is None else struct.pack("!i", len(p)) + p
    payload += struct.pack("!H", len(result_formats)) + b"".join(
        struct.pack("!h", f) for f in result_formats
    )
    return frame(b"B", payload)


def describe(target: str, name: str) -> bytes:
    return frame(b"D", target.encode() + _cstr(name))


def execute(portal: str = "", max_rows: int = 0) -> bytes:
    return frame(b"E", _cstr(portal) + struct.pack("!i", max_rows))


def close(target: str, name: str) -> bytes:
    return frame(b"C", target.encode() + _cstr(name))


def sync() -> bytes:
    return frame(b"S")


def flush() -> bytes:
    return frame(b"H")


def terminate() -> bytes:
    return frame(b"X")


def copy_data(data: bytes) -> bytes:
    return frame(b"d", data)


def copy_done() -> bytes:
    return frame(b"c")


def copy_fail(reason: str) -> bytes:
    return frame(b"f", _cstr(reason))


def password(text: str) -> bytes:
    return frame(b"p", _cstr(text))


def sasl_initial(mechanism: str, data: bytes) -> bytes:
    return frame(b"p", _cstr(mechanism) + struct.pack("!i", len(data)) + data)


def sasl_response(data: bytes) -> bytes:
    return frame(b"p", data)


# --- backend messages (what the server sends) ---------------------------------------------


@dataclass(frozen=True)
class Message:
    kind: str
    payload: bytes

    def error_fields(self) -> dict[str, str]:
        assert self.kind in "EN", self
        fields = {}
        for part in self.payload.split(b"\0"):
            if part:
                fields[chr(part[0])] = part[1:].decode()
        return fields

    def data_row(self) -> list[bytes | None]:
        assert self.kind == "D"
        (count,) = struct.unpack_from("!H", self.payload)
        values, pos = [], 2
        for _ in range(count):
            (size,) = struct.unpack_from("!i", self.payload, pos)
            pos += 4
            if size < 0:
                values.append(None)
            else:
                values.append(self.payload[pos : pos + size])
                pos += size
        return values

    def auth_code(self) -> int:
        assert self.kind == "R"
        return struct.unpack_from("!i", self.payload)[0]

    def parameter(self) -> tuple[str, str]:
        assert self.kind == "S"
        name, value, _ = self.payload.split(b"\0")
        return name.decode(), value.decode()

    def text(self) -> str:
        return self.payload.rstrip(b"\0").decode()


def parse_messages(data: bytes, *, single_bytes: int = 0) -> list[Message]:
    """Split backend output into messages. The first `single_bytes` bytes are one-byte
    answers to SSLRequest/GSSENCRequest ('S'/'N'), reported as kind "ssl"."""
    messages = [Message("ssl", data[i : i + 1]) for i in range(single_bytes)]
    pos = single_bytes
    while pos < len(data):
        kind = chr(data[pos])
        (length,) = struct.unpack_from("!I", data, pos + 1)
        assert length >= 4, data[pos:]
        payload = data[pos + 5 : pos + 1 + length]
        assert len(payload) == length - 4, "truncated backend message"
        messages.append(Message(kind, payload))
        pos += 1 + length
    return messages


def kinds(messages: Sequence[Message]) -> str:
    return "".join(m.kind for m in messages)


# --- a SCRAM client (test side) -----------------------------------------------------------


class ScramClient:
    def __init__(self, password_text: str, nonce: str = "fyko+d2lbbFgONRv9qkxdawL") -> None:
        self.password = password_text
        self.nonce = nonce
        self.first_bare = f"n=,r={nonce}"
        self.server_signature = b""

    def first(self) -> bytes:
        return ("n,," + self.first_bare).encode()

    def final(self, server_first: bytes) -> bytes:
        attrs = dict(part.split("=", 1) for part in server_first.decode().split(","))
        salt = base64.b64decode(attrs["s"])
        salted = hashlib.pbkdf2_hmac("sha256", self.password.encode(), salt, int(attrs["i"]))
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = f"c=biws,r={attrs['r']}"
        auth_message = f"{self.first_bare},{server_first.decode()},{without_proof}".encode()
        signature = hmac.new(stored_key, auth_message, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        self.server_signature = hmac.new(server_key, auth_message, "sha256").digest()
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()


# --- a real server in a background thread -------------------------------------------------


class ServerThread:
    """`Server` on 127.0.0.1 with a free port, in its own event loop and thread."""

    def __init__(
        self,
        backend: FakeBackend | None = None,
        authenticator: Authenticator | None = None,
        **config: Any,
    ) -> None:
        self.backend = backend or FakeBackend()
        self.authenticator = authenticator or StaticAuthenticator()
        config.setdefault("host", "127.0.0.1")
        config.setdefault("port", 0)
        self.config = ServerConfig(**config)
        self.loop = asyncio.new_event_loop()
        self.server = Server(self.backend, self.authenticator, self.config)
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.port

    def __enter__(self) -> ServerThread:
        self._thread.start()
        self.call(self.server.start())
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.call(self.server.close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(WAIT_TIMEOUT_S)
            self.loop.close()

    def call(self, coro: Any, timeout_s: float = WAIT_TIMEOUT_S) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout_s)

    def dsn(self, **params: Any) -> str:
        params.setdefault("host", "127.0.0.1")
        params.setdefault("port", self.port)
        params.setdefault("user", "alice")
        params.setdefault("dbname", "postgres")
        params.setdefault("sslmode", "disable")
        params.setdefault("connect_timeout", 10)
        return " ".join(f"{k}={v}" for k, v in params.items())


def wait_until(predicate: Callable[[], bool], timeout_s: float = WAIT_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.01)


# --- the state machine alone (sans-IO) ----------------------------------------------------


class Harness:
    """A `ServerProtocol` driven directly, in its own event loop, without sockets."""

    def __init__(
        self,
        authenticator: Authenticator | None = None,
        backend: FakeBackend | None = None,
        **kwargs: Any,
    ) -> None:
        from borealis.wire.protocol import ServerProtocol

        self.loop = asyncio.new_event_loop()
        self.backend = backend or FakeBackend()
        kwargs.setdefault("process_id", 42)
        kwargs.setdefault("secret_key", 7)
        kwargs.setdefault("random_bytes", lambda n: b"\x01" * n)
        self.proto = ServerProtocol(self.backend, authenticator or StaticAuthenticator(), **kwargs)

    @property
    def session(self) -> FakeSession:
        assert self.backend.sessions, "no session yet"
        return self.backend.sessions[-1]

    def send(self, *chunks: bytes, single_bytes: int = 0) -> list[Message]:
        for chunk in chunks:
            self.loop.run_until_complete(asyncio.wait_for(self.proto.feed(chunk), WAIT_TIMEOUT_S))
        return parse_messages(self.proto.take_output(), single_bytes=single_bytes)

    def connect(self, **params: str) -> list[Message]:
        return self.send(startup(**params))

    def close(self) -> None:
        self.loop.run_until_complete(self.proto.close())
        self.loop.close()


# --- a raw socket client ------------------------------------------------------------------


class RawClient:
    """A blocking socket speaking raw protocol bytes, for what libraries will not do."""

    opened: ClassVar[list[RawClient]] = []  # closed after every test by conftest.py

    def __init__(self, port: int, sock: socket.socket | None = None, rcvbuf_bytes: int = 0) -> None:
        if sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            if rcvbuf_bytes:  # before connect, so the TCP window is small from the start
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf_bytes)
            sock.settimeout(WAIT_TIMEOUT_S)
            sock.connect(("127.0.0.1", port))
        self.sock = sock
        self.sock.settimeout(WAIT_TIMEOUT_S)
        RawClient.opened.append(self)
        self._buf = bytearray()
        self._pos = 0

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def recv_exactly(self, size: int) -> bytes:
        while len(self._buf) - self._pos < size:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("server closed the connection")
            del self._buf[: self._pos]
            self._pos = 0
            self._buf += chunk
        data = bytes(self._buf[self._pos : self._pos + size])
        self._pos += size
        return data

    def read_message(self) -> Message:
        header = self.recv_exactly(5)
        (length,) = struct.unpack("!I", header[1:])
        return Message(chr(header[0]), self.recv_exactly(length - 4))

    def read_until(self, kind: str) -> list[Message]:
        messages = []
        while True:
            message = self.read_message()
            messages.append(message)
            if message.kind == kind:
                return messages

    def read_to_eof(self) -> bytes:
        data = bytes(self._buf[self._pos :])
        self._buf.clear()
        self._pos = 0
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk

    def connect(self, **params: str) -> list[Message]:
        self.send(startup(**params))
        return self.read_until("Z")

    def vanish(self) -> None:
        """Disappear without a Terminate message, with a TCP reset."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.sock.close()

    def close(self) -> None:
        self.sock.close()
