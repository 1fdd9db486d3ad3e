"""Fuzzing: whatever bytes a client sends, the wire answers with well-formed messages,
ends a connection only with FATAL 08P01 (or a startup-phase FATAL), never leaks an
internal error, and never takes the server down.
"""

from __future__ import annotations

import logging
import socket
import struct

import psycopg
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from wire_support import (
    FakeBackend,
    FakeSession,
    FakeSyntaxError,
    Harness,
    Message,
    RawClient,
    ServerThread,
    bind,
    cancel_request,
    close,
    copy_data,
    copy_done,
    copy_fail,
    describe,
    execute,
    flush,
    frame,
    gssenc_request,
    parse,
    query,
    ssl_request,
    startup,
    sync,
)

from borealis.wire.protocol import ProtocolConfig

pytestmark = pytest.mark.timeout(120)

FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

BACKEND_KINDS = set(
    ["R", "S", "K", "Z", "T", "D", "C", "I", "E", "N", "1", "2", "3", "t", "n", "s", "G", "v"]
)
STARTUP_FATAL_CODES = {"08P01", "0A000", "28000", "22023", "22021", "3D000"}


class SturdySession(FakeSession):
    """The fake, minus its own bugs: bad parameter bytes are an SQL error, not XX000."""

    async def bind(self, portal, statement, param_formats, params, result_formats):
        try:
            await super().bind(portal, statement, param_formats, params, result_formats)
        except (ValueError, UnicodeDecodeError, struct.error):
            raise FakeSyntaxError("invalid input syntax") from None


class SturdyBackend(FakeBackend):
    async def open_session(self, info):
        session = SturdySession(info)
        self.sessions.append(session)
        return session


# --- strategies -----------------------------------------------------------------------------

SQL = st.sampled_from(
    [
        "select 1",
        "select 'x'",
        "",
        "begin",
        "commit",
        "rollback",
        "select error",
        "rows 3",
        "notice",
        "copy t from stdin",
        "select $1::int4",
        "select $1, $2",
        "select 1; select 2",
    ]
)
NAME = st.sampled_from(["", "s", "p", "_pg3_0"])

valid_message = st.one_of(
    SQL.map(query),
    st.builds(lambda n, s: parse(n, s), NAME, SQL),
    st.builds(
        lambda p, s, params, fmts: bind(p, s, params, fmts),
        NAME,
        NAME,
        st.lists(st.one_of(st.none(), st.binary(max_size=8)), max_size=3),
        st.lists(st.integers(0, 1), max_size=3),
    ),
    st.builds(describe, st.sampled_from("SP"), NAME),
    st.builds(execute, NAME, st.integers(-1, 3)),
    st.builds(close, st.sampled_from("SP"), NAME),
    st.just(sync()),
    st.just(flush()),
    st.builds(copy_data, st.binary(max_size=16)),
    st.just(copy_done()),
    st.builds(copy_fail, st.text(max_size=8).filter(lambda t: "\0" not in t)),
)
random_frame = st.builds(
    lambda k, p: frame(bytes([k]), p), st.integers(0, 255), st.binary(max_size=40)
)
known_kind_junk = st.builds(
    lambda k, p: frame(bytes([k]), p), st.sampled_from(b"QPBDECHSdcfFp"), st.binary(max_size=40)
)
bad_length = st.builds(
    lambda k, n, p: bytes([k]) + struct.pack("!I", n) + p,
    st.sampled_from(b"QPBDECHSXdcfp"),
    st.one_of(st.integers(0, 8), st.integers(0, 2**32 - 1)),
    st.binary(max_size=16),
)
message = st.one_of(valid_message, valid_message, random_frame, known_kind_junk, bad_length)

startup_packet = st.one_of(
    st.builds(
        lambda params: startup(**params),
        st.dictionaries(
            st.sampled_from(
                [
                    "user",
                    "database",
                    "application_name",
                    "client_encoding",
                    "options",
                    "_pq_.x",
                    "replication",
                ]
            ),
            st.text(max_size=10).filter(lambda t: "\0" not in t),
        ),
    ),
    st.builds(lambda v: startup(version=v), st.integers(0, 2**32 - 1)),
    st.just(ssl_request()),
    st.just(gssenc_request()),
    st.builds(cancel_request, st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1)),
    st.builds(
        lambda n, p: struct.pack("!I", n) + p, st.integers(0, 20_000), st.binary(max_size=24)
    ),
    st.binary(max_size=24),
)


def chunked(data: bytes, cuts: list[int]) -> list[bytes]:
    points = sorted({c % (len(data) + 1) for c in cuts})
    pieces, start = [], 0
    for point in [*points, len(data)]:
        pieces.append(data[start:point])
        start = point
    return [p for p in pieces if p]


def parse_output(data: bytes) -> list[Message]:
    """Backend messages, allowing for the one-byte SSLRequest/GSSENCRequest answers: a
    byte is a single answer exactly when what follows it is not a plausible length."""
    messages, pos = [], 0
    while pos < len(data):
        if data[pos : pos + 1] in (b"S", b"N"):
            length = struct.unpack_from("!I", data, pos + 1)[0] if len(data) - pos >= 5 else 0
            if not 4 <= length <= len(data) - pos - 1:
                messages.append(Message("ssl", data[pos : pos + 1]))
                pos += 1
                continue
        kind = chr(data[pos])
        assert kind in BACKEND_KINDS, f"unknown backend message {kind!r}"
        assert len(data) - pos >= 5, "truncated header"
        (length,) = struct.unpack_from("!I", data, pos + 1)
        assert 4 <= length <= len(data) - pos - 1, "truncated message"
        messages.append(Message(kind, data[pos + 5 : pos + 1 + length]))
        pos += 1 + length
    return messages


def check_outcome(h: Harness, output: bytes, fatal_codes: set[str]) -> None:
    messages = parse_output(output)
    for i, m in enumerate(messages):
        if m.kind != "E":
            continue
        fields = m.error_fields()
        assert fields["C"] != "XX000", fields
        if fields["S"] == "FATAL":
            assert fields["C"] in fatal_codes, fields
            assert i == len(messages) - 1, "output after FATAL"
            assert h.proto.closed


def run_fuzz(h: Harness, pieces: list[bytes], fatal_codes: set[str]) -> None:
    output = b""
    for piece in pieces:
        h.loop.run_until_complete(h.proto.feed(piece))  # must never raise
        output += h.proto.take_output()
        if h.proto.closed:
            h.loop.run_until_complete(h.proto.feed(b"more"))
            assert h.proto.take_output() == b""
            break
    check_outcome(h, output, fatal_codes)
    event(f"final state: {h.proto.state.value}")  # see --hypothesis-show-statistics
    h.close()  # closing must not raise either


@FUZZ
@given(st.lists(message, max_size=25), st.lists(st.integers(0, 10_000), max_size=8))
def test_fuzz_after_startup(messages, cuts):
    h = Harness(backend=SturdyBackend())
    h.connect()
    data = b"".join(messages)
    run_fuzz(h, chunked(data, cuts), {"08P01"})


@FUZZ
@given(
    st.lists(startup_packet, min_size=1, max_size=3),
    st.lists(message, max_size=6),
    st.lists(st.integers(0, 10_000), max_size=6),
    st.booleans(),
)
def test_fuzz_startup(packets, messages, cuts, tls_available):
    h = Harness(backend=SturdyBackend(), config=ProtocolConfig(tls_available=tls_available))
    data = b"".join(packets) + b"".join(messages)
    run_fuzz(h, chunked(data, cuts), STARTUP_FATAL_CODES)


class _ErrorLog(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(scope="module")
def error_log():
    handler = _ErrorLog()
    logger = logging.getLogger("borealis.wire")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture(scope="module")
def shared_server(error_log):
    with ServerThread(backend=SturdyBackend(), startup_timeout_s=5) as srv:
        yield srv


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.lists(message, max_size=8), st.binary(max_size=64))
def test_fuzz_server_keeps_serving(shared_server, with_startup, messages, tail):
    data = (startup() if with_startup else b"") + b"".join(messages) + tail
    junk = RawClient(shared_server.port)
    try:
        junk.send(data)
        junk.sock.shutdown(socket.SHUT_WR)
        junk.read_to_eof()
    except (ConnectionError, TimeoutError):
        pass
    finally:
        junk.close()
    with psycopg.connect(shared_server.dsn(), autocommit=True) as conn:
        assert conn.execute("select 1").fetchone() == (1,)


def test_fuzz_server_logged_no_wire_errors(shared_server, error_log):
    # After the junk above: no connection failed inside the wire layer (which would
    # have been logged at ERROR), and the server still serves.
    with psycopg.connect(shared_server.dsn()) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    assert [r.getMessage() for r in error_log.records] == []
