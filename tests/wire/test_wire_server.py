"""The asyncio shell: connection lifecycle, limits, timeouts, TLS negotiation, flow control.

Raw sockets do what well-behaved client libraries never do (vanish mid-transaction,
send nothing, skip ALPN, stop reading).
"""

from __future__ import annotations

import socket
import ssl
import time

import psycopg
import pytest
from wire_support import (
    STREAM_BATCH_ROWS,
    RawClient,
    ServerThread,
    query,
    ssl_request,
    startup,
    terminate,
    wait_until,
)

from borealis.wire import tls

pytestmark = pytest.mark.timeout(60)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    return tls.ensure_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def server():
    with ServerThread() as srv:
        yield srv


def test_client_vanishing_mid_transaction_rolls_back(server):
    client = RawClient(server.port)
    client.connect()
    client.send(query("begin"))
    assert client.read_until("Z")[-1].payload == b"T"
    client.vanish()
    session = server.backend.sessions[-1]
    wait_until(lambda: session.terminate_calls == 1)
    assert session.rolled_back_on_terminate
    time.sleep(0.05)
    assert session.terminate_calls == 1  # exactly once


def test_client_vanishing_mid_statement_cancels_it(server):
    client = RawClient(server.port)
    client.connect()
    client.send(query("begin") + query("sleep"))
    wait_until(lambda: "sleep" in server.backend.sessions[-1].queries)
    client.vanish()
    session = server.backend.sessions[-1]
    wait_until(lambda: session.terminate_calls == 1)
    assert session.cancel_calls == 1
    assert session.rolled_back_on_terminate


def test_terminate_message_ends_session_once(server):
    client = RawClient(server.port)
    client.connect()
    client.send(terminate())
    assert client.read_to_eof() == b""
    session = server.backend.sessions[-1]
    wait_until(lambda: session.terminate_calls == 1)
    assert not session.rolled_back_on_terminate
    assert session.cancel_calls == 0


def test_server_close_terminates_sessions():
    srv = ServerThread()
    with srv:
        client = RawClient(srv.port)
        client.connect()
        client.send(query("begin"))
        client.read_until("Z")
    session = srv.backend.sessions[-1]
    assert session.terminate_calls == 1 and session.rolled_back_on_terminate
    fields = client.read_message().error_fields()
    assert (fields["S"], fields["C"]) == ("FATAL", "57P01")
    assert client.read_to_eof() == b""


def test_too_many_clients():
    with ServerThread(connections_max=2, connections_overflow_max=1) as srv:
        first = psycopg.connect(srv.dsn())
        second = psycopg.connect(srv.dsn())
        with pytest.raises(psycopg.OperationalError, match="too many open connections"):
            psycopg.connect(srv.dsn())
        first.close()
        wait_until(lambda: srv.server.connection_count == 1)
        with psycopg.connect(srv.dsn()) as third:
            assert third.execute("select 1").fetchone() == (1,)
        second.close()


def test_beyond_the_overflow_connections_are_closed_at_once():
    with ServerThread(connections_max=1, connections_overflow_max=0) as srv:
        held = RawClient(srv.port)
        held.connect()
        extra = RawClient(srv.port)
        assert extra.read_to_eof() == b""
        held.close()
        extra.close()


def test_cancel_with_wrong_secret_is_ignored(server):
    client = RawClient(server.port)
    messages = client.connect()
    key = next(m for m in messages if m.kind == "K")
    import struct

    pid, secret = struct.unpack("!II", key.payload)
    for wrong in (secret ^ 1, None):
        canceller = RawClient(server.port)
        bad_pid = pid + 1000 if wrong is None else pid
        canceller.send(struct.pack("!IIII", 16, 80877102, bad_pid, wrong or secret))
        assert canceller.read_to_eof() == b""
    assert server.backend.sessions[-1].cancel_calls == 0
    canceller = RawClient(server.port)
    canceller.send(struct.pack("!IIII", 16, 80877102, pid, secret))
    assert canceller.read_to_eof() == b""
    wait_until(lambda: server.backend.sessions[-1].cancel_calls == 1)
    client.close()


def test_startup_timeout_closes_silent_connections():
    with ServerThread(startup_timeout_s=0.3) as srv:
        silent = RawClient(srv.port)
        started = time.monotonic()
        assert silent.read_to_eof() == b""
        assert time.monotonic() - started < 5
        partial = RawClient(srv.port)
        partial.send(startup()[:5])
        assert partial.read_to_eof() == b""
        with psycopg.connect(srv.dsn()) as conn:  # an authenticated session is not timed out
            time.sleep(0.5)
            assert conn.execute("select 1").fetchone() == (1,)


def test_direct_tls_without_alpn_is_refused(certs):
    with ServerThread(ssl_context=tls.server_ssl_context(certs)) as srv:
        context = ssl.create_default_context(cafile=str(certs.ca_cert))  # no ALPN
        sock = context.wrap_socket(
            socket.create_connection(("127.0.0.1", srv.port), timeout=10),
            server_hostname="localhost",
        )
        client = RawClient(srv.port, sock=sock)
        message = client.read_message()
        fields = message.error_fields()
        assert (fields["S"], fields["C"]) == ("FATAL", "08P01")
        assert "ALPN" in fields["M"]


def test_direct_tls_with_alpn_raw(certs):
    with ServerThread(ssl_context=tls.server_ssl_context(certs)) as srv:
        context = tls.client_ssl_context(certs.ca_cert)
        sock = context.wrap_socket(
            socket.create_connection(("127.0.0.1", srv.port), timeout=10),
            server_hostname="localhost",
        )
        assert sock.selected_alpn_protocol() == "postgresql"
        client = RawClient(srv.port, sock=sock)
        assert client.connect()[-1].kind == "Z"
        assert srv.backend.sessions[-1].info.tls


def test_direct_tls_to_plain_server_is_closed(server, certs):
    context = tls.client_ssl_context(certs.ca_cert)
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        context.wrap_socket(raw, server_hostname="localhost")
    raw.close()


def test_plaintext_behind_ssl_request_is_refused(certs):
    with ServerThread(ssl_context=tls.server_ssl_context(certs)) as srv:
        client = RawClient(srv.port)
        client.send(ssl_request() + startup())
        data = client.read_to_eof()
        assert data[:1] == b"E" and b"08P01" in data


def test_slow_reader_gets_backpressure_not_buffering(server):
    total = 1_000_000  # ~17 MB of DataRows: far more than socket buffers hold
    client = RawClient(server.port, rcvbuf_bytes=4096)
    client.connect()
    client.send(query(f"stream {total}"))
    session = server.backend.sessions[-1]
    time.sleep(0.5)
    produced = session.batches_produced
    # Paused with a few MB in kernel socket buffers, far from done.
    assert 0 < produced < total // STREAM_BATCH_ROWS // 2
    rows = 0
    while True:
        message = client.read_message()
        rows += message.kind == "D"
        if message.kind == "Z":
            break
    assert rows == total
    client.close()


def test_client_vanishing_mid_result_stream_terminates(server):
    client = RawClient(server.port, rcvbuf_bytes=4096)
    client.connect()
    client.send(query("stream 1000000"))
    session = server.backend.sessions[-1]
    wait_until(lambda: session.batches_produced > 0)
    client.vanish()
    wait_until(lambda: session.terminate_calls == 1)
    produced = session.batches_produced
    time.sleep(0.1)
    assert session.batches_produced == produced  # the stream was abandoned
